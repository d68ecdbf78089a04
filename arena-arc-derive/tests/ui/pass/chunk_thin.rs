//! `chunk = thin` on an enum, a struct (with a narrow index type) and in
//! both forms of `arena!`: the arena's chunks fill the 64 KiB window that
//! `ArcThin` handles need.
use arena_arc::{ArcThin, ArenaAlloc, arena, thin_capacity};

#[derive(ArenaAlloc)]
#[arena(chunk = thin)]
enum Expr {
    Num(i64),
    Add(ArcThin<Expr>, ArcThin<Expr>),
}

#[derive(ArenaAlloc)]
#[arena(index = u8, chunk = thin)]
struct Link {
    value: u32,
    #[arena(default)]
    next: Option<ArcThin<Link>>,
}

struct Word(u64);
arena!(Word, thin);
arena!(static BYTES: u8, thin, u16);

macro_rules! sized {
    ($name:ident, $chunk:expr) => {
        #[derive(ArenaAlloc)]
        #[arena(chunk = $chunk)]
        struct $name {
            value: u64,
        }
    };
}
sized!(Passed, thin);

fn main() {
    assert_eq!(<Expr as ArenaAlloc>::CHUNK, thin_capacity::<Expr>());
    assert_eq!(<Link as ArenaAlloc>::CHUNK, 256);
    assert_eq!(<Word as ArenaAlloc>::CHUNK, thin_capacity::<Word>());
    assert_eq!(<Passed as ArenaAlloc>::CHUNK, thin_capacity::<Passed>());
    assert_eq!(BYTES.chunk_capacity(), thin_capacity::<u8>());
    let one = Expr::alloc_thin(Expr::Num(1));
    let sum = Expr::alloc_thin(Expr::Add(one.clone(), one));
    assert!(matches!(*sum, Expr::Add(..)));
    let link = Link::alloc_thin(Link::builder().value(1).build());
    assert_eq!(link.value, 1);
    assert_eq!(Word::alloc_thin(Word(2)).0, 2);
}
