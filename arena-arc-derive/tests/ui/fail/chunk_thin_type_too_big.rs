use arena_arc::{ArcThin, ArenaAlloc};

#[derive(ArenaAlloc)]
#[arena(chunk = thin)]
enum Block {
    Bytes([u8; 70_000]),
    Next(ArcThin<Block>),
}

fn main() {}
