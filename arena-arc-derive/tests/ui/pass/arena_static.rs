// The `unsafe` block `arena!` writes (a per-thread allocator's hidden
// constructor) does not trip the lint: the user's crate may forbid unsafe code.
#![forbid(unsafe_code)]

use arena_arc::arena;

arena!(static BYTES: u8, 65536);
arena!(pub static WORDS: u32, 128, u8);

mod inner {
    arena_arc::arena!(pub(crate) static NAMES: String, 64);
}

fn main() {
    let b = BYTES.alloc(3, |i| i as u8);
    let w: arena_arc::ArcSlice<u32, u8> = WORDS.alloc_slice_copy(&[1, 2]);
    let n = inner::NAMES.alloc_value("x".to_string());
    assert_eq!((b[2], w[1], n.as_str()), (2, 2, "x"));
    assert_eq!(BYTES.stats().chunks_created, 1);
}
