use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
enum Tree<T> {
    Leaf(T),
    Empty,
}

fn main() {}
