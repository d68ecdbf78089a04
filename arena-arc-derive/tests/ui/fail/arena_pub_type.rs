// Visibility belongs to the `static` form; a type's arena has none.
struct Word(u32);
arena_arc::arena!(pub Word, 64);

fn main() {}
