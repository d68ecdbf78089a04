//! [`Allocator`]: fills chunks and hands out handles into them.

use core::alloc::Layout;
use core::cell::{Cell, OnceCell};
use core::convert::Infallible;
use core::fmt;
use core::marker::PhantomData;
use core::mem;
use core::ptr;

use alloc::vec::Vec;

use crate::chunk::{self, BIAS, Chunk, RawChunk};
use crate::error::AllocError;
use crate::index::IndexType;
use crate::links::{ArenaLinks, CountSelfLinks, count_links_of, count_self_links};
use crate::single::ArcSingle;
use crate::slice::ArcSlice;
use crate::stats::{ArenaStats, Live};
use crate::sync::Arc;

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
    /// no current chunk.
    cursor: Cell<usize>,
    /// References handed out from the current chunk and not yet settled.
    handed: Cell<usize>,
    /// Retired chunks the allocator still holds one reference to, newest
    /// first.
    retired: Cell<[Option<Chunk<T>>; RETIRED]>,
    /// Counters shared with the chunks; made with the first chunk.
    live: OnceCell<Arc<Live>>,
    /// For an acyclic allocator ([`new_acyclic`](Self::new_acyclic)), counts
    /// the self-links of committed values; `None` for a plain one.
    links: Option<CountSelfLinks<T>>,
    /// Bumped whenever a chunk becomes current or a dedicated chunk is made:
    /// a fill that sees it change while its `init` runs was overtaken by a
    /// newer chunk (see `links.rs`).
    epoch: Cell<usize>,
    limit: Cell<Option<usize>>,
    chunks_created: Cell<usize>,
    chunks_reused: Cell<usize>,
    dedicated_chunks: Cell<usize>,
    bytes_lost: Cell<usize>,
    _marker: PhantomData<(T, L)>,
}

// SAFETY: the allocator owns references to chunks, exactly as handles do, and
// may drop `T`s (when it reuses or frees a chunk) on whatever thread it is on.
// Handles are `Send` when `T: Send + Sync` (see `ArcSlice`), so the same bound
// makes moving the allocator sound. It is not `Sync`: its state is in `Cell`s.
unsafe impl<T: Send + Sync, L: IndexType, const N: usize> Send for Allocator<T, L, N> {}

/// Where an allocation's elements go.
struct Reservation<T> {
    chunk: Chunk<T>,
    start: usize,
    len: usize,
    /// The chunk was made for this request alone; the reservation holds its
    /// only reference.
    dedicated: bool,
}

/// Why a fill stopped.
enum Failure<E> {
    Init(E),
    Alloc(AllocError),
}

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
            handed: Cell::new(0),
            retired: Cell::new([None; RETIRED]),
            live: OnceCell::new(),
            links: None,
            epoch: Cell::new(0),
            limit: Cell::new(None),
            chunks_created: Cell::new(0),
            chunks_reused: Cell::new(0),
            dedicated_chunks: Cell::new(0),
            bytes_lost: Cell::new(0),
            _marker: PhantomData,
        }
    }

    /// Creates an *acyclic* allocator for a type that reports the handles
    /// to its own type that its values hold ([`ArenaLinks`]): a tree or DAG
    /// of `T`s built in it is freed when its last outside handle goes, even
    /// though parents and children share chunks.
    ///
    /// [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc) uses it for the
    /// per-thread arena of a type whose fields hold handles to itself.
    ///
    /// # What it does, and what it costs
    ///
    /// - When a value is committed, the handles it holds that point into its
    ///   own chunk stop counting (they live exactly as long as that chunk).
    ///   That is one call through a function pointer per allocation and a
    ///   comparison per reported handle; no atomic operation.
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
    /// *another* allocator (two arenas pointing at each other), handles
    /// behind interior mutability, and handles that `T`'s [`ArenaLinks`]
    /// impl does not report.
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
        arena.links = Some(count_self_links::<T, L>);
        arena
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
    /// [`AllocError::LimitExceeded`] from the `checked_` methods; nothing is
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

    /// Allocates a slice of `len` elements; element `i` is `init(i)`, called
    /// in order from 0.
    ///
    /// `len == 0` allocates nothing and never calls `init`.
    ///
    /// # Panics
    /// - If `len` exceeds `L::MAX` or the chunk size would overflow (the
    ///   message names the limit and the fix), or a limit set with
    ///   [`with_limit`](Self::with_limit) would be passed. Nothing is written
    ///   and `init` is not called.
    /// - If `init` panics: the elements it already made are dropped at once,
    ///   exactly once, their space is reused, and the panic goes on. The
    ///   allocator stays usable.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<String> = Allocator::new();
    /// let names = arena.alloc(3, |i| format!("n{i}"));
    /// assert_eq!(names, ["n0", "n1", "n2"].map(String::from));
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc(&self, len: usize, mut init: impl FnMut(usize) -> T) -> ArcSlice<T, L> {
        match self.fill(len, |i| Ok::<T, Infallible>(init(i))) {
            Ok(slice) => slice,
            Err(Failure::Alloc(err)) => refuse(err),
            Err(Failure::Init(never)) => match never {},
        }
    }

    /// Allocates a slice of `len` elements from a fallible `init`.
    ///
    /// If `init` returns `Err` for some element, the elements already made
    /// are dropped at once, exactly once, their space is reused, and the
    /// error is returned. Panics as [`alloc`](Self::alloc) does.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let parsed = arena.try_alloc(3, |i| "1x3".as_bytes()[i].is_ascii_digit().then_some(i as u8).ok_or(i));
    /// assert_eq!(parsed.unwrap_err(), 1);
    /// let ok = arena.try_alloc(2, |i| Ok::<u8, ()>(i as u8)).unwrap();
    /// assert_eq!(ok, [0, 1]);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_alloc<E>(
        &self,
        len: usize,
        init: impl FnMut(usize) -> Result<T, E>,
    ) -> Result<ArcSlice<T, L>, E> {
        match self.fill(len, init) {
            Ok(slice) => Ok(slice),
            Err(Failure::Init(err)) => Err(err),
            Err(Failure::Alloc(err)) => refuse(err),
        }
    }

    /// Like [`alloc`](Self::alloc), but returns an [`AllocError`] instead of
    /// panicking when the length, the size or the limit is exceeded.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u8, u16> = Allocator::new();
    /// assert!(arena.checked_alloc(70_000, |_| 0).is_err());
    /// assert_eq!(arena.checked_alloc(2, |i| i as u8).unwrap(), [0, 1]);
    /// ```
    #[inline]
    pub fn checked_alloc(
        &self,
        len: usize,
        mut init: impl FnMut(usize) -> T,
    ) -> Result<ArcSlice<T, L>, AllocError> {
        match self.fill(len, |i| Ok::<T, Infallible>(init(i))) {
            Ok(slice) => Ok(slice),
            Err(Failure::Alloc(err)) => Err(err),
            Err(Failure::Init(never)) => match never {},
        }
    }

    /// Allocates one element made by `init` and returns it as an
    /// [`ArcSingle`]. `init` runs before anything is reserved, so it may
    /// allocate from this allocator and may panic freely.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<Vec<u8>> = Allocator::new();
    /// let v = arena.alloc_single(|| vec![1, 2]);
    /// assert_eq!(*v, [1, 2]);
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_single(&self, init: impl FnOnce() -> T) -> ArcSingle<T, L> {
        self.alloc_value(init())
    }

    /// Allocates one element from a fallible `init`; its error is returned
    /// as is.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u32> = Allocator::new();
    /// let n = arena.try_alloc_single(|| "42".parse::<u32>()).unwrap();
    /// assert_eq!(*n, 42);
    /// assert!(arena.try_alloc_single(|| "x".parse::<u32>()).is_err());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_alloc_single<E>(
        &self,
        init: impl FnOnce() -> Result<T, E>,
    ) -> Result<ArcSingle<T, L>, E> {
        init().map(|value| self.alloc_value(value))
    }

    /// Moves `value` into the arena and returns it as an [`ArcSingle`]: one
    /// slot, no slice conversion.
    ///
    /// # Panics
    /// If a limit set with [`with_limit`](Self::with_limit) would be passed
    /// (`value` is dropped).
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<(u8, char)> = Allocator::new();
    /// let pair = arena.alloc_value((1, 'a'));
    /// assert_eq!(pair.1, 'a');
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_value(&self, value: T) -> ArcSingle<T, L> {
        match self.checked_alloc_value(value) {
            Ok(single) => single,
            Err(err) => refuse(err),
        }
    }

    /// Like [`alloc_value`](Self::alloc_value), but returns an
    /// [`AllocError`] (dropping `value`) instead of panicking.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u64> = Allocator::with_limit(0);
    /// assert!(arena.checked_alloc_value(1).is_err());
    /// ```
    #[inline]
    pub fn checked_alloc_value(&self, value: T) -> Result<ArcSingle<T, L>, AllocError> {
        // The fast path makes no `Result` (see `reserve_in_current`).
        let res = match self.reserve_in_current(1) {
            Some(res) => res,
            None => self.reserve_slow(1)?,
        };
        // SAFETY: the reservation is slot `start` of `chunk`, uninitialised
        // and ours; no user code runs between the reservation and the write.
        unsafe {
            res.chunk.slot(res.start).write(value);
            Ok(ArcSingle::from_raw_parts(self.commit(res)))
        }
    }

    /// Copies `src` into the arena with one `memcpy`.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let bytes: Allocator<u8> = Allocator::new();
    /// let name = bytes.alloc_slice_copy(b"ident");
    /// assert_eq!(name.get(), b"ident");
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_slice_copy(&self, src: &[T]) -> ArcSlice<T, L>
    where
        T: Copy,
    {
        if src.is_empty() {
            return ArcSlice::new();
        }
        let res = match self.checked_reserve_in_current(src.len()) {
            Some(res) => res,
            None => self
                .checked_reserve_slow(src.len())
                .unwrap_or_else(|err| refuse(err)),
        };
        // SAFETY: the reservation is `src.len()` uninitialised slots that are
        // ours; `T: Copy` makes the bitwise copy a valid `T`, and copying
        // runs no user code.
        unsafe {
            ptr::copy_nonoverlapping(src.as_ptr(), res.chunk.slot(res.start).as_ptr(), src.len());
            ArcSlice::from_raw_parts(self.commit(res))
        }
    }

    /// Clones every element of `src` into the arena. If a `clone` panics,
    /// the clones already made are dropped and the panic goes on.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<String> = Allocator::new();
    /// let words = arena.alloc_slice_clone(&["a".to_string(), "b".to_string()]);
    /// assert_eq!(words, ["a", "b"].map(String::from));
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_slice_clone(&self, src: &[T]) -> ArcSlice<T, L>
    where
        T: Clone,
    {
        self.alloc(src.len(), |i| src[i].clone())
    }

    /// Moves the items of `iter` into the arena.
    ///
    /// An iterator whose `size_hint` is exact (every `ExactSizeIterator`,
    /// `Vec`, arrays, ranges, `map` over them...) and at most `N` is written
    /// straight into the arena. Any other is read into a `Vec` first, grown as
    /// items come: a hint is not trusted beyond one chunk, so that a lying
    /// one cannot make the arena (or the `Vec`) ask for memory the iterator
    /// never fills. An honest exact hint longer than `N` therefore costs one
    /// more move per item.
    ///
    /// # Panics
    /// As [`alloc`](Self::alloc) does, and if an iterator breaks its exact
    /// `size_hint`, however large the hint (the items already moved are
    /// dropped).
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u32> = Allocator::new();
    /// let squares = arena.alloc_from_iter((1..=4).map(|n| n * n));
    /// assert_eq!(squares, [1, 4, 9, 16]);
    /// let odd = arena.alloc_from_iter((1..10).filter(|n| n % 2 == 1)); // unknown length
    /// assert_eq!(odd, [1, 3, 5, 7, 9]);
    /// ```
    #[track_caller]
    pub fn alloc_from_iter(&self, iter: impl IntoIterator<Item = T>) -> ArcSlice<T, L> {
        let iter = iter.into_iter();
        match iter.size_hint() {
            (lower, Some(upper)) if lower == upper && lower <= N => self.alloc_exact(lower, iter),
            (lower, upper) => {
                let exact = upper.filter(|&upper| upper == lower);
                if let Some(len) = exact {
                    // What `alloc` would refuse for the claimed length (past
                    // `L`, the size, the limit) is refused before an item is
                    // read, as for a hint that fits a chunk.
                    if let Err(err) = self.check_dedicated(len) {
                        refuse(err);
                    }
                }
                let items = read_untrusted(iter, lower.min(N), exact);
                self.alloc_exact(items.len(), items.into_iter())
            }
        }
    }

    /// Whether `alloc` would refuse `len > N` elements (which get a
    /// dedicated chunk), without allocating.
    fn check_dedicated(&self, len: usize) -> Result<(), AllocError> {
        if len > L::MAX {
            return Err(AllocError::LengthOverflow {
                len,
                max: L::MAX,
                index_type: L::NAME,
            });
        }
        self.chunk_layout(len).map(drop)
    }

    /// Allocates the `len` items `iter` claims to have left, checking it.
    #[track_caller]
    fn alloc_exact(&self, len: usize, mut iter: impl Iterator<Item = T>) -> ArcSlice<T, L> {
        let slice = self.alloc(len, |_| {
            iter.next().unwrap_or_else(|| fewer_than_the_hint())
        });
        if iter.next().is_some() {
            more_than_the_hint();
        }
        slice
    }

    /// A zero-length slice; allocates nothing. Same as [`ArcSlice::new`].
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// assert!(Allocator::<u8>::alloc_empty().is_empty());
    /// ```
    pub const fn alloc_empty() -> ArcSlice<T, L> {
        ArcSlice::new()
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
        self.retire_current();
        // Freeing one chunk drops its elements, whose handles may leave
        // another retired chunk with only our reference: go again until a
        // pass frees nothing (at most once per retired chunk).
        for _ in 0..=RETIRED {
            let retired = self.retired.get();
            if !retired.iter().flatten().any(|chunk| chunk.is_unique()) {
                break;
            }
            self.release_unused_retired();
        }
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

    // ----- the fill path -------------------------------------------------

    /// Reserves `len` slots, runs `init` for each and commits. The one
    /// implementation behind `alloc`, `try_alloc` and `checked_alloc`.
    #[inline(always)]
    fn fill<E>(
        &self,
        len: usize,
        mut init: impl FnMut(usize) -> Result<T, E>,
    ) -> Result<ArcSlice<T, L>, Failure<E>> {
        if len == 0 {
            return Ok(ArcSlice::new());
        }
        // The fast path makes no `Result` (see `reserve_in_current`).
        let res = match self.checked_reserve_in_current(len) {
            Some(res) => res,
            None => self.checked_reserve_slow(len).map_err(Failure::Alloc)?,
        };
        // The reservation is in the allocator's newest chunk; if `init`
        // starts a newer one, the epoch moves on. (Read here rather than
        // kept in the reservation, which the fast path keeps small.)
        let epoch = self.epoch.get();
        // SAFETY: the reservation's slots are in bounds and uninitialised.
        let base = unsafe { res.chunk.slot(res.start) }.as_ptr();
        let mut guard = Unfilled {
            arena: self,
            res,
            written: 0,
        };
        for i in 0..len {
            let value = init(i).map_err(Failure::Init)?;
            // SAFETY: `i < len`: slot `start + i` is reserved for us and not
            // yet written. `init` may have allocated from `self`, but a
            // reservation is never handed out twice.
            unsafe { base.add(i).write(value) };
            guard.written = i + 1;
        }
        if self.links.is_some() && epoch != self.epoch.get() {
            return self.relocate(guard).map_err(Failure::Alloc);
        }
        let res = guard.finish();
        // SAFETY: all `len` slots of the reservation are initialised.
        Ok(unsafe { ArcSlice::from_raw_parts(self.commit(res)) })
    }

    /// Moves a fully written reservation of an acyclic allocator into a new
    /// reservation and commits it there. Needed when `init` made the
    /// allocator start a chunk newer than the reservation's: the elements
    /// may hold links into that newer chunk, and committing them in the
    /// older one would let two chunks point at each other (see `links.rs`).
    ///
    /// If no new reservation can be had, the elements are dropped (by the
    /// guard) and the error returned; the allocator stays usable.
    #[cold]
    #[inline(never)]
    fn relocate(&self, from: Unfilled<'_, T, L, N>) -> Result<ArcSlice<T, L>, AllocError> {
        let len = from.res.len;
        debug_assert_eq!(from.written, len);
        // May run user code (a reused chunk's drops); if it panics or fails,
        // `from` drops the elements and gives its reservation back.
        let to = self.reserve(len)?;
        // SAFETY: `from`'s `len` slots are initialised and owned by no handle;
        // `to`'s are reserved for us, uninitialised, and in another place
        // (a reservation is never handed out twice). Nothing between the
        // copy and the commit runs user code, so the moved values are owned
        // exactly once: by the new slots.
        let moved = unsafe {
            ptr::copy_nonoverlapping(
                from.res.chunk.slot(from.res.start).as_ptr(),
                to.chunk.slot(to.start).as_ptr(),
                len,
            );
            ArcSlice::from_raw_parts(self.commit(to))
        };
        // The old slots are now a hole (or, for a dedicated chunk, nothing).
        // Giving them back may release the old chunk and run user drops;
        // `moved` is already a handle, so a panic there drops it properly.
        let from = from.finish();
        self.cancel(&from);
        Ok(moved)
    }

    /// Turns a fully written reservation into the reference its handle owns.
    /// Returns `(chunk, start, len)`.
    ///
    /// # Safety
    /// Every slot of `res` is initialised.
    ///
    /// For an acyclic allocator the reservation is also in the newest
    /// chunk: no chunk became current since it was made (`fill` relocates
    /// it otherwise).
    #[inline]
    unsafe fn commit(&self, res: Reservation<T>) -> (Chunk<T>, usize, usize) {
        if res.dedicated {
            // SAFETY: the dedicated chunk is ours alone and now full.
            unsafe { res.chunk.set_len(res.len) };
            // A dedicated chunk is fresh: no handle pointed into it before
            // this commit, so its values hold no self-link.
        } else if let Some(count) = self.links {
            // SAFETY: the caller's promise: the slots are initialised.
            unsafe { self.forget_self_links(count, &res) };
        }
        (res.chunk, res.start, res.len)
    }

    /// `commit`'s work for an acyclic allocator: gives back the references
    /// that the committed values' self-links hold. Out of line, so that a
    /// plain allocator's `commit` stays one branch and `fill` stays small
    /// enough to be inlined with its `init` (W3 took twice as long when it
    /// was inline).
    ///
    /// # Safety
    /// Every slot of `res` is initialised, and `res` is a reservation in the
    /// current chunk, not yet committed.
    #[inline(never)]
    unsafe fn forget_self_links(&self, count: CountSelfLinks<T>, res: &Reservation<T>) {
        debug_assert!(self.current.get() == Some(res.chunk));
        // SAFETY: the reservation's slots are initialised (the caller's
        // promise) and not yet shared.
        let found = unsafe { count(res.chunk, res.start, res.len) };
        if found != 0 {
            self.give_back(res.chunk, found);
        }
    }

    /// Gives back `n` references to the current chunk `chunk` that the
    /// allocator knows are owned by no handle any more: the self-links of
    /// just-committed values (see `links.rs`), or a cancelled reservation.
    ///
    /// A reference is counted either in `handed` (a hand-out not yet
    /// settled) or in the chunk's atomic count (a clone), and the settle
    /// adds the two up, so which one gives it back does not matter: take
    /// from `handed` while it has enough (no atomic operation), and the rest
    /// from the count, which the bias keeps far from zero. (`handed` can
    /// fall short: self-links to clones, or a reservation whose hand-out a
    /// nested commit's self-links already took.)
    #[inline]
    fn give_back(&self, chunk: Chunk<T>, n: usize) {
        let handed = self.handed.get();
        if n <= handed {
            self.handed.set(handed - n);
        } else {
            self.handed.set(0);
            // SAFETY: `chunk` is current (its count holds the bias), and the
            // `n - handed` references are owned by no handle: each committed
            // value's self-links are reported once (the `ArenaLinks`
            // contract) and given back once, as is a cancelled reservation's.
            unsafe { chunk.forget_refs(n - handed) };
        }
    }

    /// [`reserve_slow`](Self::reserve_slow) after the length check, for a
    /// caller whose [`checked_reserve_in_current`] found no room.
    ///
    /// [`checked_reserve_in_current`]: Self::checked_reserve_in_current
    #[cold]
    #[inline(never)]
    fn checked_reserve_slow(&self, len: usize) -> Result<Reservation<T>, AllocError> {
        if len > L::MAX {
            return Err(AllocError::LengthOverflow {
                len,
                max: L::MAX,
                index_type: L::NAME,
            });
        }
        self.reserve_slow(len)
    }

    /// Reserves `len >= 1` (and `len <= L::MAX`) slots and counts the
    /// reference that their handle will own.
    #[inline]
    fn reserve(&self, len: usize) -> Result<Reservation<T>, AllocError> {
        match self.reserve_in_current(len) {
            Some(res) => Ok(res),
            None => self.reserve_slow(len),
        }
    }

    /// [`reserve_in_current`](Self::reserve_in_current) after the length
    /// check.
    #[inline]
    fn checked_reserve_in_current(&self, len: usize) -> Option<Reservation<T>> {
        if len > L::MAX {
            return None;
        }
        self.reserve_in_current(len)
    }

    /// [`reserve`](Self::reserve)'s fast path: `len` slots from the current
    /// chunk, if it has them.
    ///
    /// The hot callers use it and call the slow path themselves, so that
    /// the fast path makes no `Result`: a `Result<Reservation, AllocError>`
    /// taken apart by `?` on every call had LLVM copy its padding through
    /// the stack, a store-forwarding stall that doubled W3's time and made
    /// W2's 1.6 times as long.
    #[inline]
    fn reserve_in_current(&self, len: usize) -> Option<Reservation<T>> {
        let cursor = self.cursor.get();
        let chunk = self.current.get()?;
        if len > N - cursor {
            return None;
        }
        self.cursor.set(cursor + len);
        self.handed.set(self.handed.get() + 1);
        Some(Reservation {
            chunk,
            start: cursor,
            len,
            dedicated: false,
        })
    }

    #[cold]
    #[inline(never)]
    fn reserve_slow(&self, len: usize) -> Result<Reservation<T>, AllocError> {
        let left = N - self.cursor.get();
        let acyclic = self.links.is_some();
        // An acyclic allocator never keeps a current chunk older than a
        // dedicated one (its later values could point into the dedicated
        // chunk, whose values point back): it takes a fresh chunk for a
        // request that fits one, and retires the current chunk first
        // otherwise.
        if len > N || (!acyclic && self.current.get().is_some() && left > N - len) {
            if acyclic {
                self.retire_current();
            }
            let chunk = self.new_chunk(len, 1)?;
            self.dedicated_chunks.set(self.dedicated_chunks.get() + 1);
            self.epoch.set(self.epoch.get() + 1);
            return Ok(Reservation {
                chunk,
                start: 0,
                len,
                dedicated: true,
            });
        }
        self.retire_current();
        let chunk = match self.take_reusable() {
            Some(chunk) => chunk,
            None => self.new_chunk(N, BIAS)?,
        };
        // Dropping a reused chunk's elements (or, in `new_chunk`, releasing
        // unused retired chunks) ran user code, which may have allocated from
        // `self` and installed a chunk of its own. Retiring it may evict a
        // chunk whose element's drop panics: `chunk` is then freed, not lost.
        let held = Uninstalled(chunk);
        self.retire_current();
        mem::forget(held);
        self.current.set(Some(chunk));
        self.cursor.set(len);
        self.handed.set(1);
        self.epoch.set(self.epoch.get() + 1);
        Ok(Reservation {
            chunk,
            start: 0,
            len,
            dedicated: false,
        })
    }

    /// Allocates a chunk of `capacity` slots with count `refs`, within the
    /// limit.
    fn new_chunk(&self, capacity: usize, refs: usize) -> Result<Chunk<T>, AllocError> {
        let layout = self.chunk_layout(capacity)?;
        let live = self.live.get_or_init(|| Arc::new(Live::new()));
        self.chunks_created.set(self.chunks_created.get() + 1);
        Ok(Chunk::allocate(capacity, layout, refs, live))
    }

    /// The layout of a chunk of `capacity` slots, or why the allocator will
    /// not make one. When the limit is in the way, the retired chunks no
    /// handle uses are freed first.
    fn chunk_layout(&self, capacity: usize) -> Result<Layout, AllocError> {
        let layout = chunk::layout::<T>(capacity).ok_or(AllocError::SizeOverflow {
            len: capacity,
            elem_size: mem::size_of::<T>(),
        })?;
        let live = self.live.get_or_init(|| Arc::new(Live::new()));
        if let Some(limit) = self.limit.get() {
            if live.bytes().saturating_add(layout.size()) > limit {
                self.release_unused_retired();
                let in_use = live.bytes();
                if in_use.saturating_add(layout.size()) > limit {
                    return Err(AllocError::LimitExceeded {
                        limit,
                        in_use,
                        requested: layout.size(),
                    });
                }
            }
        }
        Ok(layout)
    }

    /// Settles the current chunk and moves it to the retired list.
    fn retire_current(&self) {
        let Some(chunk) = self.current.take() else {
            return;
        };
        let cursor = self.cursor.replace(N);
        let handed = self.handed.replace(0);
        self.bytes_lost
            .set(self.bytes_lost.get() + (N - cursor) * mem::size_of::<T>());
        // SAFETY: the chunk was current: we publish how far it was filled,
        // then give up the bias, keeping our own reference.
        unsafe {
            chunk.set_len(cursor);
            chunk.settle(handed);
        }
        // The list is newest first. The new chunk goes in front, filling the
        // first empty slot (a chunk taken for reuse leaves one); only when
        // there is none is the oldest chunk evicted.
        let mut retired = self.retired.get();
        let gap = retired
            .iter()
            .position(Option::is_none)
            .unwrap_or(RETIRED - 1);
        let evicted = retired[gap].take();
        retired.copy_within(0..gap, 1);
        retired[0] = Some(chunk);
        self.retired.set(retired);
        if let Some(evicted) = evicted {
            // SAFETY: we held one reference to the evicted chunk and drop it
            // from the list before releasing it (its elements' drops may run
            // user code that re-enters the allocator).
            unsafe { evicted.release() };
        }
    }

    /// Takes a retired chunk whose only reference is ours, drops its
    /// elements and returns it ready to be current.
    ///
    /// The most recently retired chunks are tried first: in a churn loop the
    /// chunk just retired is the one whose memory is still in the cache.
    fn take_reusable(&self) -> Option<Chunk<T>> {
        let mut retired = self.retired.get();
        // Newest first (see `retire_current`).
        let slot = retired
            .iter()
            .position(|slot| slot.is_some_and(|chunk| chunk.is_unique()))?;
        let chunk = retired[slot].take()?;
        self.retired.set(retired);
        self.chunks_reused.set(self.chunks_reused.get() + 1);
        // SAFETY: `is_unique` saw our reference as the only one, and no one
        // can take a new reference to a chunk without holding one.
        unsafe { chunk.recycle() };
        Some(chunk)
    }

    /// Frees the retired chunks that no handle uses any more.
    fn release_unused_retired(&self) {
        let mut retired = self.retired.get();
        let mut unused = [None; RETIRED];
        for (slot, out) in retired.iter_mut().zip(unused.iter_mut()) {
            if slot.is_some_and(|chunk| chunk.is_unique()) {
                *out = slot.take();
            }
        }
        self.retired.set(retired);
        // SAFETY: the references were the list's, and it no longer holds them.
        unsafe { release_all(&unused.map(|slot| slot.map(Chunk::erase))) };
    }

    /// Gives back a reservation whose elements were not all made: called by
    /// [`Unfilled`] after it dropped the ones that were.
    fn cancel(&self, res: &Reservation<T>) {
        if res.dedicated {
            // SAFETY: the reservation holds the dedicated chunk's only
            // reference and `len` was never set: freeing drops nothing.
            unsafe { res.chunk.free() };
            return;
        }
        let end = res.start + res.len;
        if self.current.get() == Some(res.chunk) {
            // The reservation's reference may have been taken off `handed`
            // already by a nested commit's self-links (the two counts are
            // interchangeable): `give_back` takes it from either.
            self.give_back(res.chunk, 1);
            if self.cursor.get() == end {
                // Nothing was reserved after us: the space is reused.
                self.cursor.set(res.start);
            } else {
                self.record_hole(res);
            }
        } else {
            // A nested allocation retired the chunk, counting our
            // reservation as a handle: give that reference back.
            self.record_hole(res);
            // SAFETY: the reference was ours, and the hole is recorded first.
            unsafe { res.chunk.release() };
        }
    }

    /// Marks `res`'s slots as holding no elements, for the chunk's release.
    fn record_hole(&self, res: &Reservation<T>) {
        self.bytes_lost
            .set(self.bytes_lost.get() + res.len * mem::size_of::<T>());
        // SAFETY: we still hold the reservation's reference (or our bias).
        unsafe { res.chunk.add_hole(res.start..res.start + res.len) };
    }
}

impl<T: ArenaLinks<L>, L: IndexType, const N: usize> Allocator<T, L, N> {
    /// [`alloc_value`](Self::alloc_value) for a type that reports its links,
    /// with the scan for links into the value's chunk inlined here instead
    /// of made through the function pointer an acyclic allocator keeps.
    ///
    /// It does what `alloc_value` does, but where the caller builds the
    /// value in place (`arena.alloc_linked(Expr::Add(a, b))`) the compiler
    /// knows the value's variant and reduces the scan to a comparison per
    /// handle, instead of an indirect call and a branch on the variant that a
    /// random tree mispredicts. [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc)
    /// uses it for `Foo::alloc_value`. On an allocator made by
    /// [`new`](Self::new) it is exactly `alloc_value`.
    ///
    /// # Panics
    /// As [`alloc_value`](Self::alloc_value).
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSingle, ArenaLinks, Links};
    ///
    /// enum Expr {
    ///     Num(i64),
    ///     Add(ArcSingle<Expr>, ArcSingle<Expr>),
    /// }
    ///
    /// // SAFETY: both handles are owned by value and reported once; no `Drop`.
    /// unsafe impl ArenaLinks for Expr {
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         if let Expr::Add(a, b) = self {
    ///             links.single(a);
    ///             links.single(b);
    ///         }
    ///     }
    /// }
    ///
    /// let arena: Allocator<Expr> = Allocator::new_acyclic();
    /// let one = arena.alloc_linked(Expr::Num(1));
    /// let two = arena.alloc_linked(Expr::Num(2));
    /// let sum = arena.alloc_linked(Expr::Add(one, two));
    /// assert!(matches!(*sum, Expr::Add(..)));
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_linked(&self, value: T) -> ArcSingle<T, L> {
        match self.checked_alloc_linked(value) {
            Ok(single) => single,
            Err(err) => refuse(err),
        }
    }

    /// Like [`alloc_linked`](Self::alloc_linked), but returns an
    /// [`AllocError`] (dropping `value`) instead of panicking.
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
    /// let arena: Allocator<Node> = Allocator::new_acyclic();
    /// arena.set_limit(Some(0));
    /// assert!(arena.checked_alloc_linked(Node(ArcSlice::new())).is_err());
    /// ```
    #[inline]
    pub fn checked_alloc_linked(&self, value: T) -> Result<ArcSingle<T, L>, AllocError> {
        // Count the value's links into the current chunk now, while the
        // value is still the caller's: if the slot lands in that chunk, they
        // are its self-links. If it lands anywhere else, the chunk is fresh
        // or reused (reusable only with no handle left into it), so no link
        // of the value points into it.
        let current = self.current.get();
        let found = match current {
            Some(chunk) if self.links.is_some() => count_links_of(&value, chunk),
            _ => 0,
        };
        let res = match self.reserve_in_current(1) {
            Some(res) => res,
            None => self.reserve_slow(1)?,
        };
        debug_assert!(
            !res.dedicated,
            "a single value never needs a dedicated chunk"
        );
        if found != 0 && Some(res.chunk) == current {
            self.give_back(res.chunk, found);
        }
        // SAFETY: the reservation is slot `start` of `chunk`, uninitialised
        // and ours; no user code runs between the reservation and the write.
        // It is not dedicated, so `commit` would only count the self-links,
        // which was done above.
        unsafe {
            res.chunk.slot(res.start).write(value);
            Ok(ArcSingle::from_raw_parts((res.chunk, res.start, 1)))
        }
    }
}

/// A reservation being written. Dropped before [`finish`](Self::finish)
/// (because `init` failed or panicked), it drops the elements written so far
/// and gives the reservation back.
struct Unfilled<'a, T, L: IndexType, const N: usize> {
    arena: &'a Allocator<T, L, N>,
    res: Reservation<T>,
    written: usize,
}

impl<T, L: IndexType, const N: usize> Unfilled<'_, T, L, N> {
    #[inline]
    fn finish(self) -> Reservation<T> {
        let this = mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again.
        unsafe { ptr::read(&this.res) }
    }
}

impl<T, L: IndexType, const N: usize> Drop for Unfilled<'_, T, L, N> {
    #[cold]
    fn drop(&mut self) {
        struct Cancel<'b, 'a, T, L: IndexType, const N: usize>(&'b Unfilled<'a, T, L, N>);
        impl<T, L: IndexType, const N: usize> Drop for Cancel<'_, '_, T, L, N> {
            fn drop(&mut self) {
                self.0.arena.cancel(&self.0.res);
            }
        }
        // Give the space back even if an element's drop panics, but only
        // after the elements are gone: a drop may allocate from the arena.
        let _cancel = Cancel(self);
        // SAFETY: slots `start..start + written` were written by `fill` and
        // are owned by no handle.
        unsafe {
            ptr::drop_in_place(ptr::slice_from_raw_parts_mut(
                self.res.chunk.slot(self.res.start).as_ptr(),
                self.written,
            ));
        }
    }
}

/// A chunk about to become current (count at the bias, no element) that only
/// a local of `reserve_slow` holds: freed if a panic unwinds first.
struct Uninstalled<T>(Chunk<T>);

impl<T> Drop for Uninstalled<T> {
    fn drop(&mut self) {
        // SAFETY: the chunk is fresh or recycled and nothing was reserved in
        // it: no handle exists, the local's reference is the only one, its
        // `len` is 0, and it is never used after this.
        unsafe { self.0.free() }
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
        let current = match self.current.get() {
            Some(chunk) => Some((chunk.erase(), self.cursor.get(), self.handed.get())),
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
        // was filled and its unsettled hand-outs, `retired` the chunks it
        // holds one reference to; the allocator is never used again.
        unsafe { release_held(current, retired) };
    }
}

/// What the drop of an allocator does: settles the current chunk (if any),
/// then releases it and the retired chunks, in the order that retiring the
/// current chunk and releasing the list would (the oldest retired chunk
/// first when the list is full, as if evicted).
///
/// # Safety
/// `current` is `(chunk, cursor, handed)` of a chunk that is current for an
/// allocator that gives it up, `retired` holds chunks that allocator owns
/// one reference to, and neither is used again.
#[inline(never)]
unsafe fn release_held(
    current: Option<(RawChunk, usize, usize)>,
    retired: [Option<RawChunk>; RETIRED],
) {
    let Some((chunk, cursor, handed)) = current else {
        // SAFETY: the caller's references, given up.
        unsafe { release_all(&retired) };
        return;
    };
    // SAFETY: the chunk was current: we publish how far it was filled, then
    // give up the bias, keeping our own reference, released below.
    unsafe {
        chunk.set_len(cursor);
        chunk.settle(handed);
    }
    let mut order = [None; RETIRED + 1];
    if retired.iter().all(Option::is_some) {
        order[0] = retired[RETIRED - 1];
        order[1] = Some(chunk);
        order[2..].copy_from_slice(&retired[..RETIRED - 1]);
    } else {
        order[0] = Some(chunk);
        order[1..].copy_from_slice(&retired);
    }
    // SAFETY: one reference to each, which the caller gives up.
    unsafe { release_all(&order) };
}

/// Releases one reference to each chunk, going on if an element's drop panics.
///
/// # Safety
/// The caller owns one reference to each chunk and gives it up.
unsafe fn release_all(chunks: &[Option<RawChunk>]) {
    struct Rest<'a>(&'a [Option<RawChunk>]);
    impl Drop for Rest<'_> {
        fn drop(&mut self) {
            // SAFETY: the references not yet released, still the caller's.
            unsafe { release_all(self.0) };
        }
    }
    for (i, chunk) in chunks.iter().enumerate() {
        if let Some(chunk) = chunk {
            let rest = Rest(&chunks[i + 1..]);
            // SAFETY: the caller passes references it owns and gives up.
            unsafe { chunk.release() };
            mem::forget(rest);
        }
    }
}

/// Reads every item of `iter` into a `Vec` that starts with room for
/// `capacity` and grows as items come, whatever the iterator's hint. With a
/// claimed `exact` length, reads at most one item past it and panics if the
/// count differs.
#[track_caller]
fn read_untrusted<T>(
    iter: impl Iterator<Item = T>,
    capacity: usize,
    exact: Option<usize>,
) -> Vec<T> {
    let mut items = Vec::with_capacity(capacity);
    let limit = exact.map_or(usize::MAX, |n| n.saturating_add(1));
    // `push`, not `extend` or `collect`: those reserve by the hint.
    for item in iter.take(limit) {
        items.push(item);
    }
    match exact {
        Some(n) if items.len() < n => fewer_than_the_hint(),
        Some(n) if items.len() > n => more_than_the_hint(),
        _ => items,
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn fewer_than_the_hint() -> ! {
    panic!("arena-arc: alloc_from_iter: the iterator yielded fewer items than its exact size_hint")
}

#[cold]
#[inline(never)]
#[track_caller]
fn more_than_the_hint() -> ! {
    panic!("arena-arc: alloc_from_iter: the iterator yielded more items than its exact size_hint")
}

#[cold]
#[inline(never)]
#[track_caller]
fn refuse(err: AllocError) -> ! {
    panic!("{err}")
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
