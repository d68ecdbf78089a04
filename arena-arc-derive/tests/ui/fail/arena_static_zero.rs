use arena_arc::arena;

arena!(static BYTES: u8, 0);

fn main() {}
