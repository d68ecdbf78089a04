//! [`ArenaLinks`]: what an element type tells its arena about the handles
//! its values hold, so that the arena never makes a chunk count references
//! to itself, or (in the thread's generations, see `generation.rs`) to the
//! chunks it is freed together with (see [`Allocator::new_acyclic`]).
//!
//! # Why a tree in its own arena used to leak
//!
//! A chunk is freed when its count reaches zero, and every handle counts. A
//! node `Node { children: ArcSlice<Node> }` written into the same chunk as
//! its children holds a counted handle to its own chunk: the chunk keeps
//! itself alive, like a cycle of `Arc`s, and is never freed.
//!
//! # What an acyclic arena does instead
//!
//! 1. **Self-links do not count.** When a value is committed to a chunk,
//!    every handle it holds (as reported by [`ArenaLinks::visit_links`]) that
//!    points into that same chunk stops counting: the allocator takes one
//!    off its plain hand-out counter for each (no atomic operation on the
//!    fast path). This is sound because the holder lives exactly as long as
//!    the chunk it points into (it *is* in that chunk), and because no
//!    element can ever be reached by `&mut` or by value (the crate has no
//!    `get_mut`, `make_mut` or `try_unwrap`), so such a handle can never be
//!    moved out of its holder and outlive the chunk. Reading or cloning it
//!    through a shared reference is fine: whoever reads it holds a counted
//!    handle to the holder, hence to the chunk. **Every `unsafe` block that
//!    relies on a self-link not counting relies on that invariant; do not
//!    add an API that hands out `&mut T` or a `T` from a shared chunk.**
//! 2. **Other links only point backwards.** The allocator numbers its chunks
//!    in the order they become current (an *epoch*), and keeps every chunk's
//!    links pointing only into itself and into chunks that became current
//!    before it. The current chunk is always the newest: a request that
//!    needs a dedicated chunk retires the current one first. A fill whose
//!    `init` allocated from the same arena until a newer chunk appeared
//!    moves its finished elements into a fresh reservation before
//!    committing, leaving a hole behind. So two chunks of one arena can
//!    never hold each other alive. (Retiring the current chunk also moves
//!    the epoch on: a fill whose `init` trimmed the arena relocates too.)
//!    For the per-thread arenas the same holds across types, one generation
//!    at a time: see `generation.rs`.
//! 3. **Freeing a chunk that holds self-links.** Dropping its elements drops
//!    those handles, each of which decrements the chunk's own count. The
//!    chunk raises its count to a large bias before dropping its elements
//!    (when freed or reused), so those decrements are harmless.
//!
//! [`Allocator::new_acyclic`]: crate::Allocator::new_acyclic

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;

// The probes serve the derive's generated code, which needs `std`.
#[cfg_attr(not(feature = "std"), allow(dead_code))]
mod probe;
mod release;

pub(crate) use release::release_links;

#[cfg_attr(not(feature = "std"), allow(unused_imports))]
pub use probe::{
    ConstProbe, LinkField, NoDrop, NotLinkField, Probe, ReportLinks, ReportNothing, report_nested,
};

use crate::chunk::{Chunk, RawChunk, Tally};
use crate::generation::Generation;
use crate::index::IndexType;
use crate::single::ArcSingle;
use crate::slice::ArcSlice;
use crate::thin::ArcThin;

/// An element type that reports the handles its values hold, so that
/// [`Allocator::new_acyclic`](crate::Allocator::new_acyclic) can free trees
/// and DAGs of it that live in their own arena, and the per-thread acyclic
/// arenas trees of several such types.
///
/// [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc) implements it for
/// every struct or enum it derives (reporting the fields that may hold
/// links: handles to other node types, node values held by value, and
/// `Option`, `Box`, `Vec`, arrays and tuples of them), and gives a type
/// whose fields may hold links an acyclic per-thread arena. A hand-written
/// impl on a derived type conflicts with the derived one. Write it by hand
/// only for types you do not derive.
///
/// # Safety
///
/// The allocator stops counting each handle that `visit_links` reports and
/// that points into the chunk the value was just written to. A wrong report
/// can therefore free a chunk that is still in use. An implementation must:
///
/// - report only handles that `self` owns by value: its fields, the fields
///   of its enum variant, and the contents of `Option`, `Box`, `Vec` or
///   arrays among them, never a handle behind a shared reference, a raw
///   pointer, a `static`, interior mutability (`Cell`, `RefCell`, `Mutex`,
///   atomics...), from which it could be taken out or replaced, or a shared
///   owner (`Rc`, `Arc`, or anything else that can be cloned out and
///   outlive `self`: a handle reached through one may outlive the chunk it
///   does not count in);
/// - report each handle at most once, and report the same handles every
///   time for the same value;
/// - do nothing else: in particular, not allocate from the arena the value
///   is being committed to (the allocator is between two steps of a commit
///   while `visit_links` runs). A panic is not unsound, but leaks the value
///   and its chunk;
/// - report a value it holds by value only through that value's own impl
///   ([`Links::nested`]);
/// - and if `visit_links` may report anything, `Self` must not implement
///   [`Drop`], nor may any type of yours between `Self` and a reported
///   handle: a reported handle may stop counting, and a `Drop` could read
///   or clone it after its target was dropped (a chunk, or a generation,
///   drops its elements in slot order), or move it out and keep it past its
///   chunk's free. The containers above only drop their contents, which is
///   fine. Put drop logic in a field's own type instead: such a field holds
///   no reported handle. Handles that are never reported count like any
///   other, and a `Drop` may do what it likes with them.
///
/// Reporting fewer handles than the value holds is always safe: the
/// unreported ones keep counting, and at worst keep their chunk alive (the
/// cycle leak this trait exists to avoid).
///
/// # Performance
///
/// Mark `visit_links` `#[inline(always)]`, as the derive does. The
/// allocator calls it once per value it commits, and a slice's commit scans
/// its elements in a function of its own, where the inliner otherwise left
/// a call per element that kept the scan's state in memory. On W8 (the
/// expression tree of `cargo bench --bench ast`, by hand) the build took
/// 108.7M instructions instead of 111.5M for 1M nodes when this was
/// measured (docs/benchmarks.md, 2026-12-07).
///
/// # Example
///
/// ```
/// use arena_arc::{Allocator, ArcSingle, ArcSlice, ArenaLinks, Links};
///
/// enum Expr {
///     Num(i64),
///     Neg(ArcSingle<Expr>),
///     Call(ArcSlice<Expr>),
/// }
///
/// // SAFETY: each handle is a field of a variant, owned by value, reported
/// // once; `Expr` has no `Drop` impl.
/// unsafe impl ArenaLinks for Expr {
///     #[inline(always)]
///     fn visit_links(&self, links: &mut Links<Self>) {
///         match self {
///             Expr::Num(_) => {}
///             Expr::Neg(inner) => links.visit(inner),
///             Expr::Call(args) => links.visit(args),
///         }
///     }
/// }
///
/// let arena: Allocator<Expr> = Allocator::new_acyclic();
/// let args = arena.alloc(2, |i| Expr::Num(i as i64));
/// let call = arena.alloc_value(Expr::Call(args));
/// let neg = arena.alloc_value(Expr::Neg(call));
/// drop(neg);
/// drop(arena);
/// // Every chunk was freed: no self-reference kept one alive.
/// ```
pub unsafe trait ArenaLinks<L: IndexType = u32>: Sized {
    /// Calls [`Links::visit`] (or [`Links::slice`], [`Links::single`]) on
    /// every handle to `Self` with index type `L` that `self` holds, once
    /// each. See the trait's safety section for what may be reported.
    fn visit_links(&self, links: &mut Links<Self, L>);

    /// Whether a handle to `Self` may be a link that does not count: `false`
    /// only in the impl that [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc)
    /// writes for a type with no field that may hold links (a `Particle {
    /// x: f32, y: f32 }`). Then a derived type's field `ArcSlice<Self>` or
    /// `ArcSingle<Self>` is not reported (it counts, like any handle, so a
    /// `Drop` of its holder may read or move it), and `arena!` and the
    /// builders' field arenas give `Self` a plain arena, outside the
    /// thread's generations (a counted link into a generation would keep
    /// it alive). Not public API.
    ///
    /// Setting it to `false` in a hand-written impl is never unsound: it
    /// only reports fewer handles.
    #[doc(hidden)]
    const __MAY_LINK: bool = true;

    /// Whether dropping a `Self` does nothing but drop the handles that
    /// [`visit_links`](Self::visit_links) reports. When it is `true`, an
    /// acyclic allocator ([`Allocator::new_acyclic`](crate::Allocator::new_acyclic))
    /// releases a chunk's values by visiting their links instead of
    /// dropping them: the links into the chunk itself, which a drop would
    /// give back one locked decrement each, are skipped, and the links into
    /// each other chunk are given back together, one atomic operation per
    /// chunk. On W8 that is the drop of a tree node.
    ///
    /// Default `false`: values are dropped with `drop_in_place`.
    ///
    /// # Safety
    /// Setting it to `true` is part of the impl's `unsafe` promise, and
    /// also promises that:
    /// - `Self` has no drop glue besides the reported handles: no `Drop`
    ///   impl, and every field that needs dropping is a handle that
    ///   `visit_links` reports (directly, in an `Option`, or in a value
    ///   reported through [`Links::nested`] with the same promise), never a
    ///   `Box`, `Vec`, `String` or anything else that owns memory;
    /// - `visit_links` reports every such handle, exactly once, and does
    ///   not panic.
    ///
    /// Otherwise the values' other drop glue never runs (a leak), or a
    /// handle is given back twice (a use after free).
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSingle, ArenaLinks, Links};
    ///
    /// enum Expr {
    ///     Num(i64),
    ///     Add(ArcSingle<Expr>, ArcSingle<Expr>),
    /// }
    ///
    /// // SAFETY: both handles are owned by value and reported once, and
    /// // they are `Expr`'s only drop glue; `visit_links` cannot panic.
    /// unsafe impl ArenaLinks for Expr {
    ///     const DROP_ONLY_LINKS: bool = true;
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         if let Expr::Add(a, b) = self {
    ///             links.single(a);
    ///             links.single(b);
    ///         }
    ///     }
    /// }
    ///
    /// let arena: Allocator<Expr> = Allocator::new_acyclic();
    /// let two = arena.alloc_value(Expr::Num(2));
    /// let sum = arena.alloc_value(Expr::Add(two.clone(), two));
    /// assert!(matches!(*sum, Expr::Add(..)));
    /// ```
    const DROP_ONLY_LINKS: bool = false;
}

/// The visitor an acyclic arena passes to [`ArenaLinks::visit_links`]: it
/// counts the reported handles that point into the chunk the value was
/// written to. It cannot be made outside the crate.
///
/// ```
/// use arena_arc::{ArcSlice, ArenaLinks, Links};
///
/// struct Node {
///     children: ArcSlice<Node>,
/// }
///
/// // SAFETY: one handle, owned by value, reported once; no `Drop` impl.
/// unsafe impl ArenaLinks for Node {
///     fn visit_links(&self, links: &mut Links<Self>) {
///         links.slice(&self.children);
///     }
/// }
/// ```
#[repr(transparent)]
pub struct Links<T, L: IndexType = u32> {
    scan: LinkScan,
    _types: PhantomData<fn(&T, L)>,
}

/// What a [`Links`] is, whatever its type parameters: the allocator's view
/// of the value being committed.
struct LinkScan {
    /// The chunk the visited values were written to, current for an
    /// allocator of this thread.
    target: RawChunk,
    /// The generation `target` belongs to, for an allocator in the
    /// thread's generations (see `generation.rs`); `None` otherwise. Open
    /// while committing; being freed while releasing.
    generation: Option<NonNull<Generation>>,
    /// `None` while committing. While `target` is being released instead
    /// (see `release.rs`), where the links into other chunks are tallied:
    /// the links into `target` itself are then skipped.
    tally: Option<NonNull<Tally>>,
    /// While committing a type with `DROP_ONLY_LINKS`: the links into other
    /// chunks are also tallied in `target`'s header (`chunk/out_links.rs`),
    /// so that its release need not visit its values.
    record: bool,
    /// While committing: the links into `target` found so far, given back
    /// together once the visit is done ([`LinkScan::finish`]): one write
    /// of `target`'s hand-out counter per commit instead of one per link.
    own: usize,
}

impl LinkScan {
    /// A `LinkScan` for values being committed to `target`.
    #[inline(always)]
    fn committing(target: RawChunk, generation: Option<NonNull<Generation>>, record: bool) -> Self {
        LinkScan {
            target,
            generation,
            tally: None,
            record,
            own: 0,
        }
    }

    /// The end of a commit's visit: gives back the links into `target`
    /// itself, which stop counting.
    ///
    /// # Safety
    /// A committing `LinkScan` (`target` is current for an allocator of this
    /// thread) whose visits reported handles owned by values being committed
    /// to `target`, which will hold them as long as `target` lives (see the
    /// module docs).
    #[inline(always)]
    unsafe fn finish(self) {
        if self.own != 0 {
            // SAFETY: the caller's promise.
            unsafe { self.target.give_back(self.own) };
        }
    }

    /// A reported handle points into `chunk`: if that is the value's own
    /// chunk, or another chunk of the open generation, the handle stops
    /// counting (its reference is given back to the chunk's hand-out
    /// counter).
    ///
    /// Both are inline: in a tree of several types most links go into
    /// another arena's chunk of the generation (a statement's into its
    /// expressions'), and a call of [`report_out`](Self::report_out) for
    /// each was a tenth of W9's build instructions.
    #[inline(always)]
    fn report(&mut self, chunk: RawChunk) {
        if chunk == self.target {
            // (While releasing, a link into the chunk itself is skipped:
            // its count is being torn down.) Given back by `finish`.
            self.own += 1;
        } else if self.tally.is_none()
            && self.generation.is_some()
            // SAFETY: `chunk` is alive: committing (no tally), the reported
            // handle is owned by a value not yet committed, so it still
            // counts.
            && unsafe { chunk.generation() } == self.generation
        {
            // SAFETY: `chunk` is in the open generation of this thread, so
            // current for an allocator of this thread (`generation.rs`); the
            // handle is owned by the value being committed into the same
            // generation, which is freed as a whole.
            unsafe { chunk.give_back(1) };
        } else if self.record || self.tally.is_some() {
            LinkScan::report_out(self.generation, self.tally, self.record, self.target, chunk);
        }
    }

    /// A reported handle that keeps counting ([`Links::counted`]) points
    /// into `chunk`: nothing is given back, ever; it is only tallied with
    /// the links out, for a release by links (`release.rs`). A counted link
    /// into `target` itself is skipped: `target`'s count holds the bias
    /// whenever its values are released.
    #[inline(always)]
    fn report_counted(&mut self, chunk: RawChunk) {
        if chunk != self.target && (self.record || self.tally.is_some()) {
            LinkScan::tally_out(self.record, self.tally, self.target, chunk);
        }
    }

    /// A link out of `target` that counts, tallied: recorded in `target`'s
    /// header while committing (`record`), added to the release's `tally`
    /// while releasing. Inlined into [`report_counted`](Self::report_counted),
    /// unlike [`report_out`](Self::report_out): it is reached from every
    /// `ArcStr` field (`Links::counted`), and W9's build took 1 ns per node
    /// less (22 alternating runs of each binary). The tally's own fast path
    /// is a test of the target added last (`OutLinks::add`). Takes the
    /// scan's fields, as `report_out` does.
    #[inline(always)]
    fn tally_out(record: bool, tally: Option<NonNull<Tally>>, target: RawChunk, chunk: RawChunk) {
        if record {
            // SAFETY: `target` is current for an allocator of this thread
            // (a committing `LinkScan`).
            unsafe { target.record_out(chunk) };
        } else if let Some(mut tally) = tally {
            // SAFETY: the tally outlives the visit (`release.rs`), and
            // nothing else refers to it meanwhile.
            unsafe { tally.as_mut().add(chunk) };
        }
    }

    /// [`report`](Self::report) of a link that may count: out of `target`
    /// and, while committing, out of the open generation (into an older
    /// one, another thread's chunk or a plain arena's). Out of line: it is
    /// the rarer case in a tree, and inlined it made a hand-written
    /// `visit_links` too large to be inlined into the commit's scan (W8's
    /// build lost 5 ns per node).
    ///
    /// Releasing, a link into another chunk of `target`'s generation is
    /// skipped, as the links into `target` are: it stopped counting at its
    /// commit. Such links are never tallied: only links that count are, so
    /// that a chunk whose values link into the other arenas' chunks of
    /// their generation (a tree of several types) keeps its tally in the
    /// header.
    ///
    /// It takes the scan's fields, not the scan: a reference would keep the
    /// scan in memory for the whole visit, where its fields can otherwise
    /// stay in registers (each commit stored the scan's five fields to the
    /// stack and read them back).
    #[inline(never)]
    fn report_out(
        generation: Option<NonNull<Generation>>,
        tally: Option<NonNull<Tally>>,
        record: bool,
        target: RawChunk,
        chunk: RawChunk,
    ) {
        // SAFETY: `chunk` is alive: releasing, the reported handle counts,
        // or it is a link that stopped counting into a chunk of `target`'s
        // generation, which is being freed and whose chunks are deallocated
        // only after every release.
        if tally.is_some() && generation.is_some() && unsafe { chunk.generation() } == generation {
            return;
        }
        LinkScan::tally_out(record, tally, target, chunk);
    }
}

impl<T, L: IndexType> Links<T, L> {
    /// The same visitor, for a value of another type held by this one (a
    /// by-value field whose type reports its own links).
    #[inline(always)]
    fn cast<U, L2: IndexType>(&mut self) -> &mut Links<U, L2> {
        // SAFETY: every `Links` is a `repr(transparent)` `LinkScan`.
        unsafe { &mut *(self as *mut Self).cast::<Links<U, L2>>() }
    }

    /// Reports the links of a value this one holds by value, whose type
    /// reports its own ([`ArenaLinks`]): a field of another node type.
    ///
    /// ```
    /// use arena_arc::{ArcSlice, ArenaLinks, Links};
    ///
    /// struct Value { items: ArcSlice<Value>, fields: ArcSlice<Member> }
    /// struct Member { value: Value }
    ///
    /// // SAFETY: both handles are owned by value and reported once; no `Drop`.
    /// unsafe impl ArenaLinks for Value {
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         links.slice(&self.items);
    ///         links.slice(&self.fields);
    ///     }
    /// }
    ///
    /// // SAFETY: `value` is owned by value; its impl reports its handles.
    /// unsafe impl ArenaLinks for Member {
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         links.nested(&self.value);
    ///     }
    /// }
    /// ```
    #[inline(always)]
    pub fn nested<U: ArenaLinks<L2>, L2: IndexType>(&mut self, value: &U) {
        value.visit_links(self.cast());
    }

    /// Reports a handle field: an [`ArcSlice`], an [`ArcSingle`], or an
    /// `Option`, `Box`, `Vec` or array of them, of any element type. See
    /// [`Link`].
    ///
    /// ```
    /// use arena_arc::{ArcSingle, ArenaLinks, Links};
    ///
    /// struct Cons {
    ///     head: u32,
    ///     tail: Option<ArcSingle<Cons>>,
    /// }
    ///
    /// // SAFETY: one handle, owned by value, reported once; no `Drop` impl.
    /// unsafe impl ArenaLinks for Cons {
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         links.visit(&self.tail);
    ///     }
    /// }
    /// ```
    #[inline(always)]
    pub fn visit(&mut self, link: &(impl Link<T, L> + ?Sized)) {
        link.report(self);
    }

    /// Reports an [`ArcSlice`] field. An empty slice holds no chunk and is
    /// ignored.
    ///
    /// ```
    /// use arena_arc::{ArcSlice, ArenaLinks, Links};
    ///
    /// struct Dir {
    ///     entries: ArcSlice<Dir>,
    /// }
    ///
    /// // SAFETY: one handle, owned by value, reported once; no `Drop` impl.
    /// unsafe impl ArenaLinks for Dir {
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         links.slice(&self.entries);
    ///     }
    /// }
    /// ```
    #[inline(always)]
    pub fn slice<U, L2: IndexType>(&mut self, handle: &ArcSlice<U, L2>) {
        if let Some(chunk) = handle.chunk() {
            self.scan.report(chunk.erase());
        }
    }

    /// Reports an [`ArcSingle`] field.
    ///
    /// ```
    /// use arena_arc::{ArcSingle, ArenaLinks, Links};
    ///
    /// struct Boxed {
    ///     inner: ArcSingle<u8>,
    ///     next: ArcSingle<Boxed>,
    /// }
    ///
    /// // SAFETY: the one handle to `Boxed`, owned by value, reported once;
    /// // no `Drop` impl.
    /// unsafe impl ArenaLinks for Boxed {
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         links.single(&self.next);
    ///     }
    /// }
    /// ```
    #[inline(always)]
    pub fn single<U, L2: IndexType>(&mut self, handle: &ArcSingle<U, L2>) {
        self.scan.report(handle.chunk().erase());
    }

    /// Reports an [`ArcThin`] field.
    ///
    /// ```
    /// use arena_arc::{ArcThin, ArenaLinks, Links};
    ///
    /// enum List {
    ///     Nil,
    ///     Cons(u32, ArcThin<List>),
    /// }
    ///
    /// // SAFETY: the one handle, owned by value, reported once; no `Drop`.
    /// unsafe impl ArenaLinks for List {
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         if let List::Cons(_, next) = self {
    ///             links.thin(next);
    ///         }
    ///     }
    /// }
    /// ```
    #[inline(always)]
    pub fn thin<U>(&mut self, handle: &ArcThin<U>) {
        self.scan.report(handle.raw_chunk());
    }
}

impl<T, L: IndexType> Links<T, L> {
    /// Reports a handle that keeps counting, whatever it points into: a
    /// handle to bytes or other plain data, which is never part of a cycle.
    /// Nothing changes while committing; the report only matters to a type
    /// that promises [`ArenaLinks::DROP_ONLY_LINKS`], whose release must
    /// give back every handle its values' drops would have. An empty slice
    /// holds no chunk and is ignored.
    ///
    /// Unlike a handle reported with [`slice`](Self::slice), a counted one
    /// may be read, cloned or moved by a `Drop` of its holder. Report a
    /// handle through one method only, once.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSingle, ArcSlice, ArenaLinks, Links};
    ///
    /// enum Node {
    ///     Leaf(ArcSlice<f64>),
    ///     Pair(ArcSingle<Node>, ArcSingle<Node>),
    /// }
    ///
    /// // SAFETY: every handle is owned by value and reported once; they
    /// // are `Node`'s only drop glue, and `visit_links` cannot panic.
    /// unsafe impl ArenaLinks for Node {
    ///     const DROP_ONLY_LINKS: bool = true;
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         match self {
    ///             Node::Leaf(samples) => links.counted(samples),
    ///             Node::Pair(a, b) => {
    ///                 links.single(a);
    ///                 links.single(b);
    ///             }
    ///         }
    ///     }
    /// }
    ///
    /// // Two samples in a chunk of one: a dedicated chunk, which only the
    /// // handle holds.
    /// let samples: Allocator<f64, u32, 1> = Allocator::new();
    /// let nodes: Allocator<Node> = Allocator::new_acyclic();
    /// let a = nodes.alloc_value(Node::Leaf(samples.alloc(2, |i| i as f64)));
    /// let pair = nodes.alloc_value(Node::Pair(a.clone(), a));
    /// assert_eq!(samples.stats().chunks_alive, 1);
    /// drop((pair, nodes));
    /// // The node chunk was released by its links, the counted one
    /// // included: the samples' chunk went with it.
    /// assert_eq!(samples.stats().chunks_alive, 0);
    /// ```
    #[inline(always)]
    pub fn counted<U, L2: IndexType>(&mut self, handle: &ArcSlice<U, L2>) {
        if let Some(chunk) = handle.chunk() {
            self.scan.report_counted(chunk.erase());
        }
    }

    /// Reports an [`ArcStr`](crate::ArcStr) field: a [`counted`](Self::counted)
    /// link, since a string never holds a handle.
    /// [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc) reports every
    /// `ArcStr` field this way, so that a node type with names can still
    /// promise [`ArenaLinks::DROP_ONLY_LINKS`].
    ///
    /// ```
    /// use arena_arc::{ArcSingle, ArcStr, ArenaLinks, Links};
    ///
    /// struct Var {
    ///     name: ArcStr,
    ///     next: Option<ArcSingle<Var>>,
    /// }
    ///
    /// // SAFETY: both handles are owned by value and reported once, and
    /// // they are all of `Var`'s drop glue; `visit_links` cannot panic.
    /// unsafe impl ArenaLinks for Var {
    ///     const DROP_ONLY_LINKS: bool = true;
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         links.text(&self.name);
    ///         links.visit(&self.next);
    ///     }
    /// }
    /// ```
    #[inline(always)]
    pub fn text<L2: IndexType>(&mut self, text: &crate::ArcStr<L2>) {
        self.counted(text.as_arc_slice());
    }
}

impl<T, L: IndexType> fmt::Debug for Links<T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Links")
            .field("target", &self.scan.target.0)
            .field("in_generation", &self.scan.generation.is_some())
            .finish()
    }
}

/// Gives back the references that the links of the `len` values at slots
/// `start..start + len` of `chunk` hold into `chunk` itself and, with
/// `generation`, into the other chunks of that open generation. An acyclic
/// allocator keeps this function, monomorphised for its `T`, as a plain `fn`
/// pointer, so that [`Allocator`](crate::Allocator) needs no extra type
/// parameter.
///
/// # Safety
/// Slots `start..start + len` of `chunk` hold initialised values that no one
/// mutates while this runs and that are being committed there; `chunk` is
/// current for an allocator of this thread; `generation`, if any, is
/// `chunk`'s and open.
pub(crate) unsafe fn scan_links<T: ArenaLinks<L>, L: IndexType>(
    chunk: Chunk<T>,
    start: usize,
    len: usize,
    generation: Option<NonNull<Generation>>,
) {
    let mut links = Links::<T, L> {
        scan: LinkScan::committing(chunk.erase(), generation, T::DROP_ONLY_LINKS),
        _types: PhantomData,
    };
    for slot in start..start + len {
        // SAFETY: the caller's promise: the slot holds an initialised value
        // and no one holds a `&mut` to it.
        let value = unsafe { chunk.slot(slot).as_ref() };
        value.visit_links(&mut links);
    }
    // SAFETY: the caller's promise: the values are being committed to
    // `chunk`, current for an allocator of this thread.
    unsafe { links.scan.finish() };
}

/// [`scan_links`] for one value about to be written to `chunk` (inlined into
/// [`Allocator::alloc_linked`](crate::Allocator::alloc_linked)).
///
/// # Safety
/// `value` is committed to `chunk` with no user code in between (or, if
/// `visit_links` panics, never dropped); the rest as for [`scan_links`].
#[inline(always)]
pub(crate) unsafe fn scan_links_of<T: ArenaLinks<L>, L: IndexType>(
    value: &T,
    chunk: Chunk<T>,
    generation: Option<NonNull<Generation>>,
) {
    let mut links = Links::<T, L> {
        scan: LinkScan::committing(chunk.erase(), generation, T::DROP_ONLY_LINKS),
        _types: PhantomData,
    };
    value.visit_links(&mut links);
    // SAFETY: the caller's promise: `value` is being committed to `chunk`,
    // current for an allocator of this thread.
    unsafe { links.scan.finish() };
}

/// The signature of [`scan_links`] once monomorphised.
pub(crate) type ScanLinks<T> = unsafe fn(Chunk<T>, usize, usize, Option<NonNull<Generation>>);

mod sealed {
    pub trait Sealed {}
}

/// A field type that [`Links::visit`] can report: an [`ArcSlice<T, L>`], an
/// [`ArcSingle<T, L>`], or an `Option`, `Box`, `Vec`, slice or array of
/// them. Sealed: the crate decides which containers own their handles in a
/// way that can never hand them out by value through `&self`.
///
/// ```
/// use arena_arc::{ArcSingle, ArenaLinks, Links};
///
/// struct Branch {
///     kids: Vec<Option<ArcSingle<Branch>>>,
/// }
///
/// // SAFETY: the handles are owned by value by the `Vec` inside `self`,
/// // reported once each; no `Drop` impl.
/// unsafe impl ArenaLinks for Branch {
///     fn visit_links(&self, links: &mut Links<Self>) {
///         links.visit(&self.kids);
///     }
/// }
/// ```
pub trait Link<T, L: IndexType>: sealed::Sealed {
    /// Reports the handles in `self` to `links`.
    fn report(&self, links: &mut Links<T, L>);
}

impl<U, L2: IndexType> sealed::Sealed for ArcSlice<U, L2> {}
impl<T, L: IndexType, U, L2: IndexType> Link<T, L> for ArcSlice<U, L2> {
    #[inline(always)]
    fn report(&self, links: &mut Links<T, L>) {
        links.slice(self);
    }
}

impl<U> sealed::Sealed for ArcThin<U> {}
impl<T, L: IndexType, U> Link<T, L> for ArcThin<U> {
    #[inline(always)]
    fn report(&self, links: &mut Links<T, L>) {
        links.thin(self);
    }
}

impl<U, L2: IndexType> sealed::Sealed for ArcSingle<U, L2> {}
impl<T, L: IndexType, U, L2: IndexType> Link<T, L> for ArcSingle<U, L2> {
    #[inline(always)]
    fn report(&self, links: &mut Links<T, L>) {
        links.single(self);
    }
}

impl<X: sealed::Sealed> sealed::Sealed for Option<X> {}
impl<T, L: IndexType, X: Link<T, L>> Link<T, L> for Option<X> {
    #[inline(always)]
    fn report(&self, links: &mut Links<T, L>) {
        if let Some(link) = self {
            link.report(links);
        }
    }
}

impl<X: sealed::Sealed + ?Sized> sealed::Sealed for Box<X> {}
impl<T, L: IndexType, X: Link<T, L> + ?Sized> Link<T, L> for Box<X> {
    #[inline]
    fn report(&self, links: &mut Links<T, L>) {
        (**self).report(links);
    }
}

impl<X: sealed::Sealed> sealed::Sealed for [X] {}
impl<T, L: IndexType, X: Link<T, L>> Link<T, L> for [X] {
    #[inline]
    fn report(&self, links: &mut Links<T, L>) {
        for link in self {
            link.report(links);
        }
    }
}

impl<X: sealed::Sealed, const K: usize> sealed::Sealed for [X; K] {}
impl<T, L: IndexType, X: Link<T, L>, const K: usize> Link<T, L> for [X; K] {
    #[inline]
    fn report(&self, links: &mut Links<T, L>) {
        self[..].report(links);
    }
}

impl<X: sealed::Sealed> sealed::Sealed for Vec<X> {}
impl<T, L: IndexType, X: Link<T, L>> Link<T, L> for Vec<X> {
    #[inline]
    fn report(&self, links: &mut Links<T, L>) {
        self[..].report(links);
    }
}
