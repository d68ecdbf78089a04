//! Chains of chunks far longer than a stack could hold as nested frees: a
//! list whose every chunk links into the one before it, dropped from its
//! head on a thread with a small stack. Each chunk's free releases the next
//! one; those frees run one after another, not inside each other
//! (`src/cascade.rs`), so every element is still dropped once and every
//! byte freed, for hand-held acyclic arenas (with and without
//! `DROP_ONLY_LINKS`) and for the derived per-thread arenas, whose chain
//! runs through thousands of generations. Before that change each of these
//! overflowed its stack and aborted the process.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread::Builder;

use arena_arc::{Allocator, ArcSingle, ArenaAlloc, ArenaLinks, Links};
use common::counting;
use common::elems::{self, Ids, Tracked};
use common::{INJECTED, leaves_nothing_on};

/// A stack that a few hundred nested frees would overflow: each took a few
/// hundred bytes.
const SMALL_STACK: usize = 128 * 1024;

/// Nodes per list; with two per chunk, half as many chunks in the chain.
const NODES: u64 = if cfg!(miri) { 120 } else { 200_000 };

fn small_stack() -> Builder {
    Builder::new().stack_size(SMALL_STACK)
}

/// A list whose only drop glue is its link: released by its tally, without
/// visiting a value (`DROP_ONLY_LINKS`).
struct Bare {
    _value: u64,
    next: Option<ArcSingle<Bare>>,
}

// SAFETY: the one handle is owned by value and reported once; no `Drop`
// impl, the handle is all the drop glue, and the visit cannot panic.
unsafe impl ArenaLinks for Bare {
    const DROP_ONLY_LINKS: bool = true;
    fn visit_links(&self, links: &mut Links<Self>) {
        links.visit(&self.next);
    }
}

/// A list of `nodes` `Bare`s, two to a chunk, each linking to the one
/// before; its allocator is gone, so the head holds the whole chain.
fn bare_list(nodes: u64) -> ArcSingle<Bare> {
    let arena: Allocator<Bare, u32, 2> = Allocator::new_acyclic();
    let mut head = arena.alloc_linked(Bare {
        _value: 0,
        next: None,
    });
    for value in 1..nodes {
        head = arena.alloc_linked(Bare {
            _value: value,
            next: Some(head),
        });
    }
    assert_eq!(arena.stats().chunks_alive as u64, nodes.div_ceil(2));
    head
}

/// A part whose drop panics if it is armed. It holds no handle, so a node
/// holding one still keeps the `ArenaLinks` contract (no `Drop` impl on the
/// node itself).
struct Fuse(bool);

impl Drop for Fuse {
    fn drop(&mut self) {
        if self.0 {
            panic!("{INJECTED}: a drop in the middle of a chain");
        }
    }
}

/// A list with parts to drop: its chunks' values are dropped one by one.
struct Loaded {
    _payload: Tracked,
    _fuse: Fuse,
    next: Option<ArcSingle<Loaded>>,
}

// SAFETY: the one handle is owned by value and reported once; `Loaded` has
// no `Drop` impl (its parts' hold no handle).
unsafe impl ArenaLinks for Loaded {
    fn visit_links(&self, links: &mut Links<Self>) {
        links.visit(&self.next);
    }
}

/// A list of `nodes` `Loaded`s, two to a chunk, each linking to the one
/// before, whose node `armed`, if any, panics when dropped; its allocator
/// is gone, so the head holds the whole chain.
fn loaded_list(ids: &mut Ids, nodes: usize, armed: Option<usize>) -> ArcSingle<Loaded> {
    let arena: Allocator<Loaded, u32, 2> = Allocator::new_acyclic();
    let mut head = None;
    for i in 0..nodes {
        head = Some(arena.alloc_value(Loaded {
            _payload: ids.next(),
            _fuse: Fuse(armed == Some(i)),
            next: head,
        }));
    }
    head.expect("a list of at least one node")
}

#[test]
fn a_list_of_many_chunks_with_only_links_drops_on_a_small_stack() {
    leaves_nothing_on("a bare list", small_stack(), |_| {
        // The head's chunk goes, and with it, one after the other, every
        // chunk before it.
        drop(bare_list(NODES));
    });
}

#[test]
fn a_chain_gives_its_chunks_back_oldest_first() {
    // As the nested frees did; newest first, each chunk joined the top of
    // glibc's heap, which it then trimmed (docs/benchmarks.md).
    leaves_nothing_on("a chain's order of frees", Builder::new(), |_| {
        let chunk_size = {
            let arena: Allocator<Bare, u32, 2> = Allocator::new_acyclic();
            let _one = arena.alloc_linked(Bare {
                _value: 0,
                next: None,
            });
            let stats = arena.stats();
            stats.bytes_reserved / stats.chunks_alive
        };
        counting::watch(chunk_size);
        drop(bare_list(40));
        let (allocated, freed) = counting::watched();
        counting::watch(0);
        assert_eq!(allocated.len(), 20, "two nodes a chunk");
        assert_eq!(freed, allocated, "the chunks, oldest first");
    });
}

#[test]
fn a_list_of_many_chunks_with_payloads_drops_on_a_small_stack() {
    leaves_nothing_on("a loaded list", small_stack(), |ids| {
        // The ledger of drops takes at most 65,536 ids.
        let nodes = NODES.min(60_000) as usize;
        drop(loaded_list(ids, nodes, None));
        // Every payload was dropped before the drop of the head returned.
        assert_eq!(elems::made_and_dropped(), (nodes, nodes));
    });
}

/// A list in the derive's per-thread arena, two nodes per chunk: a
/// generation closes every 32 chunks, so the chain runs through thousands
/// of generations, each freed by the one after it.
#[derive(ArenaAlloc)]
#[arena(chunk = 2)]
enum Chain {
    End,
    Link(u64, ArcSingle<Chain>),
}

#[test]
fn a_chain_of_many_generations_drops_on_a_small_stack() {
    leaves_nothing_on("a chain of generations", small_stack(), |_| {
        let mut head = Chain::alloc_value(Chain::End);
        for value in 1..NODES {
            head = Chain::alloc_value(Chain::Link(value, head));
        }
        // The thread's arenas give up their current chunks, so that the
        // head's handle is all that keeps the chain.
        arena_arc::trim_thread();
        // The chain is whole, newest first.
        let mut expected = NODES - 1;
        let mut at = &*head;
        while let Chain::Link(value, next) = at {
            assert_eq!(*value, expected);
            expected -= 1;
            at = next;
        }
        assert_eq!(expected, 0);
        drop(head);
    });
}

#[test]
fn a_panicking_drop_in_the_middle_of_a_chain_still_frees_the_rest() {
    leaves_nothing_on("a chain with a panicking drop", small_stack(), |ids| {
        let nodes = NODES.min(20_000) as usize;
        let head = loaded_list(ids, nodes, Some(nodes / 2));
        let panic = catch_unwind(AssertUnwindSafe(|| drop(head)));
        let message = common::panic_message(&*panic.expect_err("the armed drop panics"));
        assert!(message.contains("in the middle of a chain"), "{message}");
        // The chunks past the panic were freed all the same, before the
        // panic reached the drop's caller.
        assert_eq!(elems::made_and_dropped(), (nodes, nodes));
        // And the thread frees the next chain at once: nothing was left
        // waiting behind the panic.
        drop(loaded_list(ids, nodes, None));
        assert_eq!(elems::made_and_dropped(), (2 * nodes, 2 * nodes));
    });
}

thread_local! {
    /// A list's head held by the thread, dropped with its thread-locals.
    static HEAD: core::cell::RefCell<Option<ArcSingle<Loaded>>> =
        const { core::cell::RefCell::new(None) };
}

/// Drops a short list, two nodes to a chunk, whose chunks free each other:
/// the thread's queue of frees is used here first.
fn start_the_queue(ids: &mut Ids) {
    drop(loaded_list(ids, 6, None));
}

/// A thread with a small stack that holds a list of 20,000 nodes (120
/// under Miri) in a thread-local until it ends, having used the queue of
/// frees before the list's thread-local was made (`queue_first`) or after
/// it. Thread-locals are destroyed in an order the platform picks. The
/// queue has no destructor, so in both orders the list's frees run one
/// after another when its thread-local is destroyed. (Before 2026-12-07
/// the queue was destroyed with the others, and a list dropped after it
/// freed its chunks nested: 2,000 nodes fitted a default stack natively,
/// and overflowed it under AddressSanitizer.)
fn a_list_held_by_a_thread_local(queue_first: bool) {
    leaves_nothing_on(
        "a list dropped at the thread's end",
        small_stack(),
        move |ids| {
            if queue_first {
                start_the_queue(ids);
            }
            let head = loaded_list(ids, NODES.min(20_000) as usize, None);
            HEAD.with(|slot| *slot.borrow_mut() = Some(head));
            if !queue_first {
                start_the_queue(ids);
            }
        },
    );
}

#[test]
fn a_list_held_by_a_thread_local_is_freed_when_the_queue_is_made_first() {
    a_list_held_by_a_thread_local(true);
}

#[test]
fn a_list_held_by_a_thread_local_is_freed_when_the_queue_is_made_last() {
    a_list_held_by_a_thread_local(false);
}
