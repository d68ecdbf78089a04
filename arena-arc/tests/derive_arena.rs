//! Per-type and named per-thread arenas (`arena!`, `#[derive(ArenaAlloc)]`):
//! nested allocation from the arena being allocated from, handles crossing
//! threads, thread ends, stats.

use std::sync::atomic::{AtomicUsize, Ordering};

use std::cell::RefCell;

use arena_arc::{ArcSlice, ArenaAlloc, arena};

/// A tree node made by nested allocation from its own arena. Its children
/// are kept in a side table (`Lists`), not in the node, to test nested
/// allocation in a plain (not acyclic) derived arena; a node holding its
/// children is `Cyclic` below.
#[derive(ArenaAlloc, Debug)]
#[arena(chunk = 8)]
struct Node {
    value: u32,
    /// Index of the children in the side table, if any.
    children: Option<usize>,
}

type Lists = RefCell<Vec<ArcSlice<Node>>>;

fn tree(lists: &Lists, depth: u32, value: u32) -> Node {
    let children = (depth > 0).then(|| {
        // `init` allocates the grandchildren from the very arena it is
        // called from.
        let kids = Node::alloc(3, |i| tree(lists, depth - 1, value * 10 + i as u32 + 1));
        lists.borrow_mut().push(kids);
        lists.borrow().len() - 1
    });
    Node { value, children }
}

fn walk(lists: &Lists, node: &Node, f: &mut impl FnMut(&Node)) {
    f(node);
    if let Some(i) = node.children {
        let kids = lists.borrow()[i].clone();
        kids.iter().for_each(|k| walk(lists, k, f));
    }
}

#[test]
fn nested_allocation_builds_a_tree_four_levels_deep() {
    std::thread::spawn(|| {
        let lists = Lists::default();
        let root = tree(&lists, 4, 0);
        let mut values = Vec::new();
        walk(&lists, &root, &mut |n| values.push(n.value));
        assert_eq!(values.len(), 1 + 3 + 9 + 27 + 81);
        // Every node's value encodes its path, so overlapping memory would
        // show as a wrong digit: each must be distinct and well formed.
        let mut sorted = values.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), values.len());
        assert!(
            values[1..]
                .iter()
                .all(|v| v.to_string().chars().all(|c| ('1'..='3').contains(&c)))
        );
        assert!(values.contains(&3123) && values.contains(&1111));
        // No two child lists overlap.
        let mut ranges: Vec<(usize, usize)> = lists
            .borrow()
            .iter()
            .map(|s| {
                (
                    s.as_ptr() as usize,
                    s.as_ptr() as usize + std::mem::size_of_val(&s[..]),
                )
            })
            .collect();
        ranges.sort_unstable();
        assert!(ranges.windows(2).all(|w| w[0].1 <= w[1].0));
    })
    .join()
    .unwrap();
}

#[derive(ArenaAlloc, Debug)]
#[arena(chunk = 4)]
struct Leaf {
    value: u32,
    #[arena(default)]
    label: ArcSlice<u8>,
}

#[test]
fn builder_setters_may_allocate_from_the_arena_being_filled() {
    // Each `Leaf` is built inside `Leaf::alloc`'s `init`, and its setters
    // allocate too (the label bytes); the handles built inside are kept in
    // a side list.
    let inner = RefCell::new(Vec::new());
    let leaves = Leaf::alloc(6, |i| {
        let sibling = Leaf::alloc_value(Leaf::builder().value(100 + i as u32).build());
        inner.borrow_mut().push(sibling);
        Leaf::builder()
            .value(i as u32)
            .label(vec![b'a' + i as u8; i])
            .build()
    });
    let inner = inner.into_inner();
    for i in 0..6 {
        assert_eq!(leaves[i].value, i as u32);
        assert_eq!(&*leaves[i].label, &vec![b'a' + i as u8; i][..]);
        assert_eq!(inner[i].value, 100 + i as u32);
    }
}

/// A node that holds its children in its own arena. It used to be the cycle
/// hazard (the chunk held handles into itself and was never freed); the
/// derive now reports `children` as a self-link and gives `Cyclic` an
/// acyclic arena, so the tree frees itself.
#[derive(ArenaAlloc)]
#[arena(chunk = 64)]
struct Cyclic {
    // Held only to be dropped: never read.
    #[allow(dead_code)]
    children: ArcSlice<Cyclic>,
    #[allow(dead_code)]
    probe: Probe,
}

static CYCLIC_DROPS: AtomicUsize = AtomicUsize::new(0);

struct Probe;
impl Drop for Probe {
    fn drop(&mut self) {
        CYCLIC_DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn a_node_holding_handles_into_its_own_arena_is_freed_with_its_chunk() {
    std::thread::spawn(|| {
        let kids = Cyclic::alloc(2, |_| Cyclic {
            children: ArcSlice::new(),
            probe: Probe,
        });
        // The parent lands in the same chunk as the children it points to.
        let parent = Cyclic::alloc_value(Cyclic {
            children: kids,
            probe: Probe,
        });
        drop(parent);
    })
    .join()
    .unwrap();
    // The thread and its allocator are gone and no handle is held outside
    // the chunk: the parent's handle to its own chunk did not count, so the
    // chunk was freed and all three values dropped.
    assert_eq!(CYCLIC_DROPS.load(Ordering::Relaxed), 3);
}

static DROPS: AtomicUsize = AtomicUsize::new(0);

struct Counted(u64);
impl Drop for Counted {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}
arena!(Counted, 16);

#[test]
fn handles_cross_threads_and_outlive_the_thread_that_made_them() {
    const THREADS: usize = 4;
    const PER: usize = if cfg!(miri) { 10 } else { 200 };
    let made: Vec<Vec<ArcSlice<Counted>>> = (0..THREADS)
        .map(|t| {
            std::thread::spawn(move || {
                (0..PER)
                    .map(|i| Counted::alloc(3, |j| Counted((t * 1000 + i * 3 + j) as u64)))
                    .collect()
            })
        })
        .map(|h| h.join().unwrap())
        .collect();
    // The making threads have ended; their arenas are gone, the chunks live.
    for (t, slices) in made.iter().enumerate() {
        for (i, s) in slices.iter().enumerate() {
            assert_eq!(s[2].0, (t * 1000 + i * 3 + 2) as u64);
        }
    }
    assert_eq!(DROPS.load(Ordering::Relaxed), 0);
    // Drop them on other threads again.
    let handles: Vec<_> = made
        .into_iter()
        .map(|slices| std::thread::spawn(move || drop(slices)))
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(DROPS.load(Ordering::Relaxed), THREADS * PER * 3);
}

arena!(static WORDS: u32, 32);

#[test]
fn a_named_arena_has_every_allocator_method_and_per_thread_stats() {
    let a = WORDS.alloc(3, |i| i as u32);
    let b = WORDS.alloc_value(7);
    let c = WORDS.alloc_slice_copy(&[1, 2]);
    let d = WORDS.alloc_slice_clone(&[3]);
    let e = WORDS.alloc_from_iter((0..4).filter(|x| x % 2 == 0));
    let f = WORDS.try_alloc(2, |i| Ok::<_, ()>(i as u32 + 5)).unwrap();
    let g = WORDS.alloc_single(|| 9);
    assert_eq!(a, [0, 1, 2]);
    assert_eq!(*b, 7);
    assert_eq!(c, [1, 2]);
    assert_eq!(d, [3]);
    assert_eq!(e, [0, 2]);
    assert_eq!(f, [5, 6]);
    assert_eq!(*g, 9);
    let here = WORDS.stats();
    assert_eq!(here.chunks_created, 1, "everything fit one chunk of 32");
    let there = std::thread::spawn(|| WORDS.stats()).join().unwrap();
    assert_eq!(there.chunks_created, 0, "another thread has its own arena");
    assert!(WORDS.checked_alloc(usize::MAX, |_| 0).is_err());
}

#[test]
fn stats_count_a_types_chunks() {
    std::thread::spawn(|| {
        #[derive(ArenaAlloc)]
        #[arena(chunk = 4)]
        struct Small(u8);
        let all: Vec<_> = (0..10).map(|i| Small::alloc_value(Small(i))).collect();
        let stats = Small::arena_stats();
        assert_eq!(stats.chunks_created, 3, "10 values in chunks of 4");
        assert_eq!(all[9].0, 9);
        drop(all);
        // Two fill the current chunk; the third needs a chunk, and one whose
        // handles are all gone is taken back instead of allocating.
        let again: Vec<_> = (0..3).map(|i| Small::alloc_value(Small(i))).collect();
        assert_eq!(again[2].0, 2);
        let after = Small::arena_stats();
        assert_eq!(after.chunks_reused, 1, "{after:?}");
        assert_eq!(after.chunks_created, 3, "no new chunk: {after:?}");
    })
    .join()
    .unwrap();
}

struct AllocatesOnDrop;
impl Drop for AllocatesOnDrop {
    fn drop(&mut self) {
        // Runs during thread-local destruction: the arena's own thread-local
        // may already be gone, in which case a fresh allocator serves it.
        let late = WORDS.alloc_value(42);
        assert_eq!(*late, 42);
    }
}

thread_local! {
    static LATE: AllocatesOnDrop = const { AllocatesOnDrop };
}

#[test]
fn allocating_during_thread_local_destruction_is_served() {
    std::thread::spawn(|| {
        let _ = WORDS.alloc_value(1);
        LATE.with(|_| {});
    })
    .join()
    .expect("a late allocation neither panics nor crashes");
}

/// Every `ArenaAlloc` method a derived type gets, checked for its contents
/// (found by cargo-mutants: only the doc tests, which its runs leave out,
/// called `try_alloc`, `checked_alloc`, `alloc_slice_copy`,
/// `alloc_slice_clone` and `alloc_from_iter` on a derived type).
#[test]
fn a_derived_type_has_every_allocator_method() {
    #[derive(ArenaAlloc, Clone, Copy, Debug, PartialEq)]
    #[arena(chunk = 16, index = u8)]
    struct Cell(u32);

    let tried = Cell::try_alloc(3, |i| Ok::<_, ()>(Cell(i as u32))).unwrap();
    assert_eq!(tried, [Cell(0), Cell(1), Cell(2)]);
    assert_eq!(
        Cell::try_alloc(3, |i| if i < 1 { Ok(Cell(0)) } else { Err(i) }).unwrap_err(),
        1
    );
    let checked = Cell::checked_alloc(2, |i| Cell(10 + i as u32)).unwrap();
    assert_eq!(checked, [Cell(10), Cell(11)]);
    assert!(Cell::checked_alloc(256, |_| Cell(0)).is_err(), "over u8");
    assert_eq!(
        Cell::alloc_slice_copy(&[Cell(4), Cell(5)]),
        [Cell(4), Cell(5)]
    );
    assert_eq!(Cell::alloc_slice_clone(&[Cell(6)]), [Cell(6)]);
    let evens = Cell::alloc_from_iter((0..6).filter(|n| n % 2 == 0).map(Cell));
    assert_eq!(evens, [Cell(0), Cell(2), Cell(4)]);
    assert!(Cell::alloc_empty().is_empty());
    assert_eq!(*Cell::alloc_value(Cell(8)), Cell(8));
    assert_eq!(<Cell as ArenaAlloc>::CHUNK, 16);
}

/// A derived arena's default chunk capacity is 1024 clamped to the index
/// type (found by cargo-mutants: the clamp's comparison and `+ 1` survived).
#[test]
fn the_default_chunk_capacity_is_clamped_to_the_index_type() {
    use arena_arc::__private::default_chunk;
    assert_eq!(default_chunk::<u8>(1024), 256);
    assert_eq!(default_chunk::<u8>(256), 256);
    assert_eq!(default_chunk::<u8>(255), 255);
    assert_eq!(default_chunk::<u8>(10), 10);
    assert_eq!(default_chunk::<u16>(1024), 1024);

    #[derive(ArenaAlloc)]
    #[arena(index = u8)]
    struct Narrow(#[allow(dead_code)] u8);
    #[derive(ArenaAlloc)]
    struct Wide(#[allow(dead_code)] u8);
    assert_eq!(<Narrow as ArenaAlloc>::CHUNK, 256);
    assert_eq!(<Wide as ArenaAlloc>::CHUNK, 1024);
}

arena!(static UNITS: u32, 8);

/// The `ThreadArena` trait the derived builders call, method by method, and
/// a named arena's `Debug` (found by cargo-mutants: the builders use only
/// some of the methods, and nothing printed a `LocalArena`).
#[test]
fn a_named_arena_serves_every_thread_arena_method() {
    use arena_arc::ThreadArena;

    let arena = &UNITS;
    assert_eq!(ThreadArena::chunk_capacity(arena), 8);
    assert_eq!(ThreadArena::alloc(arena, 2, |i| i as u32), [0, 1]);
    let tried = ThreadArena::try_alloc(arena, 2, |i| Ok::<_, ()>(i as u32 + 2)).unwrap();
    assert_eq!(tried, [2, 3]);
    let checked = ThreadArena::checked_alloc(arena, 2, |i| i as u32 + 4).unwrap();
    assert_eq!(checked, [4, 5]);
    assert_eq!(*ThreadArena::alloc_single(arena, || 6), 6);
    let single = ThreadArena::try_alloc_single(arena, || Ok::<_, ()>(7)).unwrap();
    assert_eq!(*single, 7);
    assert_eq!(*ThreadArena::alloc_value(arena, 8), 8);
    assert_eq!(*ThreadArena::checked_alloc_value(arena, 9).unwrap(), 9);
    assert_eq!(ThreadArena::alloc_slice_copy(arena, &[10, 11]), [10, 11]);
    assert_eq!(ThreadArena::alloc_slice_clone(arena, &[12]), [12]);
    assert_eq!(ThreadArena::alloc_from_iter(arena, 13..15), [13, 14]);
    let stats = ThreadArena::stats(arena);
    assert_eq!(stats.chunks_created, 2, "{stats:?}");
    assert_eq!(
        format!("{arena:?}"),
        r#"LocalArena { type: "u32", index: "u32", chunk_capacity: 8 }"#
    );
}

/// Declares a derived type whose chunk capacity comes through a
/// `macro_rules!` fragment, which hands the literal to the derive in an
/// invisible group.
macro_rules! counter_type {
    ($name:ident, $chunk:literal) => {
        #[derive(arena_arc::ArenaAlloc)]
        #[arena(chunk = $chunk)]
        struct $name(u32);
    };
}

counter_type!(FromMacro, 12);

#[test]
fn a_chunk_capacity_passed_through_a_macro_is_read() {
    assert_eq!(<FromMacro as arena_arc::ArenaAlloc>::CHUNK, 12);
    assert_eq!(FromMacro::arena().chunk_capacity(), 12);
    assert_eq!(FromMacro::alloc_value(FromMacro(4)).0, 4);
}
