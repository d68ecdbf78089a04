use arena_arc::{ArcSlice, ArenaAlloc};

#[derive(ArenaAlloc)]
struct Node {
    #[arena(chunk = 64)]
    children: ArcSlice<Node>,
}

fn main() {}
