use arena_arc::{ArcSlice, ArenaAlloc};

#[derive(ArenaAlloc)]
struct Span(u32, u32, #[arena(default)] ArcSlice<u8>);

fn main() {
    let s = Span::builder()._1(9)._0(3).build();
    assert_eq!((s.0, s.1, s.2.len()), (3, 9, 0));
}
