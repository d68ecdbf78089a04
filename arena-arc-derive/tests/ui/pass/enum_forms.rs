// The generated `unsafe impl ArenaLinks` does not trip the lint: the user's
// crate may forbid unsafe code.
#![forbid(unsafe_code)]

use arena_arc::{ArcSingle, ArcSlice, ArenaAlloc};

/// No handles to itself: a plain arena, no `ArenaLinks`.
#[derive(ArenaAlloc)]
enum Token {
    Number(u64),
    Plus,
    Word { text: String },
}

/// Unit, tuple and struct variants holding every kind of self-link.
#[derive(ArenaAlloc)]
#[arena(chunk = 64, index = u16)]
pub enum Expr {
    Nil,
    Num(i64),
    Neg(ArcSingle<Expr, u16>),
    Add(ArcSingle<Self, u16>, ArcSingle<Expr, u16>),
    Call {
        name: String,
        args: ArcSlice<Expr, u16>,
        next: Option<ArcSingle<Expr, u16>>,
    },
}

/// The index type defaults to u32; `core::option::Option` is recognised.
#[derive(ArenaAlloc)]
#[arena(chunk = 8)]
enum List {
    Nil,
    Cons(u8, core::option::Option<ArcSingle<List>>),
}

/// No variants at all.
#[derive(ArenaAlloc)]
enum Never {}

fn assert_links<T: arena_arc::ArenaLinks<L>, L: arena_arc::IndexType>() {}

fn eval(e: &Expr) -> i64 {
    match e {
        Expr::Nil => 0,
        Expr::Num(n) => *n,
        Expr::Neg(a) => -eval(a),
        Expr::Add(a, b) => eval(a) + eval(b),
        Expr::Call { args, next, .. } => {
            args.iter().map(eval).sum::<i64>() + next.as_deref().map_or(0, eval)
        }
    }
}

fn main() {
    assert_links::<Expr, u16>();
    assert_links::<List, u32>();
    assert!(Expr::arena().with(|a| a.is_acyclic()));
    assert!(!Token::arena().with(|a| a.is_acyclic()));
    assert_eq!(<Expr as ArenaAlloc>::CHUNK, 64);

    let tokens = Token::alloc(3, |i| match i {
        0 => Token::Number(1),
        1 => Token::Plus,
        _ => Token::Word { text: "x".into() },
    });
    assert!(matches!(tokens[1], Token::Plus));
    assert!(matches!(&tokens[2], Token::Word { text } if text == "x"));
    assert!(matches!(tokens[0], Token::Number(1)));

    let args: ArcSlice<Expr, u16> = Expr::alloc(2, |i| Expr::Num(i as i64 + 1));
    let sum = Expr::alloc_value(Expr::Add(
        Expr::alloc_value(Expr::Num(4)),
        Expr::alloc_value(Expr::Neg(Expr::alloc_value(Expr::Nil))),
    ));
    let call = Expr::alloc_value(Expr::Call {
        name: "f".into(),
        args,
        next: Some(sum),
    });
    assert_eq!(eval(&call), 1 + 2 + 4);
    if let Expr::Call { name, .. } = &*call {
        assert_eq!(name, "f");
    }
    assert!(Expr::arena_stats().chunks_created >= 1);

    let list = List::alloc_value(List::Cons(1, Some(List::alloc_value(List::Nil))));
    assert!(matches!(&*list, List::Cons(1, Some(_))));
    assert_eq!(Never::arena_stats().chunks_created, 0);
}
