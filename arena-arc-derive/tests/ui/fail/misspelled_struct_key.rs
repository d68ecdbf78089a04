use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
#[arena(chunks = 16)]
struct Item {
    weight: u64,
}

fn main() {}
