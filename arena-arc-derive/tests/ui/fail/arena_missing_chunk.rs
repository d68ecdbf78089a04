use arena_arc::arena;

struct Point(f32, f32);
arena!(Point);

fn main() {}
