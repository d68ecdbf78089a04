//! One measurement of one contestant: the phases, timed, and what the heap
//! and the process's resident memory did meanwhile.

use std::hint::black_box;

use crate::measure::Handoff;
pub use crate::measure::{Stamp, Start};
use crate::tree::{Builder, Op, build, eval};

/// How many root clones the clone phase makes (they are kept, then dropped
/// untimed), so that the time per clone is above the clock's resolution.
pub const CLONES: usize = 1000;

/// What one run of one contestant measured. Times in nanoseconds, bytes
/// relative to what was in use before the run started.
#[derive(Debug, Default, Clone)]
pub struct Sample {
    pub nodes: usize,
    /// Where the tree was built: "worker" or "main".
    pub thread: &'static str,
    /// Making the arena and building the tree.
    pub build: u64,
    /// `CLONES` clones of the root handle, in total; `None`: not shared.
    pub clone: Option<u64>,
    pub eval: u64,
    /// Dropping the root (main thread).
    pub drop_tree: u64,
    /// Dropping the arena (on the thread that built the tree).
    pub drop_arena: u64,
    pub value: i64,
    /// Peak of the heap in use (counting runs only).
    pub heap_peak: usize,
    /// Heap still in use once the root is dropped, the arena still alive.
    pub left_after_drop: usize,
    /// Heap still in use once the arena is dropped and the building thread
    /// has ended.
    pub left_after_end: usize,
    /// Resident memory: `VmHWM` minus `VmRSS` before the run (the
    /// high-water mark was reset to the start then).
    pub rss_peak: usize,
    /// Resident memory right after the timed drop, above `VmRSS` before
    /// the run: what the drop gave back to the system shows here. (glibc
    /// gives some rows' freed pages back only at the building thread's
    /// end, which no phase times.)
    pub rss_after_drop: usize,
    pub node_size: usize,
    pub link_size: usize,
}

/// The clone and eval phases, on the main thread.
pub fn clone_and_eval<B: Builder>(s: &mut Sample, root: &B::Link, clones: &mut Vec<B::Link>) {
    clones.clear();
    let t = Stamp::now();
    for _ in 0..CLONES {
        match B::share(root) {
            Some(c) => clones.push(c),
            None => break,
        }
    }
    let elapsed = t.ns();
    s.clone = (!clones.is_empty()).then_some(elapsed);
    clones.clear();
    let t = Stamp::now();
    s.value = black_box(eval(black_box(&**root)));
    s.eval = t.ns();
}

/// Builds on a worker thread, which makes the arena (`B::default()`), hands
/// the root to the main thread and keeps the arena until the main thread
/// has evaluated and dropped the tree; then drops it and ends.
pub fn on_worker<B>(ops: &[Op]) -> Sample
where
    B: Builder + Default,
    B::Link: Send,
{
    let mut s = Sample {
        nodes: ops.len(),
        thread: "worker",
        node_size: size_of::<B::Node>(),
        link_size: size_of::<B::Link>(),
        ..Sample::default()
    };
    // The worker and the main thread meet through futex-based `Mutex`es and
    // `Condvar`s, which never allocate (a blocking `mpsc::recv` caches a
    // waker in a thread-local on first use: bytes "left" by the bench).
    let handoff: Handoff<(B::Link, u64)> = Handoff::default();
    let done: Handoff<()> = Handoff::default();
    // The first scoped thread allocates, once for the process, what std
    // keeps for the main thread (its `Thread` handle): not the contestant's.
    std::thread::scope(|scope| {
        scope.spawn(|| ());
    });
    let start = Start::now();
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let t = Stamp::now();
            let b = B::default();
            let root = build(&b, ops);
            let built = t.ns();
            handoff.put((root, built));
            done.take();
            let t = Stamp::now();
            drop(b);
            let dropped = t.ns();
            (dropped, start.rss_now())
        });
        let (root, built) = handoff.take();
        s.build = built;
        // Made and freed inside the run: 16 KB at most, in the peak only.
        let mut clones = Vec::with_capacity(CLONES);
        clone_and_eval::<B>(&mut s, &root, &mut clones);
        drop(clones);
        let t = Stamp::now();
        drop(root);
        s.drop_tree = t.ns();
        s.left_after_drop = start.left();
        done.put(());
        (s.drop_arena, s.rss_after_drop) = worker.join().unwrap();
    });
    s.left_after_end = start.left();
    s.heap_peak = start.heap_peak();
    s.rss_peak = start.rss_peak();
    s
}

/// Builds on the main thread, for the contestants whose links are not
/// `Send` (`Rc`) or borrow the arena (bumpalo, typed-arena): `$arena` makes
/// the arena, `|$a| $builder` the builder from a reference to it. The arena
/// is dropped after the tree, timed with it.
macro_rules! on_main {
    ($ops:expr, $arena:expr, |$a:ident| $builder:expr) => {{
        use $crate::run::{CLONES, Sample, Stamp, Start, clone_and_eval};
        use $crate::tree::{Builder, build};
        let ops: &[$crate::tree::Op] = $ops;
        let start = Start::now();
        // The arena is dropped at the end of this block, not by `drop`: a
        // typed-arena's element type borrows the arena itself, which only
        // the drop at the end of its scope allows.
        let (mut s, dropping) = {
            let t = Stamp::now();
            let arena = $arena;
            let $a = &arena;
            let b = $builder;
            let root = build(&b, ops);
            let mut s = Sample {
                nodes: ops.len(),
                thread: "main",
                build: t.ns(),
                ..Sample::default()
            };
            fn sizes<B: Builder>(_: &B, s: &mut Sample) {
                s.node_size = size_of::<B::Node>();
                s.link_size = size_of::<B::Link>();
            }
            sizes(&b, &mut s);
            // Made and freed inside the run: 16 KB at most, in the peak only.
            let mut clones = Vec::with_capacity(CLONES);
            fn run<B: Builder>(_: &B, s: &mut Sample, root: &B::Link, clones: &mut Vec<B::Link>) {
                clone_and_eval::<B>(s, root, clones);
            }
            run(&b, &mut s, &root, &mut clones);
            drop(clones);
            // Generic, so that a `&Expr` root is "dropped" without a lint.
            fn release<R>(root: R) {
                drop(root);
            }
            let t = Stamp::now();
            release(root);
            s.drop_tree = t.ns();
            s.left_after_drop = start.left();
            (s, Stamp::now())
        };
        s.drop_arena = dropping.ns();
        s.rss_after_drop = start.rss_now();
        s.left_after_end = start.left();
        s.heap_peak = start.heap_peak();
        s.rss_peak = start.rss_peak();
        s
    }};
}
pub(crate) use on_main;
