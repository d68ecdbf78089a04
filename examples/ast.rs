//! A compiler front end in miniature: generate a program, tokenise it, parse
//! it into an AST that lives in arenas, evaluate it, drop it, and look at
//! what the arenas say.
//!
//! Run with `cargo run --example ast` (add `--release` for real timings).
//!
//! It shows:
//! - `arena!(Tok, N)`: a per-thread arena for a local enum (the tokens);
//! - `arena!(static IDENTS: u8, N)`: a named arena shared by two node types;
//! - `#[derive(ArenaAlloc)]`: node types with their own arenas and builders;
//! - handles crossing threads: the AST is built on a worker thread, then
//!   evaluated and dropped on the main thread;
//! - **the cycle hazard**: a `Node` holding `ArcSlice<Node>` children in its
//!   own arena keeps its chunks alive forever once dropped (a reference
//!   cycle, like a cycle of `Arc`s), and the way around it: a flat table of
//!   nodes whose children are indices, which is freed entirely on drop.
//!
//! The language: `let v3 = max(v1, 7) * (v2 - 4);` statements, then one
//! final expression, with `+ - *`, integer literals, variables, parentheses
//! and the builtins `max(a, b)`, `min(a, b)` and `abs(a)`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use arena_arc::{ArcSlice, ArenaAlloc, ArenaStats, arena};

/// How many `let` statements to generate: enough for well over 100,000 nodes.
const STATEMENTS: usize = 12_000;

// ----- the arenas ----------------------------------------------------------

// Identifier bytes, shared by both AST representations (`shared = IDENTS`).
arena!(static IDENTS: u8, 65536);
// Child indices of the flat representation.
arena!(static KIDS: u32, 16384);

/// A token; an identifier is a range of the source.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok {
    Let,
    Ident(u32, u32),
    Int(i64),
    Punct(u8), // + - * ( ) , = ;
}
arena!(Tok, 4096);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Program, // children: the `let`s, then the final expression
    Let,     // name = children[0]
    Add,
    Sub,
    Mul,
    Num,  // value
    Var,  // name
    Call, // name(children...)
}

/// Representation 1, the natural one: a node owns handles to its children,
/// which live in `Node`'s own arena (`shared = Node::arena()`). Parents are
/// allocated right after their children, usually in the same chunk: that
/// chunk then holds handles into itself. THIS LEAKS (see the end of `main`).
#[derive(ArenaAlloc)]
#[arena(chunk = 4096)]
struct Node {
    kind: Kind,
    #[arena(shared = Node::arena(), default)]
    children: ArcSlice<Node>,
    #[arena(shared = IDENTS, default)]
    name: ArcSlice<u8>,
    #[arena(default)]
    value: i64,
}

/// Representation 2, cycle-free: every node goes into one table and refers
/// to its children by index. `Flat` values hold handles only into `KIDS`
/// and `IDENTS`, whose elements (`u32`, `u8`) hold no handles: no cycle.
#[derive(ArenaAlloc)]
#[arena(chunk = 4096)]
struct Flat {
    kind: Kind,
    #[arena(shared = KIDS, default)]
    kids: ArcSlice<u32>,
    #[arena(shared = IDENTS, default)]
    name: ArcSlice<u8>,
    #[arena(default)]
    value: i64,
}

// ----- generating the program (deterministic xorshift) ---------------------

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn gen_expr(rng: &mut Rng, out: &mut String, vars: usize, depth: u32) {
    use std::fmt::Write;
    if depth == 0 || rng.below(4) == 0 {
        if vars > 0 && rng.below(2) == 0 {
            let back = rng.below(vars.min(16) as u64) as usize; // a recent variable
            write!(out, "v{}", vars - 1 - back).unwrap();
        } else {
            write!(out, "{}", rng.below(100)).unwrap();
        }
        return;
    }
    // A binary operator, parentheses or a call: `open a [mid b] close`.
    let (open, mid, close) = [
        ("", Some(" + "), ""),
        ("", Some(" - "), ""),
        ("", Some(" * "), ""),
        ("(", None, ")"),
        ("abs(", None, ")"),
        ("max(", Some(", "), ")"),
        ("min(", Some(", "), ")"),
    ][rng.below(7) as usize];
    out.push_str(open);
    gen_expr(rng, out, vars, depth - 1);
    if let Some(mid) = mid {
        out.push_str(mid);
        gen_expr(rng, out, vars, depth - 1);
    }
    out.push_str(close);
}

fn generate(statements: usize) -> String {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut src = String::new();
    for i in 0..statements {
        src.push_str(&format!("let v{i} = "));
        gen_expr(&mut rng, &mut src, i, 5);
        src.push_str(";\n");
    }
    let last = statements - 1;
    src.push_str(&format!("max(v{last}, v{}) - min(v0, v1)\n", last - 1));
    src
}

// ----- lexing --------------------------------------------------------------

fn lex(src: &str) -> Vec<Tok> {
    let b = src.as_bytes();
    let (mut toks, mut i) = (Vec::new(), 0);
    while i < b.len() {
        let start = i;
        i += 1;
        let word = |i: &mut usize, f: fn(&u8) -> bool| {
            while *i < b.len() && f(&b[*i]) {
                *i += 1;
            }
        };
        toks.push(match b[start] {
            c if c.is_ascii_whitespace() => continue,
            c if b"+-*(),=;".contains(&c) => Tok::Punct(c),
            c if c.is_ascii_digit() => {
                word(&mut i, u8::is_ascii_digit);
                Tok::Int(src[start..i].parse().unwrap())
            }
            c if c.is_ascii_alphabetic() => {
                word(&mut i, u8::is_ascii_alphanumeric);
                match &src[start..i] {
                    "let" => Tok::Let,
                    _ => Tok::Ident(start as u32, (i - start) as u32),
                }
            }
            c => panic!("unexpected byte {c:?} at {start}"),
        });
    }
    toks
}

// ----- parsing (recursive descent, one parser for both representations) ----

/// What the parser makes a node with; `Out` is what refers to a node.
trait Sink {
    type Out;
    fn node(&mut self, kind: Kind, name: &[u8], value: i64, kids: Vec<Self::Out>) -> Self::Out;
}

/// Builds `Node`s: each node's children are moved into one slice of
/// `Node`'s own arena, its name is copied into `IDENTS`.
struct TreeSink;
impl Sink for TreeSink {
    type Out = Node;
    fn node(&mut self, kind: Kind, name: &[u8], value: i64, kids: Vec<Node>) -> Node {
        let node = Node::builder().kind(kind).children(kids);
        node.name(name).value(value).build()
    }
}

/// Builds the rows of a `Flat` table; a node is its row number.
struct FlatSink(Vec<Flat>);
impl Sink for FlatSink {
    type Out = u32;
    fn node(&mut self, kind: Kind, name: &[u8], value: i64, kids: Vec<u32>) -> u32 {
        let node = Flat::builder().kind(kind).kids(kids);
        self.0.push(node.name(name).value(value).build());
        (self.0.len() - 1) as u32
    }
}

struct Parser<'a, S> {
    src: &'a [u8],
    toks: &'a [Tok],
    pos: usize,
    nodes: usize,
    sink: S,
}

impl<S: Sink> Parser<'_, S> {
    fn node(&mut self, kind: Kind, name: &[u8], value: i64, kids: Vec<S::Out>) -> S::Out {
        self.nodes += 1;
        self.sink.node(kind, name, value, kids)
    }
    fn peek(&self) -> Option<Tok> {
        self.toks.get(self.pos).copied()
    }
    fn next(&mut self) -> Tok {
        self.pos += 1;
        self.toks[self.pos - 1]
    }
    fn expect(&mut self, c: u8) {
        let got = self.next();
        assert_eq!(got, Tok::Punct(c), "at token {}", self.pos - 1);
    }
    fn name(&self, start: u32, len: u32) -> Vec<u8> {
        self.src[start as usize..(start + len) as usize].to_vec()
    }

    /// program := ("let" IDENT "=" expr ";")* expr
    fn program(&mut self) -> S::Out {
        let mut items = Vec::new();
        while self.peek() == Some(Tok::Let) {
            let Tok::Ident(start, len) = self.toks[self.pos + 1] else {
                panic!("a name after let at token {}", self.pos)
            };
            self.pos += 2;
            self.expect(b'=');
            let value = self.expr(0);
            self.expect(b';');
            let name = self.name(start, len);
            items.push(self.node(Kind::Let, &name, 0, vec![value]));
        }
        items.push(self.expr(0));
        self.node(Kind::Program, b"", 0, items)
    }
    /// expr(0) := expr(1) (("+" | "-") expr(1))*;  expr(1) := factor ("*" factor)*
    fn expr(&mut self, level: u8) -> S::Out {
        let operand = |p: &mut Self| if level == 0 { p.expr(1) } else { p.factor() };
        let mut lhs = operand(self);
        loop {
            let kind = match (level, self.peek()) {
                (0, Some(Tok::Punct(b'+'))) => Kind::Add,
                (0, Some(Tok::Punct(b'-'))) => Kind::Sub,
                (1, Some(Tok::Punct(b'*'))) => Kind::Mul,
                _ => return lhs,
            };
            self.pos += 1;
            let rhs = operand(self);
            lhs = self.node(kind, b"", 0, vec![lhs, rhs]);
        }
    }
    /// factor := INT | IDENT | IDENT "(" expr ("," expr)* ")" | "(" expr ")"
    fn factor(&mut self) -> S::Out {
        match self.next() {
            Tok::Int(v) => self.node(Kind::Num, b"", v, Vec::new()),
            Tok::Punct(b'(') => {
                let inner = self.expr(0);
                self.expect(b')');
                inner
            }
            Tok::Ident(start, len) if self.peek() == Some(Tok::Punct(b'(')) => {
                let mut args = Vec::new();
                while self.next() != Tok::Punct(b')') {
                    args.push(self.expr(0)); // skipped the "(" or a ","
                }
                let name = self.name(start, len);
                self.node(Kind::Call, &name, 0, args)
            }
            Tok::Ident(start, len) => {
                let name = self.name(start, len);
                self.node(Kind::Var, &name, 0, Vec::new())
            }
            tok => panic!("unexpected {tok:?} at token {}", self.pos - 1),
        }
    }
}

// ----- evaluation (one evaluator for both representations) -----------------

/// A node opened up: kind, name, value, children. One `eval` serves both ASTs.
trait View<'t>: Copy {
    fn open(self) -> (Kind, &'t [u8], i64, Vec<Self>);
}
impl<'t> View<'t> for &'t Node {
    fn open(self) -> (Kind, &'t [u8], i64, Vec<Self>) {
        (
            self.kind,
            &self.name,
            self.value,
            self.children.iter().collect(),
        )
    }
}
/// A node of the flat table: the table and a row number.
#[derive(Clone, Copy)]
struct FlatRef<'t>(&'t [Flat], u32);
impl<'t> View<'t> for FlatRef<'t> {
    fn open(self) -> (Kind, &'t [u8], i64, Vec<Self>) {
        let n = &self.0[self.1 as usize];
        let kids = n.kids.iter().map(|&i| FlatRef(self.0, i)).collect();
        (n.kind, &n.name, n.value, kids)
    }
}

/// Arithmetic wraps (the generated products can overflow `i64`).
fn eval<'t>(n: impl View<'t>, env: &mut HashMap<&'t [u8], i64>) -> i64 {
    let (kind, name, value, kids) = n.open();
    let args: Vec<i64> = match kind {
        Kind::Num => return value,
        Kind::Var => return env[name],
        Kind::Program => return kids.into_iter().fold(0, |_, item| eval(item, env)),
        _ => kids.into_iter().map(|k| eval(k, env)).collect(),
    };
    match (kind, name) {
        (Kind::Let, _) => *env.entry(name).insert_entry(args[0]).get(),
        (Kind::Add, _) => args[0].wrapping_add(args[1]),
        (Kind::Sub, _) => args[0].wrapping_sub(args[1]),
        (Kind::Mul, _) => args[0].wrapping_mul(args[1]),
        (Kind::Call, b"max") => args[0].max(args[1]),
        (Kind::Call, b"min") => args[0].min(args[1]),
        (Kind::Call, b"abs") => args[0].wrapping_abs(),
        _ => panic!("cannot evaluate {kind:?} {}", String::from_utf8_lossy(name)),
    }
}

// ----- measuring -----------------------------------------------------------

/// The global allocator, wrapped to count the bytes currently allocated: the
/// one witness that sees chunks freed on any thread, after their arena is gone.
struct Counting;
static HEAP: AtomicUsize = AtomicUsize::new(0);
// SAFETY: every call is forwarded to `System` unchanged; we only count.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HEAP.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: our caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HEAP.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: our caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

fn show(name: &str, s: &ArenaStats) {
    println!(
        "  {name:<6}: chunks created {:>2} (dedicated {}), reused {}, alive {:>2}; \
         {:>7} bytes reserved, {} lost in tails",
        s.chunks_created,
        s.dedicated_chunks,
        s.chunks_reused,
        s.chunks_alive,
        s.bytes_reserved,
        s.bytes_lost_in_tails
    );
}

/// Parses on a worker thread with `sink` (`finish` turns the sink and the
/// root into the AST to keep), then evaluates and drops the AST on this
/// thread. Returns the worker's arena stats (Node, Flat, KIDS, IDENTS), the
/// heap bytes the drop freed and those still allocated after it.
fn run<S: Sink + Send + 'static, A: Send + 'static>(
    (src, toks): (&Arc<str>, &ArcSlice<Tok>),
    sink: S,
    finish: fn(S, S::Out) -> A,
    eval_ast: fn(&A) -> i64,
) -> ([ArenaStats; 4], usize, usize) {
    let heap_before = HEAP.load(Ordering::Relaxed);
    // The source and the tokens go to the worker as handles: no copy.
    let (src, toks) = (Arc::clone(src), toks.clone());
    let worker = std::thread::spawn(move || {
        let start = Instant::now();
        let mut p = Parser {
            src: src.as_bytes(),
            toks: &toks,
            pos: 0,
            nodes: 0,
            sink,
        };
        let root = p.program();
        let ast = finish(p.sink, root);
        // `T::arena_stats()` is the calling thread's arena: read it here.
        let stats = [
            Node::arena_stats(),
            Flat::arena_stats(),
            KIDS.stats(),
            IDENTS.stats(),
        ];
        (ast, p.nodes, start.elapsed(), stats)
    });
    // Once the worker has ended its arenas are gone: only the AST's handles
    // keep chunks alive now.
    let (ast, nodes, parse_time, stats) = worker.join().unwrap();
    assert!(
        nodes >= 100_000,
        "the program should make at least 100,000 nodes"
    );
    println!("parsed {nodes} nodes in {parse_time:.1?} on a worker thread, whose arenas held:");
    for (name, s) in ["Node", "Flat", "KIDS", "IDENTS"].iter().zip(&stats) {
        if s.chunks_created > 0 {
            show(name, s);
        }
    }
    let start = Instant::now();
    let result = eval_ast(&ast);
    println!(
        "evaluated on the main thread in {:.1?}: result = {result}",
        start.elapsed()
    );

    let reserved: usize = stats.iter().map(|s| s.bytes_reserved).sum();
    let held = HEAP.load(Ordering::Relaxed);
    drop(ast);
    let left = HEAP.load(Ordering::Relaxed) - heap_before;
    println!(
        "drop(ast) freed {} heap bytes; still allocated: {left} (the arenas had reserved {reserved})",
        held - HEAP.load(Ordering::Relaxed),
    );
    (stats, held - HEAP.load(Ordering::Relaxed), left)
}

fn main() {
    let start = Instant::now();
    let src: Arc<str> = Arc::from(generate(STATEMENTS));
    // The tokens go to `Tok`'s arena in one slice (longer than a chunk, so it
    // gets a dedicated chunk of its own).
    let toks: ArcSlice<Tok> = Tok::alloc_from_iter(lex(&src));
    println!(
        "generated and tokenised {} bytes ({} lines) into {} tokens in {:.1?}",
        src.len(),
        src.lines().count(),
        toks.len(),
        start.elapsed()
    );
    // The first thread spawn allocates a few bytes of std state for good:
    // spawn one now so that they do not count in the measurements below.
    std::thread::spawn(|| ()).join().unwrap();

    println!("\n== 1. a tree of handles: Node {{ children: ArcSlice<Node>, .. }} ==");
    let ([node, _, _, idents], freed, left) = run(
        (&src, &toks),
        TreeSink,
        |_, root| root,
        |root| eval(root, &mut HashMap::new()),
    );
    // Did the drop free more than the root's own list of statements?
    let root_list = (STATEMENTS + 1) * std::mem::size_of::<Node>();
    if (root_list..root_list + 256).contains(&freed) {
        println!(
            "THE CYCLE HAZARD: the drop freed only the dedicated chunk holding the root's list\n\
             of {} statements; the other {} Node chunks and all {} IDENTS chunks ({left} bytes in all)\n\
             are still alive, and will be until the process ends.",
            STATEMENTS + 1,
            node.chunks_alive - 1,
            idents.chunks_alive,
        );
    } else {
        println!("THE CYCLE HAZARD: {left} bytes were not freed by the drop.");
    }
    println!(
        "A node is allocated right after its children, mostly in the same chunk, so Node\n\
         chunks hold handles into themselves and their counts never reach zero: a reference\n\
         cycle, like a cycle of `Arc`s (see the ArenaAlloc docs). The IDENTS chunks are kept\n\
         alive by the names of the leaked nodes."
    );

    println!("\n== 2. a flat table: Flat {{ kids: ArcSlice<u32>, .. }} (children by row) ==");
    let (_, _, left) = run(
        (&src, &toks),
        FlatSink(Vec::new()),
        |sink, root| (Flat::alloc_from_iter(sink.0), root),
        |(table, root)| eval(FlatRef(table, *root), &mut HashMap::new()),
    );
    println!(
        "No chunk holds a handle into itself (Flat rows hold handles only into the KIDS and\n\
         IDENTS arenas, whose u32s and bytes hold none), so {}.",
        if left == 0 {
            "every byte was freed by the drop"
        } else {
            "THIS SHOULD BE 0"
        }
    );
}
