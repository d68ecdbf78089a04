use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
#[arena(crate = 42)]
struct Literal {
    a: u32,
}

#[derive(ArenaAlloc)]
#[arena(crate = Vec::<u8>)]
struct Generic {
    a: u32,
}

#[derive(ArenaAlloc)]
#[arena(crate)]
struct Missing {
    a: u32,
}

fn main() {}
