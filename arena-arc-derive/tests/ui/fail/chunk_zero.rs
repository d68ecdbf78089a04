use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
#[arena(chunk = 0)]
struct Item {
    weight: u64,
}

fn main() {}
