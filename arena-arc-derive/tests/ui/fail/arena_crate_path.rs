arena_arc::arena!(crate = ::arena_arc static BYTES: u8, 64);

fn main() {}
