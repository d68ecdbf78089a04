//! [`Allocator`]: fills chunks and hands out handles into them.
//!
//! - `alloc.rs`: the allocation methods, each a thin layer over the fill;
//! - `fill.rs`: reservations, the fill that writes them, and its guard;
//! - `commit.rs`: turning a written reservation into a handle, and what an
//!   acyclic allocator does there (links, generations);
//! - `retire.rs`: new chunks, retiring, reusing and releasing them.

mod alloc;
mod commit;
mod fill;
mod retire;
mod thin;

use core::cell::{Cell, OnceCell};
use core::fmt;
use core::marker::PhantomData;
use core::mem;

use crate::chunk::DropElems;
use crate::chunk::{BIAS, Chunk};
use crate::clock;
use crate::index::IndexType;
use crate::links::{ArenaLinks, ScanLinks, release_links, scan_links};
use crate::stats::{ArenaStats, Live};
use crate::sync::Arc;
use retire::release_held;

/// How many retired chunks an allocator keeps a reference to, so that it can
/// reuse one as soon as its last handle is gone instead of allocating.
const RETIRED: usize = 4;

/// A chunk arena for `T`s whose allocations are reference-counted handles.
///
/// - `T`: the element type.
/// - `L`: the [`IndexType`] stored in handles (default `u32`): it bounds the
///   length of one slice.
/// - `N`: the chunk capacity in elements (default 256).
///
/// Allocation takes `&self`, so an `init` closure may itself allocate from
/// the same allocator (to build a tree, say). The allocator is `Send` but not
/// `Sync`: fill it from one thread, and send its handles anywhere.
///
/// # The chunk model and its costs
///
/// Slices are carved out of chunks of `N` elements, one after another. When
/// the next request does not fit, the current chunk is *retired*: its unused
/// tail is lost (see [`ArenaStats::bytes_lost_in_tails`]) and a new chunk
/// becomes current. A retired chunk lives as long as any handle into it; its
/// elements are all dropped together when it is released (deferred drops; a
/// type without drop glue costs nothing there). So a short-lived slice in a
/// chunk with a long-lived neighbour stays allocated (a *zombie*) until the
/// neighbour goes.
///
/// The allocator keeps a reference to the last few retired chunks. When a new
/// chunk is needed and one of them has no handle left, it is reused: its
/// elements are dropped and it becomes current again, without calling the
/// global allocator. In a steady churn (allocate, use, drop) the allocator
/// therefore stops allocating after warm-up.
///
/// A request longer than `N`, or one that does not fit the current chunk when
/// the current chunk has more room left than a fresh one would keep after the
/// request, gets a *dedicated* chunk of exactly its length; the current chunk
/// stays current. So a mix of tiny and huge requests holds only about what it
/// asks for, and a dedicated chunk is freed as soon as its handles are gone.
///
/// # Costs
///
/// - An allocation that fits the current chunk does no atomic operation and
///   no call to the global allocator: it bumps an index and counts one
///   hand-out in a plain integer. The count is settled with the chunk in one
///   atomic operation when the chunk is retired.
/// - Cloning a handle is one `Relaxed` atomic increment; dropping one is one
///   `Release` decrement (and, for the last, an `Acquire` load and the free).
/// - Reading through a handle is a pointer and a length, as for `Arc<[T]>`.
/// - A new chunk is one call to the global allocator. With the default
///   feature `prefault`, on Linux, a new chunk that will fill (this
///   allocator's second and later, and every dedicated one) of two pages or
///   more, made while the allocator holds more bytes than it ever has, also
///   gets one `madvise(MADV_POPULATE_WRITE)`, which maps its pages at once
///   rather than by a page fault per page as it is written: on a fresh
///   heap, a tree's build takes 8–16 % less time (W9, README). The call is
///   wasted when `malloc` hands back resident memory anyway, and the
///   chunk's unwritten tail is resident from the start. A reused chunk, and
///   one made below the allocator's peak, cost neither.
///
/// # Cycles
///
/// In an allocator made by [`new`](Self::new), a chunk that holds a handle
/// to itself (a `T` that contains an `ArcSlice<T>` from the same allocator)
/// is never freed: its count can't reach zero while its own elements hold
/// a reference, the same hazard as a cycle of `Arc`s. For such types, make
/// the allocator with [`new_acyclic`](Self::new_acyclic) (the type reports
/// its handles through [`ArenaLinks`], which
/// [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc) implements): trees
/// and DAGs of `T`s then free themselves.
///
/// # Example
///
/// ```
/// use arena_arc::Allocator;
///
/// let arena: Allocator<u32> = Allocator::new();
/// let evens = arena.alloc(4, |i| (i * 2) as u32);
/// let one = arena.alloc_value(7);
/// assert_eq!(evens.get(), &[0, 2, 4, 6]);
/// assert_eq!(*one, 7);
///
/// // Handles are independent of the allocator and of each other.
/// drop(arena);
/// let tail = evens.slice(2..);
/// drop(evens);
/// assert_eq!(tail, [4, 6]);
/// ```
pub struct Allocator<T, L: IndexType = u32, const N: usize = 256> {
    /// The chunk being filled; `None` before the first allocation.
    current: Cell<Option<Chunk<T>>>,
    /// Slots `0..cursor` of the current chunk are taken; `N` when there is
    /// no current chunk. The fast paths rely on it (`room_for`): a cursor
    /// below `N` means there is a current chunk, so every change of
    /// `current` to `None` sets the cursor to `N` with it.
    cursor: Cell<usize>,
    /// Retired chunks the allocator still holds one reference to, newest
    /// first.
    retired: Cell<[Option<Chunk<T>>; RETIRED]>,
    /// Counters shared with the chunks; made with the first chunk.
    live: OnceCell<Arc<Live>>,
    /// For an acyclic allocator ([`new_acyclic`](Self::new_acyclic)), scans
    /// the links of committed values; `None` for a plain one.
    links: Option<ScanLinks<T>>,
    /// For an acyclic allocator of a type whose only drop glue is its
    /// links ([`ArenaLinks::DROP_ONLY_LINKS`]), what its chunks drop their
    /// elements with (`links::release_links`); `None` for `drop_in_place`.
    release: Option<DropElems>,
    /// Whether this is a per-thread allocator (the `thread_local!` behind a
    /// derived type's arena, an `arena!` or the text arena): it registers
    /// its address with the thread's clock at its first chunk, for
    /// [`trim_thread`](crate::trim_thread). An acyclic per-thread
    /// allocator's chunks also join the thread's generations (see
    /// `generation.rs`).
    per_thread: bool,
    /// Whether this allocator's address is in the thread's list of arenas.
    registered: Cell<bool>,
    /// Whether the allocator has handed out an [`ArcThin`](crate::ArcThin):
    /// from then on its regular chunks are aligned to
    /// [`THIN_WINDOW`](crate::THIN_WINDOW) (see `thin.rs`). Never unset.
    thin: Cell<bool>,
    /// Bumped whenever the current chunk changes (retired, or another made
    /// current) or a dedicated chunk is made: a fill that sees it change
    /// while its `init` runs was overtaken by a newer chunk (see `links.rs`).
    epoch: Cell<usize>,
    limit: Cell<Option<usize>>,
    chunks_created: Cell<usize>,
    chunks_reused: Cell<usize>,
    dedicated_chunks: Cell<usize>,
    bytes_lost: Cell<usize>,
    /// The most bytes this allocator's chunks have held at once (as seen
    /// when it made a chunk): a new chunk is pre-faulted only past it
    /// (`prefault.rs`); below it, `malloc` likely hands back memory that
    /// this allocator freed, resident already.
    peak_bytes: Cell<usize>,
    _marker: PhantomData<(T, L)>,
}

// SAFETY: the allocator owns references to chunks, exactly as handles do, and
// may drop `T`s (when it reuses or frees a chunk) on whatever thread it is on.
// Handles are `Send` when `T: Send + Sync` (see `ArcSlice`), so the same bound
// makes moving the allocator sound. It is not `Sync`: its state is in `Cell`s.
unsafe impl<T: Send + Sync, L: IndexType, const N: usize> Send for Allocator<T, L, N> {}

impl<T, L: IndexType, const N: usize> Allocator<T, L, N> {
    /// Compile-time checks of `N` against `L` and `T`.
    const VALID_PARAMETERS: () = {
        assert!(N > 0, "arena-arc: the chunk capacity N must be at least 1");
        assert!(
            N - 1 <= L::MAX,
            "arena-arc: the chunk capacity N does not fit the index type L; use a wider L or a smaller N"
        );
        assert!(
            N < BIAS / 2,
            "arena-arc: the chunk capacity N is too large for this target"
        );
        assert!(
            mem::size_of::<T>() == 0 || N <= (isize::MAX as usize / 2) / mem::size_of::<T>(),
            "arena-arc: a chunk of N elements of T would be larger than isize::MAX / 2 bytes; use a smaller N"
        );
    };

    /// Creates an allocator. It allocates nothing until the first
    /// non-empty allocation.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<String, u32, 1024> = Allocator::new();
    /// assert_eq!(arena.stats().chunks_created, 0);
    /// ```
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::VALID_PARAMETERS;
        Allocator {
            current: Cell::new(None),
            cursor: Cell::new(N),
            retired: Cell::new([None; RETIRED]),
            live: OnceCell::new(),
            links: None,
            release: None,
            per_thread: false,
            registered: Cell::new(false),
            thin: Cell::new(false),
            epoch: Cell::new(0),
            limit: Cell::new(None),
            chunks_created: Cell::new(0),
            chunks_reused: Cell::new(0),
            dedicated_chunks: Cell::new(0),
            bytes_lost: Cell::new(0),
            peak_bytes: Cell::new(0),
            _marker: PhantomData,
        }
    }

    /// Creates an *acyclic* allocator for a type that reports the handles
    /// to its own type that its values hold ([`ArenaLinks`]): a tree or DAG
    /// of `T`s built in it is freed when its last outside handle goes, even
    /// though parents and children share chunks.
    ///
    /// [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc) uses it for the
    /// per-thread arena of a type whose fields may hold links (to itself or
    /// to other derived types).
    ///
    /// # What it does, and what it costs
    ///
    /// - When a value is committed, the handles it holds that point into its
    ///   own chunk stop counting (they live exactly as long as that chunk).
    ///   That is one call through a function pointer per allocation and a
    ///   comparison per reported handle; no atomic operation.
    ///   [`alloc_linked`](Self::alloc_linked) makes the call directly,
    ///   inlined where the value is built: prefer it to `alloc_value` for
    ///   single values (W8's hand-held build: 52 against 48 ns per node).
    /// - Links only ever point from a chunk into itself or into older
    ///   chunks, so chunks cannot keep each other alive: a request longer
    ///   than `N` retires the current chunk before taking a dedicated one
    ///   (losing the current chunk's tail), a request that does not fit
    ///   takes a fresh chunk rather than a dedicated one, and a fill whose
    ///   `init` made the arena start a newer chunk moves its elements into a
    ///   new reservation before committing (one `memcpy`, leaving a hole
    ///   behind, counted in [`ArenaStats::bytes_lost_in_tails`]).
    /// - Everything else, including the limits and the panics, is as for
    ///   [`new`](Self::new).
    ///
    /// Links that stay counted, and so can still form cycles: handles into
    /// *another* hand-held allocator (two arenas pointing at each other),
    /// handles behind interior mutability, and handles that `T`'s
    /// [`ArenaLinks`] impl does not report.
    ///
    /// The per-thread arenas that the derive and `arena!` make are acyclic
    /// allocators that also share the thread's *generations*: links between
    /// the current chunks of all of a thread's acyclic arenas do not count
    /// either, so trees of several types free themselves (see the crate
    /// docs, "Cycles"). What that adds per allocation: a load of the
    /// reservation chunk's count and its generation's open flag, and, when
    /// the chunk has no other handle, a walk over the generation's chunks
    /// (at most 32); a chunk of a closed generation is left for a fresh
    /// one at the next allocation (its tail is lost). Chunks of a
    /// generation are freed with it, not reused in place; the thread keeps
    /// up to 8 of them, elements dropped, for the arenas that made them.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSlice, ArenaLinks, Links};
    ///
    /// struct Node {
    ///     value: u32,
    ///     children: ArcSlice<Node>,
    /// }
    ///
    /// // SAFETY: one handle, owned by value, reported once; no `Drop` impl.
    /// unsafe impl ArenaLinks for Node {
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         links.slice(&self.children);
    ///     }
    /// }
    ///
    /// let arena: Allocator<Node, u32, 64> = Allocator::new_acyclic();
    /// let leaves = arena.alloc(3, |i| Node { value: i as u32, children: ArcSlice::new() });
    /// let root = arena.alloc_value(Node { value: 9, children: leaves });
    /// assert_eq!(root.children.iter().map(|n| n.value).sum::<u32>(), 3);
    ///
    /// drop(root);
    /// drop(arena);
    /// // The chunk held its own children; it was freed all the same.
    /// ```
    pub const fn new_acyclic() -> Self
    where
        T: ArenaLinks<L>,
    {
        let mut arena = Self::new();
        arena.links = Some(scan_links::<T, L>);
        if T::DROP_ONLY_LINKS {
            arena.release = Some(release_links::<T, L>);
        }
        arena
    }

    /// Makes this the allocator of a `thread_local!`. The allocator then
    /// takes part in [`trim_thread`](crate::trim_thread), and an acyclic one
    /// shares the thread's generations with the thread's other acyclic
    /// per-thread arenas, so that trees of several types free themselves
    /// (see `generation.rs`). Used by the code that
    /// [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc) and `arena!`
    /// generate; not public API.
    ///
    /// At its first chunk the allocator registers its own address with the
    /// thread's clock, and its destructor takes it out again. (A `trim`
    /// function per arena, registered instead, put a function pointer in
    /// every `thread_local!`'s constant initialiser, so every derived type
    /// compiled its thread-local machinery whether it was used or not.)
    ///
    /// # Safety
    ///
    /// The allocator must be the initial value of a `thread_local!` static:
    /// it must never move once it has made a chunk, and it must be dropped
    /// in place, on its thread.
    #[doc(hidden)]
    pub const unsafe fn __per_thread(mut self) -> Self {
        self.per_thread = true;
        self
    }

    /// Whether the allocator's chunks join the thread's generations: it is
    /// acyclic and per-thread.
    #[inline(always)]
    fn in_generations(&self) -> bool {
        self.links.is_some() && self.per_thread
    }

    /// Whether this allocator was made by [`new_acyclic`](Self::new_acyclic).
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// assert!(!Allocator::<u8>::new().is_acyclic());
    /// ```
    pub const fn is_acyclic(&self) -> bool {
        self.links.is_some()
    }

    /// Creates an allocator whose chunks alive at any time (held by it or by
    /// handles) may take at most `bytes` bytes, headers included.
    ///
    /// A request that would need a chunk past the limit panics in
    /// [`alloc`](Self::alloc) and the other panicking methods, and returns
    /// [`AllocError::LimitExceeded`](crate::AllocError::LimitExceeded) from the `checked_` methods; nothing is
    /// written either way. Before refusing, the allocator frees the retired
    /// chunks it alone still holds.
    ///
    /// ```
    /// use arena_arc::{AllocError, Allocator};
    ///
    /// let arena: Allocator<u64, u32, 1024> = Allocator::with_limit(16 * 1024);
    /// let a = arena.alloc(1024, |i| i as u64); // one chunk of 8 KiB and a header
    /// let err = arena.checked_alloc(1024, |i| i as u64).unwrap_err();
    /// assert!(matches!(err, AllocError::LimitExceeded { .. }));
    /// drop(a);
    /// assert!(arena.checked_alloc(1024, |i| i as u64).is_ok()); // room again
    /// ```
    pub fn with_limit(bytes: usize) -> Self {
        let arena = Self::new();
        arena.limit.set(Some(bytes));
        arena
    }

    /// Sets or removes the byte limit; see [`with_limit`](Self::with_limit).
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// arena.set_limit(Some(1 << 20));
    /// assert_eq!(arena.limit(), Some(1 << 20));
    /// ```
    pub fn set_limit(&self, bytes: Option<usize>) {
        self.limit.set(bytes);
    }

    /// The byte limit, if any.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// assert_eq!(Allocator::<u8>::new().limit(), None);
    /// ```
    pub fn limit(&self) -> Option<usize> {
        self.limit.get()
    }

    /// The chunk capacity `N` in elements.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// assert_eq!(Allocator::<u8, u32, 4096>::new().chunk_capacity(), 4096);
    /// ```
    pub const fn chunk_capacity(&self) -> usize {
        N
    }

    /// Retires the current chunk and frees every chunk that no handle uses
    /// any more, keeping the allocator usable.
    ///
    /// Elements are dropped with their chunk, and the current chunk is
    /// released only when the allocator moves on to another. So a tree
    /// whose root sits in the current chunk stays allocated after its last
    /// handle is dropped until the allocator next fills a chunk. Call `trim`
    /// at a natural boundary (a compilation unit, a frame) to free it now.
    /// Costs the current chunk's unused tail; the next allocation takes a
    /// fresh chunk.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSlice, ArenaLinks, Links};
    ///
    /// struct Node(ArcSlice<Node>);
    ///
    /// // SAFETY: the one handle is owned by value and reported once; no `Drop`.
    /// unsafe impl ArenaLinks for Node {
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         links.slice(&self.0);
    ///     }
    /// }
    ///
    /// let arena: Allocator<Node, u32, 64> = Allocator::new_acyclic();
    /// let leaves = arena.alloc(3, |_| Node(ArcSlice::new()));
    /// let root = arena.alloc_value(Node(leaves));
    /// drop(root);
    /// assert_eq!(arena.stats().chunks_alive, 1); // the current chunk
    /// arena.trim();
    /// assert_eq!(arena.stats().chunks_alive, 0);
    /// ```
    pub fn trim(&self) {
        let _ = self.trim_gave_up();
    }

    /// A snapshot of what the allocator holds; see [`ArenaStats`].
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u32, u32, 64> = Allocator::new();
    /// let _a = arena.alloc(10, |i| i as u32);
    /// let stats = arena.stats();
    /// assert_eq!(stats.chunks_created, 1);
    /// assert_eq!(stats.current_chunk_free, 54);
    /// assert!(stats.bytes_reserved >= 64 * 4);
    /// ```
    pub fn stats(&self) -> ArenaStats {
        let (chunks_alive, bytes_reserved) = match self.live.get() {
            Some(live) => (
                live.chunks.load(crate::sync::Ordering::Relaxed),
                live.bytes(),
            ),
            None => (0, 0),
        };
        ArenaStats {
            chunks_created: self.chunks_created.get(),
            chunks_reused: self.chunks_reused.get(),
            dedicated_chunks: self.dedicated_chunks.get(),
            chunks_alive,
            bytes_reserved,
            bytes_lost_in_tails: self.bytes_lost.get(),
            current_chunk_free: N - self.cursor.get(),
        }
    }
}

impl<T, L: IndexType, const N: usize> Drop for Allocator<T, L, N> {
    #[allow(clippy::manual_map)] // see below
    fn drop(&mut self) {
        // Only reading the fields depends on `T`: the release is compiled
        // once for every element type (every derived type has a per-thread
        // allocator, whose destructor is compiled whether it is used or not).
        // (Plain `match`es and an index loop: `Option::map` or `<[_; N]>::map`
        // would each be compiled again for every element type.)
        if self.registered.get() {
            // First: a drop below may call `trim_thread`, which must not
            // reach this allocator while it is being destroyed. (A plain
            // pointer cast: nothing compiled per element type.)
            clock::unregister((self as *const Self).cast());
        }
        let current = match self.current.get() {
            Some(chunk) => Some((chunk.erase(), self.cursor.get())),
            None => None,
        };
        let held = self.retired.get();
        let mut retired = [None; RETIRED];
        let mut i = 0;
        while i < RETIRED {
            retired[i] = match held[i] {
                Some(chunk) => Some(chunk.erase()),
                None => None,
            };
            i += 1;
        }
        // SAFETY: `current` is the allocator's current chunk with how far it
        // was filled, `retired` the chunks it holds one reference to; the
        // allocator is never used again.
        unsafe { release_held(current, retired) };
    }
}

impl<T, L: IndexType, const N: usize> Default for Allocator<T, L, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, L: IndexType, const N: usize> fmt::Debug for Allocator<T, L, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Allocator")
            .field("type", &core::any::type_name::<T>())
            .field("index", &L::NAME)
            .field("chunk_capacity", &N)
            .field("limit", &self.limit.get())
            .field("stats", &self.stats())
            .finish()
    }
}
