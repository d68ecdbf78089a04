//! Several structs share one arena: an `arena!(static ...)` and a type's
//! own `ArenaAlloc` arena.
use arena_arc::{ArcSingle, ArcSlice, ArenaAlloc, arena};

arena!(static NAMES: u8, 4096);

#[derive(ArenaAlloc)]
struct Leaf {
    value: u32,
}

#[derive(ArenaAlloc)]
struct Function {
    #[arena(shared = NAMES)]
    name: ArcSlice<u8>,
    #[arena(shared = Leaf::arena())]
    leaves: ArcSlice<Leaf>,
}

#[derive(ArenaAlloc)]
struct Variable {
    #[arena(shared = NAMES)]
    name: ArcSlice<u8>,
    #[arena(shared = Leaf::arena())]
    leaf: ArcSingle<Leaf>,
}

fn main() {
    let f = Function::builder()
        .name(&b"main"[..])
        .leaves_with(2, |i| Leaf { value: i as u32 })
        .build();
    let v = Variable::builder().name(&b"x"[..]).leaf(Leaf { value: 7 }).build();
    assert!(arena_arc::ArcSlice::shares_chunk(&f.name, &v.name));
    assert_eq!(f.leaves[1].value + v.leaf.value, 8);
}
