use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
#[arena(chunk = 8)]
#[arena(chunk = 16)]
struct Item {
    weight: u64,
}

fn main() {}
