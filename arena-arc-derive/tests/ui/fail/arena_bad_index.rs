use arena_arc::arena;

struct Point(f32, f32);
arena!(Point, 64, i8);

fn main() {}
