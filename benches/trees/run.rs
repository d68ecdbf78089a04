//! One run of one contestant: the five-type AST (built on a worker, walked
//! and dropped on the main thread, as W8), or a stream of documents on one
//! live thread.

use std::hint::black_box;

use crate::contestants::Contestant;
use crate::measure::{Handoff, Stamp, Start, heap};
use crate::model::{AOp, JOp, Program, ast_expected, json_expected};

/// The AST workload. Times in nanoseconds; bytes above what was in use
/// when the run started.
#[derive(Debug, Default)]
pub struct AstSample {
    pub nodes: usize,
    /// Making the arena and the tree, on the worker.
    pub build: u64,
    /// Walking the tree on the main thread.
    pub walk: u64,
    /// Dropping the root on the main thread...
    pub drop_tree: u64,
    /// ...then dropping the arena on the worker (this crate: `trim_thread`).
    pub drop_arena: u64,
    pub heap_peak: usize,
    /// Once the main thread dropped the root, the worker alive and idle.
    pub left_after_drop: usize,
    /// Once the worker dropped its arena and ended.
    pub left_after_end: usize,
    pub rss_peak: usize,
    pub sizes: [usize; 3],
}

/// Builds the AST on a worker, which hands the root to the main thread and
/// waits; the main thread walks the tree (the walk must find
/// [`ast_expected`]) and drops it; the worker drops its arena and ends.
pub fn ast<C: Contestant>(p: &Program<AOp>) -> AstSample {
    let expected = ast_expected(p);
    let mut s = AstSample {
        nodes: p.ops.len(),
        sizes: C::sizes(),
        ..AstSample::default()
    };
    let handoff: Handoff<(C::Ast, u64)> = Handoff::default();
    let done: Handoff<()> = Handoff::default();
    // What std allocates once for the main thread at the first spawn.
    std::thread::scope(|scope| {
        scope.spawn(|| ());
    });
    let start = Start::now();
    std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let t = Stamp::now();
            let arena = C::Arena::default();
            let root = C::build_ast(&arena, p);
            handoff.put((root, t.ns()));
            done.take();
            let t = Stamp::now();
            drop(arena);
            t.ns()
        });
        let (root, built) = handoff.take();
        s.build = built;
        let t = Stamp::now();
        let sum = black_box(C::walk_ast(black_box(&root)));
        s.walk = t.ns();
        assert_eq!(sum, expected, "trees: the walk found another AST");
        let t = Stamp::now();
        drop(root);
        s.drop_tree = t.ns();
        s.left_after_drop = start.left();
        done.put(());
        s.drop_arena = worker.join().unwrap();
    });
    s.left_after_end = start.left();
    s.heap_peak = start.heap_peak();
    s.rss_peak = start.rss_peak();
    s
}

/// A stream of documents.
#[derive(Debug, Default)]
pub struct StreamSample {
    pub docs: usize,
    pub values: usize,
    /// All documents: build, walk, drop (and `after_doc`).
    pub time: u64,
    pub heap_peak: usize,
    /// Heap in use after the first document's turn (drop-before-next: none
    /// alive; keep-latest: the first alive)...
    pub live_first: usize,
    /// ...after the last document's turn...
    pub live_last: usize,
    /// ...the largest of these...
    pub live_max: usize,
    /// ...once the last document is dropped too, nothing else done...
    pub end: usize,
    /// ...and then after one `arena_arc::trim_thread()` (a no-op for the
    /// others), the contestant's arena still alive.
    pub end_trimmed: usize,
    pub rss_peak: usize,
}

/// `docs` documents in a row on this (live) thread. Drop-before-next:
/// build, walk, drop, then the next. Keep-latest (`keep`): build and walk
/// the next while the previous lives, then replace it.
pub fn stream<C: Contestant>(p: &Program<JOp>, docs: usize, keep: bool) -> StreamSample {
    let expected = json_expected(p);
    let mut s = StreamSample {
        docs,
        values: expected.values as usize,
        ..StreamSample::default()
    };
    let mut live = Vec::with_capacity(docs);
    let start = Start::now();
    let arena = C::Arena::default();
    let t = Stamp::now();
    let mut latest: Option<C::Doc> = None;
    for _ in 0..docs {
        let doc = C::build_doc(&arena, p);
        let sum = black_box(C::walk_doc(black_box(&doc)));
        assert_eq!(sum, expected, "trees: the walk found another document");
        if keep {
            latest = Some(doc);
        } else {
            drop(doc);
        }
        C::after_doc();
        live.push(start.left());
    }
    s.time = t.ns();
    drop(latest);
    s.end = start.left();
    arena_arc::trim_thread();
    s.end_trimmed = start.left();
    s.heap_peak = start.heap_peak();
    s.rss_peak = start.rss_peak();
    drop(arena);
    if heap::COUNTING.load(std::sync::atomic::Ordering::Relaxed) {
        s.live_first = live[0];
        s.live_last = live[docs - 1];
        s.live_max = live.iter().copied().max().unwrap_or(0);
    }
    s
}
