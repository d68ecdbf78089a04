//! Trees and DAGs in their own acyclic arena ([`Allocator::new_acyclic`]):
//! after the last outside handle and the allocator are gone, every element
//! was dropped exactly once and every byte was freed, however the tree was
//! built: nested fills across chunk boundaries, lists longer than a chunk,
//! shared subtrees, and `init`s that fail or panic half-way.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use arena_arc::{Allocator, ArcSingle, ArcSlice, ArcThin, ArenaLinks, Links};
use common::counting::{self, Snapshot};
use common::elems::{self, Elem, Ids, Touchy, Tracked};

/// A tree node: a tracked payload (exact drops), a child list and an
/// optional extra link (for DAGs and chains).
struct Node {
    payload: Tracked,
    children: ArcSlice<Node>,
    extra: Option<ArcSingle<Node>>,
}

// SAFETY: both handle fields are owned by value and reported once; `Node`
// has no `Drop` impl (its payload's `Drop` holds no handle).
unsafe impl ArenaLinks for Node {
    fn visit_links(&self, links: &mut Links<Self>) {
        links.slice(&self.children);
        links.visit(&self.extra);
    }
}

/// An expression enum, the other shape a compiler's AST takes.
enum Expr {
    Num(Tracked),
    Neg(ArcSingle<Expr>),
    Add(ArcSingle<Expr>, ArcSingle<Expr>),
    Call {
        callee: Tracked,
        args: ArcSlice<Expr>,
    },
}

// SAFETY: every handle of every variant is owned by value and reported
// once; `Expr` has no `Drop` impl.
unsafe impl ArenaLinks for Expr {
    fn visit_links(&self, links: &mut Links<Self>) {
        match self {
            Expr::Num(_) => {}
            Expr::Neg(a) => links.single(a),
            Expr::Add(a, b) => {
                links.single(a);
                links.single(b);
            }
            Expr::Call { args, .. } => links.slice(args),
        }
    }
}

/// Runs `build` on a counted thread with a fresh ledger, drops everything it
/// made (the allocator included, when the thread ends), and checks that
/// each of its elements was dropped once and no byte is left.
#[track_caller]
fn leaves_nothing(what: &str, build: impl FnOnce(&mut Ids) + Send + 'static) {
    let _serial = common::serial();
    elems::reset();
    let start = Snapshot::now();
    counting::enroll(true);
    let made = counting::join(counting::spawn(move || {
        let mut ids = Ids(0);
        build(&mut ids);
        ids.0
    }))
    .unwrap();
    counting::enroll(false);
    elems::assert_each_dropped_once(made);
    assert_eq!(
        elems::made_and_dropped(),
        (made as usize, made as usize),
        "{what}"
    );
    start.assert_all_freed(what);
}

fn leaf(arena: &Allocator<Node, u32, 8>, ids: &mut Ids) -> ArcSingle<Node> {
    arena.alloc_value(Node {
        payload: ids.next(),
        children: ArcSlice::new(),
        extra: None,
    })
}

/// A complete tree of `depth` levels and `fanout` children per node, each
/// child list made by a nested `alloc` whose `init` builds the subtrees.
fn nested(arena: &Allocator<Node, u32, 8>, ids: &mut Ids, depth: u32, fanout: usize) -> Node {
    let payload = ids.next();
    let children = if depth == 0 {
        ArcSlice::new()
    } else {
        arena.alloc(fanout, |_| nested(arena, ids, depth - 1, fanout))
    };
    Node {
        payload,
        children,
        extra: None,
    }
}

fn sum(node: &Node) -> u64 {
    node.payload.key() as u64 + node.children.iter().map(sum).sum::<u64>()
}

#[test]
fn a_parent_in_the_same_chunk_as_its_children_is_freed() {
    leaves_nothing("one chunk", |ids| {
        let arena: Allocator<Node, u32, 8> = Allocator::new_acyclic();
        let kids = arena.alloc(3, |_| Node {
            payload: ids.next(),
            children: ArcSlice::new(),
            extra: None,
        });
        let root = arena.alloc_value(Node {
            payload: ids.next(),
            children: kids,
            extra: None,
        });
        assert!(ArcSlice::shares_chunk(
            &root.children,
            &root.children.slice(0..1)
        ));
        assert_eq!(sum(&root), (0..=3).sum::<u64>());
        // The allocator goes first: the root's handle alone keeps the chunk.
        drop(arena);
        assert_eq!(root.children[2].payload.key(), 2);
    });
}

#[test]
fn nested_fills_across_chunk_boundaries_are_freed() {
    leaves_nothing("nested", |ids| {
        let arena: Allocator<Node, u32, 8> = Allocator::new_acyclic();
        // 1 + 3 + 9 + 27 + 81 nodes: many chunks of 8, and every child list
        // of 3 is reserved before its subtrees fill the chunk past it.
        let root = arena.alloc_value(nested(&arena, ids, 4, 3));
        assert_eq!(ids.0, 121);
        assert_eq!(sum(&root), (0..121).sum::<u64>());
        let stats = arena.stats();
        assert!(stats.chunks_created > 10, "{stats:?}");
        drop(root);
        drop(arena);
    });
}

#[test]
fn the_tree_is_freed_while_the_allocator_lives_and_its_chunks_are_reused() {
    let _serial = common::serial();
    elems::reset();
    fn tree(arena: &Allocator<Node, u32, 64>, ids: &mut Ids, depth: u32) -> Node {
        let payload = ids.next();
        let children = match depth {
            0 => ArcSlice::new(),
            _ => arena.alloc(3, |_| tree(arena, ids, depth - 1)),
        };
        Node {
            payload,
            children,
            extra: None,
        }
    }
    let arena: Allocator<Node, u32, 64> = Allocator::new_acyclic();
    let mut ids = Ids(0);
    // Warm up, then churn: each round builds and drops a tree of 40 nodes,
    // which fits the four retired chunks the allocator keeps for reuse.
    for _ in 0..3 {
        drop(arena.alloc_value(tree(&arena, &mut ids, 3)));
    }
    let created = arena.stats().chunks_created;
    let rounds = if cfg!(miri) { 4 } else { 20 };
    for _ in 0..rounds {
        let root = arena.alloc_value(tree(&arena, &mut ids, 3));
        assert_eq!(root.children.len(), 3);
    }
    let stats = arena.stats();
    assert_eq!(
        stats.chunks_created, created,
        "a churn of trees keeps making chunks: {stats:?}"
    );
    assert!(stats.chunks_reused >= rounds / 2, "{stats:?}");
    // Everything but what the allocator's own chunks hold is dropped already.
    let (made, dropped) = elems::made_and_dropped();
    assert!(made - dropped <= 5 * 64, "made {made}, dropped {dropped}");
    drop(arena);
    elems::assert_each_dropped_once(ids.0);
}

#[test]
fn lists_longer_than_a_chunk_are_freed() {
    leaves_nothing("long lists", |ids| {
        let arena: Allocator<Node, u32, 8> = Allocator::new_acyclic();
        // A small list in the current chunk, then a dedicated one of 20
        // whose elements each hold a subtree, then a parent of both.
        let small = arena.alloc(2, |_| Node {
            payload: ids.next(),
            children: ArcSlice::new(),
            extra: None,
        });
        let long = arena.alloc(20, |i| {
            let mut node = nested(&arena, ids, 1, 2);
            if i == 0 {
                node.extra = Some(ArcSingle::from_slice(small.slice(0..1)));
            }
            node
        });
        let mut tree = nested(&arena, ids, 1, 2);
        tree.extra = Some(ArcSingle::from_slice(long.slice(19..20)));
        let root = arena.alloc_value(Node {
            payload: ids.next(),
            children: long,
            extra: Some(arena.alloc_value(tree)),
        });
        drop(small);
        assert!(arena.stats().dedicated_chunks >= 1);
        assert_eq!(root.children.len(), 20);
        drop(arena);
        drop(root);
    });
}

#[test]
fn shared_subtrees_in_a_dag_are_freed() {
    leaves_nothing("dag", |ids| {
        let arena: Allocator<Node, u32, 8> = Allocator::new_acyclic();
        let shared = arena.alloc_value(nested(&arena, ids, 2, 2));
        // Forty parents share the subtree, from this chunk and later ones,
        // each also holding a clone of the one before (a chain).
        let mut prev = leaf(&arena, ids);
        for _ in 0..40 {
            let parent = arena.alloc_value(Node {
                payload: ids.next(),
                children: arena.alloc(2, |_| Node {
                    payload: ids.next(),
                    children: ArcSlice::new(),
                    extra: Some(shared.clone()),
                }),
                extra: Some(prev.clone()),
            });
            prev = parent;
        }
        drop(shared);
        drop(arena);
        assert_eq!(prev.children[1].extra.as_ref().unwrap().children.len(), 2);
        drop(prev);
    });
}

#[test]
fn an_init_that_fails_or_panics_mid_tree_leaves_nothing() {
    leaves_nothing("failures", |ids| {
        let arena: Allocator<Node, u32, 8> = Allocator::new_acyclic();
        let mut kept = Vec::new();
        for round in 0..6usize {
            // Each child builds a subtree, then the fourth child fails
            // (even rounds) or panics (odd rounds) after the subtrees
            // already spilled into new chunks.
            let mut attempt = |ids: &mut Ids| {
                arena.try_alloc(5, |i| {
                    let node = nested(&arena, ids, 2, 2);
                    if i == 3 {
                        if round % 2 == 1 {
                            panic!("{}: child {i}", common::INJECTED);
                        }
                        return Err(i);
                    }
                    kept.push(arena.alloc_value(nested(&arena, ids, 0, 0)));
                    Ok(node)
                })
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| attempt(ids)));
            match outcome {
                Ok(result) => assert_eq!(result.err(), Some(3)),
                Err(payload) => {
                    assert!(common::panic_message(&*payload).contains("child 3"));
                }
            }
            kept.push(arena.alloc_value(nested(&arena, ids, 1, 3)));
        }
        assert_eq!(kept.len(), 6 * 3 + 6);
        drop(arena);
    });
}

#[test]
fn enum_asts_are_freed() {
    leaves_nothing("enum", |ids| {
        let arena: Allocator<Expr, u32, 8> = Allocator::new_acyclic();
        fn build(arena: &Allocator<Expr, u32, 8>, ids: &mut Ids, depth: u32) -> Expr {
            match depth % 3 {
                _ if depth == 0 => Expr::Num(ids.next()),
                0 => Expr::Neg(arena.alloc_linked(build(arena, ids, depth - 1))),
                // One child through each path: `alloc_linked` scans the
                // links inline, `alloc_value` through the arena's pointer.
                1 => Expr::Add(
                    arena.alloc_value(build(arena, ids, depth - 1)),
                    arena.alloc_linked(build(arena, ids, depth - 1)),
                ),
                _ => Expr::Call {
                    callee: ids.next(),
                    args: arena.alloc(3, |_| build(arena, ids, depth - 1)),
                },
            }
        }
        fn eval(e: &Expr) -> u64 {
            match e {
                Expr::Num(n) => n.key() as u64,
                Expr::Neg(a) => eval(a),
                Expr::Add(a, b) => eval(a) + eval(b),
                Expr::Call { callee, args } => {
                    callee.key() as u64 + args.iter().map(eval).sum::<u64>()
                }
            }
        }
        let root = arena.alloc_value(build(&arena, ids, 7));
        assert_eq!(eval(&root), (0..ids.0 as u64).sum::<u64>());
        let again = root.clone();
        drop(root);
        drop(arena);
        assert!(matches!(
            *again,
            Expr::Neg(_) | Expr::Add(..) | Expr::Call { .. }
        ));
    });
}

#[test]
fn a_tree_built_on_a_thread_that_ended_is_freed_on_another() {
    let _serial = common::serial();
    elems::reset();
    let start = Snapshot::now();
    counting::enroll(true);
    let builder = counting::spawn(|| {
        let arena: Allocator<Node, u32, 8> = Allocator::new_acyclic();
        let mut ids = Ids(0);
        arena.alloc_value(nested(&arena, &mut ids, 3, 3))
    });
    let root = counting::join(builder).unwrap();
    assert_eq!(sum(&root), (0..40).sum::<u64>());
    drop(root);
    counting::enroll(false);
    elems::assert_each_dropped_once(40);
    start.assert_all_freed("a tree built on a thread that ended");
}

#[test]
// It leaks on purpose, which Miri's leak check reports as an error.
#[cfg_attr(miri, ignore)]
fn a_plain_allocator_still_leaks_a_self_referencing_chunk() {
    // The hazard `new_acyclic` removes, shown to be real: the same tree in a
    // plain allocator keeps its chunk alive after everything is dropped.
    let _serial = common::serial();
    elems::reset();
    let arena: Allocator<Node, u32, 8> = Allocator::new();
    let mut ids = Ids(0);
    let kids = arena.alloc(2, |_| Node {
        payload: ids.next(),
        children: ArcSlice::new(),
        extra: None,
    });
    let root = arena.alloc_value(Node {
        payload: ids.next(),
        children: kids,
        extra: None,
    });
    drop(root);
    drop(arena);
    assert_eq!(elems::made_and_dropped(), (3, 0), "the cycle leak is gone?");
}

#[test]
// It leaks on purpose (the cycle of a plain allocator), which Miri reports.
#[cfg_attr(miri, ignore)]
fn alloc_linked_on_a_plain_allocator_is_alloc_value() {
    let _serial = common::serial();
    elems::reset();
    let arena: Allocator<Expr, u32, 8> = Allocator::new();
    let mut ids = Ids(0);
    let leaf = arena.alloc_linked(Expr::Num(ids.next()));
    let neg = arena.alloc_linked(Expr::Neg(leaf.clone()));
    drop(leaf);
    assert!(matches!(&*neg, Expr::Neg(inner) if matches!(**inner, Expr::Num(_))));
    // A plain allocator does not forget the self-link: once the allocator
    // and the outside handle are gone, the link still keeps the chunk (the
    // cycle hazard), so nothing was dropped.
    drop(neg);
    drop(arena);
    assert_eq!(elems::made_and_dropped(), (1, 0));
}

#[test]
fn trim_frees_a_dropped_tree_whose_root_sat_in_the_current_chunk() {
    let _serial = common::serial();
    elems::reset();
    let arena: Allocator<Node, u32, 8> = Allocator::new_acyclic();
    let mut ids = Ids(0);
    let root = arena.alloc_value(nested(&arena, &mut ids, 3, 3));
    drop(root);
    // The root sits in the current chunk, which is released only when the
    // allocator moves on: nothing hanging from it was dropped yet.
    assert_eq!(elems::made_and_dropped(), (40, 0));
    arena.trim();
    assert_eq!(elems::made_and_dropped(), (40, 40));
    assert_eq!(arena.stats().chunks_alive, 0);
    // The allocator is still usable.
    let again = arena.alloc_value(nested(&arena, &mut ids, 1, 2));
    assert_eq!(sum(&again), (40..43).sum::<u64>());
    drop(again);
    arena.trim();
    assert_eq!(arena.stats().chunks_alive, 0);
    elems::assert_each_dropped_once(ids.0);
}

#[test]
// It leaks on purpose (the panicking value and its chunk), which Miri's leak
// check reports as an error.
#[cfg_attr(miri, ignore)]
fn a_visit_links_that_panics_leaks_its_value_and_chunk_and_the_allocator_goes_on() {
    let _serial = common::serial();
    elems::reset();
    let arena: Allocator<Touchy, u32, 4> = Allocator::new_acyclic();
    let mut ids = Ids(0);
    // Slot 0 of the first chunk, then slot 1 for the value whose visit
    // panics (after it reported its link to slot 0).
    let leaf = arena.alloc_linked(Touchy::Leaf(ids.next()));
    let payload = ids.next();
    let message =
        common::panic_of(|| arena.alloc_linked(Touchy::Node(leaf.clone(), payload, true)));
    assert!(message.contains("visit_links"), "{message}");
    // The allocator goes on: slots 2 and 3, then two more chunks and one.
    let mut root = arena.alloc_linked(Touchy::Leaf(ids.next()));
    for _ in 0..10 {
        root = arena.alloc_linked(Touchy::Node(root, ids.next(), false));
    }
    assert_eq!(root.keys(), (2..13).rev().collect::<Vec<u32>>());
    assert_eq!(arena.stats().chunks_created, 4);
    drop((root, leaf));
    drop(arena);
    // 13 values were made. The first chunk is leaked, with the leaf and the
    // first two of the chain, and so is the value whose visit panicked: it
    // was never written to its slot (the scan runs before the move), and its
    // reservation's reference is never released. The other nine were
    // dropped, once each (a second drop fails `Tracked`'s canary).
    assert_eq!(elems::made_and_dropped(), (13, 9));
}

/// A node whose links sit in every container [`Links::visit`] takes: a bare
/// `ArcSlice`, a `Box`, a `Vec`, an array, a boxed slice and a bare
/// `ArcThin` (each through the `Link` impl of that container).
struct Every {
    payload: Tracked,
    slice: ArcSlice<Every>,
    boxed: Option<Box<ArcSingle<Every>>>,
    lists: Vec<ArcSlice<Every>>,
    pair: [Option<ArcSingle<Every>>; 2],
    boxed_slice: Box<[ArcSingle<Every>]>,
    thin: Option<ArcThin<Every>>,
}

// SAFETY: every handle is owned by value by `self`'s fields and reported
// once; `Every` has no `Drop` impl.
unsafe impl ArenaLinks for Every {
    fn visit_links(&self, links: &mut Links<Self>) {
        links.visit(&self.slice);
        links.visit(&self.boxed);
        links.visit(&self.lists);
        links.visit(&self.pair);
        links.visit(&self.boxed_slice);
        if let Some(thin) = &self.thin {
            links.visit(thin);
        }
    }
}

/// A chunk small enough for `ArcThin` handles, large enough for the whole
/// tree: every link points into the chunk that holds it.
const EVERY_CHUNK: usize = 64;

/// Each container's `Link::report` gives back the links into the value's
/// own chunk: a tree of `Every` in one chunk, every link reported only
/// through `visit`, frees itself. (Found by cargo-mutants: with the `report`
/// of `ArcSlice`, `ArcThin`, `Box`, `[X]`, `[X; K]` or `Vec` made a no-op,
/// nothing failed; the unreported links then keep counting and the chunk
/// keeps itself alive, a leak.)
#[test]
fn links_in_every_container_visit_takes_free_the_tree() {
    leaves_nothing("a tree linked through every container", |ids| {
        let arena: Allocator<Every, u32, EVERY_CHUNK> = Allocator::new_acyclic();
        let leaf = |ids: &mut Ids| Every {
            payload: ids.next(),
            slice: ArcSlice::new(),
            boxed: None,
            lists: Vec::new(),
            pair: [None, None],
            boxed_slice: Box::new([]),
            thin: None,
        };
        // (The first: it makes the allocator take chunks aligned for thin
        // handles.)
        let thin = arena.alloc_thin_linked(leaf(ids));
        let slice = arena.alloc(2, |_| leaf(ids));
        let boxed = arena.alloc_linked(leaf(ids));
        let lists = vec![arena.alloc(1, |_| leaf(ids)), arena.alloc(3, |_| leaf(ids))];
        let pair = [Some(arena.alloc_linked(leaf(ids))), None];
        let boxed_slice: Box<[_]> = Box::new([arena.alloc_linked(leaf(ids))]);
        let root = arena.alloc_linked(Every {
            payload: ids.next(),
            slice,
            boxed: Some(Box::new(boxed)),
            lists,
            pair,
            boxed_slice,
            thin: Some(thin),
        });
        assert_eq!(arena.stats().chunks_created, 1, "the tree is in one chunk");
        let kids = root.slice.len()
            + root.lists.iter().map(|l| l.len()).sum::<usize>()
            + root.boxed.iter().count()
            + root.pair.iter().flatten().count()
            + root.boxed_slice.len()
            + root.thin.iter().count();
        assert_eq!(kids, 10);
        assert_eq!(root.payload.key(), 10, "the root was made last");
        drop(root);
        drop(arena);
    });
}
