//! [`LocalArena`]: a per-thread [`Allocator`] behind a copyable handle, and
//! [`ThreadArena`], the operations it offers without naming its chunk size.

use core::fmt;
use core::mem::ManuallyDrop;
use core::ptr::NonNull;
use std::thread::LocalKey;

use crate::allocator::Allocator;
use crate::error::AllocError;
use crate::index::IndexType;
use crate::links::ArenaLinks;
use crate::single::ArcSingle;
use crate::slice::ArcSlice;
use crate::stats::ArenaStats;
use crate::thin::ArcThin;

/// One [`Allocator<T, L, N>`](Allocator) per thread, behind a `Copy` handle
/// that can live in a `static`. Needs the `std` feature (on by default): it
/// is a thread-local.
///
/// This is what [`arena!(static NAME: T, N)`](crate::arena) declares: an
/// arena for any type, foreign ones included. Every method takes `&self` and
/// mirrors the method of the same name on [`Allocator`]; each call costs one
/// thread-local lookup on top of the allocator's own work. There is no
/// `RefCell`: an `init` closure may allocate from the same arena again
/// (nested allocation).
///
/// Handles from it are ordinary [`ArcSlice`]s and [`ArcSingle`]s: they may go
/// to other threads and be dropped there. When a thread ends, its allocator
/// is dropped; chunks that still have handles live on until the last one
/// goes.
///
/// An allocation made while the thread's allocator is being destroyed (from
/// the `Drop` of another thread-local, say) does not touch the destroyed
/// allocator: it is served by a fresh allocator made for that one call, which
/// costs a chunk of its own.
///
/// ```
/// # #[cfg(feature = "derive")] {
/// use arena_arc::{ArcSlice, arena};
///
/// arena!(static BYTES: u8, 4096);
///
/// let name: ArcSlice<u8> = BYTES.alloc_slice_copy(b"main");
/// let zeros = BYTES.alloc(8, |_| 0);
/// assert_eq!(name.get(), b"main");
/// assert_eq!(zeros.len(), 8);
/// assert_eq!(BYTES.stats().chunks_created, 1);
/// # }
/// ```
///
/// Without the macro, pair it with [`std::thread_local!`]:
///
/// ```
/// use arena_arc::{Allocator, LocalArena};
///
/// thread_local! {
///     static WORDS: Allocator<String, u32, 64> = const { Allocator::new() };
/// }
/// static ARENA: LocalArena<String, u32, 64> = LocalArena::new(&WORDS);
///
/// let hello = ARENA.alloc_value("hello".to_string());
/// assert_eq!(*hello, "hello");
/// ```
pub struct LocalArena<T: 'static, L: IndexType = u32, const N: usize = 256> {
    key: &'static LocalKey<Allocator<T, L, N>>,
}

impl<T: 'static, L: IndexType, const N: usize> LocalArena<T, L, N> {
    /// Wraps a thread-local allocator declared with [`std::thread_local!`].
    ///
    /// ```
    /// use arena_arc::{Allocator, LocalArena};
    ///
    /// thread_local! {
    ///     static NUMBERS: Allocator<u64> = const { Allocator::new() };
    /// }
    /// const ARENA: LocalArena<u64> = LocalArena::new(&NUMBERS);
    /// assert_eq!(*ARENA.alloc_value(3), 3);
    /// ```
    pub const fn new(key: &'static LocalKey<Allocator<T, L, N>>) -> Self {
        LocalArena { key }
    }

    /// Runs `f` with this thread's allocator.
    ///
    /// `f` may call back into the same arena (the allocator's methods take
    /// `&self`). If the thread's allocator has already been destroyed
    /// (during thread-local destruction), `f` gets a fresh allocator made
    /// for this call instead.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NUMBERS: u32, 128);
    /// let capacity = NUMBERS.with(|allocator| allocator.chunk_capacity());
    /// assert_eq!(capacity, 128);
    /// # }
    /// ```
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(&Allocator<T, L, N>) -> R) -> R {
        match self.key.try_with(|allocator| NonNull::from(allocator)) {
            // SAFETY: the thread-local lives until this thread's
            // thread-local destructors run it, which cannot happen while
            // `f` runs on this thread: they run one at a time, after the
            // code that may reach it (a destructor that runs `f` finishes
            // before the next one starts). So the allocator outlives `f`.
            Ok(allocator) => f(unsafe { allocator.as_ref() }),
            Err(_destroyed) => with_fresh(f),
        }
    }

    /// The chunk capacity `N` in elements.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static BYTES: u8, 65536);
    /// assert_eq!(BYTES.chunk_capacity(), 65536);
    /// # }
    /// ```
    pub const fn chunk_capacity(&self) -> usize {
        N
    }

    /// [`Allocator::alloc`] on this thread's allocator.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NUMBERS: u32, 256);
    /// assert_eq!(NUMBERS.alloc(3, |i| i as u32 * 10), [0, 10, 20]);
    /// # }
    /// ```
    #[inline]
    pub fn alloc(&self, len: usize, init: impl FnMut(usize) -> T) -> ArcSlice<T, L> {
        self.with(|a| a.alloc(len, init))
    }

    /// [`Allocator::try_alloc`] on this thread's allocator.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NUMBERS: u32, 256);
    /// let parsed = NUMBERS.try_alloc(2, |i| ["4", "x"][i].parse::<u32>());
    /// assert!(parsed.is_err());
    /// # }
    /// ```
    #[inline]
    pub fn try_alloc<E>(
        &self,
        len: usize,
        init: impl FnMut(usize) -> Result<T, E>,
    ) -> Result<ArcSlice<T, L>, E> {
        self.with(|a| a.try_alloc(len, init))
    }

    /// [`Allocator::checked_alloc`] on this thread's allocator.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static TINY: u8, 16, u8);
    /// assert!(TINY.checked_alloc(1000, |_| 0).is_err()); // longer than u8::MAX
    /// # }
    /// ```
    #[inline]
    pub fn checked_alloc(
        &self,
        len: usize,
        init: impl FnMut(usize) -> T,
    ) -> Result<ArcSlice<T, L>, AllocError> {
        self.with(|a| a.checked_alloc(len, init))
    }

    /// [`Allocator::alloc_single`] on this thread's allocator.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NAMES: String, 64);
    /// assert_eq!(*NAMES.alloc_single(|| "x".repeat(3)), "xxx");
    /// # }
    /// ```
    #[inline]
    pub fn alloc_single(&self, init: impl FnOnce() -> T) -> ArcSingle<T, L> {
        // `init` runs outside the thread-local access: it may do anything.
        let value = init();
        self.alloc_value(value)
    }

    /// [`Allocator::try_alloc_single`] on this thread's allocator.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NUMBERS: u32, 64);
    /// assert_eq!(*NUMBERS.try_alloc_single(|| "7".parse::<u32>()).unwrap(), 7);
    /// # }
    /// ```
    #[inline]
    pub fn try_alloc_single<E>(
        &self,
        init: impl FnOnce() -> Result<T, E>,
    ) -> Result<ArcSingle<T, L>, E> {
        init().map(|value| self.alloc_value(value))
    }

    /// [`Allocator::alloc_value`] on this thread's allocator.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NUMBERS: u64, 64);
    /// assert_eq!(*NUMBERS.alloc_value(42), 42);
    /// # }
    /// ```
    #[inline]
    pub fn alloc_value(&self, value: T) -> ArcSingle<T, L> {
        self.with(|a| a.alloc_value(value))
    }

    /// [`Allocator::alloc_thin`] on this thread's allocator: the value as
    /// an 8-byte [`ArcThin`].
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NUMBERS: u64, 64);
    /// assert_eq!(*NUMBERS.alloc_thin(3), 3);
    /// # }
    /// ```
    #[inline]
    pub fn alloc_thin(&self, value: T) -> ArcThin<T> {
        self.with(|a| a.alloc_thin(value))
    }

    /// [`Allocator::checked_alloc_value`] on this thread's allocator.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NUMBERS: u64, 64);
    /// assert_eq!(*NUMBERS.checked_alloc_value(1).unwrap(), 1);
    /// # }
    /// ```
    #[inline]
    pub fn checked_alloc_value(&self, value: T) -> Result<ArcSingle<T, L>, AllocError> {
        self.with(|a| a.checked_alloc_value(value))
    }

    /// [`Allocator::alloc_slice_copy`] on this thread's allocator.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static BYTES: u8, 1024);
    /// assert_eq!(BYTES.alloc_slice_copy(b"abc").get(), b"abc");
    /// # }
    /// ```
    #[inline]
    pub fn alloc_slice_copy(&self, src: &[T]) -> ArcSlice<T, L>
    where
        T: Copy,
    {
        self.with(|a| a.alloc_slice_copy(src))
    }

    /// [`Allocator::alloc_slice_clone`] on this thread's allocator.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NAMES: String, 64);
    /// let names = NAMES.alloc_slice_clone(&["a".to_string()]);
    /// assert_eq!(names[0], "a");
    /// # }
    /// ```
    #[inline]
    pub fn alloc_slice_clone(&self, src: &[T]) -> ArcSlice<T, L>
    where
        T: Clone,
    {
        self.with(|a| a.alloc_slice_clone(src))
    }

    /// [`Allocator::alloc_from_iter`] on this thread's allocator.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NUMBERS: u32, 64);
    /// assert_eq!(NUMBERS.alloc_from_iter(1..=3), [1, 2, 3]);
    /// # }
    /// ```
    #[inline]
    pub fn alloc_from_iter(&self, iter: impl IntoIterator<Item = T>) -> ArcSlice<T, L> {
        // The closure holds a reference, not the iterator: moved by value
        // through `with` into the allocator's out-of-line fill, a `Drain`
        // was copied at each layer (W9's build, docs/benchmarks.md).
        let mut iter = iter.into_iter();
        self.with(|a| a.alloc_from_iter(&mut iter))
    }

    /// [`Allocator::alloc_split_off`] on this thread's allocator.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NUMBERS: u32, 64);
    /// let mut stack = vec![1, 2, 3];
    /// assert_eq!(NUMBERS.alloc_split_off(&mut stack, 1), [2, 3]);
    /// assert_eq!(stack, [1]);
    /// # }
    /// ```
    #[inline]
    pub fn alloc_split_off(&self, vec: &mut Vec<T>, at: usize) -> ArcSlice<T, L> {
        self.with(|a| a.alloc_split_off(vec, at))
    }

    /// [`Allocator::checked_alloc_split_off`] on this thread's allocator.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NUMBERS: u32, 64);
    /// let mut stack = vec![1, 2, 3];
    /// assert_eq!(NUMBERS.checked_alloc_split_off(&mut stack, 2).unwrap(), [3]);
    /// # }
    /// ```
    #[inline]
    pub fn checked_alloc_split_off(
        &self,
        vec: &mut Vec<T>,
        at: usize,
    ) -> Result<ArcSlice<T, L>, AllocError> {
        self.with(|a| a.checked_alloc_split_off(vec, at))
    }

    /// A zero-length slice; allocates nothing.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NUMBERS: u32, 64);
    /// assert!(NUMBERS.alloc_empty().is_empty());
    /// # }
    /// ```
    pub const fn alloc_empty(&self) -> ArcSlice<T, L> {
        ArcSlice::new()
    }

    /// [`Allocator::trim`] on this thread's allocator: retires its current
    /// chunk and frees the chunks no handle uses any more.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NUMBERS: u64, 64);
    /// drop(NUMBERS.alloc(10, |i| i as u64));
    /// NUMBERS.trim();
    /// assert_eq!(NUMBERS.stats().chunks_alive, 0);
    /// # }
    /// ```
    pub fn trim(&self) {
        self.with(|a| a.trim());
    }

    /// [`Allocator::stats`] of this thread's allocator (all zero if it has
    /// been destroyed).
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::arena;
    ///
    /// arena!(static NUMBERS: u32, 64);
    /// let _kept = NUMBERS.alloc(10, |i| i as u32);
    /// assert_eq!(NUMBERS.stats().current_chunk_free, 54);
    /// # }
    /// ```
    pub fn stats(&self) -> ArenaStats {
        self.with(|a| a.stats())
    }
}

impl<T: ArenaLinks<L> + 'static, L: IndexType, const N: usize> LocalArena<T, L, N> {
    /// [`Allocator::alloc_linked`] on this thread's allocator: `alloc_value`
    /// with the scan for self-links inlined at the call site.
    /// [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc) uses it for
    /// `Foo::alloc_value` of a type with self-links.
    ///
    /// ```
    /// use arena_arc::{ArcSlice, ArenaLinks, Links, arena};
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
    /// arena!(static NODES: Node, 64);
    /// let leaves = NODES.alloc(2, |_| Node(ArcSlice::new()));
    /// let root = NODES.alloc_linked(Node(leaves));
    /// assert_eq!(root.0.len(), 2);
    /// ```
    #[inline]
    pub fn alloc_linked(&self, value: T) -> ArcSingle<T, L> {
        // The value goes through `with` by reference: moved by value into
        // its closure, it was copied at each layer on its way to its slot
        // (W8's and W9's build, docs/benchmarks.md).
        let value = ManuallyDrop::new(value);
        // The error becomes a panic inside `with`, so that `with` returns
        // the 16-byte handle in two registers: a `Result` came back through
        // memory, three stores and the caller's loads and test, at every
        // allocation (W8's build with `ArcSingle`, docs/benchmarks.md).
        //
        // SAFETY: `with` runs the closure once; `value` is not used after.
        self.with(|a| unsafe { a.move_linked_or_refuse(&value) })
    }

    /// [`Allocator::checked_alloc_linked`] on this thread's allocator.
    ///
    /// ```
    /// use arena_arc::{ArcSlice, ArenaLinks, Links, arena};
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
    /// arena!(static NODES: Node, 64);
    /// assert!(NODES.checked_alloc_linked(Node(ArcSlice::new())).is_ok());
    /// ```
    #[inline]
    pub fn checked_alloc_linked(&self, value: T) -> Result<ArcSingle<T, L>, AllocError> {
        let value = ManuallyDrop::new(value);
        // SAFETY: `with` runs the closure once; `value` is not used after.
        self.with(|a| unsafe { a.move_linked(&value) })
    }

    /// [`Allocator::alloc_thin_linked`] on this thread's allocator.
    /// [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc) uses it for
    /// `Foo::alloc_thin` of a type with self-links.
    ///
    /// ```
    /// use arena_arc::{ArcThin, ArenaLinks, Links, arena};
    ///
    /// struct Node(Option<ArcThin<Node>>);
    ///
    /// // SAFETY: the one handle is owned by value and reported once; no `Drop`.
    /// unsafe impl ArenaLinks for Node {
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         links.visit(&self.0);
    ///     }
    /// }
    ///
    /// arena!(static NODES: Node, 64);
    /// let leaf = NODES.alloc_thin_linked(Node(None));
    /// let root = NODES.alloc_thin_linked(Node(Some(leaf)));
    /// assert!(root.0.is_some());
    /// ```
    #[inline]
    pub fn alloc_thin_linked(&self, value: T) -> ArcThin<T> {
        let value = ManuallyDrop::new(value);
        // SAFETY: `with` runs the closure once; `value` is not used after.
        self.with(|a| unsafe { a.move_thin_linked(&value) })
    }
}

impl<T: 'static, L: IndexType, const N: usize> Clone for LocalArena<T, L, N> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static, L: IndexType, const N: usize> Copy for LocalArena<T, L, N> {}

impl<T: 'static, L: IndexType, const N: usize> fmt::Debug for LocalArena<T, L, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalArena")
            .field("type", &core::any::type_name::<T>())
            .field("index", &L::NAME)
            .field("chunk_capacity", &N)
            .finish()
    }
}

mod sealed {
    pub trait Sealed {}
}

impl<T: 'static, L: IndexType, const N: usize> sealed::Sealed for LocalArena<T, L, N> {}

/// The operations of a [`LocalArena<T, L, N>`](LocalArena), for any `N`.
/// Needs the `std` feature (on by default).
///
/// Rust can't yet use an associated constant as a const-generic argument,
/// so [`ArenaAlloc`](crate::ArenaAlloc) names its arena through this trait
/// (its `Arena` type) rather than as `LocalArena<Self, L, N>`. Generic code
/// can take any per-thread arena of `T`s the same way. The trait is sealed:
/// only [`LocalArena`] implements it. Every method is that of the same name on
/// [`LocalArena`].
///
/// ```
/// # #[cfg(feature = "derive")] {
/// use arena_arc::{ArcSlice, ThreadArena, arena};
///
/// fn doubled<A: ThreadArena<u32, u32>>(arena: &A, src: &[u32]) -> ArcSlice<u32> {
///     arena.alloc(src.len(), |i| src[i] * 2)
/// }
///
/// arena!(static SMALL: u32, 16);
/// arena!(static LARGE: u32, 4096);
/// assert_eq!(doubled(&SMALL, &[1, 2]), [2, 4]);
/// assert_eq!(doubled(&LARGE, &[3]), [6]);
/// # }
/// ```
pub trait ThreadArena<T, L: IndexType>: Copy + fmt::Debug + sealed::Sealed + 'static {
    /// See [`LocalArena::chunk_capacity`].
    fn chunk_capacity(&self) -> usize;
    /// See [`LocalArena::alloc`].
    fn alloc(&self, len: usize, init: impl FnMut(usize) -> T) -> ArcSlice<T, L>;
    /// See [`LocalArena::try_alloc`].
    fn try_alloc<E>(
        &self,
        len: usize,
        init: impl FnMut(usize) -> Result<T, E>,
    ) -> Result<ArcSlice<T, L>, E>;
    /// See [`LocalArena::checked_alloc`].
    fn checked_alloc(
        &self,
        len: usize,
        init: impl FnMut(usize) -> T,
    ) -> Result<ArcSlice<T, L>, AllocError>;
    /// See [`LocalArena::alloc_single`].
    fn alloc_single(&self, init: impl FnOnce() -> T) -> ArcSingle<T, L>;
    /// See [`LocalArena::try_alloc_single`].
    fn try_alloc_single<E>(
        &self,
        init: impl FnOnce() -> Result<T, E>,
    ) -> Result<ArcSingle<T, L>, E>;
    /// See [`LocalArena::alloc_value`].
    fn alloc_value(&self, value: T) -> ArcSingle<T, L>;
    /// See [`LocalArena::checked_alloc_value`].
    fn checked_alloc_value(&self, value: T) -> Result<ArcSingle<T, L>, AllocError>;
    /// See [`LocalArena::alloc_thin`].
    fn alloc_thin(&self, value: T) -> ArcThin<T>;
    /// See [`LocalArena::alloc_slice_copy`].
    fn alloc_slice_copy(&self, src: &[T]) -> ArcSlice<T, L>
    where
        T: Copy;
    /// See [`LocalArena::alloc_slice_clone`].
    fn alloc_slice_clone(&self, src: &[T]) -> ArcSlice<T, L>
    where
        T: Clone;
    /// See [`LocalArena::alloc_from_iter`].
    fn alloc_from_iter(&self, iter: impl IntoIterator<Item = T>) -> ArcSlice<T, L>;
    /// See [`LocalArena::alloc_split_off`].
    fn alloc_split_off(&self, vec: &mut Vec<T>, at: usize) -> ArcSlice<T, L>;
    /// See [`LocalArena::checked_alloc_split_off`].
    fn checked_alloc_split_off(
        &self,
        vec: &mut Vec<T>,
        at: usize,
    ) -> Result<ArcSlice<T, L>, AllocError>;
    /// See [`LocalArena::stats`].
    fn stats(&self) -> ArenaStats;
    /// See [`LocalArena::trim`].
    fn trim(&self);
}

impl<T: 'static, L: IndexType, const N: usize> ThreadArena<T, L> for LocalArena<T, L, N> {
    #[inline]
    fn chunk_capacity(&self) -> usize {
        N
    }
    #[inline]
    fn alloc(&self, len: usize, init: impl FnMut(usize) -> T) -> ArcSlice<T, L> {
        LocalArena::alloc(self, len, init)
    }
    #[inline]
    fn try_alloc<E>(
        &self,
        len: usize,
        init: impl FnMut(usize) -> Result<T, E>,
    ) -> Result<ArcSlice<T, L>, E> {
        LocalArena::try_alloc(self, len, init)
    }
    #[inline]
    fn checked_alloc(
        &self,
        len: usize,
        init: impl FnMut(usize) -> T,
    ) -> Result<ArcSlice<T, L>, AllocError> {
        LocalArena::checked_alloc(self, len, init)
    }
    #[inline]
    fn alloc_single(&self, init: impl FnOnce() -> T) -> ArcSingle<T, L> {
        LocalArena::alloc_single(self, init)
    }
    #[inline]
    fn try_alloc_single<E>(
        &self,
        init: impl FnOnce() -> Result<T, E>,
    ) -> Result<ArcSingle<T, L>, E> {
        LocalArena::try_alloc_single(self, init)
    }
    #[inline]
    fn alloc_value(&self, value: T) -> ArcSingle<T, L> {
        LocalArena::alloc_value(self, value)
    }
    #[inline]
    fn checked_alloc_value(&self, value: T) -> Result<ArcSingle<T, L>, AllocError> {
        LocalArena::checked_alloc_value(self, value)
    }
    #[inline]
    fn alloc_thin(&self, value: T) -> ArcThin<T> {
        LocalArena::alloc_thin(self, value)
    }
    #[inline]
    fn alloc_slice_copy(&self, src: &[T]) -> ArcSlice<T, L>
    where
        T: Copy,
    {
        LocalArena::alloc_slice_copy(self, src)
    }
    #[inline]
    fn alloc_slice_clone(&self, src: &[T]) -> ArcSlice<T, L>
    where
        T: Clone,
    {
        LocalArena::alloc_slice_clone(self, src)
    }
    #[inline]
    fn alloc_from_iter(&self, iter: impl IntoIterator<Item = T>) -> ArcSlice<T, L> {
        LocalArena::alloc_from_iter(self, iter)
    }
    #[inline]
    fn alloc_split_off(&self, vec: &mut Vec<T>, at: usize) -> ArcSlice<T, L> {
        LocalArena::alloc_split_off(self, vec, at)
    }
    #[inline]
    fn checked_alloc_split_off(
        &self,
        vec: &mut Vec<T>,
        at: usize,
    ) -> Result<ArcSlice<T, L>, AllocError> {
        LocalArena::checked_alloc_split_off(self, vec, at)
    }
    fn stats(&self) -> ArenaStats {
        LocalArena::stats(self)
    }
    fn trim(&self) {
        LocalArena::trim(self)
    }
}

/// [`LocalArena::with`] once the thread's allocator is destroyed: `f` gets
/// an allocator made for this call. Out of line, so that `with` keeps no
/// allocator of its own on its stack, nor the flag that says whether to
/// drop it.
#[cold]
#[inline(never)]
fn with_fresh<T, L: IndexType, const N: usize, R>(f: impl FnOnce(&Allocator<T, L, N>) -> R) -> R {
    f(&Allocator::new())
}
