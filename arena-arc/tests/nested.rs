//! `init` may allocate from the allocator it runs in: trees build top-down.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use arena_arc::{Allocator, ArcSlice};

/// A node whose child list is another slice of the same arena, referred to
/// by index into `lists` (so no chunk holds a handle to itself).
struct Node {
    value: u32,
    children: Option<usize>,
}

type Lists = RefCell<Vec<ArcSlice<Node>>>;

fn build(
    arena: &Allocator<Node, u32, 16>,
    lists: &Lists,
    depth: u32,
    parent: u32,
) -> ArcSlice<Node> {
    // Each node's `init` allocates its children from the same arena.
    arena.alloc(3, |i| {
        let value = parent * 10 + i as u32;
        let children = (depth > 0).then(|| {
            let kids = build(arena, lists, depth - 1, value);
            let mut lists = lists.borrow_mut();
            lists.push(kids);
            lists.len() - 1
        });
        Node { value, children }
    })
}

fn check(nodes: &[Node], parent: u32, lists: &[ArcSlice<Node>]) -> usize {
    let mut count = 0;
    for (i, node) in nodes.iter().enumerate() {
        assert_eq!(node.value, parent * 10 + i as u32);
        count += 1;
        if let Some(kids) = node.children {
            count += check(&lists[kids], node.value, lists);
        }
    }
    count
}

#[test]
fn nested_allocation_builds_a_tree_five_levels_deep_without_overlap() {
    let arena: Allocator<Node, u32, 16> = Allocator::new();
    let lists = Lists::default();
    let root = build(&arena, &lists, 4, 1);
    let lists = lists.into_inner();
    // 3 + 9 + 27 + 81 + 243 nodes.
    assert_eq!(check(&root, 1, &lists), 363);
    assert_eq!(lists.len(), 1 + 3 + 9 + 27 + 81 - 1);
    // No two live slices overlap.
    let mut ranges: Vec<(usize, usize)> = lists
        .iter()
        .chain(Some(&root))
        .map(|s| {
            (
                s.as_ptr() as usize,
                s.as_ptr() as usize + std::mem::size_of_val(&s[..]),
            )
        })
        .collect();
    ranges.sort_unstable();
    for pair in ranges.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "overlapping slices {pair:?}");
    }
}

#[test]
fn children_in_another_arena_are_freed_with_their_parents() {
    static LEAVES: AtomicUsize = AtomicUsize::new(0);
    struct Leaf;
    impl Drop for Leaf {
        fn drop(&mut self) {
            LEAVES.fetch_add(1, Ordering::Relaxed);
        }
    }
    struct Parent {
        leaves: ArcSlice<Leaf>,
    }
    let leaves: Allocator<Leaf, u32, 8> = Allocator::new();
    let parents: Allocator<Parent, u32, 8> = Allocator::new();
    let roots = parents.alloc(5, |_| Parent {
        leaves: leaves.alloc(3, |_| Leaf),
    });
    assert_eq!(roots.iter().map(|p| p.leaves.len()).sum::<usize>(), 15);
    drop((roots, parents, leaves));
    assert_eq!(LEAVES.load(Ordering::Relaxed), 15);
}

/// The documented hazard: a chunk whose elements hold handles into the same
/// chunk is never freed, like a cycle of `Arc`s. (It leaks on purpose, so
/// Miri, which reports leaks, skips it.)
#[test]
#[cfg_attr(miri, ignore = "leaks on purpose")]
fn a_chunk_that_holds_a_handle_to_itself_is_never_freed() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct SelfRef {
        _children: ArcSlice<SelfRef>,
    }
    impl Drop for SelfRef {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::Relaxed);
        }
    }
    let arena: Allocator<SelfRef, u32, 64> = Allocator::new();
    let leaves = arena.alloc(2, |_| SelfRef {
        _children: ArcSlice::new(),
    });
    let parent = arena.alloc_value(SelfRef { _children: leaves });
    let stats_before = arena.stats();
    drop(parent);
    drop(arena);
    assert_eq!(stats_before.chunks_alive, 1);
    assert_eq!(
        DROPS.load(Ordering::Relaxed),
        0,
        "the chunk keeps itself alive"
    );
}
