// A `Drop` type whose handles point only at types with no links of their
// own: those handles are never reported and always count, so the `Drop`
// may read and move them (it compiled in 0.2.0 and does again).
use std::cell::Cell;

use arena_arc::{ArcSingle, ArcSlice, ArcStr, ArenaAlloc, arena};

#[derive(ArenaAlloc)]
struct Particle {
    x: f32,
    y: f32,
}

#[derive(ArenaAlloc)]
enum Color {
    Red,
    Rgb(u8, u8, u8),
}

#[derive(ArenaAlloc)]
struct Frame {
    particles: ArcSlice<Particle>,
    #[arena(default)]
    best: Option<ArcSingle<Particle>>,
    #[arena(default)]
    palette: Vec<ArcSlice<Color>>,
    pair: (ArcSingle<Particle>, u8),
    #[arena(default)]
    ids: ArcSlice<u32>,
    #[arena(default)]
    name: ArcStr,
}

thread_local! {
    static DROPS: Cell<u32> = const { Cell::new(0) };
}

impl Drop for Frame {
    fn drop(&mut self) {
        // Reads and moves out a handle: both harmless, since it counts.
        let moved = std::mem::take(&mut self.particles);
        assert!(moved.iter().all(|p| p.x <= p.y));
        DROPS.with(|d| d.set(d.get() + 1));
    }
}

#[derive(ArenaAlloc)]
enum Event {
    Tick,
    Frame(ArcSingle<Particle>),
    Colors { all: ArcSlice<Color> },
}

impl Drop for Event {
    fn drop(&mut self) {}
}

// A derived type with no links held by an `arena!` gets a plain arena.
arena!(static PARTICLES: Particle, 64);

fn main() {
    assert!(!PARTICLES.with(|a| a.is_acyclic()));
    let frame = Frame::builder()
        .particles(vec![Particle { x: 0.0, y: 1.0 }, Particle { x: 2.0, y: 3.0 }])
        .best(Some(PARTICLES.alloc_value(Particle { x: 1.0, y: 1.0 })))
        .palette(vec![Color::alloc_value(Color::Red).into(), Color::alloc(1, |_| Color::Rgb(1, 2, 3))])
        .pair((Particle::alloc_value(Particle { x: 0.0, y: 0.0 }), 7))
        .build();
    let frame = Frame::alloc_value(frame);
    assert_eq!(frame.particles.len(), 2);
    drop(frame);
    // A generation is freed as a whole, at the thread's next allocation or
    // trim.
    arena_arc::trim_thread();
    assert_eq!(DROPS.with(Cell::get), 1);
    drop(Event::alloc_value(Event::Tick));
}
