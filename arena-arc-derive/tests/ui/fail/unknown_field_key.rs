use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
struct Item {
    #[arena(defualt)]
    weight: u64,
}

fn main() {}
