//! Programs over several node types that point at each other, in the
//! per-thread arenas of one thread (the derived types' own, `arena!`
//! statics of them, and a hand-written type given its arena by `arena!`):
//! the thread's generations (`src/generation.rs`) must free every tree
//! however it was built, across types, chunks, failing and panicking
//! `init`s, trims and streams of documents.
//!
//! Each program runs on a fresh thread, which may hand some handles back to
//! the caller at its end. After the thread has ended (its arenas dropped)
//! and the caller dropped what came back, every element made was dropped
//! exactly once and every byte allocated was freed.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::JoinHandle;

use arena_arc::{ArcSingle, ArcSlice, ArenaAlloc, ArenaLinks, Links, ThreadArena, arena};

use super::counting::{self, Snapshot};
use super::elems::{self, Elem, Tracked};
use super::{INJECTED, panic_message};

/// A document value: links to its own type, to `Mem` (which holds a `Val`
/// by value), to `Item` and to the hand-written `Cons`, all in small chunks
/// so that trees span many of them.
#[derive(ArenaAlloc)]
#[arena(chunk = 4)]
pub enum Val {
    Leaf(Tracked),
    List(Tracked, ArcSlice<Val>),
    Obj(Tracked, ArcSlice<Mem>),
    Ref(
        Tracked,
        Option<ArcSingle<Item>>,
        [Option<ArcSingle<Cons>>; 1],
    ),
}

/// A member: a key and a `Val` held by value.
#[derive(ArenaAlloc)]
#[arena(chunk = 3)]
pub struct Mem {
    key: Tracked,
    value: Val,
}

/// An item: links through a slice, a `Vec`, a `Box` (holding a `Val` by
/// value) and an `Option`.
#[derive(ArenaAlloc)]
#[arena(chunk = 2)]
pub struct Item {
    payload: Tracked,
    body: ArcSlice<Val>,
    extra: Vec<ArcSingle<Mem>>,
    boxed: Option<Box<Val>>,
    next: Option<ArcSingle<Item>>,
}

/// A list cell with a hand-written `ArenaLinks`, given its per-thread arena
/// by `arena!`.
pub struct Cons {
    head: Tracked,
    tail: Option<ArcSingle<Cons>>,
    val: Option<ArcSingle<Val>>,
    echo: Echo,
}

/// A field whose `Drop` allocates from the per-thread arenas (when `.0`
/// and on a program's thread): drops that run inside a chunk's or a
/// generation's release, an allocation's retire or a trim re-enter the
/// allocator.
pub struct Echo(bool);

thread_local! {
    /// Whether this is a program's thread (where `Echo` allocates).
    static PROGRAM: Cell<bool> = const { Cell::new(false) };
}

impl Drop for Echo {
    fn drop(&mut self) {
        if !self.0 || !PROGRAM.with(Cell::get) {
            return;
        }
        let id = next_id();
        let leaf = Val::alloc_value(Val::Leaf(Tracked::make(id)));
        assert_eq!(leaf.id(), id);
        let kept = Cons::alloc_value(Cons {
            head: Tracked::make(next_id()),
            tail: None,
            val: Some(leaf),
            echo: Echo(false),
        });
        if id % 5 == 0 {
            arena_arc::trim_thread();
        }
        drop(kept);
    }
}

/// The next id of the program (one counter for all threads: `Echo` makes
/// ids wherever it is dropped).
static NEXT_ID: AtomicU32 = AtomicU32::new(0);

fn next_id() -> u32 {
    NEXT_ID.fetch_add(1, Ordering::SeqCst)
}

// SAFETY: both handles are owned by value and reported once each; `Cons`
// has no `Drop` impl (its `Tracked` and `Echo` hold no handle).
unsafe impl ArenaLinks for Cons {
    fn visit_links(&self, links: &mut Links<Self>) {
        links.visit(&self.tail);
        links.visit(&self.val);
    }
}

arena!(Cons, 3);
// Second per-thread arenas of two derived types, of other chunk sizes.
arena!(pub static VALS: Val, 8);
arena!(pub static MEMS: Mem, 2);

/// Which arena a build allocates from.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Val,
    Mem,
    Item,
    Cons,
    /// `VALS`, an `arena!` static of `Val`.
    ValStatic,
    /// `MEMS`, an `arena!` static of `Mem`.
    MemStatic,
}

pub const KINDS: [Kind; 6] = [
    Kind::Val,
    Kind::Mem,
    Kind::Item,
    Kind::Cons,
    Kind::ValStatic,
    Kind::MemStatic,
];

/// How a build allocates.
#[derive(Clone, Copy, Debug)]
pub enum BuildHow {
    /// `try_alloc` (failing or panicking at `fail`, with nested builds).
    Fill,
    /// `alloc_from_iter` over an exact-size iterator.
    FromIter,
    /// `alloc_value` (one element).
    Value,
    /// `alloc_single` (one element, made inside the allocation).
    Single,
}

/// One allocation from a per-thread arena. Before element `at` of each
/// `nested` entry, its build runs (from any arena: a multi-type tree); at
/// element `fail.0`, `init` returns `Err` (or panics, with `fail.1`).
#[derive(Clone, Debug)]
pub struct Build {
    pub kind: Kind,
    pub how: BuildHow,
    pub len: usize,
    pub fail: Option<(usize, bool)>,
    pub nested: Vec<(usize, Build)>,
    pub keep_nested: bool,
}

/// One step of a multi-type program. Handle numbers are taken modulo the
/// number of live handles.
#[derive(Clone, Debug)]
pub enum MOp {
    Build(Build),
    Clone {
        h: usize,
    },
    /// `h[a..b]` (bounds modulo `len + 1`, ordered).
    SubSlice {
        h: usize,
        a: usize,
        b: usize,
    },
    Drop {
        h: usize,
    },
    /// Clones a link that an element of handle `h` holds (chosen by `k`)
    /// into a new handle.
    Dig {
        h: usize,
        k: usize,
    },
    /// Moves the last `count` handles to a new thread, which reads and
    /// clones them, then drops them (or sends them back at the join).
    Send {
        count: usize,
        back: bool,
    },
    Join,
    /// `arena_arc::trim_thread()`.
    TrimThread,
    /// `trim` of one arena.
    Trim {
        kind: Kind,
    },
    /// Builds `docs` documents of `size` top values in a row: each dropped
    /// before the next is built, or (`keep_latest`) replaced once the next
    /// is built, with `trim_thread()` after each if `trim`. With `link`,
    /// every document also links to a live handle of the program. The last
    /// document stays as a handle.
    Stream {
        docs: usize,
        size: usize,
        keep_latest: bool,
        trim: bool,
        link: bool,
    },
}

/// The most ids one handle's check walks (so that DAGs stay cheap).
const MAX_WALK: usize = 40;
/// How deep a check walks through links.
const DEPTH: u32 = 3;

/// A node type of the programs.
pub trait Node: Sized + Send + Sync + 'static {
    /// The node's own id (its first `Tracked`); panics if it was dropped.
    fn id(&self) -> u32;
    /// Pushes the ids of the node and, `depth` links deep, of what it links
    /// to, up to [`MAX_WALK`] ids.
    fn walk(&self, depth: u32, out: &mut Vec<u32>);
    /// Makes a node, linking it to live handles of `cx` chosen by `seed`.
    fn make(cx: &Cx, seed: u32) -> Self;
    fn slice_of(h: &H) -> Option<&ArcSlice<Self>>;
    fn single_of(h: &H) -> Option<&ArcSingle<Self>>;
    fn wrap_slice(s: ArcSlice<Self>) -> H;
    fn wrap_single(s: ArcSingle<Self>) -> H;
}

fn walk_all<T: Node>(nodes: &[T], depth: u32, out: &mut Vec<u32>) {
    for node in nodes {
        node.walk(depth, out);
    }
}

impl Node for Val {
    fn id(&self) -> u32 {
        match self {
            Val::Leaf(t) | Val::List(t, _) | Val::Obj(t, _) | Val::Ref(t, _, _) => t.key(),
        }
    }
    fn walk(&self, depth: u32, out: &mut Vec<u32>) {
        if out.len() >= MAX_WALK {
            return;
        }
        out.push(self.id());
        let Some(d) = depth.checked_sub(1) else {
            return;
        };
        match self {
            Val::Leaf(_) => {}
            Val::List(_, vals) => walk_all(vals.get(), d, out),
            Val::Obj(_, mems) => walk_all(mems.get(), d, out),
            Val::Ref(_, item, [cons]) => {
                if let Some(item) = item {
                    item.walk(d, out);
                }
                if let Some(cons) = cons {
                    cons.walk(d, out);
                }
            }
        }
    }
    fn make(cx: &Cx, seed: u32) -> Self {
        let t = cx.tracked();
        match seed % 5 {
            0 | 4 => Val::Leaf(t),
            1 => Val::List(t, cx.slice(seed).unwrap_or_default()),
            2 => Val::Obj(t, cx.slice(seed).unwrap_or_default()),
            _ => Val::Ref(t, cx.single(seed), [cx.single(seed / 2)]),
        }
    }
    fn slice_of(h: &H) -> Option<&ArcSlice<Self>> {
        match h {
            H::Vals(s) => Some(s),
            _ => None,
        }
    }
    fn single_of(h: &H) -> Option<&ArcSingle<Self>> {
        match h {
            H::Val(s) => Some(s),
            _ => None,
        }
    }
    fn wrap_slice(s: ArcSlice<Self>) -> H {
        H::Vals(s)
    }
    fn wrap_single(s: ArcSingle<Self>) -> H {
        H::Val(s)
    }
}

impl Node for Mem {
    fn id(&self) -> u32 {
        self.key.key()
    }
    fn walk(&self, depth: u32, out: &mut Vec<u32>) {
        if out.len() >= MAX_WALK {
            return;
        }
        out.push(self.id());
        self.value.walk(depth, out);
    }
    fn make(cx: &Cx, seed: u32) -> Self {
        let key = cx.tracked();
        Mem {
            key,
            value: Val::make(cx, seed / 3 + 1),
        }
    }
    fn slice_of(h: &H) -> Option<&ArcSlice<Self>> {
        match h {
            H::Mems(s) => Some(s),
            _ => None,
        }
    }
    fn single_of(h: &H) -> Option<&ArcSingle<Self>> {
        match h {
            H::Mem(s) => Some(s),
            _ => None,
        }
    }
    fn wrap_slice(s: ArcSlice<Self>) -> H {
        H::Mems(s)
    }
    fn wrap_single(s: ArcSingle<Self>) -> H {
        H::Mem(s)
    }
}

impl Node for Item {
    fn id(&self) -> u32 {
        self.payload.key()
    }
    fn walk(&self, depth: u32, out: &mut Vec<u32>) {
        if out.len() >= MAX_WALK {
            return;
        }
        out.push(self.id());
        let Some(d) = depth.checked_sub(1) else {
            return;
        };
        walk_all(self.body.get(), d, out);
        for mem in &self.extra {
            mem.walk(d, out);
        }
        if let Some(boxed) = &self.boxed {
            boxed.walk(d, out);
        }
        if let Some(next) = &self.next {
            next.walk(d, out);
        }
    }
    fn make(cx: &Cx, seed: u32) -> Self {
        let payload = cx.tracked();
        let extra = (0..seed % 3).filter_map(|k| cx.single(seed + k)).collect();
        let boxed = (seed % 2 == 1).then(|| Box::new(Val::make(cx, seed / 2)));
        Item {
            payload,
            body: cx.slice(seed).unwrap_or_default(),
            extra,
            boxed,
            next: cx.single(seed / 3),
        }
    }
    fn slice_of(h: &H) -> Option<&ArcSlice<Self>> {
        match h {
            H::Items(s) => Some(s),
            _ => None,
        }
    }
    fn single_of(h: &H) -> Option<&ArcSingle<Self>> {
        match h {
            H::Item(s) => Some(s),
            _ => None,
        }
    }
    fn wrap_slice(s: ArcSlice<Self>) -> H {
        H::Items(s)
    }
    fn wrap_single(s: ArcSingle<Self>) -> H {
        H::Item(s)
    }
}

impl Node for Cons {
    fn id(&self) -> u32 {
        self.head.key()
    }
    fn walk(&self, depth: u32, out: &mut Vec<u32>) {
        if out.len() >= MAX_WALK {
            return;
        }
        out.push(self.id());
        let Some(d) = depth.checked_sub(1) else {
            return;
        };
        if let Some(tail) = &self.tail {
            tail.walk(d, out);
        }
        if let Some(val) = &self.val {
            val.walk(d, out);
        }
    }
    fn make(cx: &Cx, seed: u32) -> Self {
        Cons {
            head: cx.tracked(),
            tail: cx.single(seed),
            val: cx.single(seed / 2 + 1),
            echo: Echo(seed % 3 == 0),
        }
    }
    fn slice_of(h: &H) -> Option<&ArcSlice<Self>> {
        match h {
            H::Conses(s) => Some(s),
            _ => None,
        }
    }
    fn single_of(h: &H) -> Option<&ArcSingle<Self>> {
        match h {
            H::Cons(s) => Some(s),
            _ => None,
        }
    }
    fn wrap_slice(s: ArcSlice<Self>) -> H {
        H::Conses(s)
    }
    fn wrap_single(s: ArcSingle<Self>) -> H {
        H::Cons(s)
    }
}

/// A live handle of any node type.
pub enum H {
    Vals(ArcSlice<Val>),
    Val(ArcSingle<Val>),
    Mems(ArcSlice<Mem>),
    Mem(ArcSingle<Mem>),
    Items(ArcSlice<Item>),
    Item(ArcSingle<Item>),
    Conses(ArcSlice<Cons>),
    Cons(ArcSingle<Cons>),
}

/// The elements a handle reads.
trait Nodes<T> {
    fn nodes(&self) -> &[T];
}

impl<T> Nodes<T> for ArcSlice<T> {
    fn nodes(&self) -> &[T] {
        self.get()
    }
}

impl<T> Nodes<T> for ArcSingle<T> {
    fn nodes(&self) -> &[T] {
        std::slice::from_ref(self.get())
    }
}

macro_rules! each_handle {
    ($h:expr, $x:ident => $e:expr) => {
        match $h {
            H::Vals($x) => $e,
            H::Val($x) => $e,
            H::Mems($x) => $e,
            H::Mem($x) => $e,
            H::Items($x) => $e,
            H::Item($x) => $e,
            H::Conses($x) => $e,
            H::Cons($x) => $e,
        }
    };
}

impl H {
    fn walk(&self) -> Vec<u32> {
        let mut out = Vec::new();
        each_handle!(self, x => walk_all(x.nodes(), DEPTH, &mut out));
        out
    }

    /// The ids of the handle's own elements.
    fn ids(&self) -> Vec<u32> {
        let mut out = Vec::new();
        each_handle!(self, x => out.extend(x.nodes().iter().map(Node::id)));
        out
    }

    fn duplicate(&self) -> H {
        match self {
            H::Vals(x) => H::Vals(x.clone()),
            H::Val(x) => H::Val(x.clone()),
            H::Mems(x) => H::Mems(x.clone()),
            H::Mem(x) => H::Mem(x.clone()),
            H::Items(x) => H::Items(x.clone()),
            H::Item(x) => H::Item(x.clone()),
            H::Conses(x) => H::Conses(x.clone()),
            H::Cons(x) => H::Cons(x.clone()),
        }
    }

    fn len(&self) -> usize {
        each_handle!(self, x => x.nodes().len())
    }

    /// A clone of a link held by one of the handle's elements (chosen by
    /// `k`): the way a reader reaches a chunk whose own count may be zero
    /// (a link inside one generation does not count), which revives it.
    fn dig(&self, k: usize) -> Option<H> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        let (i, k) = (k % len, k / len);
        match self {
            H::Vals(x) => val(&x[i], k),
            H::Val(x) => val(x, k),
            H::Mems(x) => val(&x[i].value, k),
            H::Mem(x) => val(&x.value, k),
            H::Items(x) => item(&x[i], k),
            H::Item(x) => item(x, k),
            H::Conses(x) => cons(&x[i], k),
            H::Cons(x) => cons(x, k),
        }
    }

    /// `self[a..b]` for a slice; `None` for a single.
    fn sub(&self, a: usize, b: usize) -> Option<H> {
        Some(match self {
            H::Vals(x) => H::Vals(x.slice(a..b)),
            H::Mems(x) => H::Mems(x.slice(a..b)),
            H::Items(x) => H::Items(x.slice(a..b)),
            H::Conses(x) => H::Conses(x.slice(a..b)),
            _ => return None,
        })
    }
}

fn val(v: &Val, k: usize) -> Option<H> {
    match v {
        Val::Leaf(_) => None,
        Val::List(_, vals) => Some(H::Vals(vals.clone())),
        Val::Obj(_, mems) => Some(H::Mems(mems.clone())),
        Val::Ref(_, item, [cons]) => match (item, cons) {
            (Some(_), Some(cons)) if k % 2 == 0 => Some(H::Cons(cons.clone())),
            (Some(item), _) => Some(H::Item(item.clone())),
            (None, Some(cons)) => Some(H::Cons(cons.clone())),
            (None, None) => None,
        },
    }
}

fn item(it: &Item, k: usize) -> Option<H> {
    let mut links = Vec::new();
    if !it.body.is_empty() {
        links.push(H::Vals(it.body.clone()));
    }
    links.extend(it.extra.iter().map(|m| H::Mem(m.clone())));
    links.extend(it.next.iter().map(|n| H::Item(n.clone())));
    // A link inside the boxed `Val`, held by value.
    links.extend(it.boxed.as_deref().and_then(|v| val(v, k)));
    let n = links.len();
    (n > 0).then(|| links.swap_remove(k % n))
}

fn cons(c: &Cons, k: usize) -> Option<H> {
    match (&c.tail, &c.val) {
        (Some(tail), Some(_)) if k % 2 == 0 => Some(H::Cons(tail.clone())),
        (_, Some(val)) => Some(H::Val(val.clone())),
        (Some(tail), None) => Some(H::Cons(tail.clone())),
        (None, None) => None,
    }
}

/// A live handle, what its walk read when it was made, and the ids of its
/// own elements.
pub struct Entry {
    h: H,
    walk: Vec<u32>,
    ids: Vec<u32>,
}

impl Entry {
    #[track_caller]
    fn new(h: H, ids: Vec<u32>) -> Entry {
        assert_eq!(h.ids(), ids, "a new handle does not read its own elements");
        let walk = h.walk();
        Entry { h, walk, ids }
    }

    #[track_caller]
    fn check(&self, what: &str) {
        assert_eq!(
            self.h.walk(),
            self.walk,
            "{what}: a handle reads other values than when it was made"
        );
        for &id in self.walk.iter().chain(&self.ids) {
            assert_eq!(
                elems::drops_of(id),
                0,
                "{what}: element {id} dropped while a handle reaches it"
            );
        }
    }

    fn duplicate(&self) -> Entry {
        Entry {
            h: self.h.duplicate(),
            walk: self.walk.clone(),
            ids: self.ids.clone(),
        }
    }
}

/// What a node being made may link to, and the ids.
pub struct Cx {
    /// The program's live handles (outside the current step).
    handles: RefCell<Vec<Entry>>,
    /// Handles kept by nested builds of the current step, newest last.
    nested_out: RefCell<Vec<Entry>>,
    /// Ids of elements of failed builds: each must be dropped at once.
    failed: RefCell<Vec<u32>>,
}

impl Cx {
    fn tracked(&self) -> Tracked {
        Tracked::make(next_id())
    }

    /// A candidate handle holding `T`s: the newest one a nested build of
    /// this step kept, else a program handle chosen by `seed`; `None` one
    /// time in four, or when there is none.
    fn find<R>(&self, seed: u32, get: impl Fn(&H) -> Option<R>) -> Option<R> {
        if seed % 4 == 3 {
            return None;
        }
        if let Some(r) = self
            .nested_out
            .borrow()
            .iter()
            .rev()
            .find_map(|e| get(&e.h))
        {
            return Some(r);
        }
        let handles = self.handles.borrow();
        let n = handles.len();
        (0..n).find_map(|k| get(&handles[(seed as usize * 7 + k) % n].h))
    }

    fn slice<T: Node>(&self, seed: u32) -> Option<ArcSlice<T>> {
        self.find(seed, |h| {
            T::slice_of(h)
                .cloned()
                .or_else(|| T::single_of(h).map(|s| ArcSlice::from(s.clone())))
        })
    }

    fn single<T: Node>(&self, seed: u32) -> Option<ArcSingle<T>> {
        self.find(seed, |h| {
            T::single_of(h).cloned().or_else(|| {
                let s = T::slice_of(h).filter(|s| !s.is_empty())?;
                let k = seed as usize % s.len();
                ArcSingle::try_from(s.slice(k..k + 1)).ok()
            })
        })
    }

    /// Makes one node of `T`, returning it and the ids it took.
    fn node<T: Node>(&self) -> (T, std::ops::Range<u32>) {
        let start = NEXT_ID.load(Ordering::SeqCst);
        let node = T::make(self, start.wrapping_mul(2_654_435_761) >> 7);
        (node, start..NEXT_ID.load(Ordering::SeqCst))
    }
}

/// The interpreter's state, on the program's thread.
pub struct Runner {
    cx: Cx,
    threads: Vec<JoinHandle<Vec<Entry>>>,
}

const MAX_THREADS: usize = 3;

impl Runner {
    fn step(&mut self, op: &MOp) {
        match *op {
            MOp::Build(ref build) => {
                let result = panic::catch_unwind(AssertUnwindSafe(|| self.build(build)));
                match result {
                    Ok(Some(entry)) => self.cx.handles.borrow_mut().push(entry),
                    Ok(None) => {}
                    Err(payload) => {
                        let msg = panic_message(&*payload);
                        if !msg.starts_with(INJECTED) {
                            panic::resume_unwind(Box::new(format!("unexpected panic: {msg}")));
                        }
                    }
                }
                let nested = std::mem::take(&mut *self.cx.nested_out.borrow_mut());
                self.cx.handles.borrow_mut().extend(nested);
            }
            MOp::Clone { h } => {
                let mut handles = self.cx.handles.borrow_mut();
                if !handles.is_empty() {
                    let entry = handles[h % handles.len()].duplicate();
                    handles.push(entry);
                }
            }
            MOp::SubSlice { h, a, b } => {
                let mut handles = self.cx.handles.borrow_mut();
                if !handles.is_empty() {
                    let entry = &handles[h % handles.len()];
                    let len = entry.h.len();
                    let (a, b) = (a % (len + 1), b % (len + 1));
                    let (a, b) = (a.min(b), a.max(b));
                    if let Some(sub) = entry.h.sub(a, b) {
                        let ids = entry.ids[a..b].to_vec();
                        let sub = Entry::new(sub, ids);
                        handles.push(sub);
                    }
                }
            }
            MOp::Drop { h } => {
                let mut handles = self.cx.handles.borrow_mut();
                if !handles.is_empty() {
                    let i = h % handles.len();
                    drop(handles.swap_remove(i));
                }
            }
            MOp::Dig { h, k } => {
                let mut handles = self.cx.handles.borrow_mut();
                if !handles.is_empty() {
                    let i = h % handles.len();
                    if let Some(link) = handles[i].h.dig(k) {
                        let ids = link.ids();
                        handles.push(Entry::new(link, ids));
                    }
                }
            }
            MOp::Send { count, back } => {
                if self.threads.len() >= MAX_THREADS {
                    self.join();
                }
                let mut handles = self.cx.handles.borrow_mut();
                let count = count.min(handles.len());
                let at = handles.len() - count;
                let moved = handles.split_off(at);
                drop(handles);
                self.threads.push(counting::spawn(move || {
                    let mut moved = moved;
                    for entry in &moved {
                        entry.check("on another thread");
                        entry.duplicate().check("a clone on another thread");
                    }
                    // Reach into the values through their links, here too,
                    // and keep half of what was reached (sent back or dropped
                    // here after the originals).
                    let dug: Vec<Entry> = moved
                        .iter()
                        .enumerate()
                        .filter_map(|(k, e)| e.h.dig(k * 3 + 1))
                        .map(|h| {
                            let ids = h.ids();
                            Entry::new(h, ids)
                        })
                        .collect();
                    moved.extend(dug.into_iter().step_by(2));
                    if back {
                        moved
                    } else {
                        moved.reverse();
                        drop(moved);
                        Vec::new()
                    }
                }));
            }
            MOp::Join => self.join(),
            MOp::TrimThread => arena_arc::trim_thread(),
            MOp::Trim { kind } => match kind {
                Kind::Val => Val::trim_arena(),
                Kind::Mem => Mem::trim_arena(),
                Kind::Item => Item::trim_arena(),
                Kind::Cons => Cons::trim_arena(),
                Kind::ValStatic => VALS.trim(),
                Kind::MemStatic => MEMS.trim(),
            },
            MOp::Stream {
                docs,
                size,
                keep_latest,
                trim,
                link,
            } => self.stream(docs, size, keep_latest, trim, link),
        }
    }

    fn join(&mut self) {
        if !self.threads.is_empty() {
            let thread = self.threads.remove(0);
            match counting::join(thread) {
                Ok(back) => self.cx.handles.borrow_mut().extend(back),
                Err(payload) => panic::resume_unwind(payload),
            }
        }
    }

    /// Runs a build; `None` if it failed with `Err` (a panic goes on).
    fn build(&self, build: &Build) -> Option<Entry> {
        match build.kind {
            Kind::Val => self.build_in::<Val, _>(Val::arena(), build),
            Kind::Mem => self.build_in::<Mem, _>(Mem::arena(), build),
            Kind::Item => self.build_in::<Item, _>(Item::arena(), build),
            Kind::Cons => self.build_in::<Cons, _>(Cons::arena(), build),
            Kind::ValStatic => self.build_in::<Val, _>(VALS, build),
            Kind::MemStatic => self.build_in::<Mem, _>(MEMS, build),
        }
    }

    fn build_in<T: Node, A: ThreadArena<T, u32>>(&self, arena: A, build: &Build) -> Option<Entry> {
        let cx = &self.cx;
        let ids = RefCell::new(Vec::new());
        // The ids made so far are failed ones if the build does not finish.
        struct OnFail<'a>(&'a RefCell<Vec<u32>>, &'a RefCell<Vec<u32>>, bool);
        impl Drop for OnFail<'_> {
            fn drop(&mut self) {
                if !self.2 {
                    self.1.borrow_mut().extend(self.0.borrow_mut().drain(..));
                }
            }
        }
        let mut guard = OnFail(&ids, &cx.failed, false);
        // The id of each element's own `Tracked`: the first its `make` took.
        let own = RefCell::new(Vec::new());
        let make = |_: usize| {
            let (node, range) = cx.node::<T>();
            own.borrow_mut().push(range.start);
            ids.borrow_mut().extend(range);
            node
        };
        let handle = match build.how {
            BuildHow::Value => Some(T::wrap_single(arena.alloc_value(make(0)))),
            BuildHow::Single => Some(T::wrap_single(arena.alloc_single(|| make(0)))),
            BuildHow::FromIter => Some(T::wrap_slice(
                arena.alloc_from_iter((0..build.len).map(make)),
            )),
            BuildHow::Fill => {
                let len = build.len;
                let fail_at = build.fail.filter(|_| len > 0).map(|(at, p)| (at % len, p));
                let result = arena.try_alloc(len, |i| {
                    for (at, nested) in &build.nested {
                        if at % len == i {
                            if let Some(entry) = self.build(nested) {
                                entry.check("a nested build");
                                if build.keep_nested {
                                    cx.nested_out.borrow_mut().push(entry);
                                }
                            }
                        }
                    }
                    match fail_at {
                        Some((at, true)) if at == i => {
                            panic::panic_any(format!("{INJECTED} at {i}"))
                        }
                        Some((at, false)) if at == i => return Err(i),
                        _ => {}
                    }
                    Ok(make(i))
                });
                match result {
                    Ok(slice) => {
                        assert_eq!(fail_at, None, "a build that should fail succeeded");
                        Some(T::wrap_slice(slice))
                    }
                    Err(i) => {
                        assert_eq!(fail_at, Some((i, false)));
                        None
                    }
                }
            }
        };
        let handle = handle?;
        guard.2 = true;
        drop(guard);
        Some(Entry::new(handle, own.into_inner()))
    }

    /// A document: an `Item` whose body holds values of every kind, built
    /// the way a parser would (children first, the root last).
    fn doc(&self, size: usize, link: bool) -> Entry {
        let cx = &self.cx;
        let shared: Option<ArcSingle<Item>> = if link { cx.single(1) } else { None };
        let body = Val::alloc(size, |i| {
            let t = cx.tracked();
            match i % 4 {
                0 => Val::Obj(
                    t,
                    Mem::alloc(2, |_| Mem {
                        key: cx.tracked(),
                        value: leaf_list(cx),
                    }),
                ),
                1 => Val::Ref(
                    t,
                    Some(Item::alloc_value(Item {
                        payload: cx.tracked(),
                        body: VALS.alloc(1, |_| Val::Leaf(cx.tracked())),
                        extra: vec![MEMS.alloc_value(Mem {
                            key: cx.tracked(),
                            value: Val::Leaf(cx.tracked()),
                        })],
                        boxed: None,
                        next: shared.clone(),
                    })),
                    [Some(Cons::alloc_value(Cons {
                        head: cx.tracked(),
                        tail: None,
                        val: Some(Val::alloc_value(Val::Leaf(cx.tracked()))),
                        echo: Echo(i % 3 == 1),
                    }))],
                ),
                2 => Val::List(t, Val::alloc(2, |_| Val::Leaf(cx.tracked()))),
                _ => Val::Leaf(t),
            }
        });
        let payload = cx.tracked();
        let root = Item::alloc_value(Item {
            payload,
            body,
            extra: vec![Mem::alloc_value(Mem {
                key: cx.tracked(),
                value: Val::Leaf(cx.tracked()),
            })],
            boxed: Some(Box::new(Val::Leaf(cx.tracked()))),
            next: shared,
        });
        let id = root.id();
        Entry::new(H::Item(root), vec![id])
    }

    fn stream(&self, docs: usize, size: usize, keep_latest: bool, trim: bool, link: bool) {
        let mut latest: Option<Entry> = None;
        for _ in 0..docs {
            if !keep_latest {
                latest = None;
            }
            let doc = self.doc(size, link);
            doc.check("a new document");
            if let Some(old) = &latest {
                old.check("the previous document");
            }
            latest = Some(doc);
            if trim {
                arena_arc::trim_thread();
            }
        }
        if let Some(doc) = latest {
            self.cx.handles.borrow_mut().push(doc);
        }
    }

    /// The checks after every step.
    fn check(&self, what: &str) {
        for entry in self.cx.handles.borrow().iter() {
            entry.check(what);
        }
        for &id in self.cx.failed.borrow().iter() {
            assert_eq!(
                elems::drops_of(id),
                1,
                "{what}: element {id} of a failed build was not dropped at once, exactly once"
            );
        }
        self.cx.failed.borrow_mut().clear();
    }

    /// Joins the threads, hands the last `hand_back` handles back and drops
    /// the others; returns them with how many ids were made.
    fn finish(mut self, hand_back: usize) -> Vec<Entry> {
        while !self.threads.is_empty() {
            self.join();
        }
        let mut handles = std::mem::take(&mut *self.cx.handles.borrow_mut());
        let back = handles.split_off(handles.len() - hand_back.min(handles.len()));
        drop(handles);
        back
    }
}

/// A `List` of two leaves (for `doc`).
fn leaf_list(cx: &Cx) -> Val {
    let t = cx.tracked();
    Val::List(t, Val::alloc(2, |_| Val::Leaf(cx.tracked())))
}

impl Drop for Runner {
    /// On a failure, joins the threads so that the next case starts clean.
    fn drop(&mut self) {
        for thread in self.threads.drain(..) {
            let _ = counting::join(thread);
        }
    }
}

/// Turns the counting on or off when the thread's locals are destroyed (see
/// `derive_acyclic.rs`): the program thread counts while its closure runs,
/// stops when it returns (std then frees the spawn's bookkeeping), and
/// counts again while its arenas and clock are destroyed.
struct Switch(bool);

impl Drop for Switch {
    fn drop(&mut self) {
        counting::enroll(self.0);
    }
}

thread_local! {
    static OFF_AT_THE_END: Switch = const { Switch(false) };
    static ON_FOR_THE_ARENAS: Switch = const { Switch(true) };
}

/// Runs `ops` on a fresh thread, then drops what it handed back (the last
/// `hand_back` handles) on the calling thread, and checks that every
/// element was dropped exactly once and every byte freed.
pub fn run(ops: &[MOp], hand_back: usize) {
    super::setup();
    elems::reset();
    NEXT_ID.store(0, Ordering::SeqCst);
    // Copied before the counting starts, and dropped on the program's
    // thread after it stops.
    let ops = ops.to_vec();
    let start = Snapshot::now();
    let was = counting::enroll(true);
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            counting::enroll(self.0);
        }
    }
    let _restore = Restore(was);
    counting::enroll(false);
    let thread = std::thread::spawn(move || {
        OFF_AT_THE_END.with(|_| ());
        PROGRAM.with(|p| p.set(true));
        counting::enroll(true);
        let runner = Runner {
            cx: Cx {
                handles: RefCell::new(Vec::new()),
                nested_out: RefCell::new(Vec::new()),
                failed: RefCell::new(Vec::new()),
            },
            threads: Vec::new(),
        };
        let mut runner = runner;
        for (step, op) in ops.iter().enumerate() {
            runner.step(op);
            runner.check(&format!("after step {step} ({op:?})"));
        }
        let result = runner.finish(hand_back);
        counting::enroll(false);
        drop(ops);
        ON_FOR_THE_ARENAS.with(|_| ());
        result
    });
    counting::enroll(true);
    let back = match counting::join(thread) {
        Ok(result) => result,
        Err(payload) => panic::resume_unwind(payload),
    };
    for entry in &back {
        entry.check("handed back to the caller");
    }
    drop(back);
    let made = NEXT_ID.load(Ordering::SeqCst);
    elems::assert_each_dropped_once(made);
    assert_eq!(
        elems::made_and_dropped(),
        (made as usize, made as usize),
        "(made, dropped)"
    );
    start.assert_all_freed("after the program and its thread");
}

// Keep `Elem` used (the key checks go through it).
const _: fn(&Tracked) -> u32 = <Tracked as Elem>::key;
