//! No attributes: chunk capacity 1024, index type u32, every field required.
use arena_arc::{ArcSingle, ArcSlice, ArenaAlloc};

#[derive(ArenaAlloc)]
struct Item {
    name: ArcSlice<u8>,
    best: ArcSingle<u64>,
    weight: u64,
}

fn main() {
    assert_eq!(<Item as ArenaAlloc>::CHUNK, 1024);
    let item: Item = Item::builder().name(&b"x"[..]).best(3).weight(1).build();
    let shared: ArcSingle<Item, u32> = Item::builder()
        .name(item.name.clone())
        .best(item.best.clone())
        .weight(2)
        .build_arc();
    assert_eq!(shared.weight, 2);
}
