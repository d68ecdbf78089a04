use arena_arc::{ArcSlice, ArenaAlloc, ArenaLinks, Links};

#[derive(ArenaAlloc)]
struct Node {
    children: ArcSlice<Node>,
}

// A hand-written impl would be silently ignored: it conflicts instead.
unsafe impl ArenaLinks for Node {
    fn visit_links(&self, links: &mut Links<Self>) {
        links.slice(&self.children);
    }
}

fn main() {}
