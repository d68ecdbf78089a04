use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
#[arena(crate = not_arena_arc)]
enum Token {
    Plus,
}

fn main() {}
