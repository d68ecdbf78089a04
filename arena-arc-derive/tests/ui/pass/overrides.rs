//! Struct and field overrides: chunk, index, per-field chunk, into, defaults.
use arena_arc::{ArcSlice, ArenaAlloc};

#[derive(ArenaAlloc, Debug)]
#[arena(chunk = 256, index = u16)]
struct Item {
    #[arena(chunk = 64)]
    tags: ArcSlice<u32, u8>,
    #[arena(into)]
    label: String,
    #[arena(default)]
    count: u32,
    #[arena(default = vec![1, 2])]
    extra: Vec<u8>,
}

fn main() {
    assert_eq!(<Item as ArenaAlloc>::CHUNK, 256);
    let item = Item::builder().tags([1, 2]).label("l").build_arc();
    let _: &arena_arc::ArcSingle<Item, u16> = &item;
    assert_eq!(item.extra, [1, 2]);
    assert_eq!(item.count, 0);
}
