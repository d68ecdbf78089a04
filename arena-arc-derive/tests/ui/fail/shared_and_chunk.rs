use arena_arc::{ArcSlice, ArenaAlloc, arena};

arena!(static NAMES: u8, 1024);

#[derive(ArenaAlloc)]
struct Item {
    #[arena(shared = NAMES, chunk = 64)]
    name: ArcSlice<u8>,
}

fn main() {}
