use arena_arc::{ArcSingle, ArenaAlloc};

#[derive(ArenaAlloc)]
enum Expr {
    Num(i64),
    Neg(ArcSingle<Expr>),
}

impl Drop for Expr {
    fn drop(&mut self) {}
}

fn main() {}
