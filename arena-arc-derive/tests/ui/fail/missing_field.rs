use arena_arc::{ArcSlice, ArenaAlloc};

#[derive(ArenaAlloc)]
struct Item {
    name: ArcSlice<u8>,
    weight: u64,
}

fn main() {
    let _ = Item::builder().weight(3).build();
}
