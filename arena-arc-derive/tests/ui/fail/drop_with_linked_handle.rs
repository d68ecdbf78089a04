use arena_arc::{ArcSingle, ArcSlice, ArenaAlloc};

#[derive(ArenaAlloc)]
struct Node {
    children: ArcSlice<Node>,
}

// `Node` holds links, so a handle to it may not count: `Doc` may not
// implement `Drop`.
#[derive(ArenaAlloc)]
struct Doc {
    title: u32,
    root: ArcSingle<Node>,
}

impl Drop for Doc {
    fn drop(&mut self) {}
}

#[derive(ArenaAlloc)]
enum Forest {
    Empty,
    Trees(Vec<Option<ArcSlice<Node>>>),
}

impl Drop for Forest {
    fn drop(&mut self) {}
}

fn main() {}
