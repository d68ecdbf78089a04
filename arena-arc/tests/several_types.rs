//! Trees whose nodes are of several derived types that point at each other:
//! a JSON document model (`Value` and `Member`) and a compiler's AST of five
//! node types, written the natural way. Built on one thread and dropped on
//! another, every element is dropped exactly once and every byte is freed;
//! and a thread that builds document after document keeps a bounded heap.

mod common;

use std::sync::mpsc;

use arena_arc::{ArcSingle, ArcSlice, ArcStr, ArenaAlloc};
use common::counting::{self, Snapshot};
use common::elems::{self, Elem, Ids, Tracked};

// ----- the JSON model, exactly as a user writes it -----------------------
// (Some payloads are written and never read: the tests read the shape.)

#[allow(dead_code)]
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

/// A deterministic document of nested objects and arrays (`width` children
/// per container, `depth` levels), in the order a parser builds it: children
/// first.
fn document(seed: u32, depth: u32, width: usize) -> Value {
    if depth == 0 {
        return match seed % 4 {
            0 => Value::Null,
            1 => Value::Bool(seed % 8 == 1),
            2 => Value::Number(f64::from(seed)),
            _ => Value::String(ArcStr::from(format!("string {seed}").as_str())),
        };
    }
    if seed % 2 == 0 {
        Value::Array(Value::alloc(width, |i| {
            document(seed * 7 + i as u32 + 1, depth - 1, width)
        }))
    } else {
        Value::Object(Member::alloc(width, |i| Member {
            key: ArcStr::from(format!("key {i:03}").as_str()),
            value: document(seed * 5 + i as u32 + 2, depth - 1, width),
        }))
    }
}

/// Counts the values of a document, reading every one.
fn count(value: &Value) -> usize {
    1 + match value {
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
        Value::String(s) => usize::from(s.is_empty()),
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(members) => members
            .iter()
            .map(|m| usize::from(m.key.is_empty()) + count(&m.value))
            .sum(),
    }
}

#[test]
fn a_json_document_built_on_one_thread_and_dropped_on_another_is_freed() {
    let _serial = common::serial();
    let start = Snapshot::now();
    let was = counting::enroll(true);
    let builder = counting::spawn_with_locals(|| {
        // Smaller under Miri, which interprets every step.
        let depth = if cfg!(miri) { 4 } else { 6 };
        let doc = Value::alloc_value(document(3, depth, 4));
        let n = count(&doc);
        (doc, n)
    });
    let (doc, n) = counting::join(builder).unwrap();
    assert!(n > if cfg!(miri) { 250 } else { 4_000 }, "{n} values");
    assert_eq!(count(&doc), n);
    drop(doc);
    counting::enroll(was);
    start.assert_all_freed("a JSON document whose builder thread ended");
}

// ----- five node types with a drop ledger ---------------------------------

#[allow(dead_code)]
#[derive(ArenaAlloc)]
#[arena(chunk = 16)]
struct Item {
    name: ArcStr,
    params: ArcSlice<Pat>,
    body: ArcSlice<Stmt>,
    ret: Option<ArcSingle<Ty>>,
}

#[derive(ArenaAlloc)]
#[arena(chunk = 16)]
enum Stmt {
    Let { pat: Pat, init: Expr },
    Expr(Expr),
    Item(ArcSingle<Item>),
}

#[allow(dead_code)]
#[derive(ArenaAlloc)]
#[arena(chunk = 16)]
enum Expr {
    Lit(Tracked),
    Path(ArcStr),
    Binary(ArcSingle<Expr>, ArcSingle<Expr>),
    Call(ArcSingle<Expr>, ArcSlice<Expr>),
    Block(ArcSlice<Stmt>),
    Closure(ArcSlice<Pat>, ArcSingle<Expr>),
}

#[derive(ArenaAlloc)]
#[arena(chunk = 16)]
enum Pat {
    Wild,
    Bind(Tracked),
    Tuple(Vec<Pat>),
    Typed(ArcSingle<Pat>, ArcSingle<Ty>),
}

#[derive(ArenaAlloc)]
#[arena(chunk = 16)]
enum Ty {
    Named(Tracked),
    Ref(ArcSingle<Ty>),
    Fn(ArcSlice<Ty>, Option<ArcSingle<Ty>>),
}

fn ty(ids: &mut Ids, depth: u32) -> Ty {
    match depth {
        0 => Ty::Named(ids.next()),
        _ if depth % 2 == 0 => Ty::Ref(Ty::alloc_value(ty(ids, depth - 1))),
        _ => Ty::Fn(
            Ty::alloc(2, |_| ty(ids, depth - 1)),
            Some(Ty::alloc_value(ty(ids, 0))),
        ),
    }
}

fn pat(ids: &mut Ids, depth: u32) -> Pat {
    match depth {
        0 => Pat::Bind(ids.next()),
        1 => Pat::Typed(Pat::alloc_value(Pat::Wild), Ty::alloc_value(ty(ids, 1))),
        _ => Pat::Tuple(vec![pat(ids, depth - 1), pat(ids, 0)]),
    }
}

fn expr(ids: &mut Ids, depth: u32) -> Expr {
    match depth % 5 {
        _ if depth == 0 => Expr::Lit(ids.next()),
        0 => Expr::Block(Stmt::alloc(2, |_| stmt(ids, depth - 1))),
        1 => Expr::Binary(
            Expr::alloc_value(expr(ids, depth - 1)),
            Expr::alloc_value(Expr::Path(ArcStr::from("x"))),
        ),
        2 => Expr::Call(
            Expr::alloc_value(expr(ids, 0)),
            Expr::alloc(2, |_| expr(ids, depth - 1)),
        ),
        3 => Expr::Closure(
            Pat::alloc(1, |_| pat(ids, 2)),
            Expr::alloc_value(expr(ids, depth - 1)),
        ),
        _ => Expr::Block(Stmt::alloc(1, |_| stmt(ids, depth - 1))),
    }
}

fn stmt(ids: &mut Ids, depth: u32) -> Stmt {
    match depth % 3 {
        0 => Stmt::Let {
            pat: pat(ids, 2),
            init: expr(ids, depth),
        },
        1 => Stmt::Expr(expr(ids, depth)),
        _ => Stmt::Item(Item::alloc_value(item(ids, depth - 1))),
    }
}

fn item(ids: &mut Ids, depth: u32) -> Item {
    Item {
        name: ArcStr::from("f"),
        params: Pat::alloc(2, |_| pat(ids, 1)),
        body: Stmt::alloc(3, |_| stmt(ids, depth)),
        ret: Some(Ty::alloc_value(ty(ids, 2))),
    }
}

/// Reads every tracked payload of an item (checking each is alive) and
/// counts them.
fn walk_item(item: &Item) -> usize {
    item.params.iter().map(walk_pat).sum::<usize>()
        + item.body.iter().map(walk_stmt).sum::<usize>()
        + item.ret.as_ref().map_or(0, |t| walk_ty(t))
}

fn walk_stmt(stmt: &Stmt) -> usize {
    match stmt {
        Stmt::Let { pat, init } => walk_pat(pat) + walk_expr(init),
        Stmt::Expr(e) => walk_expr(e),
        Stmt::Item(item) => walk_item(item),
    }
}

fn walk_expr(expr: &Expr) -> usize {
    match expr {
        Expr::Lit(t) => usize::from(t.key() != u32::MAX),
        Expr::Path(_) => 0,
        Expr::Binary(a, b) => walk_expr(a) + walk_expr(b),
        Expr::Call(f, args) => walk_expr(f) + args.iter().map(walk_expr).sum::<usize>(),
        Expr::Block(stmts) => stmts.iter().map(walk_stmt).sum(),
        Expr::Closure(params, body) => params.iter().map(walk_pat).sum::<usize>() + walk_expr(body),
    }
}

fn walk_pat(pat: &Pat) -> usize {
    match pat {
        Pat::Wild => 0,
        Pat::Bind(t) => usize::from(t.key() != u32::MAX),
        Pat::Tuple(pats) => pats.iter().map(walk_pat).sum(),
        Pat::Typed(p, t) => walk_pat(p) + walk_ty(t),
    }
}

fn walk_ty(ty: &Ty) -> usize {
    match ty {
        Ty::Named(t) => usize::from(t.key() != u32::MAX),
        Ty::Ref(t) => walk_ty(t),
        Ty::Fn(params, ret) => {
            params.iter().map(walk_ty).sum::<usize>() + ret.as_ref().map_or(0, |t| walk_ty(t))
        }
    }
}

#[test]
fn a_five_type_ast_built_on_one_thread_and_dropped_on_another_is_freed() {
    let _serial = common::serial();
    elems::reset();
    let start = Snapshot::now();
    let was = counting::enroll(true);
    let builder = counting::spawn_with_locals(|| {
        let mut ids = Ids(0);
        let root = Item::alloc_value(item(&mut ids, if cfg!(miri) { 5 } else { 7 }));
        (root, ids.0)
    });
    let (root, made) = counting::join(builder).unwrap();
    assert!(made > 60, "{made} payloads");
    assert_eq!(walk_item(&root), made as usize);
    drop(root);
    counting::enroll(was);
    elems::assert_each_dropped_once(made);
    start.assert_all_freed("a five-type AST whose builder thread ended");
}

#[test]
fn a_tree_dropped_while_its_builder_idles_goes_at_the_builders_next_allocation() {
    let _serial = common::serial();
    elems::reset();
    let (to_main, from_builder) = mpsc::channel();
    let (to_builder, from_main) = mpsc::channel::<()>();
    let builder = std::thread::spawn(move || {
        let mut ids = Ids(0);
        let root = Item::alloc_value(item(&mut ids, 5));
        to_main.send((root, ids.0)).unwrap();
        // Idle until the tree is dropped on the other thread.
        from_main.recv().unwrap();
        // The next allocation of any of the thread's arenas finds the open
        // generation without a handle and frees the dropped tree.
        let next = Ty::alloc_value(Ty::Named(ids.next()));
        to_main
            .send((Item::alloc_value(item(&mut ids, 0)), ids.0))
            .unwrap();
        drop(next);
        from_main.recv().unwrap();
    });
    let (root, made) = from_builder.recv().unwrap();
    assert_eq!(walk_item(&root), made as usize);
    drop(root);
    let (_, dropped) = elems::made_and_dropped();
    assert!(
        dropped < made as usize,
        "the builder is idle: the open generation still holds part of the tree"
    );
    to_builder.send(()).unwrap();
    let (second, _) = from_builder.recv().unwrap();
    for id in 0..made {
        assert_eq!(elems::drops_of(id), 1, "payload {id} of the dropped tree");
    }
    drop(second);
    to_builder.send(()).unwrap();
    builder.join().unwrap();
}

#[test]
fn trim_thread_frees_a_dropped_tree_without_another_allocation() {
    let _serial = common::serial();
    elems::reset();
    std::thread::spawn(|| {
        let mut ids = Ids(0);
        let root = Item::alloc_value(item(&mut ids, 5));
        assert_eq!(walk_item(&root), ids.0 as usize);
        drop(root);
        assert!(elems::made_and_dropped().1 < ids.0 as usize);
        arena_arc::trim_thread();
        elems::assert_each_dropped_once(ids.0);
        for stats in [
            Item::arena_stats(),
            Stmt::arena_stats(),
            Expr::arena_stats(),
            Pat::arena_stats(),
            Ty::arena_stats(),
        ] {
            assert_eq!(
                (stats.current_chunk_free, stats.chunks_alive),
                (0, 0),
                "{stats:?}"
            );
        }
    })
    .join()
    .unwrap();
}

/// A value allocated into a chunk with no handle left asks whether the
/// thread moved on to a new document: whether any chunk of the open
/// generation still has a handle. A handle left in any of the thread's
/// arenas keeps the generation open, also after the chunk that held one last
/// time lost it (the generation checks that chunk first); with none left,
/// the allocation frees the dropped values.
#[test]
fn a_handle_left_in_any_arena_keeps_the_open_generation_open() {
    let _serial = common::serial();
    elems::reset();
    std::thread::spawn(|| {
        // The chunks each arena has made current (a fresh one or one kept
        // for reuse).
        let first_chunks = || {
            [Ty::arena_stats(), Pat::arena_stats(), Expr::arena_stats()]
                .map(|stats| stats.chunks_created + stats.chunks_reused)
        };
        let mut ids = Ids(0);
        // Three arenas' first chunks, in one open generation.
        let ty = Ty::alloc_value(Ty::Named(ids.next()));
        let pat = Pat::alloc_value(Pat::Bind(ids.next()));
        let expr = Expr::alloc_value(Expr::Lit(ids.next()));
        assert_eq!(first_chunks(), [1, 1, 1]);
        drop((pat, expr));
        // Expr's chunk has no handle left: `ty` keeps the generation open.
        let expr = Expr::alloc_value(Expr::Lit(ids.next()));
        drop(ty);
        // Pat's chunk has no handle left, nor Ty's, which had one when
        // last asked: `expr` keeps it open.
        let pat = Pat::alloc_value(Pat::Bind(ids.next()));
        assert_eq!(
            first_chunks(),
            [1, 1, 1],
            "the generation was closed while a handle was left"
        );
        assert_eq!(elems::made_and_dropped(), (5, 0));
        drop((expr, pat));
        // No handle left anywhere: this allocation closes the generation
        // and frees the five values, before it takes a fresh chunk.
        let last = Ty::alloc_value(Ty::Named(ids.next()));
        assert_eq!(elems::made_and_dropped(), (6, 5));
        assert_eq!(first_chunks(), [2, 1, 1]);
        drop(last);
        arena_arc::trim_thread();
        elems::assert_each_dropped_once(ids.0);
    })
    .join()
    .unwrap();
}

/// The live heap of a thread that builds, walks and drops `docs` documents
/// in a row, after the first and after the last (nothing alive then).
fn stream_heap(docs: usize, keep_latest: bool, trim_each: bool) -> (isize, isize) {
    let _serial = common::serial();
    let start = Snapshot::now();
    let was = counting::enroll(true);
    let (first, last) = counting::join(counting::spawn_with_locals(move || {
        let mut previous = None;
        let mut first = 0;
        let mut made_after_warm_up = 0;
        let chunks_made =
            || Value::arena_stats().chunks_created + Member::arena_stats().chunks_created;
        for i in 0..docs {
            let depth = if cfg!(miri) { 3 } else { 5 };
            let doc = Value::alloc_value(document(i as u32 * 2 + 3, depth, 4));
            assert!(count(&doc) > 60);
            if keep_latest {
                previous = Some(doc);
            } else {
                drop(doc);
            }
            if trim_each {
                arena_arc::trim_thread();
            }
            if i == 0 {
                first = Snapshot::now().live_bytes - start.live_bytes;
            }
            if i == 2 {
                made_after_warm_up = chunks_made();
            }
        }
        if !keep_latest {
            // Each document's chunks were reused for the next: no chunk made
            // after the third document.
            assert_eq!(chunks_made(), made_after_warm_up, "{docs} documents");
        }
        drop(previous);
        (first, Snapshot::now().live_bytes - start.live_bytes)
    }))
    .unwrap();
    counting::enroll(was);
    start.assert_all_freed("a stream of documents, once its thread ended");
    (first, last)
}

#[test]
fn a_stream_of_documents_dropped_before_the_next_stays_bounded_with_no_call() {
    let (first, last) = stream_heap(if cfg!(miri) { 4 } else { 30 }, false, false);
    // After the first document is dropped, what is live is at most the
    // chunks its last values shared with the thread's arenas; after the
    // last, the same: not one document per iteration.
    assert!(
        last <= first + 64 * 1024,
        "live heap {first} bytes after the first document, {last} after the last"
    );
}

#[test]
fn a_keep_latest_stream_stays_bounded_with_trim_thread_per_document() {
    let docs = if cfg!(miri) { 4 } else { 30 };
    let (first, last) = stream_heap(docs, true, true);
    assert!(
        last <= 2 * first + 64 * 1024,
        "live heap {first} bytes with one document, {last} after {docs}"
    );
}

/// One `trim_thread()` frees a dropped document whose keys and strings are
/// in the text arena: the `Member` and `Value` chunks' drops release the text
/// chunks they held last, which the same call then frees (it trims the
/// newest arenas first and goes round again while a round gives up a chunk).
#[test]
fn one_trim_thread_frees_a_document_and_its_text() {
    let _serial = common::serial();
    std::thread::spawn(|| {
        let start = Snapshot::now();
        // 3,906 values, in several chunks of `Value`'s arena and of the
        // text arena (asserted), and small enough for Miri.
        let doc = document(1, 5, 5);
        assert!(count(&doc) > 5 * 5 * 5 * 5);
        assert!(Value::arena_stats().chunks_alive > 1);
        assert!(arena_arc::TEXT_ARENA.stats().chunks_alive > 1);
        drop(doc);
        arena_arc::trim_thread();
        for (arena, stats) in [
            ("Value", Value::arena_stats()),
            ("Member", Member::arena_stats()),
            ("text", arena_arc::TEXT_ARENA.stats()),
        ] {
            assert_eq!(stats.chunks_alive, 0, "{arena} chunks left after one trim");
        }
        start.assert_all_freed("one trim_thread() after the document");
    })
    .join()
    .unwrap();
}
