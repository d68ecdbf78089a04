//! `alloc_split_off`: `Vec::split_off` with the tail moved into the arena.
//!
//! The tail is moved (not cloned), in order, and the vector keeps its head
//! and its buffer; `at == len` allocates nothing; each element is dropped
//! exactly once, by the arena, never by the vector; a refusal (`at` past the
//! length, a length past the index type, the byte limit) panics (or, from
//! `checked_alloc_split_off`, is an `AllocError`), moves nothing and leaves
//! the allocator usable; a `visit_links` that panics leaks the tail, which
//! the vector never drops; long tails take a dedicated chunk; trees built
//! bottom-up from a stack in an acyclic arena (hand-held or per-thread) free
//! themselves; zero-sized elements are counted right.

mod common;

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use arena_arc::{AllocError, Allocator, ArcSlice, ArenaLinks, ArenaStats, Links};
use common::counting::{self, Snapshot};
use common::elems::{self, Elem, Ids, Touchy, Tracked};
use common::panic_of;

/// The drops of one test's [`Item`]s, by id, so that tests run in parallel.
struct Ledger {
    drops: Vec<AtomicUsize>,
}

impl Ledger {
    fn new(ids: usize) -> Self {
        Ledger {
            drops: (0..ids).map(|_| AtomicUsize::new(0)).collect(),
        }
    }

    fn items(&self, ids: Range<usize>) -> Vec<Item<'_>> {
        ids.map(|id| Item {
            id,
            name: format!("item {id}"),
            ledger: self,
        })
        .collect()
    }

    /// How many times each id of `ids` was dropped.
    fn drops(&self, ids: Range<usize>) -> Vec<usize> {
        self.drops[ids]
            .iter()
            .map(|d| d.load(Ordering::Relaxed))
            .collect()
    }

    fn total(&self) -> usize {
        self.drops.iter().map(|d| d.load(Ordering::Relaxed)).sum()
    }

    /// Asserts that every id was dropped exactly once.
    #[track_caller]
    fn assert_each_dropped_once(&self) {
        assert_eq!(self.drops(0..self.drops.len()), vec![1; self.drops.len()]);
    }
}

/// A non-`Copy` element owning a heap block (a double drop is a double free
/// under Miri, a lost one a leak), whose drops the ledger counts.
struct Item<'a> {
    id: usize,
    name: String,
    ledger: &'a Ledger,
}

impl Drop for Item<'_> {
    fn drop(&mut self) {
        self.ledger.drops[self.id].fetch_add(1, Ordering::Relaxed);
    }
}

/// The ids of `items`, checking that each item is intact.
#[track_caller]
fn ids(items: &[Item<'_>]) -> Vec<usize> {
    items
        .iter()
        .map(|item| {
            assert_eq!(item.name, format!("item {}", item.id), "a corrupted item");
            item.id
        })
        .collect()
}

fn strings(range: Range<usize>) -> Vec<String> {
    range.map(|i| format!("s{i}")).collect()
}

#[test]
fn the_tail_is_moved_in_order_and_the_vector_keeps_its_head_and_buffer() {
    let arena: Allocator<String, u32, 16> = Allocator::new();
    let mut stack = Vec::with_capacity(32);
    stack.extend(strings(0..10));
    let (capacity, buffer) = (stack.capacity(), stack.as_ptr());
    // Moved, not cloned: each string keeps its heap block.
    let heaps: Vec<*const u8> = stack[6..].iter().map(|s| s.as_ptr()).collect();

    let tail = arena.alloc_split_off(&mut stack, 6);
    assert_eq!(tail, strings(6..10));
    assert_eq!(stack, strings(0..6));
    assert_eq!((stack.capacity(), stack.as_ptr()), (capacity, buffer));
    let moved: Vec<*const u8> = tail.iter().map(|s| s.as_ptr()).collect();
    assert_eq!(moved, heaps, "the strings were cloned, not moved");

    // The stack is reused: pushed onto, split again.
    stack.extend(strings(100..103));
    let again = arena.alloc_split_off(&mut stack, 5);
    assert_eq!(again, ["s5", "s100", "s101", "s102"].map(String::from));
    assert_eq!(stack, strings(0..5));
    assert_eq!((stack.capacity(), stack.as_ptr()), (capacity, buffer));
    // Both tails went into the one chunk, next to each other.
    assert_eq!(again.as_ptr(), tail.as_ptr().wrapping_add(4));
    assert_eq!(arena.stats().chunks_created, 1);
    assert_eq!(tail, strings(6..10), "the first tail is intact");
}

#[test]
fn a_run_of_splits_matches_vec_split_off_across_chunk_boundaries() {
    let arena: Allocator<String, u32, 8> = Allocator::new();
    let (mut stack, mut model) = (Vec::new(), Vec::new());
    let mut kept = Vec::new();
    let mut next = 0;
    // A small deterministic generator: pushes of 0 to 6, tails of 0 to 13.
    let mut seed = 0x2545_f491_u32;
    let mut random = move |n: u32| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        (seed % n) as usize
    };
    let rounds = if cfg!(miri) { 40 } else { 400 };
    for _ in 0..rounds {
        for _ in 0..random(7) {
            stack.push(format!("v{next}"));
            model.push(format!("v{next}"));
            next += 1;
        }
        let at = stack.len().saturating_sub(random(14));
        let capacity = stack.capacity();
        let tail = arena.alloc_split_off(&mut stack, at);
        let expected = model.split_off(at);
        assert_eq!(tail, expected);
        assert_eq!(stack, model);
        assert_eq!(stack.capacity(), capacity);
        kept.push((tail, expected));
    }
    let stats = arena.stats();
    assert!(stats.chunks_created > 10, "{stats:?}");
    assert!(
        stats.dedicated_chunks > 0,
        "no tail longer than 8: {stats:?}"
    );
    // No later split overwrote an earlier tail.
    for (tail, expected) in &kept {
        assert_eq!(tail, expected);
    }
}

#[test]
fn at_len_allocates_nothing_and_at_zero_moves_everything() {
    let _serial = common::serial();
    let arena: Allocator<String, u32, 8> = Allocator::new();
    let mut stack = strings(0..3);
    let capacity = stack.capacity();
    let mut nothing = Vec::new();

    let was = counting::enroll(true);
    let start = Snapshot::now();
    let empty = arena.alloc_split_off(&mut stack, 3);
    let none = arena.alloc_split_off(&mut nothing, 0);
    let allocs = start.allocs_since();
    counting::enroll(was);
    assert_eq!(allocs, 0, "an empty split allocated");
    assert!(empty.is_empty() && none.is_empty());
    assert_eq!(arena.stats(), ArenaStats::default(), "no chunk was made");
    assert_eq!(stack, strings(0..3));

    // With a chunk in use, an empty split takes no slot of it either.
    let first = arena.alloc_split_off(&mut stack, 2);
    let stats = arena.stats();
    assert!(arena.alloc_split_off(&mut stack, 2).is_empty());
    assert_eq!(arena.stats(), stats);

    let all = arena.alloc_split_off(&mut stack, 0);
    assert_eq!(all, strings(0..2));
    assert!(stack.is_empty());
    assert_eq!(stack.capacity(), capacity);
    assert_eq!(first, strings(2..3));
    assert_eq!(all.as_ptr(), first.as_ptr().wrapping_add(1));
    assert_eq!(arena.stats().chunks_created, 1);
}

#[test]
fn each_element_is_dropped_once_by_its_last_handle_never_by_the_vector() {
    let ledger = Ledger::new(12);
    let arena: Allocator<Item<'_>, u32, 16> = Allocator::new();
    let mut stack = ledger.items(0..12);
    let tail = arena.alloc_split_off(&mut stack, 4);
    assert_eq!(ids(&tail), (4..12).collect::<Vec<_>>());
    assert_eq!(ledger.total(), 0, "moving dropped something");

    drop(stack);
    assert_eq!(ledger.drops(0..4), [1; 4], "the head, with the vector");
    assert_eq!(ledger.drops(4..12), [0; 8], "the vector dropped the tail");

    let part = tail.slice(2..5);
    drop(tail);
    drop(arena);
    assert_eq!(ledger.drops(4..12), [0; 8], "dropped while a handle lives");
    assert_eq!(ids(&part), [6, 7, 8]);
    drop(part);
    ledger.assert_each_dropped_once();
}

#[test]
fn at_past_the_len_panics_and_changes_nothing() {
    common::setup();
    let ledger = Ledger::new(3);
    let arena: Allocator<Item<'_>, u32, 16> = Allocator::new();
    let mut stack = ledger.items(0..3);
    let capacity = stack.capacity();

    let message = panic_of(|| arena.alloc_split_off(&mut stack, 4));
    assert_eq!(
        message,
        "arena-arc: alloc_split_off: `at` (is 4) should be <= the vector's len (is 3)"
    );
    let message = panic_of(|| arena.alloc_split_off(&mut stack, usize::MAX));
    assert_eq!(
        message,
        format!(
            "arena-arc: alloc_split_off: `at` (is {}) should be <= the vector's len (is 3)",
            usize::MAX
        )
    );
    assert_eq!(ids(&stack), [0, 1, 2]);
    assert_eq!(stack.capacity(), capacity);
    assert_eq!(ledger.total(), 0);
    assert_eq!(arena.stats(), ArenaStats::default());

    let tail = arena.alloc_split_off(&mut stack, 1);
    assert_eq!((ids(&tail), ids(&stack)), (vec![1, 2], vec![0]));
    drop((tail, stack, arena));
    ledger.assert_each_dropped_once();
}

#[test]
fn a_length_past_the_index_type_panics_naming_it_and_moves_nothing() {
    common::setup();
    let ledger = Ledger::new(2 + 302);
    let arena: Allocator<Item<'_>, u8, 16> = Allocator::new();
    let mut head = ledger.items(0..2);
    let live = arena.alloc_split_off(&mut head, 0);
    let mut stack = ledger.items(2..304);
    let capacity = stack.capacity();
    let stats = arena.stats();

    let message = panic_of(|| arena.alloc_split_off(&mut stack, 2));
    assert!(message.contains("300 elements"), "{message}");
    assert!(
        message.contains("`u8` holds lengths up to 255"),
        "{message}"
    );
    assert!(message.contains("`Allocator<T, u16>`"), "{message}");
    assert_eq!(ids(&stack), (2..304).collect::<Vec<_>>());
    assert_eq!(stack.capacity(), capacity);
    assert_eq!(ledger.total(), 0, "a refused element was dropped");
    assert_eq!(arena.stats(), stats, "something was reserved");

    // Still usable: the longest length `u8` holds, then a short one.
    let longest = arena.alloc_split_off(&mut stack, 302 - 255);
    assert_eq!(ids(&longest), (49..304).collect::<Vec<_>>());
    let short = arena.alloc_split_off(&mut stack, 45);
    assert_eq!(ids(&short), (47..49).collect::<Vec<_>>());
    assert_eq!(ids(&live), [0, 1]);
    drop((live, longest, short, stack, head, arena));
    ledger.assert_each_dropped_once();

    // The same for bytes.
    let bytes: Allocator<u8, u8> = Allocator::new();
    let mut stack: Vec<u8> = (0..300).map(|i| i as u8).collect();
    let message = panic_of(|| bytes.alloc_split_off(&mut stack, 0));
    assert!(message.contains("300 elements"), "{message}");
    assert_eq!(stack, (0..300).map(|i| i as u8).collect::<Vec<_>>());
    assert_eq!(bytes.stats(), ArenaStats::default());
    let tail = bytes.alloc_split_off(&mut stack, 45);
    assert_eq!(tail, (45..300).map(|i| i as u8).collect::<Vec<_>>());
}

#[test]
fn a_split_refused_by_the_byte_limit_panics_and_moves_nothing() {
    common::setup();
    let ledger = Ledger::new(40);
    let arena: Allocator<Item<'_>, u32, 8> = Allocator::new();
    let mut stack = ledger.items(0..8);
    let first = arena.alloc_split_off(&mut stack, 4);
    // Room for the current chunk only: what fits it is taken, nothing more.
    arena.set_limit(Some(arena.stats().bytes_reserved));
    let second = arena.alloc_split_off(&mut stack, 0);
    assert_eq!(ids(&second), [0, 1, 2, 3]);
    let stats = arena.stats();
    assert_eq!((stats.chunks_created, stats.current_chunk_free), (1, 0));

    let mut stack = ledger.items(8..11);
    let mut long = ledger.items(11..31);
    let capacities = (stack.capacity(), long.capacity());
    // A tail for a fresh chunk, a dedicated one, a tail of 10 of them.
    for message in [
        panic_of(|| arena.alloc_split_off(&mut stack, 0)),
        panic_of(|| arena.alloc_split_off(&mut long, 0)),
        panic_of(|| arena.alloc_split_off(&mut long, 10)),
    ] {
        assert!(message.contains("allocation limit of"), "{message}");
        assert!(message.contains("set_limit"), "{message}");
    }
    assert_eq!(ids(&stack), (8..11).collect::<Vec<_>>());
    assert_eq!(ids(&long), (11..31).collect::<Vec<_>>());
    assert_eq!((stack.capacity(), long.capacity()), capacities);
    assert_eq!(ledger.total(), 0, "a refused element was dropped");
    assert_eq!(arena.stats(), stats);

    arena.set_limit(None);
    let third = arena.alloc_split_off(&mut stack, 1);
    assert_eq!(ids(&third), [9, 10]);
    assert_eq!(ids(&first), [4, 5, 6, 7]);

    // An allocator made with a limit of nothing refuses its first chunk.
    let tight: Allocator<Item<'_>, u32, 8> = Allocator::with_limit(0);
    let mut more = ledger.items(31..40);
    let message = panic_of(|| tight.alloc_split_off(&mut more, 3));
    assert!(message.contains("allocation limit of 0 bytes"), "{message}");
    assert_eq!(ids(&more), (31..40).collect::<Vec<_>>());
    assert_eq!(tight.stats(), ArenaStats::default());
    tight.set_limit(None);
    let fourth = tight.alloc_split_off(&mut more, 3);
    assert_eq!(ids(&fourth), (34..40).collect::<Vec<_>>());

    assert_eq!(ledger.total(), 0);
    drop((
        first, second, third, fourth, stack, long, more, arena, tight,
    ));
    ledger.assert_each_dropped_once();
}

/// `checked_alloc_split_off`: the same refusals as errors, with the same
/// guarantees (nothing moved, nothing dropped, the allocator usable), and
/// the same move when it fits.
#[test]
fn the_checked_split_returns_each_refusal_as_an_error_and_moves_nothing() {
    common::setup();
    let ledger = Ledger::new(330);
    let narrow: Allocator<Item<'_>, u8, 16> = Allocator::new();
    let mut stack = ledger.items(0..300);
    let capacity = stack.capacity();
    let err = narrow
        .checked_alloc_split_off(&mut stack, 0)
        .err()
        .expect("refused");
    assert!(
        matches!(
            err,
            AllocError::LengthOverflow {
                len: 300,
                max: 255,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(ids(&stack), (0..300).collect::<Vec<_>>());
    assert_eq!(stack.capacity(), capacity);
    assert_eq!(narrow.stats(), ArenaStats::default());
    let tail = narrow.checked_alloc_split_off(&mut stack, 290).unwrap();
    assert_eq!(ids(&tail), (290..300).collect::<Vec<_>>());
    assert!(
        narrow
            .checked_alloc_split_off(&mut stack, 290)
            .unwrap()
            .is_empty()
    );

    let limited: Allocator<Item<'_>, u32, 8> = Allocator::with_limit(0);
    let mut more = ledger.items(300..330);
    let err = limited
        .checked_alloc_split_off(&mut more, 25)
        .err()
        .expect("refused");
    assert!(matches!(err, AllocError::LimitExceeded { .. }), "{err:?}");
    let err = limited
        .checked_alloc_split_off(&mut more, 0)
        .err()
        .expect("refused");
    assert!(matches!(err, AllocError::LimitExceeded { .. }), "{err:?}");
    assert_eq!(ids(&more), (300..330).collect::<Vec<_>>());
    assert_eq!(limited.stats(), ArenaStats::default());
    assert_eq!(ledger.total(), 0, "a refused element was dropped");
    limited.set_limit(None);
    let moved = limited.checked_alloc_split_off(&mut more, 20).unwrap();
    assert_eq!(ids(&moved), (320..330).collect::<Vec<_>>());

    // `at` past the end is a caller's bug, not a limit: it panics.
    let message = panic_of(|| limited.checked_alloc_split_off(&mut more, 21));
    assert_eq!(
        message,
        "arena-arc: alloc_split_off: `at` (is 21) should be <= the vector's len (is 20)"
    );
    assert_eq!(ledger.total(), 0);
    drop((tail, moved, stack, more, narrow, limited));
    ledger.assert_each_dropped_once();
}

#[test]
fn a_tail_longer_than_the_chunk_takes_a_dedicated_chunk() {
    let ledger = Ledger::new(3 + 25 + 2);
    let arena: Allocator<Item<'_>, u32, 8> = Allocator::new();
    let mut small = ledger.items(0..3);
    let small = arena.alloc_split_off(&mut small, 0);
    let before = arena.stats();

    let mut stack = ledger.items(3..28);
    let long = arena.alloc_split_off(&mut stack, 5);
    assert_eq!(ids(&long), (8..28).collect::<Vec<_>>());
    assert_eq!(ids(&stack), (3..8).collect::<Vec<_>>());
    let stats = arena.stats();
    assert_eq!(stats.dedicated_chunks, 1, "{stats:?}");
    assert_eq!(stats.chunks_created, 2, "{stats:?}");
    assert_eq!(
        stats.current_chunk_free, before.current_chunk_free,
        "the current chunk was left as it was"
    );
    assert!(!ArcSlice::shares_chunk(&small, &long));

    // The current chunk still takes short tails.
    let mut pair = ledger.items(28..30);
    let short = arena.alloc_split_off(&mut pair, 0);
    assert_eq!(short.as_ptr(), small.as_ptr().wrapping_add(3));
    assert_eq!(arena.stats().chunks_created, 2);

    // The dedicated chunk is the long tail's alone: it goes with its last
    // handle, and drops its elements once.
    let part = long.slice(19..);
    drop(long);
    assert_eq!(ledger.total(), 0);
    drop(part);
    assert_eq!(ledger.drops(8..28), [1; 20]);
    assert_eq!(ledger.total(), 20);
    assert_eq!(arena.stats().chunks_alive, 1);
    drop((small, short, stack, arena));
    ledger.assert_each_dropped_once();
}

/// A tree node of a hand-held acyclic allocator: a tracked payload (exact
/// drops) and its children.
struct Node {
    payload: Tracked,
    children: ArcSlice<Node>,
}

// SAFETY: the one handle is owned by value and reported once; `Node` has no
// `Drop` impl (its payload's `Drop` holds no handle).
unsafe impl ArenaLinks for Node {
    fn visit_links(&self, links: &mut Links<Self>) {
        links.slice(&self.children);
    }
}

/// Pushes onto `stack` a tree whose nodes at depth `d` have `fanouts[d]`
/// children: the children first, then moved off the stack as the node's
/// child list, the way a parser builds a node.
fn build(arena: &Allocator<Node, u32, 8>, ids: &mut Ids, stack: &mut Vec<Node>, fanouts: &[usize]) {
    let payload = ids.next();
    let base = stack.len();
    if let Some((&fanout, below)) = fanouts.split_first() {
        for _ in 0..fanout {
            build(arena, ids, stack, below);
        }
    }
    let children = arena.alloc_split_off(stack, base);
    assert_eq!(stack.len(), base);
    stack.push(Node { payload, children });
}

fn sum(node: &Node) -> u64 {
    node.payload.key() as u64 + node.children.iter().map(sum).sum::<u64>()
}

/// 1 + 2 + 2 * 10 + 20 * 2 + 40 * 2 nodes: lists of 10 > 8, which take
/// dedicated chunks, and short lists whose nodes link to lists in their own
/// chunk (links the commit must find, or the chunk keeps itself alive).
const FANOUTS: [usize; 4] = [2, 10, 2, 2];
const NODES: u32 = 1 + 2 + 20 + 40 + 80;

fn stack_tree(arena: &Allocator<Node, u32, 8>, ids: &mut Ids) -> arena_arc::ArcSingle<Node> {
    let mut stack = Vec::new();
    build(arena, ids, &mut stack, &FANOUTS);
    let root = arena.alloc_value(stack.pop().unwrap());
    assert!(stack.is_empty());
    assert_eq!(ids.0, NODES);
    assert_eq!(sum(&root), (0..NODES as u64).sum::<u64>());
    assert_eq!(root.children[1].children[9].children[1].children.len(), 2);
    assert_eq!(arena.stats().dedicated_chunks, 2);
    root
}

#[test]
fn an_acyclic_tree_built_from_a_stack_frees_itself_while_the_allocator_lives() {
    common::leaves_nothing("a stack-built tree, trimmed", |ids| {
        let arena: Allocator<Node, u32, 8> = Allocator::new_acyclic();
        let root = stack_tree(&arena, ids);
        assert_eq!(elems::made_and_dropped(), (NODES as usize, 0));
        drop(root);
        arena.trim();
        assert_eq!(elems::made_and_dropped(), (NODES as usize, NODES as usize));
        assert_eq!(arena.stats().chunks_alive, 0);
        assert_eq!(arena.stats().bytes_reserved, 0);
    });
}

#[test]
fn an_acyclic_tree_built_from_a_stack_outlives_its_allocator_and_frees_itself() {
    common::leaves_nothing("a stack-built tree, allocator first", |ids| {
        let arena: Allocator<Node, u32, 8> = Allocator::new_acyclic();
        let root = stack_tree(&arena, ids);
        drop(arena);
        assert_eq!(elems::made_and_dropped(), (NODES as usize, 0));
        assert_eq!(sum(&root), (0..NODES as u64).sum::<u64>());
        drop(root);
        assert_eq!(elems::made_and_dropped(), (NODES as usize, NODES as usize));
    });
}

/// A `visit_links` that panics while a tail is committed: the vector has
/// given the tail up already, so it keeps its head and never drops the tail
/// (not even when it reuses the buffer), the tail is leaked with its chunk,
/// and the allocator goes on. (With the vector shortened after the commit,
/// it keeps four elements and drops three of them twice.)
#[test]
// It leaks on purpose (the tail and its chunk), which Miri's leak check
// reports as an error.
#[cfg_attr(miri, ignore)]
fn a_visit_links_that_panics_leaks_the_tail_and_the_vector_keeps_its_head() {
    let _serial = common::serial();
    elems::reset();
    let arena: Allocator<Touchy, u32, 4> = Allocator::new_acyclic();
    let mut ids = Ids(0);
    // Slot 0 of the first chunk; the tail reserves its slots 1 to 3, and
    // the visit of its second element panics.
    let leaf = arena.alloc_linked(Touchy::Leaf(ids.next()));
    let mut stack = vec![
        Touchy::Leaf(ids.next()),
        Touchy::Node(leaf.clone(), ids.next(), false),
        Touchy::Node(leaf.clone(), ids.next(), true),
        Touchy::Leaf(ids.next()),
    ];
    let message = panic_of(|| arena.alloc_split_off(&mut stack, 1));
    assert!(message.contains("visit_links"), "{message}");
    assert_eq!(stack.len(), 1);
    assert_eq!(stack[0].keys(), [1]);
    assert_eq!(elems::made_and_dropped(), (5, 0));

    // The vector writes over the leaked tail; the allocator goes on, in a
    // second chunk.
    stack.push(Touchy::Leaf(ids.next()));
    let tail = arena.alloc_split_off(&mut stack, 0);
    assert!(stack.is_empty());
    let keys: Vec<Vec<u32>> = tail.iter().map(Touchy::keys).collect();
    assert_eq!(keys, [[1], [5]]);
    assert_eq!(arena.stats().chunks_created, 2);
    drop((tail, leaf, arena));
    // Six values were made. The second chunk dropped its two, once each (a
    // second drop fails `Tracked`'s canary). The first chunk is leaked with
    // the leaf and the tail, which no one ever drops.
    assert_eq!(elems::made_and_dropped(), (6, 2));
}

/// Zero-sized elements with a drop counter of their own.
#[test]
fn zero_sized_elements_are_moved_and_dropped_once() {
    common::setup();
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Unit;
    impl Drop for Unit {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::Relaxed);
        }
    }
    let arena: Allocator<Unit, u16, 4> = Allocator::new();
    let mut stack: Vec<Unit> = (0..10).map(|_| Unit).collect();
    let short = arena.alloc_split_off(&mut stack, 8);
    let long = arena.alloc_split_off(&mut stack, 1);
    assert_eq!((short.len(), long.len(), stack.len()), (2, 7, 1));
    assert!(arena.alloc_split_off(&mut stack, 1).is_empty());
    assert_eq!(DROPS.load(Ordering::Relaxed), 0);
    drop(stack);
    assert_eq!(DROPS.load(Ordering::Relaxed), 1);

    // Past the index type: refused, nothing dropped.
    let narrow: Allocator<Unit, u8, 4> = Allocator::new();
    let mut many: Vec<Unit> = (0..300).map(|_| Unit).collect();
    let message = panic_of(|| narrow.alloc_split_off(&mut many, 0));
    assert!(message.contains("300 elements"), "{message}");
    assert_eq!(many.len(), 300);
    assert_eq!(DROPS.load(Ordering::Relaxed), 1);
    let tail = narrow.alloc_split_off(&mut many, 100);
    assert_eq!((tail.len(), many.len()), (200, 100));

    drop((short, long, arena, many));
    assert_eq!(DROPS.load(Ordering::Relaxed), 1 + 9 + 100);
    drop((tail, narrow));
    assert_eq!(DROPS.load(Ordering::Relaxed), 1 + 9 + 300);

    let units: Allocator<()> = Allocator::new();
    let mut stack = vec![(); 5];
    assert_eq!(units.alloc_split_off(&mut stack, 2), [(); 3]);
    assert_eq!(stack.len(), 2);
}

/// The per-thread routes: `LocalArena`, `ThreadArena`, `ArenaAlloc` (derived
/// and from `arena!(Type, N)`).
#[cfg(feature = "derive")]
mod per_thread {
    use super::*;
    use arena_arc::{ArenaAlloc, ThreadArena, arena};

    arena!(static NUMBERS: u32, 64);
    arena!(static WORDS: String, 4);

    /// A name in its own per-type arena, from `arena!(Type, N)`.
    #[derive(Debug, PartialEq)]
    struct Word(String);
    arena!(Word, 4);

    fn words(range: Range<usize>) -> Vec<Word> {
        range.map(|i| Word(format!("w{i}"))).collect()
    }

    /// Through the trait, as generic code would.
    fn split_via<A: ThreadArena<u32, u32>>(
        arena: &A,
        vec: &mut Vec<u32>,
        at: usize,
    ) -> ArcSlice<u32> {
        arena.alloc_split_off(vec, at)
    }

    #[test]
    fn local_arenas_and_arena_alloc_move_the_tail() {
        common::leaves_nothing("per-thread routes", |_| {
            let mut stack: Vec<u32> = (0..10).collect();
            let capacity = stack.capacity();
            assert_eq!(NUMBERS.alloc_split_off(&mut stack, 7), [7, 8, 9]);
            assert_eq!(split_via(&NUMBERS, &mut stack, 4), [4, 5, 6]);
            assert!(NUMBERS.alloc_split_off(&mut stack, 4).is_empty());
            assert_eq!((stack.len(), stack.capacity()), (4, capacity));
            assert_eq!(stack, [0, 1, 2, 3]);
            assert_eq!(NUMBERS.stats().chunks_created, 1);
            assert_eq!(NUMBERS.stats().current_chunk_free, 64 - 6);

            // Non-`Copy` elements, and a tail past the chunk of 4.
            let mut names = strings(0..9);
            assert_eq!(WORDS.alloc_split_off(&mut names, 3), strings(3..9));
            assert_eq!(names, strings(0..3));
            assert_eq!(WORDS.stats().dedicated_chunks, 1);

            let mut stack = words(0..7);
            let short = Word::alloc_split_off(&mut stack, 5);
            let long = Word::alloc_split_off(&mut stack, 0);
            assert_eq!(short, words(5..7));
            assert_eq!(long, words(0..5));
            assert!(stack.is_empty());
            let stats = Word::arena_stats();
            assert_eq!((stats.chunks_created, stats.dedicated_chunks), (2, 1));
            let mut again = words(0..3);
            assert_eq!(
                Word::checked_alloc_split_off(&mut again, 1).unwrap(),
                words(1..3)
            );
            let mut numbers = vec![5, 6];
            assert_eq!(
                NUMBERS.checked_alloc_split_off(&mut numbers, 1).unwrap(),
                [6]
            );
            let message = panic_of(|| Word::alloc_split_off(&mut stack, 1));
            assert_eq!(
                message,
                "arena-arc: alloc_split_off: `at` (is 1) should be <= the vector's len (is 0)"
            );
        });
    }

    /// A derived self-referential struct in chunks of 8.
    #[derive(ArenaAlloc)]
    #[arena(chunk = 8)]
    struct Tree {
        payload: Tracked,
        #[arena(default)]
        kids: ArcSlice<Tree>,
    }

    /// A derived self-referential enum in chunks of 8.
    #[derive(ArenaAlloc)]
    #[arena(chunk = 8)]
    enum Term {
        Leaf(Tracked),
        Apply(Tracked, ArcSlice<Term>),
    }

    /// [`super::build`] in `Tree`'s per-thread arena.
    fn tree(ids: &mut Ids, stack: &mut Vec<Tree>, fanouts: &[usize]) {
        let payload = ids.next();
        let base = stack.len();
        if let Some((&fanout, below)) = fanouts.split_first() {
            for _ in 0..fanout {
                tree(ids, stack, below);
            }
        }
        let kids = Tree::alloc_split_off(stack, base);
        stack.push(Tree { payload, kids });
    }

    /// The same shape in `Term`'s arena, through the `LocalArena` that
    /// `Term::arena()` returns.
    fn term(ids: &mut Ids, stack: &mut Vec<Term>, fanouts: &[usize]) {
        let payload = ids.next();
        let Some((&fanout, below)) = fanouts.split_first() else {
            stack.push(Term::Leaf(payload));
            return;
        };
        let base = stack.len();
        for _ in 0..fanout {
            term(ids, stack, below);
        }
        let args = Term::arena().alloc_split_off(stack, base);
        stack.push(Term::Apply(payload, args));
    }

    fn tree_sum(t: &Tree) -> u64 {
        t.payload.key() as u64 + t.kids.iter().map(tree_sum).sum::<u64>()
    }

    fn term_sum(t: &Term) -> u64 {
        match t {
            Term::Leaf(p) => p.key() as u64,
            Term::Apply(p, args) => p.key() as u64 + args.iter().map(term_sum).sum::<u64>(),
        }
    }

    #[test]
    fn derived_trees_built_from_a_stack_free_themselves() {
        common::leaves_nothing("derived stack-built trees", |ids| {
            let mut stack = Vec::new();
            tree(ids, &mut stack, &FANOUTS);
            let root = Tree::alloc_value(stack.pop().unwrap());
            assert!(stack.is_empty());
            assert_eq!(ids.0, NODES);
            assert_eq!(tree_sum(&root), (0..NODES as u64).sum::<u64>());
            assert_eq!(Tree::arena_stats().dedicated_chunks, 2);

            let mut stack = Vec::new();
            term(ids, &mut stack, &FANOUTS);
            let call = Term::alloc_value(stack.pop().unwrap());
            assert!(stack.is_empty());
            assert_eq!(ids.0, 2 * NODES);
            assert_eq!(
                term_sum(&call),
                (NODES as u64..2 * NODES as u64).sum::<u64>()
            );

            let made = 2 * NODES as usize;
            assert_eq!(elems::made_and_dropped(), (made, 0));
            drop((root, call));
            // Freed while the arenas live: nothing but the trim needed.
            arena_arc::trim_thread();
            assert_eq!(elems::made_and_dropped(), (made, made));
            assert_eq!(Tree::arena_stats().chunks_alive, 0);
            assert_eq!(Term::arena_stats().chunks_alive, 0);
        });
    }
}
