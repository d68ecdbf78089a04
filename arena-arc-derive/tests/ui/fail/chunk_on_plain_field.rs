use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
struct Item {
    #[arena(chunk = 64)]
    weight: u64,
}

fn main() {}
