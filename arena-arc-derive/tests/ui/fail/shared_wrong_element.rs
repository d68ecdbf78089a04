use arena_arc::{ArcSlice, ArenaAlloc, arena};

arena!(static NUMBERS: u32, 1024);

#[derive(ArenaAlloc)]
struct Item {
    #[arena(shared = NUMBERS)]
    name: ArcSlice<u8>,
}

fn main() {}
