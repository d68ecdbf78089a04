// `::arena_arc` names this very crate, which has no arena in it: generated
// code that used the default path instead of `crate = ...` would not
// compile.
extern crate self as arena_arc;
// The real crate, under another name (as for a crate that renames the
// dependency in Cargo.toml).
pub extern crate arena_arc as arena_arc_real;

mod deps {
    // ... re-exported in a module, as `crate = ` may name any path.
    pub use ::arena_arc_real as renamed;
}

use deps::renamed::{ArcSingle, ArcSlice, ArcThin, ArenaAlloc, arena};

#[derive(ArenaAlloc)]
#[arena(crate = deps::renamed, chunk = 32)]
struct Node {
    value: u32,
    #[arena(default)]
    children: ArcSlice<Node>,
    #[arena(default)]
    tags: ArcSlice<u16>,
    #[arena(shared = NAMES, default)]
    name: ArcSlice<u8>,
}

#[derive(ArenaAlloc)]
#[arena(crate = "deps::renamed")]
enum Expr {
    Num(i64),
    Neg(ArcSingle<Expr>),
}

// `chunk = thin` names the runtime's helpers through the same path.
#[derive(ArenaAlloc)]
#[arena(crate = deps::renamed, chunk = thin)]
enum Link {
    End,
    Next(ArcThin<Link>),
}

arena!(crate = deps::renamed; static NAMES: u8, 64);
arena!(crate = deps::renamed; static WORDS: u64, thin);
arena!(crate = crate::deps::renamed; static NODES: Node, 8);
struct Plain(u8);
arena!(crate = deps::renamed; Plain, 16);

fn main() {
    let root = Node::builder()
        .value(1)
        .children_with(2, |i| Node::builder().value(i as u32).build())
        .tags([7])
        .name(&b"root"[..])
        .build_arc();
    assert_eq!(root.children.len() + root.tags.len() + root.name.len(), 7);
    assert!(Node::arena().with(|a| a.is_acyclic()));
    assert!(NODES.with(|a| a.is_acyclic()));
    let neg = Expr::alloc_value(Expr::Neg(Expr::alloc_value(Expr::Num(3))));
    assert!(matches!(&*neg, Expr::Neg(inner) if matches!(**inner, Expr::Num(3))));
    assert_eq!(Plain::alloc_value(Plain(4)).0, 4);
    let next = Link::alloc_thin(Link::Next(Link::alloc_thin(Link::End)));
    assert!(matches!(&*next, Link::Next(end) if matches!(**end, Link::End)));
    assert_eq!(WORDS.chunk_capacity(), deps::renamed::thin_capacity::<u64>());
}
