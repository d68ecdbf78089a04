use arena_arc::ArenaAlloc;

#[derive(ArenaAlloc)]
struct Pair(u32, u32);

fn main() {
    let _ = Pair::builder()._0(1).build();
}
