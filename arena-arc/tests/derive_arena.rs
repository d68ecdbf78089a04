//! Per-type and named per-thread arenas (`arena!`, `#[derive(ArenaAlloc)]`):
//! nested allocation from the arena being allocated from, handles crossing
//! threads, thread ends, stats.

use std::sync::atomic::{AtomicUsize, Ordering};

use arena_arc::{ArcSlice, ArenaAlloc, arena};

/// A tree node whose children live in the same arena as the node.
#[derive(ArenaAlloc, Debug)]
#[arena(chunk = 8)]
struct Node {
    value: u32,
    children: ArcSlice<Node>,
}

fn tree(depth: u32, value: u32) -> Node {
    let children = if depth == 0 {
        ArcSlice::new()
    } else {
        // `init` allocates the grandchildren from the very arena it is
        // called from.
        Node::alloc(3, |i| tree(depth - 1, value * 10 + i as u32 + 1))
    };
    Node { value, children }
}

fn sum(node: &Node) -> u64 {
    u64::from(node.value) + node.children.iter().map(sum).sum::<u64>()
}

fn count(node: &Node) -> usize {
    1 + node.children.iter().map(count).sum::<usize>()
}

#[test]
fn nested_allocation_builds_a_tree_four_levels_deep() {
    std::thread::spawn(|| {
        let root = tree(4, 0);
        assert_eq!(count(&root), 1 + 3 + 9 + 27 + 81);
        // Every node's value encodes its path, so overlapping memory would
        // show as a wrong digit.
        assert_eq!(root.children[2].children[0].children[1].value, 312);
        assert_eq!(
            root.children[0].children[0].children[0].children[0].value,
            1111
        );
        let expected: u64 = (1..=4u32)
            .map(|depth| {
                // The sum of all paths of `depth` digits from 1..=3.
                let n = 3u64.pow(depth - 1);
                (0..depth).map(|d| 10u64.pow(d) * 6 * n).sum::<u64>()
            })
            .sum();
        assert_eq!(sum(&root), expected);
        // No two child lists overlap.
        let mut ranges = Vec::new();
        fn collect(node: &Node, out: &mut Vec<(usize, usize)>) {
            if !node.children.is_empty() {
                let start = node.children.as_ptr() as usize;
                out.push((start, start + std::mem::size_of_val(&node.children[..])));
            }
            node.children.iter().for_each(|c| collect(c, out));
        }
        collect(&root, &mut ranges);
        ranges.sort_unstable();
        assert!(ranges.windows(2).all(|w| w[0].1 <= w[1].0));
    })
    .join()
    .unwrap();
}

#[test]
fn builder_setters_may_allocate_from_the_arena_being_filled() {
    let leaves = Node::alloc(2, |i| {
        Node::builder()
            .value(i as u32)
            .children_with(2, |j| {
                Node::builder()
                    .value(10 + j as u32)
                    .children(ArcSlice::new())
                    .build()
            })
            .build()
    });
    assert_eq!(leaves[1].children[1].value, 11);
    assert_eq!(leaves[0].value, 0);
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
