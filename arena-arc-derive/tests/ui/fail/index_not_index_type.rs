use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
#[arena(index = i32)]
struct Item {
    weight: u64,
}

fn main() {}
