//! `arena-arc` against what a user would pick instead.
//!
//! `cargo bench --bench alloc_bench` runs everything (about 10 minutes on
//! 2 cores); `ARENA_BENCH_QUICK=1` shortens every measurement (about 3
//! minutes, noisier). `scripts/bench-report` runs this and renders the
//! results into `docs/benchmarks.md` and the README.
//!
//! Workloads (element type `u64`):
//!
//! - W1: allocate 1,000,000 slices of length 8 (`init = |i| i as u64`), keep
//!   every handle in a `Vec`, then drop them all. Three measurements from
//!   separate runs: `W1-alloc` (the slices), `W1-drop`
//!   (dropping the handles, then the arena) and `W1-cycle` (both). One
//!   criterion iteration is the whole million.
//! - W2: the same with 1,000,000 single values (`alloc_value` and the like).
//! - W3: churn: allocate a slice of length 16, sum it, drop it; one criterion
//!   iteration is one such cycle, on one arena that lives for the whole
//!   sample (criterion runs tens of millions of cycles per contestant).
//! - W4: clone and drop one existing handle.
//! - W5: sum over 1,000,000 live slices of length 8 through their handles.
//! - W6: one thread allocates 1,000,000 slices of length 8 and sends them, in
//!   batches of 1024 over a `std::sync::mpsc` channel, to a second thread,
//!   which sums and drops each.
//! - W7: allocate a slice of each length in 1, 32, 256, 1024, 4096, read it
//!   through `black_box` and drop it (the sweep of the 0.1.2 benchmark).
//!
//! The arenas that free nothing per slice (bumpalo, typed-arena) reset after
//! every 65,536 elements in the churn loops (W3, W7), the cost of the reset
//! included; in W1/W2 their "drop" is dropping the references and the arena.
//! Cells a contestant can't fill are left out, see `docs/benchmarks.md`.

mod common;

use std::alloc::Layout;
use std::hint::black_box;
use std::mem::ManuallyDrop;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main,
};

/// Slices (or values) in W1, W2, W5 and W6.
const MANY: usize = 1_000_000;
/// W6: handles per message.
const BATCH: usize = 1024;
/// W7: the slice lengths.
const SWEEP: [usize; 5] = [1, 32, 256, 1024, 4096];

fn quick() -> bool {
    std::env::var_os("ARENA_BENCH_QUICK").is_some_and(|v| v != "0")
}

/// A group for workloads whose one iteration is a million allocations.
fn big_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(if quick() { 200 } else { 1000 }))
        .measurement_time(Duration::from_millis(if quick() { 500 } else { 3000 }));
    group
}

/// A group for workloads whose one iteration takes nanoseconds.
fn small_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(if quick() { 20 } else { 50 })
        .warm_up_time(Duration::from_millis(if quick() { 200 } else { 500 }))
        .measurement_time(Duration::from_millis(if quick() { 400 } else { 2000 }));
    group
}

/// The memory of a `Vec` with room for `MANY` handles, reused by every
/// iteration, so that neither its allocation nor its page faults are timed
/// (they would be the same for every contestant, and the global allocator may
/// or may not hand back already-mapped pages from one iteration to the next).
struct HandleBuf {
    ptr: *mut u8,
    layout: Layout,
}

impl HandleBuf {
    fn new<H>() -> Self {
        let mut v = ManuallyDrop::new(Vec::<H>::with_capacity(MANY));
        // SAFETY: writes zero bytes to the vector's spare capacity, which it
        // owns; its length stays 0, so no `H` is ever read from them.
        unsafe { std::ptr::write_bytes(v.as_mut_ptr(), 0, MANY) };
        HandleBuf {
            ptr: black_box(v.as_mut_ptr().cast()),
            layout: Layout::array::<H>(MANY).unwrap(),
        }
    }

    /// An empty `Vec` with room for `MANY` handles. `H` must have the size
    /// and alignment of the `H` given to `new` (all lifetimes of one handle
    /// type do).
    fn take<H>(&mut self) -> Vec<H> {
        assert_eq!(Layout::array::<H>(MANY).unwrap(), self.layout);
        // SAFETY: `ptr` was allocated by a `Vec` with this layout and holds
        // no element; the `Vec` returned is its only owner until `give`.
        unsafe { Vec::from_raw_parts(self.ptr.cast(), 0, MANY) }
    }

    /// Takes back the memory of an emptied `Vec` from `take`.
    fn give<H>(&mut self, v: Vec<H>) {
        assert!(v.is_empty() && v.capacity() == MANY);
        self.ptr = ManuallyDrop::new(v).as_mut_ptr().cast();
    }
}

impl Drop for HandleBuf {
    fn drop(&mut self) {
        // SAFETY: allocated with this layout by `Vec` in `new`; no `Vec`
        // owns it now.
        unsafe { std::alloc::dealloc(self.ptr, self.layout) }
    }
}

/// Gives the free memory of the global allocator back to the system before
/// an iteration of W1, W2 or W6 (untimed), so that every iteration, whatever
/// ran before it, starts like a program that allocates its million slices
/// once: each contestant pays for first touching its own footprint.
/// Without it, glibc's state decides: free lists full of the previous
/// iteration's 80-byte blocks make `Arc`'s next million nearly free of page
/// faults, or not, depending on whether something between two iterations
/// (criterion itself, between samples) made glibc consolidate and trim them.
/// See docs/benchmarks.md, "Targets and floors".
fn settle_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: glibc's `malloc_trim` takes any padding and only releases
        // memory that no allocation uses.
        unsafe { malloc_trim(0) };
    }
}

// ----- W1 / W2 -----------------------------------------------------------------

#[derive(Clone, Copy)]
enum Phase {
    Alloc,
    Drop,
    Cycle,
}

fn w1<C: Contestant>(iters: u64, phase: Phase) -> Duration {
    let mut timed = Duration::ZERO;
    let mut buf = HandleBuf::new::<C::Slice<'static>>();
    for _ in 0..iters {
        // Making an arena allocates nothing for any contestant: untimed.
        settle_heap();
        let arena = C::arena();
        let mut v = buf.take();
        let t0 = Instant::now();
        for _ in 0..MANY {
            v.push(C::slice(&arena, 8, |i| i as u64));
        }
        let t1 = Instant::now();
        black_box(&v);
        let t2 = Instant::now();
        v.clear();
        buf.give(v);
        drop(arena);
        let t3 = Instant::now();
        timed += match phase {
            Phase::Alloc => t1 - t0,
            Phase::Drop => t3 - t2,
            Phase::Cycle => (t1 - t0) + (t3 - t2),
        };
    }
    timed
}

fn w2<C: Contestant>(iters: u64, phase: Phase) -> Duration {
    let mut timed = Duration::ZERO;
    let mut buf = HandleBuf::new::<C::Single<'static>>();
    for _ in 0..iters {
        // Making an arena allocates nothing for any contestant: untimed.
        settle_heap();
        let arena = C::arena();
        let mut v = buf.take();
        let t0 = Instant::now();
        for i in 0..MANY {
            v.push(C::single(&arena, i as u64));
        }
        let t1 = Instant::now();
        black_box(&v);
        let t2 = Instant::now();
        v.clear();
        buf.give(v);
        drop(arena);
        let t3 = Instant::now();
        timed += match phase {
            Phase::Alloc => t1 - t0,
            Phase::Drop => t3 - t2,
            Phase::Cycle => (t1 - t0) + (t3 - t2),
        };
    }
    timed
}

// ----- W3 / W7: churn ----------------------------------------------------------

fn churn<C: Contestant>(iters: u64, len: usize, sum: bool) -> Duration {
    let t0 = Instant::now();
    let mut arena = C::arena();
    let mut since_recycle = 0;
    for _ in 0..iters {
        let s = C::slice(&arena, len, |i| i as u64);
        // Read the elements from memory: the slice goes through an opaque
        // function first, so the compiler can't reuse what it just wrote.
        let r: &[u64] = black_box(&s);
        if sum {
            black_box(r.iter().sum::<u64>());
        }
        drop(s);
        if C::RECYCLE_ELEMS > 0 {
            since_recycle += len;
            if since_recycle >= C::RECYCLE_ELEMS {
                C::recycle(&mut arena);
                since_recycle = 0;
            }
        }
    }
    drop(arena);
    t0.elapsed()
}

// ----- W5 ------------------------------------------------------------------------

fn w5<C: Contestant>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let arena = C::arena();
    let mut v = Vec::with_capacity(MANY);
    for _ in 0..MANY {
        v.push(C::slice(&arena, 8, |i| i as u64));
    }
    group.bench_function(C::NAME, |b| {
        b.iter(|| {
            let mut total = 0u64;
            for h in black_box(&v) {
                total = total.wrapping_add(h.iter().sum::<u64>());
            }
            black_box(total)
        })
    });
}

// ----- W6 ------------------------------------------------------------------------

fn w6<C: Contestant>(iters: u64) -> Duration
where
    for<'a> C::Slice<'a>: Send,
{
    let mut timed = Duration::ZERO;
    for _ in 0..iters {
        settle_heap();
        let t0 = Instant::now();
        let arena = C::arena();
        std::thread::scope(|scope| {
            let (tx, rx) = mpsc::channel::<Vec<C::Slice<'_>>>();
            scope.spawn(move || {
                let mut total = 0u64;
                for batch in rx {
                    for h in batch {
                        total = total.wrapping_add(h.iter().sum::<u64>());
                    }
                }
                black_box(total);
            });
            for _ in 0..MANY / BATCH {
                let mut batch = Vec::with_capacity(BATCH);
                for _ in 0..BATCH {
                    batch.push(C::slice(&arena, 8, |i| i as u64));
                }
                tx.send(batch).unwrap();
            }
            let mut rest = Vec::with_capacity(MANY % BATCH);
            for _ in 0..MANY % BATCH {
                rest.push(C::slice(&arena, 8, |i| i as u64));
            }
            tx.send(rest).unwrap();
        });
        drop(arena);
        timed += t0.elapsed();
    }
    timed
}

// ----- registration --------------------------------------------------------------

/// Invokes the local macro `$m!` with every contestant, for the workloads
/// all of them can run.
macro_rules! every_contestant {
    ($m:ident) => {
        $m!(
            Ours<4096>,
            Ours<65536>,
            Orig,
            StdArc,
            StdBox,
            StdRc,
            Triomphe,
            Multitude,
            Bumpalo,
            TypedArena
        )
    };
}

fn bench_w1(c: &mut Criterion) {
    for (name, phase) in [
        ("W1-alloc", Phase::Alloc),
        ("W1-drop", Phase::Drop),
        ("W1-cycle", Phase::Cycle),
    ] {
        let mut g = big_group(c, name);
        macro_rules! one {
            ($($c:ty),*) => {$(
                g.bench_function(<$c>::NAME, |b| b.iter_custom(|n| w1::<$c>(n, phase)));
            )*};
        }
        every_contestant!(one);
        g.finish();
    }
}

fn bench_w2(c: &mut Criterion) {
    for (name, phase) in [
        ("W2-alloc", Phase::Alloc),
        ("W2-drop", Phase::Drop),
        ("W2-cycle", Phase::Cycle),
    ] {
        let mut g = big_group(c, name);
        macro_rules! one {
            ($($c:ty),*) => {$(
                g.bench_function(<$c>::NAME, |b| b.iter_custom(|n| w2::<$c>(n, phase)));
            )*};
        }
        every_contestant!(one);
        g.finish();
    }
}

fn bench_w3(c: &mut Criterion) {
    let mut g = small_group(c, "W3");
    macro_rules! one {
        ($($c:ty),*) => {$(
            g.bench_function(<$c>::NAME, |b| b.iter_custom(|n| churn::<$c>(n, 16, true)));
        )*};
    }
    every_contestant!(one);
    g.finish();
}

fn bench_w4(c: &mut Criterion) {
    let mut g = small_group(c, "W4");
    // Box (a clone copies), bumpalo and typed-arena (a `&[u64]` has no count)
    // have no shared-ownership clone to measure.
    macro_rules! one {
        ($($c:ty),*) => {$({
            let arena = <$c>::arena();
            let h = <$c>::slice(&arena, 8, |i| i as u64);
            g.bench_function(<$c>::NAME, |b| b.iter(|| drop(black_box(black_box(&h).clone()))));
        })*};
    }
    one!(
        Ours<4096>,
        Ours<65536>,
        Orig,
        StdArc,
        StdRc,
        Triomphe,
        Multitude
    );
    g.finish();
}

fn bench_w5(c: &mut Criterion) {
    let mut g = big_group(c, "W5");
    macro_rules! one {
        ($($c:ty),*) => {$( w5::<$c>(&mut g); )*};
    }
    every_contestant!(one);
    g.finish();
}

fn bench_w6(c: &mut Criterion) {
    let mut g = big_group(c, "W6");
    // Rc is not `Send`: it can't do this workload.
    macro_rules! one {
        ($($c:ty),*) => {$(
            g.bench_function(<$c>::NAME, |b| b.iter_custom(w6::<$c>));
        )*};
    }
    one!(
        Ours<4096>,
        Ours<65536>,
        Orig,
        StdArc,
        StdBox,
        Triomphe,
        Multitude,
        Bumpalo,
        TypedArena
    );
    g.finish();
}

fn bench_w7(c: &mut Criterion) {
    let mut g = small_group(c, "W7");
    g.sample_size(if quick() { 10 } else { 30 });
    for len in SWEEP {
        macro_rules! one {
            ($($c:ty),*) => {$(
                g.bench_with_input(BenchmarkId::new(<$c>::NAME, len), &len, |b, &len| {
                    b.iter_custom(|n| churn::<$c>(n, len, false))
                });
            )*};
        }
        every_contestant!(one);
    }
    g.finish();
}

criterion_group!(
    benches, bench_w1, bench_w2, bench_w3, bench_w4, bench_w5, bench_w6, bench_w7
);

criterion_main!(benches);
