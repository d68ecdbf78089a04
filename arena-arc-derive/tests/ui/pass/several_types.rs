// Node types that point at each other, written the natural way, and a
// `Drop` type whose opaque fields hold no links.
use arena_arc::{ArcSingle, ArcSlice, ArcStr, ArenaAlloc};

#[derive(ArenaAlloc)]
enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(ArcStr),
    Array(ArcSlice<Value>),
    Object(ArcSlice<Member>),
}

#[derive(ArenaAlloc)]
struct Member {
    key: ArcStr,
    value: Value,
}

#[derive(ArenaAlloc)]
enum Stmt {
    Let { pat: Pat, init: Expr },
    Expr(Expr),
    Item(ArcSingle<Item>),
}

#[derive(ArenaAlloc)]
enum Expr {
    Lit(i64),
    Block(ArcSlice<Stmt>),
    Pair((ArcSingle<Expr>, u8, Option<ArcSingle<Ty>>)),
}

#[derive(ArenaAlloc)]
enum Pat {
    Wild,
    Tuple(Vec<Pat>),
}

#[derive(ArenaAlloc)]
enum Ty {
    Unit,
    Ref(Box<Ty>),
}

#[derive(ArenaAlloc)]
struct Item {
    body: ArcSlice<Stmt>,
    ret: Option<ArcSingle<Ty>>,
}

#[derive(Clone, Copy)]
struct Vec3([f32; 3]);

#[derive(ArenaAlloc)]
struct Particle {
    pos: Vec3,
}

impl Drop for Particle {
    fn drop(&mut self) {}
}

fn main() {
    let members = Member::alloc(1, |_| Member {
        key: ArcStr::from("k"),
        value: Value::Array(Value::alloc(2, |_| Value::Null)),
    });
    let doc = Value::alloc_value(Value::Object(members));
    assert!(matches!(*doc, Value::Object(_)));
    let body = Stmt::alloc(1, |_| Stmt::Let {
        pat: Pat::Tuple(vec![Pat::Wild]),
        init: Expr::Block(ArcSlice::new()),
    });
    let item = Item::alloc_value(Item { body, ret: Some(Ty::alloc_value(Ty::Ref(Box::new(Ty::Unit)))) });
    let _ = Stmt::alloc_value(Stmt::Item(item));
    let _ = Particle::alloc_value(Particle { pos: Vec3([0.0; 3]) });
    let _ = Value::alloc_value(Value::Bool(true));
    let _ = Value::alloc_value(Value::Number(1.0));
    let _ = Value::alloc_value(Value::String(ArcStr::from("s")));
    let _ = Expr::alloc_value(Expr::Lit(1));
    let e = Expr::alloc_value(Expr::Lit(2));
    let _ = Expr::alloc_value(Expr::Pair((e, 1, None)));
    let _ = Stmt::alloc_value(Stmt::Expr(Expr::Lit(3)));
}
