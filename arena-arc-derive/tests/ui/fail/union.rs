use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
union Bits {
    int: u32,
    float: f32,
}

fn main() {}
