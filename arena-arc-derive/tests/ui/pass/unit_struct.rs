use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
struct Eof;

fn main() {
    let _one = Eof::builder().build_arc();
    let many = Eof::alloc(3, |_| Eof);
    assert_eq!(many.len(), 3);
}
