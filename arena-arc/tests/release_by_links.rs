//! `ArenaLinks::DROP_ONLY_LINKS`: an acyclic allocator releases its chunks'
//! values by visiting their links instead of dropping them. Every reference
//! those links hold into other chunks (an older chunk of the tree, another
//! allocator's chunk) must still be given back exactly once, the chunks
//! reused in place must come back clean, and a panic in a drop that such a
//! release triggers must not stop the rest.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use arena_arc::{Allocator, ArcSingle, ArcSlice, ArcThin, ArenaLinks, Links};
use common::elems::{self, Elem, Ids, Tracked};

/// A tree node whose only drop glue is its handles: leaves point into a
/// separate arena of tracked payloads (links into another allocator's
/// chunks), inner nodes into this arena (links into the same chunk and
/// into older ones).
enum Node {
    Leaf(ArcSingle<Tracked>),
    Pair(ArcThin<Node>, ArcSingle<Node>),
    List(ArcSlice<Node>),
}

// SAFETY: every handle of every variant is owned by value and reported
// once; they are `Node`'s only drop glue, and the visit cannot panic.
unsafe impl ArenaLinks for Node {
    const DROP_ONLY_LINKS: bool = true;
    fn visit_links(&self, links: &mut Links<Self>) {
        match self {
            Node::Leaf(payload) => links.single(payload),
            Node::Pair(a, b) => {
                links.thin(a);
                links.single(b);
            }
            Node::List(items) => links.slice(items),
        }
    }
}

fn sum(node: &Node) -> u64 {
    match node {
        Node::Leaf(p) => u64::from(p.key()),
        Node::Pair(a, b) => sum(a) + sum(b),
        Node::List(items) => items.iter().map(sum).sum(),
    }
}

/// Builds a tree of `levels` levels over `payloads`, in `nodes`, and
/// returns it with the sum of its payloads' keys.
fn tree(
    nodes: &Allocator<Node, u32, 8>,
    payloads: &Allocator<Tracked, u32, 4>,
    ids: &mut Ids,
    levels: usize,
) -> (ArcSingle<Node>, u64) {
    let mut want = 0;
    let mut leaf = |ids: &mut Ids| {
        let payload = ids.next();
        want += u64::from(payload.key());
        Node::Leaf(payloads.alloc_value(payload))
    };
    let mut root = nodes.alloc_value(leaf(ids));
    for _ in 0..levels {
        let list = nodes.alloc(3, |_| leaf(ids));
        let left = nodes.alloc_thin(Node::List(list));
        root = nodes.alloc_value(Node::Pair(left, root));
    }
    (root, want)
}

#[test]
fn a_tree_released_by_its_links_gives_every_other_chunk_back() {
    common::leaves_nothing("release by links", |ids| {
        let nodes: Allocator<Node, u32, 8> = Allocator::new_acyclic();
        let payloads: Allocator<Tracked, u32, 4> = Allocator::new();
        let (root, want) = tree(&nodes, &payloads, ids, 60);
        assert_eq!(sum(&root), want);
        assert!(nodes.stats().chunks_created > 20);
        drop(payloads);
        drop(root);
        // The nodes' chunks that no handle uses are released as they
        // retire; the allocator gives back the rest.
        drop(nodes);
        // 1 + 60 × 3 payloads, each dropped once.
        assert_eq!(elems::made_and_dropped(), (181, 181));
    });
}

#[test]
fn chunks_reused_in_place_release_their_old_values_first() {
    common::leaves_nothing("recycled", |ids| {
        let nodes: Allocator<Node, u32, 8> = Allocator::new_acyclic();
        let payloads: Allocator<Tracked, u32, 4> = Allocator::new();
        for _ in 0..4 {
            let (root, want) = tree(&nodes, &payloads, ids, 10);
            assert_eq!(sum(&root), want);
            drop(root);
            // Fill the current chunk with values dropped at once, so that it
            // retires with no handle left: the next round reuses it, and
            // then the older chunks its values linked to, in place. Each
            // reuse releases the values first.
            for _ in 0..8 {
                drop(nodes.alloc_value(Node::List(ArcSlice::new())));
            }
        }
        let (made, dropped) = elems::made_and_dropped();
        assert_eq!(made, 4 * 31);
        // Payloads of the first trees went with the reused chunks.
        assert!(dropped >= 31, "{dropped}");
        assert!(nodes.stats().chunks_reused > 0);
    });
}

#[test]
fn a_dedicated_chunk_is_visited_and_many_targets_are_tallied_past_the_header() {
    common::leaves_nothing("many targets", |ids| {
        let nodes: Allocator<Node, u32, 16> = Allocator::new_acyclic();
        // One payload per chunk: a chunk of nodes links into twelve payload
        // chunks, more than its header tallies (nine): the other three go
        // to the tally's table on the heap.
        let payloads: Allocator<Tracked, u32, 1> = Allocator::new();
        let wide = nodes.alloc(12, |_| Node::Leaf(payloads.alloc_value(ids.next())));
        // Past the header, links into a target already in the table, and
        // into the header's targets again: each counted once per link.
        let again = nodes.alloc(3, |i| Node::Leaf(wide_payload(&wide, [11, 0, 11][i])));
        // 40 nodes: longer than a chunk, so a dedicated chunk, whose commit
        // tallies nothing: its values are visited when it is released.
        let long = nodes.alloc(40, |_| Node::Leaf(payloads.alloc_value(ids.next())));
        let root = nodes.alloc_value(Node::Pair(
            nodes.alloc_thin(Node::List(wide)),
            nodes.alloc_value(Node::Pair(
                nodes.alloc_thin(Node::List(again)),
                nodes.alloc_value(Node::List(long)),
            )),
        ));
        // The keys of `again`: 11, 0, 11.
        assert_eq!(sum(&root), (0..52).sum::<u64>() + 22);
        assert_eq!(nodes.stats().dedicated_chunks, 1);
        // Every payload chunk gets back exactly its references: each
        // payload is dropped once (`leaves_nothing`), none early.
        drop((root, nodes, payloads));
        assert_eq!(elems::made_and_dropped(), (52, 52));
    });
}

/// A new handle to the payload of leaf `i` of `wide`.
fn wide_payload(wide: &ArcSlice<Node>, i: usize) -> ArcSingle<Tracked> {
    match &wide[i] {
        Node::Leaf(payload) => payload.clone(),
        _ => unreachable!("wide holds leaves"),
    }
}

/// A payload whose drop panics once, for the one chosen id.
struct Fragile {
    tracked: Tracked,
    explode: bool,
}

impl Drop for Fragile {
    fn drop(&mut self) {
        if self.explode {
            panic!(
                "{} fragile payload {}",
                common::INJECTED,
                self.tracked.key()
            );
        }
    }
}

enum Holder {
    Leaf(ArcSingle<Fragile>),
    List(ArcSlice<Holder>),
}

// SAFETY: as for `Node`.
unsafe impl ArenaLinks for Holder {
    const DROP_ONLY_LINKS: bool = true;
    fn visit_links(&self, links: &mut Links<Self>) {
        match self {
            Holder::Leaf(p) => links.single(p),
            Holder::List(items) => links.slice(items),
        }
    }
}

#[test]
fn a_panicking_drop_in_another_chunk_does_not_stop_the_rest() {
    common::leaves_nothing("panic", |ids| {
        let holders: Allocator<Holder, u32, 64> = Allocator::new_acyclic();
        // One payload per chunk, so releasing the holders' chunk gives
        // back references to 12 payload chunks, one of which panics.
        let payloads: Allocator<Fragile, u32, 1> = Allocator::new();
        let leaves = holders.alloc(12, |i| {
            Holder::Leaf(payloads.alloc_value(Fragile {
                tracked: ids.next(),
                explode: i == 4,
            }))
        });
        let root = holders.alloc_value(Holder::List(leaves));
        drop(payloads);
        drop(root);
        let caught = catch_unwind(AssertUnwindSafe(|| drop(holders)));
        let message = common::panic_message(&*caught.unwrap_err());
        assert!(message.contains("fragile payload 4"), "{message}");
        // Every payload was dropped, the panicking one included (its
        // fields are dropped while unwinding), and every chunk freed.
        assert_eq!(elems::made_and_dropped(), (12, 12));
    });
}

#[cfg(feature = "derive")]
#[allow(dead_code)] // types whose constants are all that is looked at
mod derived {
    use super::*;
    use arena_arc::{ArcStr, ArenaAlloc};

    /// Only primitives and handles to itself: its handles are its whole
    /// drop glue, so the derive makes the promise.
    #[derive(ArenaAlloc)]
    enum Tree {
        Leaf(u64),
        Pair(ArcThin<Tree>, ArcSingle<Tree>),
        List(Option<ArcSlice<Tree>>, [Option<ArcThin<Tree>>; 2]),
    }

    /// A `String` owns memory that no link gives back.
    #[derive(ArenaAlloc)]
    enum Named {
        Leaf(String),
        Pair(ArcSingle<Named>, ArcSingle<Named>),
    }

    /// A `Box` of a handle owns memory too.
    #[derive(ArenaAlloc)]
    struct Boxed {
        next: Option<Box<ArcSingle<Boxed>>>,
    }

    /// A link-free type: handles to it are never reported, so they are drop
    /// glue that a visit would miss.
    #[derive(ArenaAlloc, Clone, Copy)]
    struct Particle {
        x: f32,
    }

    #[derive(ArenaAlloc)]
    struct Frame {
        particles: ArcSlice<Particle>,
        next: Option<ArcSingle<Frame>>,
    }

    /// A derived type held by value passes its promise on.
    #[derive(ArenaAlloc)]
    struct Holder {
        tree: Tree,
        count: u32,
    }

    #[derive(ArenaAlloc)]
    struct HoldsNamed {
        named: Named,
    }

    /// `ArcStr`s are reported as counted links: their drop is what the
    /// release gives back, so names do not cost a node the promise.
    #[derive(ArenaAlloc)]
    enum Ident {
        Plain(ArcStr),
        Path([ArcStr; 2], Option<ArcStr>),
        Scoped(ArcStr, ArcThin<Ident>, Option<ArcSingle<Ident>>),
    }

    /// A `Drop` impl beside an `ArcStr` compiles (a counted link may be
    /// read or moved by it), and takes the promise away.
    #[derive(ArenaAlloc)]
    struct Logged {
        name: ArcStr,
    }

    impl Drop for Logged {
        fn drop(&mut self) {
            let _moved = std::mem::take(&mut self.name);
        }
    }

    #[test]
    fn the_derive_promises_drop_only_links_exactly_when_it_holds() {
        let promised = [
            <Tree as ArenaLinks>::DROP_ONLY_LINKS,
            <Named as ArenaLinks>::DROP_ONLY_LINKS,
            <Boxed as ArenaLinks>::DROP_ONLY_LINKS,
            <Frame as ArenaLinks>::DROP_ONLY_LINKS,
            <Holder as ArenaLinks>::DROP_ONLY_LINKS,
            <HoldsNamed as ArenaLinks>::DROP_ONLY_LINKS,
            <Ident as ArenaLinks>::DROP_ONLY_LINKS,
            <Logged as ArenaLinks>::DROP_ONLY_LINKS,
        ];
        assert_eq!(
            promised,
            [true, false, false, false, true, false, true, false]
        );
    }

    /// Every string of a derived tree released by its links goes back to
    /// the thread's text arena exactly once: one give-back too few leaves a
    /// text chunk behind, one too many frees it under a live string.
    #[test]
    fn names_released_by_their_links_are_given_back_once() {
        common::leaves_nothing("names released by links", |_ids| {
            let kept: ArcStr = ArcStr::from("kept");
            // Fewer under Miri; the long names below still pass the tally.
            let (short, long) = if cfg!(miri) { (100, 24) } else { (600, 40) };
            let mut root = Ident::alloc_value(Ident::Plain(kept.clone()));
            for i in 0..short {
                let name = ArcStr::from(format!("name_{i}").as_str());
                let path = [name.clone(), kept.clone()];
                let alias = (i % 3 == 0).then(|| ArcStr::from("alias"));
                let inner = Ident::alloc_thin(Ident::Path(path, alias));
                root = Ident::alloc_value(Ident::Scoped(name, inner, Some(root)));
            }
            let mut names = 0;
            let mut at = Some(root.clone());
            while let Some(node) = at {
                at = match &*node {
                    Ident::Scoped(name, inner, next) => {
                        assert!(name.starts_with("name_"));
                        assert!(matches!(&**inner, Ident::Path(p, _) if p[1] == "kept"));
                        names += 1;
                        next.clone()
                    }
                    _ => None,
                };
            }
            assert_eq!(names, short);
            // Long names, two to a text chunk: the node chunk's links out
            // pass the header's nine targets, into the tally's table.
            for i in 0..long {
                // (Padded by `repeat`, not by `format!`'s width, which
                // writes the padding a character at a time: slow in Miri.)
                let text = format!("{}{i:04}", "_".repeat(1496));
                let name = ArcStr::from(text.as_str());
                let inner = Ident::alloc_thin(Ident::Plain(name.clone()));
                root = Ident::alloc_value(Ident::Scoped(name, inner, Some(root)));
            }
            assert!(matches!(&*root, Ident::Scoped(n, ..) if n.len() == 1500));
            // Names in a slice longer than a chunk: a dedicated chunk, whose
            // commit tallies nothing, so its release visits its values and
            // tallies their names there.
            let len = Ident::arena().chunk_capacity() + 1;
            let plain = Ident::alloc_from_iter(
                (0..len).map(|i| Ident::Plain(ArcStr::from(format!("plain_{i}").as_str()))),
            );
            assert!(
                matches!(&plain[len - 1], Ident::Plain(n) if n.ends_with(&(len - 1).to_string()))
            );
            drop((root, plain));
            arena_arc::trim_thread();
            // The string kept outside the tree is intact and still counted.
            assert_eq!(kept, "kept");
            drop(kept);
            arena_arc::trim_thread();
        });
    }

    fn size(t: &Tree) -> usize {
        match t {
            Tree::Leaf(_) => 1,
            Tree::Pair(a, b) => 1 + size(a) + size(b),
            Tree::List(items, extra) => {
                1 + items.iter().flat_map(|s| s.iter()).map(size).sum::<usize>()
                    + extra.iter().flatten().map(|t| size(t)).sum::<usize>()
            }
        }
    }

    #[test]
    fn a_derived_tree_released_by_its_links_leaves_nothing() {
        common::leaves_nothing("derived release", |_ids| {
            let mut root = Tree::alloc_value(Tree::Leaf(0));
            let mut want = 1;
            for i in 0..500u64 {
                let leaf = Tree::alloc_thin(Tree::Leaf(i));
                let list = Tree::alloc_from_iter((0..3).map(Tree::Leaf));
                let extra = [Some(Tree::alloc_thin(Tree::Leaf(i))), None];
                let side = Tree::alloc_thin(Tree::List(Some(list), extra));
                let pair = Tree::alloc_thin(Tree::Pair(leaf, root.clone()));
                root = Tree::alloc_value(Tree::Pair(side, root));
                drop(pair);
                want += 1 + (1 + 3 + 1);
            }
            assert_eq!(size(&root), want);
            drop(root);
            arena_arc::trim_thread();
        });
    }
}

/// One step of a random program over a `DROP_ONLY_LINKS` arena.
#[derive(Debug, Clone)]
enum Step {
    /// A leaf with a fresh payload.
    Leaf,
    /// A pair of two live handles (by index, modulo the count).
    Pair(usize, usize),
    /// A list of `len` leaves (past a chunk: a dedicated one).
    List(usize),
    /// A list of clones of `len` live handles' values' links, as leaves of
    /// existing payloads.
    Wrap(usize),
    /// Drops a live handle.
    Drop(usize),
    /// `trim()` of both arenas.
    Trim,
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        3 => Just(Step::Leaf),
        4 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Step::Pair(a, b)),
        2 => (0..12usize).prop_map(Step::List),
        1 => (any::<usize>()).prop_map(Step::Wrap),
        3 => any::<usize>().prop_map(Step::Drop),
        1 => Just(Step::Trim),
    ]
}

/// Runs `steps` on a fresh thread; `leaves_nothing` checks that every
/// payload was dropped once and every byte freed.
fn run(steps: Vec<Step>) {
    // Shared, so that the program's thread does not free what the counted
    // region did not allocate.
    let steps = std::sync::Arc::new(steps);
    let program = std::sync::Arc::clone(&steps);
    common::leaves_nothing("program", move |ids| {
        let nodes: Allocator<Node, u32, 4> = Allocator::new_acyclic();
        let payloads: Allocator<Tracked, u32, 2> = Allocator::new();
        let mut live: Vec<ArcSingle<Node>> = Vec::new();
        for s in program.iter().cloned() {
            match s {
                Step::Leaf => {
                    live.push(nodes.alloc_value(Node::Leaf(payloads.alloc_value(ids.next()))))
                }
                Step::Pair(a, b) if !live.is_empty() => {
                    let (a, b) = (&live[a % live.len()], &live[b % live.len()]);
                    let thin = nodes.alloc_thin(Node::List(nodes.alloc(1, |_| {
                        Node::Pair(
                            nodes.alloc_thin(Node::Leaf(payloads.alloc_value(ids.next()))),
                            a.clone(),
                        )
                    })));
                    live.push(nodes.alloc_value(Node::Pair(thin, b.clone())));
                }
                Step::List(len) => {
                    let list = nodes.alloc(len, |_| Node::Leaf(payloads.alloc_value(ids.next())));
                    live.push(nodes.alloc_value(Node::List(list)));
                }
                Step::Wrap(a) if !live.is_empty() => {
                    let inner = live[a % live.len()].clone();
                    let list = nodes.alloc(2, |i| {
                        if i == 0 {
                            Node::Pair(
                                nodes.alloc_thin(Node::Leaf(payloads.alloc_value(ids.next()))),
                                inner.clone(),
                            )
                        } else {
                            Node::Leaf(payloads.alloc_value(ids.next()))
                        }
                    });
                    live.push(nodes.alloc_value(Node::List(list)));
                }
                Step::Drop(a) if !live.is_empty() => {
                    let i = a % live.len();
                    let gone = live.swap_remove(i);
                    let _ = sum(&gone);
                    drop(gone);
                }
                Step::Trim => {
                    nodes.trim();
                    payloads.trim();
                }
                _ => {}
            }
        }
        for node in &live {
            let _ = sum(node);
        }
        drop(live);
        drop(nodes);
        drop(payloads);
    });
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: common::cases(300, 2),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    })]

    /// Random trees with links into the same chunk, older chunks, dedicated
    /// chunks and another arena's chunks (tallied in the header or spilled),
    /// dropped in random order between trims: everything is given back.
    #[test]
    fn random_programs_leave_nothing(steps in proptest::collection::vec(step(), 0..60)) {
        run(steps);
    }
}
