#![forbid(unsafe_code)]

use arena_arc::{ArcSingle, ArcSlice, ArenaAlloc};

/// Children of the struct's own type go to its own (acyclic) arena.
#[derive(ArenaAlloc)]
#[arena(chunk = 16)]
struct Node {
    value: u32,
    #[arena(default)]
    children: ArcSlice<Node>,
    #[arena(default)]
    parent_hint: Option<ArcSingle<Self>>,
    #[arena(default)]
    first: Option<ArcSingle<Node>>,
}

/// With `shared = Node::arena()` it still works: the same arena.
#[derive(ArenaAlloc)]
struct Shared {
    #[arena(shared = Shared::arena())]
    kids: ArcSlice<Shared>,
    #[arena(default)]
    best: Option<ArcSingle<Shared>>,
}

/// A tuple struct with an index type: `ArcSingle<Self, u16>` matches it.
#[derive(ArenaAlloc)]
#[arena(index = u16)]
struct Chain(
    u8,
    #[arena(default)] ArcSlice<Chain, u16>,
    #[arena(default)] Option<ArcSingle<Self, u16>>,
);

fn sum(node: &Node) -> u32 {
    node.value + node.children.iter().map(sum).sum::<u32>()
}

fn main() {
    assert!(Node::arena().with(|a| a.is_acyclic()));
    assert!(Shared::arena().with(|a| a.is_acyclic()));
    assert!(Chain::arena().with(|a| a.is_acyclic()));

    let root = Node::builder()
        .value(1)
        .children_with(2, |i| {
            Node::builder()
                .value(10 * (i as u32 + 1))
                .children_from_iter((0..3).map(|j| Node::builder().value(j).build()))
                .build()
        })
        .build_arc();
    let other = Node::builder()
        .value(5)
        .children(vec![Node::builder().value(6).build()])
        .first(Some(root.clone()))
        .build();
    assert_eq!(sum(&root), 1 + 10 + 20 + 2 * (0 + 1 + 2));
    assert_eq!(sum(&other), 11);
    // The children went to Node's own arena, not to a field arena.
    assert!(Node::arena_stats().chunks_created >= 1);
    assert!(ArcSlice::shares_chunk(&root.children, &other.children));

    let leaf = Shared::builder().kids(vec![]).build_arc();
    let top = Shared::builder().kids(Shared::alloc(1, |_| Shared::builder().kids(vec![]).build())).best(Some(leaf)).build();
    assert_eq!(top.kids.len(), 1);

    let end = Chain::builder()
        ._0(0)
        ._1_with(2, |i| Chain::builder()._0(i as u8 + 1).build())
        ._2(Some(Chain::builder()._0(9).build_arc()))
        .build_arc();
    assert_eq!(end.1[1].0 + end.2.as_ref().unwrap().0, 11);
}
