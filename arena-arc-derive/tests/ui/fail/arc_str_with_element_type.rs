//! `ArcStr`'s only type argument is its index type: it has no element type.
use arena_arc::{ArcStr, ArenaAlloc};

#[derive(ArenaAlloc)]
struct Name {
    text: ArcStr<u8, u32>,
}

fn main() {}
