use arena_arc::{ArcSingle, ArenaAlloc};

#[derive(ArenaAlloc)]
struct Item {
    best: ArcSingle,
}

fn main() {}
