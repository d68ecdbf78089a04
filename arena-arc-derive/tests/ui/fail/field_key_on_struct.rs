use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
#[arena(default)]
struct Item {
    weight: u64,
}

fn main() {}
