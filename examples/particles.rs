//! A game-engine frame loop: every frame allocates a few particle batches
//! in an arena, sends them to a worker thread that integrates them and drops
//! them, and gets back a small result.
//!
//! Run with `cargo run --example particles`.
//!
//! It shows the steady state of a churn loop: once the first frames have
//! made enough chunks (warm-up), `chunks_reused` grows with every frame
//! while `chunks_created` nearly stops: the allocator keeps its last few
//! retired chunks and takes one back as soon as the worker has dropped
//! every handle into it, instead of calling the global allocator. The
//! example asserts it, and prints how many fresh chunks were still made.

use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use arena_arc::{ArcSlice, arena};

#[derive(Clone, Copy, Debug)]
struct Particle {
    pos: [f32; 3],
    vel: [f32; 3],
}

// Each thread that allocates particles gets its own allocator of 4096-particle
// chunks; only the main thread does here.
arena!(static PARTICLES: Particle, 4096);

const FRAMES: usize = 300;
const WARM_UP: usize = 30;
const BATCHES_PER_FRAME: usize = 3;
const DT: f32 = 1.0 / 60.0;

/// A batch with its frame number, sent to the worker.
struct Work {
    frame: usize,
    batches: Vec<ArcSlice<Particle>>,
}

/// What the worker sends back for a frame.
struct Report {
    frame: usize,
    particles: usize,
    kinetic_energy: f64,
    mean_height: f64,
}

/// A small deterministic xorshift generator.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f32 {
        (self.next() % 10_000) as f32 / 10_000.0
    }
}

/// The worker: integrates each batch into its own buffer (reused across
/// frames), sums the kinetic energy, drops the batches, then reports. The
/// drop comes before the report, so a frame's chunks are free once the main
/// thread has the report.
fn worker(work: mpsc::Receiver<Work>, reports: mpsc::Sender<Report>) {
    let mut moved: Vec<[f32; 3]> = Vec::new();
    for Work { frame, batches } in work {
        let (mut particles, mut energy, mut height) = (0, 0.0f64, 0.0f64);
        for batch in &batches {
            moved.clear();
            moved.extend(batch.iter().map(|p| {
                let mut pos = p.pos;
                for (x, v) in pos.iter_mut().zip(p.vel) {
                    *x += v * DT;
                }
                pos
            }));
            energy += batch
                .iter()
                .map(|p| 0.5 * p.vel.iter().map(|v| (v * v) as f64).sum::<f64>())
                .sum::<f64>();
            height += moved.iter().map(|pos| pos[1] as f64).sum::<f64>();
            particles += batch.len();
        }
        drop(batches); // the last handles into this frame's slices
        let mean_height = height / particles.max(1) as f64;
        let report = Report {
            frame,
            particles,
            kinetic_energy: energy,
            mean_height,
        };
        if reports.send(report).is_err() {
            return;
        }
    }
}

fn main() {
    let start = Instant::now();
    let (work_tx, work_rx) = mpsc::channel::<Work>();
    let (report_tx, report_rx) = mpsc::channel::<Report>();
    let worker = thread::spawn(move || worker(work_rx, report_tx));

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut at_warm_up = PARTICLES.stats();
    let mut total_particles = 0;
    for frame in 0..FRAMES {
        // A few batches of varying size (at most half a chunk, so that none
        // gets a dedicated chunk of its own: see `Allocator`).
        let batches = (0..BATCHES_PER_FRAME)
            .map(|_| {
                let len = 64 + (rng.next() % 1984) as usize;
                let (spread, lift) = (rng.unit(), rng.unit());
                PARTICLES.alloc(len, |i| {
                    let a = i as f32 * 0.1;
                    Particle {
                        pos: [a.cos() * spread, 0.0, a.sin() * spread],
                        vel: [a.sin(), 2.0 + lift, -a.cos()],
                    }
                })
            })
            .collect();
        work_tx.send(Work { frame, batches }).unwrap();

        // Wait for this frame's report, as an engine waits for the simulation
        // before rendering. (Keeping frames in flight works too, but the
        // allocator remembers only its last 4 retired chunks: one evicted
        // from that list while the worker still holds it is freed, not
        // reused, and a fresh chunk is made later.)
        report(frame, &report_rx, &mut total_particles);
        if frame + 1 == WARM_UP {
            at_warm_up = PARTICLES.stats();
        }
    }
    drop(work_tx);
    worker.join().unwrap();

    let stats = PARTICLES.stats();
    println!(
        "\n{FRAMES} frames, {total_particles} particles in {:.1?}",
        start.elapsed()
    );
    println!("{stats:#?}");
    // After warm-up nearly every chunk the loop needs is a reused one. Not
    // quite all: a retired chunk goes to the next slot of the allocator's
    // 4-slot list in turn, which can evict (and free) a reusable chunk while
    // another slot is empty, so a fresh chunk is made now and then.
    let made = stats.chunks_created - at_warm_up.chunks_created;
    let reused = stats.chunks_reused - at_warm_up.chunks_reused;
    println!(
        "after warm-up (frame {WARM_UP}): {reused} chunks reused, {made} made \
         ({:.1}% of the chunks the loop needed came from the global allocator)",
        100.0 * made as f64 / (made + reused) as f64
    );
    assert!(reused > 0, "chunks dropped by the worker should be reused");
    assert!(
        made * 10 <= reused,
        "after warm-up at most 1 chunk in 10 should be fresh"
    );
    assert_eq!(stats.dedicated_chunks, 0, "no batch is over half a chunk");
    println!("ok: after warm-up the frame loop reuses its chunks");
}

/// Receives the report of `frame`, printing every 50th with the arena stats.
fn report(frame: usize, reports: &mpsc::Receiver<Report>, total: &mut usize) {
    let r = reports.recv().expect("the worker reports every frame");
    assert_eq!(r.frame, frame);
    *total += r.particles;
    if frame % 50 == 0 || frame + 1 == FRAMES {
        let s = PARTICLES.stats();
        println!(
            "frame {:>3}: {:>4} particles, kinetic energy {:>8.1}, mean height {:.3} | \
             chunks created {}, reused {:>3}, alive {}",
            r.frame,
            r.particles,
            r.kinetic_energy,
            r.mean_height,
            s.chunks_created,
            s.chunks_reused,
            s.chunks_alive
        );
    }
}
