use arena_arc::{ArcSlice, ArenaAlloc};

#[derive(ArenaAlloc)]
struct Item {
    #[arena(chunk = thin)]
    weights: ArcSlice<u64>,
}

fn main() {}
