use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
struct Item {
    weight: u64,
}

fn main() {
    let _ = Item::builder().weight(1).weight(2).build();
}
