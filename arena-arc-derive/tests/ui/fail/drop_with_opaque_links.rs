use arena_arc::{ArcSlice, ArenaAlloc};

#[derive(ArenaAlloc)]
enum Value {
    Null,
    Array(ArcSlice<Value>),
}

#[derive(ArenaAlloc)]
struct Wrapper {
    inner: Value,
}

impl Drop for Wrapper {
    fn drop(&mut self) {}
}

fn main() {}
