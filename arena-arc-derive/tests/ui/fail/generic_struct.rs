use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
struct Wrapper<T> {
    value: T,
}

fn main() {}
