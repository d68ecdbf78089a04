use arena_arc::{ArcSlice, ArenaAlloc};

fn main() {
    #[derive(ArenaAlloc)]
    struct Local {
        items: ArcSlice<u16>,
    }
    let l = Local::builder().items_from_iter(0..4).build();
    assert_eq!(l.items, [0, 1, 2, 3]);
}
