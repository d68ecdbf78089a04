//! The two document models of `trees`, as postfix programs generated from a
//! fixed seed before anything is timed, the sums every contestant's walk
//! must find, and the macros that give each contestant the same types,
//! builder and walk over its own link types.
//!
//! - **The five-type AST**: `Item`, `Stmt`, `Expr`, `Pat` and `Ty`, linked
//!   in every direction: `Stmt::Let { pat: Pat, init: Expr }` by value,
//!   `Expr::Block` holding statements, `Stmt::Item` holding an item,
//!   `Item { params, ret: Option<One<Ty>>, body }`, casts to types, typed
//!   patterns. One op of the program makes one node.
//! - **The JSON-like documents**: `Value` (null, bool, number, string,
//!   array of values, object of members) and `Member { key, value }`.
//!
//! A contestant module names its links `One<T>`, `Many<T>` and `Str` and
//! gives its `Arena` three methods, `one`, `many` and `string`; then
//! [`ast_types!`] and [`json_types!`] declare the node types (this crate's
//! are written out, with the derive, in `contestants.rs`) and
//! [`build_and_walk!`] the builder and the walk.

/// xorshift64*: small, fast, and the same on every platform.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n >= 1`).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
}

/// The seed of every program.
pub const SEED: u64 = 0x7EE5_0019_5EED_2026;

/// A postfix program and the strings its ops name by index.
pub struct Program<Op> {
    pub ops: Vec<Op>,
    pub names: Vec<String>,
}

/// A pool of `n` strings of 2 to 24 bytes, some repeated words, some not.
fn names(rng: &mut Rng, n: usize, prefix: &str) -> Vec<String> {
    const WORDS: [&str; 12] = [
        "id",
        "name",
        "count",
        "user",
        "value",
        "items",
        "text",
        "created_at",
        "x",
        "index",
        "parse",
        "buffer",
    ];
    (0..n)
        .map(|i| {
            let mut s = format!("{prefix}{}", WORDS[i % WORDS.len()]);
            for _ in 0..rng.below(3) {
                s.push('_');
                s.push_str(WORDS[rng.below(WORDS.len())]);
            }
            s
        })
        .collect()
}

// ----- the five-type AST ---------------------------------------------------------

/// One node of the AST program. Children come before their parent, each
/// kind on its own stack; every op makes exactly one node.
#[derive(Clone, Copy, Debug)]
pub enum AOp {
    TyInt,
    TyNamed(u32),
    /// `k` types.
    TyTuple(u32),
    /// `k` parameter types, then the return type.
    TyFn(u32),
    PatWild,
    PatBind(u32),
    /// `k` patterns.
    PatTuple(u32),
    /// A pattern, then a type.
    PatTyped,
    Lit(i64),
    Var(u32),
    /// Two expressions.
    Binary(u8),
    /// A name and `k` expressions.
    Call(u32, u32),
    /// `k` statements.
    Block(u32),
    /// An expression, then a type.
    Cast,
    /// A pattern and an expression: `Stmt::Let`, both by value.
    Let,
    ExprStmt,
    /// An item: `Stmt::Item`.
    ItemStmt,
    /// `params` patterns, a return type if `ret`, `body` statements.
    Item {
        name: u32,
        params: u32,
        ret: bool,
        body: u32,
    },
}

struct AstGen {
    rng: Rng,
    ops: Vec<AOp>,
    names: usize,
}

impl AstGen {
    fn name(&mut self) -> u32 {
        self.rng.below(self.names) as u32
    }
    fn ty(&mut self, depth: u32) {
        let r = if depth == 0 { 0 } else { self.rng.below(10) };
        match r {
            0..=3 => self.ops.push(AOp::TyInt),
            4..=6 => {
                let n = self.name();
                self.ops.push(AOp::TyNamed(n));
            }
            7 | 8 => {
                let k = self.rng.below(4) as u32;
                (0..k).for_each(|_| self.ty(depth - 1));
                self.ops.push(AOp::TyTuple(k));
            }
            _ => {
                let k = 1 + self.rng.below(2) as u32;
                (0..=k).for_each(|_| self.ty(depth - 1));
                self.ops.push(AOp::TyFn(k));
            }
        }
    }
    fn pat(&mut self, depth: u32) {
        let r = if depth == 0 {
            self.rng.below(5)
        } else {
            self.rng.below(10)
        };
        match r {
            0 => self.ops.push(AOp::PatWild),
            1..=4 => {
                let n = self.name();
                self.ops.push(AOp::PatBind(n));
            }
            5..=7 => {
                let k = 2 + self.rng.below(2) as u32;
                (0..k).for_each(|_| self.pat(depth - 1));
                self.ops.push(AOp::PatTuple(k));
            }
            _ => {
                self.pat(depth - 1);
                self.ty(2);
                self.ops.push(AOp::PatTyped);
            }
        }
    }
    fn expr(&mut self, depth: u32) {
        let r = if depth == 0 {
            self.rng.below(40)
        } else {
            self.rng.below(100)
        };
        match r {
            0..=19 => self
                .ops
                .push(AOp::Lit((self.rng.next() >> 40) as i64 - (1 << 23))),
            20..=39 => {
                let n = self.name();
                self.ops.push(AOp::Var(n));
            }
            40..=69 => {
                self.expr(depth - 1);
                self.expr(depth - 1);
                self.ops.push(AOp::Binary(self.rng.below(4) as u8));
            }
            70..=81 => {
                let k = self.rng.below(4) as u32;
                (0..k).for_each(|_| self.expr(depth - 1));
                let n = self.name();
                self.ops.push(AOp::Call(n, k));
            }
            82..=89 => {
                let k = 1 + self.rng.below(4) as u32;
                (0..k).for_each(|_| self.stmt(depth - 1));
                self.ops.push(AOp::Block(k));
            }
            _ => {
                self.expr(depth - 1);
                self.ty(2);
                self.ops.push(AOp::Cast);
            }
        }
    }
    fn stmt(&mut self, depth: u32) {
        match self.rng.below(20) {
            0..=10 => {
                self.pat(1);
                self.expr(depth);
                self.ops.push(AOp::Let);
            }
            11..=18 => {
                self.expr(depth);
                self.ops.push(AOp::ExprStmt);
            }
            _ => {
                self.item(depth.saturating_sub(2));
                self.ops.push(AOp::ItemStmt);
            }
        }
    }
    fn item(&mut self, depth: u32) {
        let params = self.rng.below(4) as u32;
        (0..params).for_each(|_| self.pat(1));
        let ret = self.rng.below(2) == 0;
        if ret {
            self.ty(2);
        }
        let body = 2 + self.rng.below(7) as u32;
        (0..body).for_each(|_| self.stmt(depth));
        let name = self.name();
        self.ops.push(AOp::Item {
            name,
            params,
            ret,
            body,
        });
    }
}

/// An AST of about `nodes` nodes (a little more: the last function is
/// finished): functions of 2 to 8 statements, nested blocks and items,
/// under one root item (a module) whose body holds them all.
pub fn ast_program(nodes: usize, seed: u64) -> Program<AOp> {
    let mut rng = Rng(seed);
    let names = names(&mut rng, 400, "");
    let mut g = AstGen {
        rng,
        ops: Vec::with_capacity(nodes + 4096),
        names: names.len(),
    };
    let mut top = 0;
    while g.ops.len() + top as usize + 1 < nodes {
        g.item(4);
        g.ops.push(AOp::ItemStmt);
        top += 1;
    }
    g.ops.push(AOp::Item {
        name: 0,
        params: 0,
        ret: false,
        body: top,
    });
    Program { ops: g.ops, names }
}

/// What a walk of an AST finds: every node counted, literals summed
/// (wrapping), names' bytes and operators summed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AstSum {
    pub nodes: u64,
    pub lits: i64,
    pub name_bytes: u64,
    /// Binary operators' codes, summed.
    pub ops: u64,
}

impl AstSum {
    #[inline]
    pub fn name(&mut self, name: &str) {
        self.name_bytes += name.len() as u64;
    }
}

/// The sum every contestant's walk must find, from the program alone.
pub fn ast_expected(p: &Program<AOp>) -> AstSum {
    let mut s = AstSum {
        nodes: p.ops.len() as u64,
        ..AstSum::default()
    };
    for op in &p.ops {
        match *op {
            AOp::Lit(v) => s.lits = s.lits.wrapping_add(v),
            AOp::Binary(o) => s.ops += u64::from(o),
            AOp::TyNamed(n) | AOp::PatBind(n) | AOp::Var(n) | AOp::Call(n, _) => {
                s.name(&p.names[n as usize])
            }
            AOp::Item { name, .. } => s.name(&p.names[name as usize]),
            _ => {}
        }
    }
    s
}

// ----- the JSON-like documents -----------------------------------------------------

/// One value (or member) of a document program.
#[derive(Clone, Copy, Debug)]
pub enum JOp {
    Null,
    Bool(bool),
    /// A multiple of 1/4, so that sums are exact.
    Number(f64),
    String(u32),
    /// `k` values.
    Array(u32),
    /// The value before it becomes a member with this key.
    Member(u32),
    /// `k` members.
    Object(u32),
}

/// A document of exactly `values` values (members are counted apart): an
/// object at the top, containers of 1 to 12 children, leaves mostly
/// strings and numbers.
pub fn json_program(values: usize, seed: u64) -> Program<JOp> {
    let mut rng = Rng(seed);
    let mut names = names(&mut rng, 60, "");
    names.extend(names_text(&mut rng, 300));
    let mut ops = Vec::with_capacity(values * 2);
    json_value(&mut rng, values.max(2), &mut ops, true);
    Program { ops, names }
}

/// String values: 300 texts of 4 to 60 bytes (indices 60..360 of `names`).
fn names_text(rng: &mut Rng, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let len = 4 + rng.below(57);
            (0..len)
                .map(|j| (b'a' + ((i * 7 + j * 13 + rng.below(3)) % 26) as u8) as char)
                .collect()
        })
        .collect()
}

fn json_value(rng: &mut Rng, n: usize, ops: &mut Vec<JOp>, object: bool) {
    if n == 1 {
        ops.push(match rng.below(20) {
            0..=7 => JOp::String(60 + rng.below(300) as u32),
            8..=15 => JOp::Number(rng.below(4_000_000) as f64 / 4.0),
            16..=18 => JOp::Bool(rng.below(2) == 0),
            _ => JOp::Null,
        });
        return;
    }
    let object = object || rng.below(10) < 6;
    let k = 1 + rng.below(12.min(n - 1));
    let mut extra = n - 1 - k;
    for i in 0..k {
        let more = if i + 1 == k {
            extra
        } else {
            rng.below(extra + 1)
        };
        extra -= more;
        json_value(rng, 1 + more, ops, false);
        if object {
            ops.push(JOp::Member(rng.below(60) as u32));
        }
    }
    ops.push(if object {
        JOp::Object(k as u32)
    } else {
        JOp::Array(k as u32)
    });
}

/// What a walk of a document finds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JsonSum {
    pub values: u64,
    pub members: u64,
    pub trues: u64,
    /// Every number times 4, summed (wrapping).
    pub numbers: i64,
    /// Bytes of strings and keys.
    pub bytes: u64,
}

pub fn json_expected(p: &Program<JOp>) -> JsonSum {
    let mut s = JsonSum::default();
    for op in &p.ops {
        match *op {
            JOp::Member(k) => {
                s.members += 1;
                s.bytes += p.names[k as usize].len() as u64;
                continue;
            }
            JOp::Bool(b) => s.trues += u64::from(b),
            JOp::Number(x) => s.numbers = s.numbers.wrapping_add((x * 4.0) as i64),
            JOp::String(t) => s.bytes += p.names[t as usize].len() as u64,
            _ => {}
        }
        s.values += 1;
    }
    s
}

// ----- the macros ------------------------------------------------------------------

/// The five AST node types over this module's `One`, `Many` and `Str`.
macro_rules! ast_types {
    () => {
        pub struct Item {
            pub name: Str,
            pub params: Many<Pat>,
            pub ret: Option<One<Ty>>,
            pub body: Many<Stmt>,
        }
        pub enum Stmt {
            Let { pat: Pat, init: Expr },
            Expr(Expr),
            Item(One<Item>),
        }
        pub enum Expr {
            Lit(i64),
            Var(Str),
            Binary(u8, One<Expr>, One<Expr>),
            Call(Str, Many<Expr>),
            Block(Many<Stmt>),
            Cast(One<Expr>, One<Ty>),
        }
        pub enum Pat {
            Wild,
            Bind(Str),
            Tuple(Many<Pat>),
            Typed(One<Pat>, One<Ty>),
        }
        pub enum Ty {
            Int,
            Named(Str),
            Tuple(Many<Ty>),
            Fn(Many<Ty>, One<Ty>),
        }
    };
}
pub(crate) use ast_types;

/// The document types over this module's `Many` and `Str`.
macro_rules! json_types {
    () => {
        pub enum Value {
            Null,
            Bool(bool),
            Number(f64),
            String(Str),
            Array(Many<Value>),
            Object(Many<Member>),
        }
        pub struct Member {
            pub key: Str,
            pub value: Value,
        }
    };
}
pub(crate) use json_types;

/// `build_ast`, `walk_ast`, `build_doc` and `walk_doc` over the types in
/// scope, allocating through `Arena::{one, many, string}`.
macro_rules! build_and_walk {
    () => {
        use $crate::model::{AOp, AstSum, JOp, JsonSum, Program};

        /// Interprets the AST program; returns a handle to the root item.
        #[inline(never)]
        pub fn build_ast(b: &Arena, p: &Program<AOp>) -> One<Item> {
            let name = |n: u32| b.string(&p.names[n as usize]);
            let mut items: Vec<Item> = Vec::with_capacity(64);
            let mut stmts: Vec<Stmt> = Vec::with_capacity(256);
            let mut exprs: Vec<Expr> = Vec::with_capacity(256);
            let mut pats: Vec<Pat> = Vec::with_capacity(64);
            let mut tys: Vec<Ty> = Vec::with_capacity(64);
            for op in &p.ops {
                match *op {
                    AOp::TyInt => tys.push(Ty::Int),
                    AOp::TyNamed(n) => tys.push(Ty::Named(name(n))),
                    AOp::TyTuple(k) => {
                        let t = b.tail(&mut tys, k);
                        tys.push(Ty::Tuple(t));
                    }
                    AOp::TyFn(k) => {
                        let ret = b.one(tys.pop().unwrap());
                        let params = b.tail(&mut tys, k);
                        tys.push(Ty::Fn(params, ret));
                    }
                    AOp::PatWild => pats.push(Pat::Wild),
                    AOp::PatBind(n) => pats.push(Pat::Bind(name(n))),
                    AOp::PatTuple(k) => {
                        let t = b.tail(&mut pats, k);
                        pats.push(Pat::Tuple(t));
                    }
                    AOp::PatTyped => {
                        let ty = b.one(tys.pop().unwrap());
                        let pat = b.one(pats.pop().unwrap());
                        pats.push(Pat::Typed(pat, ty));
                    }
                    AOp::Lit(v) => exprs.push(Expr::Lit(v)),
                    AOp::Var(n) => exprs.push(Expr::Var(name(n))),
                    AOp::Binary(o) => {
                        let rhs = b.one(exprs.pop().unwrap());
                        let lhs = b.one(exprs.pop().unwrap());
                        exprs.push(Expr::Binary(o, lhs, rhs));
                    }
                    AOp::Call(n, k) => {
                        let args = b.tail(&mut exprs, k);
                        exprs.push(Expr::Call(name(n), args));
                    }
                    AOp::Block(k) => {
                        let body = b.tail(&mut stmts, k);
                        exprs.push(Expr::Block(body));
                    }
                    AOp::Cast => {
                        let ty = b.one(tys.pop().unwrap());
                        let e = b.one(exprs.pop().unwrap());
                        exprs.push(Expr::Cast(e, ty));
                    }
                    AOp::Let => {
                        let init = exprs.pop().unwrap();
                        let pat = pats.pop().unwrap();
                        stmts.push(Stmt::Let { pat, init });
                    }
                    AOp::ExprStmt => {
                        let e = exprs.pop().unwrap();
                        stmts.push(Stmt::Expr(e));
                    }
                    AOp::ItemStmt => {
                        let item = b.one(items.pop().unwrap());
                        stmts.push(Stmt::Item(item));
                    }
                    AOp::Item {
                        name: n,
                        params,
                        ret,
                        body,
                    } => {
                        let body = b.tail(&mut stmts, body);
                        let ret = if ret {
                            Some(b.one(tys.pop().unwrap()))
                        } else {
                            None
                        };
                        let params = b.tail(&mut pats, params);
                        items.push(Item {
                            name: name(n),
                            params,
                            ret,
                            body,
                        });
                    }
                }
            }
            let root = items.pop().unwrap();
            assert!(items.is_empty() && stmts.is_empty() && exprs.is_empty());
            assert!(pats.is_empty() && tys.is_empty());
            b.one(root)
        }

        pub fn walk_ast(root: &One<Item>) -> AstSum {
            let mut s = AstSum::default();
            walk_item(root, &mut s);
            s
        }

        fn walk_item(i: &Item, s: &mut AstSum) {
            s.nodes += 1;
            s.name(&i.name);
            i.params.iter().for_each(|p| walk_pat(p, s));
            if let Some(ty) = i.ret.as_deref() {
                walk_ty(ty, s);
            }
            i.body.iter().for_each(|st| walk_stmt(st, s));
        }

        fn walk_stmt(st: &Stmt, s: &mut AstSum) {
            s.nodes += 1;
            match st {
                Stmt::Let { pat, init } => {
                    walk_pat(pat, s);
                    walk_expr(init, s);
                }
                Stmt::Expr(e) => walk_expr(e, s),
                Stmt::Item(i) => walk_item(i, s),
            }
        }

        fn walk_expr(e: &Expr, s: &mut AstSum) {
            s.nodes += 1;
            match e {
                Expr::Lit(v) => s.lits = s.lits.wrapping_add(*v),
                Expr::Var(n) => s.name(n),
                Expr::Binary(o, a, b) => {
                    s.ops += u64::from(*o);
                    walk_expr(a, s);
                    walk_expr(b, s);
                }
                Expr::Call(n, args) => {
                    s.name(n);
                    args.iter().for_each(|a| walk_expr(a, s));
                }
                Expr::Block(body) => body.iter().for_each(|st| walk_stmt(st, s)),
                Expr::Cast(e, ty) => {
                    walk_expr(e, s);
                    walk_ty(ty, s);
                }
            }
        }

        fn walk_pat(p: &Pat, s: &mut AstSum) {
            s.nodes += 1;
            match p {
                Pat::Wild => {}
                Pat::Bind(n) => s.name(n),
                Pat::Tuple(ps) => ps.iter().for_each(|p| walk_pat(p, s)),
                Pat::Typed(p, ty) => {
                    walk_pat(p, s);
                    walk_ty(ty, s);
                }
            }
        }

        fn walk_ty(t: &Ty, s: &mut AstSum) {
            s.nodes += 1;
            match t {
                Ty::Int => {}
                Ty::Named(n) => s.name(n),
                Ty::Tuple(ts) => ts.iter().for_each(|t| walk_ty(t, s)),
                Ty::Fn(params, ret) => {
                    params.iter().for_each(|t| walk_ty(t, s));
                    walk_ty(ret, s);
                }
            }
        }

        /// Interprets a document program; returns the root value.
        #[inline(never)]
        pub fn build_doc(b: &Arena, p: &Program<JOp>) -> Value {
            let mut values: Vec<Value> = Vec::with_capacity(256);
            let mut members: Vec<Member> = Vec::with_capacity(256);
            for op in &p.ops {
                let v = match *op {
                    JOp::Null => Value::Null,
                    JOp::Bool(v) => Value::Bool(v),
                    JOp::Number(x) => Value::Number(x),
                    JOp::String(t) => Value::String(b.string(&p.names[t as usize])),
                    JOp::Array(k) => Value::Array(b.tail(&mut values, k)),
                    JOp::Member(k) => {
                        let value = values.pop().unwrap();
                        let key = b.string(&p.names[k as usize]);
                        members.push(Member { key, value });
                        continue;
                    }
                    JOp::Object(k) => Value::Object(b.tail(&mut members, k)),
                };
                values.push(v);
            }
            let root = values.pop().unwrap();
            assert!(values.is_empty() && members.is_empty());
            root
        }

        pub fn walk_doc(v: &Value) -> JsonSum {
            let mut s = JsonSum::default();
            walk_value(v, &mut s);
            s
        }

        fn walk_value(v: &Value, s: &mut JsonSum) {
            s.values += 1;
            match v {
                Value::Null => {}
                Value::Bool(b) => s.trues += u64::from(*b),
                Value::Number(x) => s.numbers = s.numbers.wrapping_add((*x * 4.0) as i64),
                Value::String(t) => s.bytes += t.len() as u64,
                Value::Array(items) => items.iter().for_each(|v| walk_value(v, s)),
                Value::Object(members) => {
                    for m in members.iter() {
                        s.members += 1;
                        s.bytes += m.key.len() as u64;
                        walk_value(&m.value, s);
                    }
                }
            }
        }

        /// This module as a contestant.
        pub struct C;
        impl $crate::contestants::Contestant for C {
            type Arena = Arena;
            type Ast = One<Item>;
            type Doc = Value;
            fn build_ast(a: &Arena, p: &Program<AOp>) -> One<Item> {
                build_ast(a, p)
            }
            fn walk_ast(root: &One<Item>) -> AstSum {
                walk_ast(root)
            }
            fn build_doc(a: &Arena, p: &Program<JOp>) -> Value {
                build_doc(a, p)
            }
            fn walk_doc(doc: &Value) -> JsonSum {
                walk_doc(doc)
            }
            fn sizes() -> [usize; 3] {
                [size_of::<Expr>(), size_of::<Stmt>(), size_of::<Value>()]
            }
        }
    };
}
pub(crate) use build_and_walk;
