use arena_arc::{ArcSlice, ArenaAlloc};

#[derive(ArenaAlloc)]
#[arena(chunk = 64)]
enum Expr {
    Num(#[arena(default)] i64),
    #[arena(chunk = 8)]
    Call {
        #[arena(shared = Expr::arena())]
        args: ArcSlice<Expr>,
    },
}

fn main() {}
