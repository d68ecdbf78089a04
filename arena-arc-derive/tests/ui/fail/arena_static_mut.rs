use arena_arc::arena;

arena!(static mut BYTES: u8, 64);

fn main() {}
