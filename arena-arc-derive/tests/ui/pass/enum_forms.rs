use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
enum Token {
    Number(u64),
    Plus,
}

fn main() {}
