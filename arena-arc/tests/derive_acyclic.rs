//! Derived recursive types in their own per-thread arenas: a struct or enum
//! whose fields hold `ArcSlice<Self>`, `ArcSingle<Self>` or an `Option` of
//! either gets `ArenaLinks` and an acyclic arena from `#[derive(ArenaAlloc)]`,
//! and so does `arena!(static ...)` of such a type. Whatever way a tree is
//! built, once the thread that built it has ended (dropping its arena) and
//! the last outside handle is gone, every element was dropped exactly once
//! and every byte was freed.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use arena_arc::{ArcSingle, ArcSlice, ArcStr, ArenaAlloc, ArenaLinks, Links, arena};
use common::counting::{self, Snapshot};
use common::elems::{self, Elem, Ids, Tracked};
use common::leaves_nothing;

/// A tree node: a tracked payload (exact drops), a child list in the
/// struct's own arena (no `shared`), and an optional extra link (for DAGs
/// and chains). Small chunks, so that trees span many of them.
#[derive(ArenaAlloc)]
#[arena(chunk = 8)]
struct Node {
    payload: Tracked,
    #[arena(default)]
    children: ArcSlice<Node>,
    #[arena(default)]
    extra: Option<ArcSingle<Self>>,
}

/// An expression enum with every kind of variant and of self-link.
#[derive(ArenaAlloc)]
#[arena(chunk = 8, index = u32)]
enum Expr {
    Nil,
    Num(Tracked),
    Neg(ArcSingle<Expr>),
    Add(ArcSingle<Expr>, ArcSingle<Self>),
    Call {
        callee: Tracked,
        args: ArcSlice<Expr>,
    },
    Maybe(Tracked, Option<ArcSingle<Expr>>),
}

fn leaf(ids: &mut Ids) -> Node {
    Node::builder().payload(ids.next()).build()
}

/// A complete tree of `depth` levels and `fanout` children per node, each
/// child list made by a nested `Node::alloc` whose `init` builds the
/// subtrees.
fn nested(ids: &mut Ids, depth: u32, fanout: usize) -> Node {
    let payload = ids.next();
    let children = if depth == 0 {
        ArcSlice::new()
    } else {
        Node::alloc(fanout, |_| nested(ids, depth - 1, fanout))
    };
    Node {
        payload,
        children,
        extra: None,
    }
}

/// The same tree through the builder's `children_with`, nested.
fn built_with(ids: &mut Ids, depth: u32, fanout: usize) -> Node {
    let builder = Node::builder().payload(ids.next());
    if depth == 0 {
        builder.build()
    } else {
        builder
            .children_with(fanout, |_| built_with(ids, depth - 1, fanout))
            .build()
    }
}

fn sum(node: &Node) -> u64 {
    node.payload.key() as u64
        + node.children.iter().map(sum).sum::<u64>()
        + node.extra.as_deref().map_or(0, sum)
}

fn count(node: &Node) -> usize {
    1 + node.children.iter().map(count).sum::<usize>()
}

/// A depth that keeps Miri's runs short.
const DEPTH: u32 = if cfg!(miri) { 2 } else { 4 };

#[test]
fn the_derived_arenas_are_acyclic_and_others_are_not() {
    assert!(Node::arena().with(|a| a.is_acyclic()));
    assert!(Expr::arena().with(|a| a.is_acyclic()));
    assert!(NODES.with(|a| a.is_acyclic()));
    assert!(CONS.with(|a| a.is_acyclic()));
    assert!(!BYTES.with(|a| a.is_acyclic()));
    assert!(!Plain::arena().with(|a| a.is_acyclic()));
    assert!(!LinkFree::arena().with(|a| a.is_acyclic()));
    assert!(Shapes::arena().with(|a| a.is_acyclic()));
}

/// Every kind of field the derive reads as holding no link of its own: a
/// primitive, `ArcStr` (whose link always counts), handles to a primitive,
/// `Option`, `Box` and `Vec` of primitives, a shared owner. Its arena stays
/// plain: each arm of the derive's classifier (`parse::link_kind`) is
/// needed for that, and without one the type would get an acyclic arena,
/// whose commits scan for links.
#[derive(ArenaAlloc)]
#[allow(dead_code)]
struct LinkFree {
    number: u64,
    text: ArcStr,
    bytes: ArcSlice<u8>,
    one: ArcSingle<u64>,
    maybe: Option<u32>,
    boxed: Box<[u16]>,
    list: Vec<i8>,
    shared: std::sync::Arc<str>,
}

/// Declares `Shapes` with a field of type `$grouped`, which reaches the
/// derive wrapped in an invisible group, as a macro's `$t:ty` does. (In a
/// module: the parentheses are the point, and the lint against them fires
/// on the derive's output too.)
macro_rules! shapes {
    ($grouped:ty) => {
        // (Its builder is not used.)
        #[allow(unused_parens, dead_code)]
        mod shapes {
            use super::*;

            /// A self-link in every shape of field type the derive looks
            /// through: a tuple, parentheses, a tuple in parentheses, a
            /// slice in a `Box`, and a tuple through a macro's type
            /// fragment.
            #[derive(ArenaAlloc)]
            #[arena(chunk = 8)]
            pub struct Shapes {
                pub id: Tracked,
                pub pair: (Option<ArcSingle<Shapes>>, u32),
                pub paren: (Option<ArcSingle<Shapes>>),
                pub nested: ((u8, Option<ArcSingle<Shapes>>)),
                pub boxed: Box<[ArcSingle<Shapes>]>,
                pub grouped: $grouped,
            }
        }
        use shapes::Shapes;
    };
}
shapes!((u16, Option<ArcSingle<Shapes>>));

/// A parent whose every field links to a leaf in its own chunk: a field
/// whose links the derive did not report would keep counting, and the
/// chunk would keep itself alive after the thread's end.
#[test]
fn links_in_tuples_parentheses_boxed_slices_and_macro_types_are_reported() {
    fn leaf(ids: &mut Ids) -> ArcSingle<Shapes> {
        Shapes::alloc_value(Shapes {
            id: ids.next(),
            pair: (None, 0),
            paren: None,
            nested: (0, None),
            boxed: Box::new([]),
            grouped: (0, None),
        })
    }
    leaves_nothing("shapes", |ids| {
        let parent = Shapes::alloc_value(Shapes {
            id: ids.next(),
            pair: (Some(leaf(ids)), 1),
            paren: Some(leaf(ids)),
            nested: (2, Some(leaf(ids))),
            boxed: Box::new([leaf(ids), leaf(ids)]),
            grouped: (3, Some(leaf(ids))),
        });
        // The parent and its six leaves fit in one chunk of 8.
        assert_eq!(Shapes::arena_stats().chunks_created, 1);
        let leaf = parent.boxed[1].clone();
        drop(parent);
        assert_eq!(leaf.grouped.0, 0);
    });
}

#[test]
fn a_parent_built_with_build_arc_in_the_chunk_of_its_children_is_freed() {
    leaves_nothing("build_arc", |ids| {
        let root = Node::builder()
            .payload(ids.next())
            .children_from_iter([leaf(ids), leaf(ids), leaf(ids)])
            .build_arc();
        assert!(ArcSlice::shares_chunk(
            &ArcSlice::from(root.clone()),
            &root.children
        ));
        assert_eq!(sum(&root), 1 + 2 + 3);
    });
}

#[test]
fn nested_alloc_across_chunk_boundaries_is_freed() {
    leaves_nothing("nested alloc", |ids| {
        let root = Node::alloc_value(nested(ids, DEPTH, 3));
        assert_eq!(count(&root), ids.0 as usize);
        assert_eq!(sum(&root), (0..ids.0 as u64).sum::<u64>());
        assert!(Node::arena_stats().chunks_created >= 2);
    });
}

#[test]
fn nested_builder_setters_across_chunk_boundaries_are_freed() {
    leaves_nothing("builder setters", |ids| {
        // `FIELD_with`, nested.
        let a = built_with(ids, DEPTH, 3);
        // `FIELD(vec)` and `FIELD_from_iter`, with subtrees made first.
        let list: Vec<Node> = (0..5).map(|_| built_with(ids, 1, 2)).collect();
        let b = Node::builder()
            .payload(ids.next())
            .children(list)
            .extra(Some(Node::builder().payload(ids.next()).build_arc()))
            .build();
        let c = Node::builder()
            .payload(ids.next())
            .children_from_iter((0..3).map(|_| built_with(ids, 2, 2)))
            .build();
        // `FIELD(handle)`: an existing list, moved in.
        let d = Node::builder()
            .payload(ids.next())
            .children(Node::alloc(2, |_| leaf(ids)))
            .build();
        let root = Node::builder()
            .payload(ids.next())
            .children(vec![a, b, c, d])
            .build_arc();
        assert_eq!(root.children.len(), 4);
        assert_eq!(sum(&root), (0..ids.0 as u64).sum::<u64>());
    });
}

#[test]
fn lists_longer_than_a_chunk_are_freed() {
    leaves_nothing("long lists", |ids| {
        let small = Node::alloc(2, |_| leaf(ids));
        // 20 > 8: a dedicated chunk, each element holding a subtree, the
        // first also a link into the small list.
        let long = Node::alloc(20, |i| {
            let mut node = nested(ids, 1, 2);
            if i == 0 {
                node.extra = Some(ArcSingle::from_slice(small.slice(0..1)));
            }
            node
        });
        let root = Node::builder()
            .payload(ids.next())
            .children(long)
            .extra(Some(Node::alloc_value(nested(ids, 2, 2))))
            .build_arc();
        drop(small);
        assert!(Node::arena_stats().dedicated_chunks >= 1);
        assert_eq!(root.children.len(), 20);
    });
}

#[test]
fn shared_subtrees_in_a_dag_are_freed() {
    leaves_nothing("dag", |ids| {
        let shared = Node::alloc_value(nested(ids, 2, 2));
        // Parents from this chunk and later ones share the subtree, each
        // also holding the one before (a chain).
        let mut prev = Node::alloc_value(leaf(ids));
        for _ in 0..if cfg!(miri) { 10 } else { 40 } {
            prev = Node::builder()
                .payload(ids.next())
                .children_with(2, |_| {
                    Node::builder()
                        .payload(ids.next())
                        .extra(Some(shared.clone()))
                        .build()
                })
                .extra(Some(prev))
                .build_arc();
        }
        drop(shared);
        assert_eq!(prev.children[1].extra.as_ref().unwrap().children.len(), 2);
    });
}

#[test]
fn inits_that_fail_or_panic_mid_tree_leave_nothing() {
    leaves_nothing("failures", |ids| {
        let mut kept = Vec::new();
        for round in 0..4usize {
            // Each child builds a subtree; the fourth fails (even rounds)
            // or panics (odd rounds) after the subtrees spilled into new
            // chunks.
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                Node::try_alloc(5, |i| {
                    let node = nested(ids, 2, 2);
                    if i == 3 {
                        if round % 2 == 1 {
                            panic!("{}: child {i}", common::INJECTED);
                        }
                        return Err(i);
                    }
                    kept.push(Node::alloc_value(leaf(ids)));
                    Ok(node)
                })
            }));
            match outcome {
                Ok(result) => assert_eq!(result.err(), Some(3)),
                Err(payload) => assert!(common::panic_message(&*payload).contains("child 3")),
            }
            // The builder's `FIELD_with` whose init panics half-way, the
            // builder holding a value and an optional handle meanwhile:
            // both are dropped with it.
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                Node::builder()
                    .payload(ids.next())
                    .extra(Some(Node::alloc_value(leaf(ids))))
                    .children_with(4, |i| {
                        if i == 2 {
                            panic!("{}: builder child {i}", common::INJECTED);
                        }
                        nested(ids, 1, 2)
                    })
                    .build_arc()
            }));
            assert!(outcome.is_err());
            kept.push(Node::alloc_value(nested(ids, 1, 3)));
        }
        assert_eq!(kept.len(), 4 * 3 + 4);
    });
}

fn expr(ids: &mut Ids, depth: u32) -> Expr {
    match depth % 4 {
        _ if depth == 0 => Expr::Num(ids.next()),
        0 => Expr::Neg(Expr::alloc_value(expr(ids, depth - 1))),
        1 => Expr::Add(
            Expr::alloc_value(expr(ids, depth - 1)),
            Expr::alloc_value(expr(ids, depth - 1)),
        ),
        2 => Expr::Call {
            callee: ids.next(),
            args: Expr::alloc(3, |_| expr(ids, depth - 1)),
        },
        _ => Expr::Maybe(
            ids.next(),
            (depth % 2 == 1).then(|| Expr::alloc_value(expr(ids, depth - 1))),
        ),
    }
}

fn eval(e: &Expr) -> u64 {
    match e {
        Expr::Nil => 0,
        Expr::Num(n) => n.key() as u64,
        Expr::Neg(a) => eval(a),
        Expr::Add(a, b) => eval(a) + eval(b),
        Expr::Call { callee, args } => callee.key() as u64 + args.iter().map(eval).sum::<u64>(),
        Expr::Maybe(n, inner) => n.key() as u64 + inner.as_deref().map_or(0, eval),
    }
}

#[test]
fn enum_asts_are_freed() {
    leaves_nothing("enum", |ids| {
        let root = Expr::alloc_value(expr(ids, if cfg!(miri) { 4 } else { 7 }));
        assert_eq!(eval(&root), (0..ids.0 as u64).sum::<u64>());
        // A DAG: one subexpression under several parents, some `Nil`s.
        let shared = Expr::alloc_value(expr(ids, 3));
        let nils = Expr::alloc(3, |_| Expr::Nil);
        let call = Expr::alloc_value(Expr::Call {
            callee: ids.next(),
            args: Expr::alloc(4, |i| match i {
                0 => Expr::Neg(shared.clone()),
                1 => Expr::Add(shared.clone(), root.clone()),
                2 => Expr::Call {
                    callee: ids.next(),
                    args: nils.clone(),
                },
                _ => Expr::Maybe(ids.next(), Some(shared.clone())),
            }),
        });
        drop((root, shared, nils));
        assert!(eval(&call) > 0);
        assert!(Expr::arena_stats().chunks_created > 2);
    });
}

/// A tuple struct with a self-link, in chunks of 64: the shape of the
/// churn test (a tree of 40 fits in the chunks an arena keeps for reuse).
#[derive(ArenaAlloc)]
#[arena(chunk = 64)]
struct Twig(Tracked, #[arena(default)] ArcSlice<Twig>);

fn twigs(ids: &mut Ids, depth: u32) -> Twig {
    let payload = ids.next();
    match depth {
        0 => Twig::builder()._0(payload).build(),
        _ => Twig::builder()
            ._0(payload)
            ._1_with(3, |_| twigs(ids, depth - 1))
            .build(),
    }
}

#[test]
fn a_churn_of_trees_on_one_thread_reuses_chunks() {
    leaves_nothing("churn", |ids| {
        // Warm up, then churn: each round builds and drops a tree of 40
        // twigs, which fits the chunks kept for reuse.
        let rounds = if cfg!(miri) { 6 } else { 30 };
        for _ in 0..3 {
            drop(Twig::alloc_value(twigs(ids, 3)));
        }
        let warm = Twig::arena_stats();
        for _ in 0..rounds {
            let first = ids.0;
            let root = Twig::alloc_value(twigs(ids, 3));
            assert_eq!((root.0.key(), root.1.len()), (first, 3));
        }
        let stats = Twig::arena_stats();
        assert_eq!(
            stats.chunks_created, warm.chunks_created,
            "a churn of trees keeps making chunks: {stats:?}"
        );
        assert!(
            stats.chunks_reused >= warm.chunks_reused + rounds / 2,
            "{warm:?} then {stats:?}"
        );
    });
}

#[test]
fn a_tree_that_outlives_its_thread_is_freed_on_another() {
    let _serial = common::serial();
    elems::reset();
    let start = Snapshot::now();
    let was = counting::enroll(true);
    let builder = counting::spawn_with_locals(|| {
        let mut ids = Ids(0);
        (Node::alloc_value(nested(&mut ids, 3, 3)), ids.0)
    });
    let (root, made) = counting::join(builder).unwrap();
    assert_eq!(count(&root), made as usize);
    drop(root);
    counting::enroll(was);
    elems::assert_each_dropped_once(made);
    start.assert_all_freed("a tree that outlived its thread");
}

// `arena!` picks the acyclic allocator for a type that reports its
// self-links, derived or written by hand, and the plain one otherwise.
arena!(static NODES: Node, 16);
arena!(static BYTES: u8, 64);

/// A list cell with a hand-written `ArenaLinks` impl, given its per-type
/// arena by `arena!(Type, N)`.
struct Cons {
    head: Tracked,
    tail: Option<ArcSingle<Cons>>,
}

// SAFETY: the one handle is owned by value and reported once; `Cons` has no
// `Drop` impl.
unsafe impl ArenaLinks for Cons {
    fn visit_links(&self, links: &mut Links<Self>) {
        links.visit(&self.tail);
    }
}

arena!(Cons, 8);
arena!(static CONS: Cons, 8);

/// A derived struct without self-links keeps the plain arena.
#[derive(ArenaAlloc)]
struct Plain {
    #[allow(dead_code)]
    value: u32,
}

#[test]
fn arena_static_of_a_derived_recursive_type_is_freed() {
    leaves_nothing("arena! static", |ids| {
        let kids = NODES.alloc(3, |_| nested(ids, 1, 2));
        let root = NODES.alloc_value(Node {
            payload: ids.next(),
            children: kids,
            extra: None,
        });
        let bytes = BYTES.alloc_slice_copy(b"arena");
        // A long list through `arena!(Cons, 8)` and another through the
        // static: each cell shares its chunk with the next.
        let mut list: Option<ArcSingle<Cons>> = None;
        let mut other: Option<ArcSingle<Cons>> = None;
        for _ in 0..20 {
            list = Some(Cons::alloc_value(Cons {
                head: ids.next(),
                tail: list.take(),
            }));
            other = Some(CONS.alloc_value(Cons {
                head: ids.next(),
                tail: other.take(),
            }));
        }
        let mut len = 0;
        let mut cell = list.as_deref();
        while let Some(c) = cell {
            c.head.key();
            len += 1;
            cell = c.tail.as_deref();
        }
        assert_eq!(len, 20);
        assert_eq!(count(&root), 1 + 3 * 3);
        assert_eq!(&*bytes, b"arena");
        drop(other);
    });
}

#[test]
fn a_linked_value_refused_by_the_limit_is_dropped_once() {
    leaves_nothing("refused", |ids| {
        // A full chunk first, so that the next value needs a new chunk.
        let kept: Vec<_> = (0..8)
            .map(|_| Expr::alloc_value(Expr::Num(ids.next())))
            .collect();
        Expr::arena().with(|a| a.set_limit(Some(a.stats().bytes_reserved)));
        // Refused with an error: the value (and the link it holds, which
        // keeps counting) is dropped.
        let Err(err) = Expr::checked_alloc_value(Expr::Neg(kept[0].clone())) else {
            panic!("the limit refused nothing");
        };
        assert!(
            matches!(err, arena_arc::AllocError::LimitExceeded { .. }),
            "{err:?}"
        );
        let Err(payload) = catch_unwind(AssertUnwindSafe(|| {
            Expr::alloc_value(Expr::Maybe(ids.next(), Some(kept[1].clone())))
        })) else {
            panic!("the limit refused nothing");
        };
        let message = common::panic_message(&*payload);
        assert!(message.contains("allocation limit of"), "{message}");
        Expr::arena().with(|a| a.set_limit(None));
        // Still usable, and the refused values' payloads were dropped: the
        // test's `leaves_nothing` checks every payload made was dropped
        // exactly once.
        let sum = Expr::alloc_value(Expr::Add(kept[2].clone(), kept[3].clone()));
        assert_eq!(eval(&sum), eval(&kept[2]) + eval(&kept[3]));
    });
}

/// A derived arena's chunk left with free slots for a request that does not
/// fit (parked in the thread's open generation) counts those slots in
/// `bytes_lost_in_tails`, as a plain arena's retired chunk does. (Found by
/// cargo-mutants: every change to the parked chunk's count went unseen.)
#[test]
fn a_parked_chunks_free_slots_count_as_lost_bytes() {
    leaves_nothing("a parked chunk's tail", |ids| {
        let singles: Vec<_> = (0..5).map(|_| Node::alloc_value(leaf(ids))).collect();
        let before = Node::arena_stats();
        assert_eq!((before.chunks_created, before.bytes_lost_in_tails), (1, 0));
        let four = Node::alloc(4, |_| leaf(ids));
        let after = Node::arena_stats();
        assert_eq!(after.chunks_created, 2, "{after:?}");
        assert_eq!(
            after.bytes_lost_in_tails,
            3 * std::mem::size_of::<Node>(),
            "three slots of eight left in the first chunk: {after:?}"
        );
        assert_eq!((singles.len(), four.len()), (5, 4));
    });
}
