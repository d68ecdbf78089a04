use arena_arc::{ArcSlice, ArenaAlloc};

// Optional fields, set or not, change nothing in the error for the required
// one that is missing: it still names that field alone.
#[derive(ArenaAlloc)]
struct Item {
    #[arena(default)]
    tags: ArcSlice<u32>,
    name: ArcSlice<u8>,
    #[arena(default = 1)]
    weight: u64,
}

fn main() {
    let _ = Item::builder().weight(3).tags([1]).build();
}
