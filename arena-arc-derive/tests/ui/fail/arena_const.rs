// An arena is a `static`; `const` (or `let`) gets a message saying so.
arena_arc::arena!(const WORDS: u32, 64);

fn main() {}
