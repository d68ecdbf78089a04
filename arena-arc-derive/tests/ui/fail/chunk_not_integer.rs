use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
#[arena(chunk = "big")]
struct Item {
    weight: u64,
}

fn main() {}
