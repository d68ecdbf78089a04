use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
#[arena(chunk = 1000, index = u8)]
struct Item {
    weight: u64,
}

fn main() {}
