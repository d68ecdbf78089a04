use arena_arc::{ArcSlice, ArenaAlloc};

#[derive(ArenaAlloc)]
struct Item {
    #[arena(into)]
    name: ArcSlice<u8>,
}

fn main() {}
