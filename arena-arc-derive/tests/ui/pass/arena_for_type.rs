// The `unsafe` block `arena!` writes (a per-thread allocator's hidden
// constructor) does not trip the lint: the user's crate may forbid unsafe code.
#![forbid(unsafe_code)]

use arena_arc::{ArenaAlloc, arena};

struct Point(f32, f32);
arena!(Point, 4096);

struct Small(u8);
arena!(Small, 16, u16);

// A trailing comma, after the capacity or the index type.
struct Comma(u8);
arena!(Comma, 8,);
struct Commas(u8);
arena!(Commas, 8, u8,);

fn main() {
    let line = Point::alloc(3, |i| Point(i as f32, 0.0));
    assert_eq!(line[2].0, 2.0);
    let s: arena_arc::ArcSingle<Small, u16> = Small::alloc_value(Small(1));
    assert_eq!(s.0, 1);
    assert_eq!(<Small as ArenaAlloc>::CHUNK, 16);
    let _ = Point::arena_stats();
    assert_eq!(Comma::alloc_value(Comma(2)).0, 2);
    assert_eq!(<Commas as ArenaAlloc>::CHUNK, 8);
    assert_eq!(Commas::alloc_value(Commas(3)).0, 3);
}
