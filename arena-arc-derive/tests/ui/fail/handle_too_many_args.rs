use arena_arc::{ArcSlice, ArenaAlloc};

#[derive(ArenaAlloc)]
struct Item {
    name: ArcSlice<u8, u32, u8>,
}

fn main() {}
