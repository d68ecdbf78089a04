use arena_arc::{ArcSlice, ArenaAlloc};

#[derive(ArenaAlloc)]
struct Node {
    value: u32,
    children: ArcSlice<Node>,
}

impl Drop for Node {
    fn drop(&mut self) {
        println!("{} has {} children", self.value, self.children.len());
    }
}

fn main() {}
