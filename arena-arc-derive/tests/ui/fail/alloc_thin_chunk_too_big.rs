use arena_arc::{ArcThin, ArenaAlloc};

// 4096 nodes of 24 bytes: 98 KiB chunks, more than the 64 KiB window.
#[derive(ArenaAlloc)]
#[arena(chunk = 4096)]
enum Expr {
    Num(i64),
    Add(ArcThin<Expr>, ArcThin<Expr>),
}

fn main() {
    let _ = Expr::alloc_thin(Expr::Num(1));
}
