//! [`ArenaAlloc`]: a type that has its own per-thread arena.

use crate::builder::{DEFAULT_FIELD_CHUNK, DefaultFieldArena};
use crate::error::AllocError;
use crate::index::IndexType;
use crate::local_arena::ThreadArena;
use crate::single::ArcSingle;
use crate::slice::ArcSlice;
use crate::stats::ArenaStats;
use crate::text::ArcStr;
use crate::thin::ArcThin;

/// A type with its own arena, one per thread. Needs the `std` feature (on by
/// default).
///
/// Behind the scenes each thread has an
/// [`Allocator<Self, Self::Index, {Self::CHUNK}>`](crate::Allocator) in a
/// thread-local; the associated functions below allocate from the calling
/// thread's one and return the same handles [`Allocator`](crate::Allocator)
/// does. A call costs one thread-local lookup on top of the allocation. No
/// `RefCell` is involved: an `init` closure may allocate from the same arena
/// again (nested allocation, as when building a tree).
///
/// Handles may go to other threads and be dropped there. When a thread ends
/// its allocator is dropped, and its chunks live on while their handles do.
/// (An allocation made during thread-local destruction, after the allocator
/// is gone, is served by a fresh allocator made for that call.)
///
/// Implement it with [`arena!(Type, CHUNK)`](crate::arena) or
/// [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc); writing the impl by hand
/// means declaring the thread-local yourself, which is what they do.
///
/// ```
/// # #[cfg(feature = "derive")] {
/// use arena_arc::{ArcSingle, ArcSlice, ArenaAlloc, arena};
///
/// #[derive(Debug, PartialEq)]
/// struct Point {
///     x: f32,
///     y: f32,
/// }
/// arena!(Point, 4096);
///
/// let line: ArcSlice<Point> = Point::alloc(3, |i| Point { x: i as f32, y: 0.0 });
/// let origin: ArcSingle<Point> = Point::alloc_value(Point { x: 0.0, y: 0.0 });
/// assert_eq!(line[2].x, 2.0);
/// assert_eq!(*origin, line[0]);
/// assert_eq!(Point::arena_stats().chunks_created, 1);
/// # }
/// ```
///
/// # Primitives and `ArcStr`
///
/// `u8`, `u16`, `u32`, `u64`, `u128`, `usize`, `i8`, `i16`, `i32`, `i64`,
/// `i128`, `isize`, `f32`, `f64`, `bool`, `char` and [`ArcStr`] (as an
/// element: `ArcSlice<ArcStr>`) implement `ArenaAlloc` with `Index = u32`
/// and chunks of 1024 elements (`CHUNK`: 4 KiB of `u32`s, 16 KiB of
/// `ArcStr`s). Their arena is the one per thread and element type that
/// [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc) gives a handle field
/// with no `chunk` or `shared` attribute (`tags: ArcSlice<u32>`), so
/// `collect()`, `From<Vec<_>>`, serde and derived setters all fill the same
/// chunks:
///
/// ```
/// # #[cfg(feature = "derive")] {
/// use arena_arc::{ArcSlice, ArenaAlloc, ThreadArena};
///
/// let squares: ArcSlice<u32> = (1..=4).map(|i| i * i).collect();
/// let more = ArcSlice::from(vec![25, 36]);
/// assert!(ArcSlice::shares_chunk(&squares, &more)); // both in u32::arena()
/// assert_eq!(u32::arena().chunk_capacity(), u32::CHUNK);
/// assert_eq!(u32::CHUNK, 1024);
/// # }
/// ```
///
/// For another chunk size, allocate elsewhere: a derived field takes
/// `#[arena(chunk = N)]` (its own arena of `N` elements) or
/// `#[arena(shared = ARENA)]`; [`arena!(static ARENA: u32, 65536)`](crate::arena)
/// declares a per-thread arena of any chunk size (fill it with its
/// `alloc_from_iter`), and an [`Allocator`](crate::Allocator) is one you
/// hold yourself. The text of an
/// `ArcStr` is bytes in another arena (`ArcStr::from` and serde copy it into
/// [`TEXT_ARENA`](crate::TEXT_ARENA)); only the 16-byte handles are in
/// `ArcStr`'s arena.
///
/// # Cycles
///
/// A derived type whose fields may hold links (handles to a non-primitive
/// type, or a type the derive cannot see into, such as another derived type
/// held by value) reports them ([`ArenaLinks`](crate::ArenaLinks)) and gets
/// an *acyclic* per-thread arena. All acyclic per-thread arenas of a thread
/// share one generation of chunks at a time, whose links into each other do
/// not count: a tree of several derived types that point at each other (a
/// JSON `Value` and its `Member`, an AST's `Item`, `Stmt`, `Expr`, `Pat`
/// and `Ty`) is freed with its last outside handle, to the last byte, once
/// the thread that built it allocates again, calls
/// [`trim_thread`](crate::trim_thread) or ends. A thread that drops each
/// document before building the next keeps about one document live with no
/// call; one that keeps the previous document while building the next calls
/// `trim_thread` once per document. What can still leak, and its fix, is
/// listed in the crate docs ("Cycles"): handles behind interior mutability
/// or shared owners, and handles in containers the derive cannot see into.
/// `examples/ast.rs` and `examples/stream.rs` show trees and a stream
/// freeing themselves.
pub trait ArenaAlloc: Sized + 'static {
    /// The index type of the handles (default `u32` in the macros).
    type Index: IndexType;

    /// The chunk capacity in elements.
    const CHUNK: usize;

    /// The type of the per-thread arena: a
    /// [`LocalArena<Self, Self::Index, {Self::CHUNK}>`](crate::LocalArena).
    type Arena: ThreadArena<Self, Self::Index>;

    /// This type's per-thread arena, to pass where a [`ThreadArena`] is
    /// expected (a derived builder's `#[arena(shared = ...)]`, say).
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, ThreadArena, arena};
    ///
    /// struct Id(u32);
    /// arena!(Id, 512);
    /// assert_eq!(Id::arena().chunk_capacity(), 512);
    /// # }
    /// ```
    fn arena() -> Self::Arena;

    /// Allocates a slice of `len` values; value `i` is `init(i)`. See
    /// [`Allocator::alloc`](crate::Allocator::alloc).
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, arena};
    ///
    /// struct Id(u32);
    /// arena!(Id, 512);
    /// let ids = Id::alloc(4, |i| Id(i as u32));
    /// assert_eq!(ids[3].0, 3);
    /// # }
    /// ```
    #[inline]
    fn alloc(len: usize, init: impl FnMut(usize) -> Self) -> ArcSlice<Self, Self::Index> {
        Self::arena().alloc(len, init)
    }

    /// Like [`alloc`](Self::alloc), but `init` may fail; see
    /// [`Allocator::try_alloc`](crate::Allocator::try_alloc).
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, arena};
    ///
    /// struct Id(u32);
    /// arena!(Id, 512);
    /// let ids = Id::try_alloc(2, |i| ["1", "2"][i].parse().map(Id)).unwrap();
    /// assert_eq!(ids[1].0, 2);
    /// # }
    /// ```
    #[inline]
    fn try_alloc<E>(
        len: usize,
        init: impl FnMut(usize) -> Result<Self, E>,
    ) -> Result<ArcSlice<Self, Self::Index>, E> {
        Self::arena().try_alloc(len, init)
    }

    /// Like [`alloc`](Self::alloc), but a length or limit error is returned;
    /// see [`Allocator::checked_alloc`](crate::Allocator::checked_alloc).
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, arena};
    ///
    /// struct Flag(bool);
    /// arena!(Flag, 16, u8);
    /// assert!(Flag::checked_alloc(300, |_| Flag(true)).is_err());
    /// # }
    /// ```
    #[inline]
    fn checked_alloc(
        len: usize,
        init: impl FnMut(usize) -> Self,
    ) -> Result<ArcSlice<Self, Self::Index>, AllocError> {
        Self::arena().checked_alloc(len, init)
    }

    /// Allocates one value made by `init`; see
    /// [`Allocator::alloc_single`](crate::Allocator::alloc_single).
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, arena};
    ///
    /// struct Id(u32);
    /// arena!(Id, 512);
    /// assert_eq!(Id::alloc_single(|| Id(9)).0, 9);
    /// # }
    /// ```
    #[inline]
    fn alloc_single(init: impl FnOnce() -> Self) -> ArcSingle<Self, Self::Index> {
        Self::arena().alloc_single(init)
    }

    /// Like [`alloc_single`](Self::alloc_single), but `init` may fail.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, arena};
    ///
    /// struct Id(u32);
    /// arena!(Id, 512);
    /// assert!(Id::try_alloc_single(|| "x".parse().map(Id)).is_err());
    /// # }
    /// ```
    #[inline]
    fn try_alloc_single<E>(
        init: impl FnOnce() -> Result<Self, E>,
    ) -> Result<ArcSingle<Self, Self::Index>, E> {
        Self::arena().try_alloc_single(init)
    }

    /// Moves `value` into the arena.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, arena};
    ///
    /// struct Id(u32);
    /// arena!(Id, 512);
    /// assert_eq!(Id::alloc_value(Id(5)).0, 5);
    /// # }
    /// ```
    #[inline]
    fn alloc_value(value: Self) -> ArcSingle<Self, Self::Index> {
        Self::arena().alloc_value(value)
    }

    /// Like [`alloc_value`](Self::alloc_value), but a limit error is returned.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, arena};
    ///
    /// struct Id(u32);
    /// arena!(Id, 512);
    /// assert_eq!(Id::checked_alloc_value(Id(5)).unwrap().0, 5);
    /// # }
    /// ```
    #[inline]
    fn checked_alloc_value(value: Self) -> Result<ArcSingle<Self, Self::Index>, AllocError> {
        Self::arena().checked_alloc_value(value)
    }

    /// Moves `value` into the type's arena as an 8-byte [`ArcThin`] (see
    /// [`Allocator::alloc_thin`](crate::Allocator::alloc_thin): the arena's
    /// chunks must fit in 64 KiB, a compile-time check).
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArcThin, ArenaAlloc};
    ///
    /// #[derive(ArenaAlloc)]
    /// enum List {
    ///     Nil,
    ///     Cons(u32, ArcThin<List>),
    /// }
    ///
    /// let nil = List::alloc_thin(List::Nil);
    /// let list = List::alloc_thin(List::Cons(1, nil));
    /// assert!(matches!(&*list, List::Cons(1, rest) if matches!(**rest, List::Nil)));
    /// assert_eq!(size_of::<List>(), 16);
    /// # }
    /// ```
    #[inline]
    fn alloc_thin(value: Self) -> ArcThin<Self> {
        Self::arena().alloc_thin(value)
    }

    /// Copies `src` into the arena.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, arena};
    ///
    /// #[derive(Clone, Copy)]
    /// struct Id(u32);
    /// arena!(Id, 512);
    /// assert_eq!(Id::alloc_slice_copy(&[Id(1), Id(2)])[1].0, 2);
    /// # }
    /// ```
    #[inline]
    fn alloc_slice_copy(src: &[Self]) -> ArcSlice<Self, Self::Index>
    where
        Self: Copy,
    {
        Self::arena().alloc_slice_copy(src)
    }

    /// Clones `src` into the arena.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, arena};
    ///
    /// #[derive(Clone)]
    /// struct Name(String);
    /// arena!(Name, 64);
    /// let names = Name::alloc_slice_clone(&[Name("a".into())]);
    /// assert_eq!(names[0].0, "a");
    /// # }
    /// ```
    #[inline]
    fn alloc_slice_clone(src: &[Self]) -> ArcSlice<Self, Self::Index>
    where
        Self: Clone,
    {
        Self::arena().alloc_slice_clone(src)
    }

    /// Moves the items of `iter` into the arena.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, arena};
    ///
    /// struct Id(u32);
    /// arena!(Id, 512);
    /// let ids = Id::alloc_from_iter((0..5).map(Id));
    /// assert_eq!(ids.len(), 5);
    /// # }
    /// ```
    #[inline]
    fn alloc_from_iter(iter: impl IntoIterator<Item = Self>) -> ArcSlice<Self, Self::Index> {
        Self::arena().alloc_from_iter(iter)
    }

    /// Moves `vec[at..]` into the arena and leaves `vec` `at` long; see
    /// [`Allocator::alloc_split_off`](crate::Allocator::alloc_split_off).
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, arena};
    ///
    /// struct Id(u32);
    /// arena!(Id, 512);
    /// let mut stack: Vec<Id> = (0..5).map(Id).collect();
    /// let ids = Id::alloc_split_off(&mut stack, 2);
    /// assert_eq!((ids.len(), stack.len()), (3, 2));
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    fn alloc_split_off(vec: &mut Vec<Self>, at: usize) -> ArcSlice<Self, Self::Index> {
        Self::arena().alloc_split_off(vec, at)
    }

    /// Like [`alloc_split_off`](Self::alloc_split_off), but a limit error is
    /// returned, with `vec` unchanged.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, arena};
    ///
    /// struct Id(u32);
    /// arena!(Id, 512);
    /// let mut stack: Vec<Id> = (0..5).map(Id).collect();
    /// assert_eq!(Id::checked_alloc_split_off(&mut stack, 4).unwrap()[0].0, 4);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    fn checked_alloc_split_off(
        vec: &mut Vec<Self>,
        at: usize,
    ) -> Result<ArcSlice<Self, Self::Index>, AllocError> {
        Self::arena().checked_alloc_split_off(vec, at)
    }

    /// A zero-length slice; allocates nothing.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, arena};
    ///
    /// struct Id(u32);
    /// arena!(Id, 512);
    /// assert!(Id::alloc_empty().is_empty());
    /// # }
    /// ```
    #[inline]
    fn alloc_empty() -> ArcSlice<Self, Self::Index> {
        ArcSlice::new()
    }

    /// The stats of the calling thread's arena for this type.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArenaAlloc, arena};
    ///
    /// struct Id(u32);
    /// arena!(Id, 512);
    /// let _ids = Id::alloc(10, |i| Id(i as u32));
    /// let stats = Id::arena_stats();
    /// assert_eq!((stats.chunks_created, stats.current_chunk_free), (1, 502));
    /// # }
    /// ```
    fn arena_stats() -> ArenaStats {
        Self::arena().stats()
    }

    /// [`Allocator::trim`](crate::Allocator::trim) on the calling thread's
    /// arena for this type: frees now a tree whose last handle is gone but
    /// whose root sat in the current chunk.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArcSingle, ArenaAlloc};
    ///
    /// #[derive(ArenaAlloc)]
    /// enum Expr {
    ///     Num(i64),
    ///     Neg(ArcSingle<Expr>),
    /// }
    ///
    /// let tree = Expr::alloc_value(Expr::Neg(Expr::alloc_value(Expr::Num(1))));
    /// drop(tree);
    /// Expr::trim_arena();
    /// assert_eq!(Expr::arena_stats().chunks_alive, 0);
    /// # }
    /// ```
    fn trim_arena() {
        Self::arena().trim()
    }
}

/// `ArenaAlloc` for the primitives and `ArcStr`: their arena is the
/// per-thread arena of derived handle fields of that element type
/// ([`DefaultFieldArena`]), so there is one per element type and thread.
macro_rules! field_arena_elements {
    ($($elem:ident)*) => {$(
        /// In the per-thread arena that derived `ArcSlice`/`ArcSingle` fields
        /// of this element type share: `u32` handles, chunks of 1024
        /// elements (see [Primitives and `ArcStr`](ArenaAlloc#primitives-and-arcstr)).
        impl ArenaAlloc for $elem {
            type Index = u32;
            const CHUNK: usize = DEFAULT_FIELD_CHUNK;
            type Arena = <$elem as DefaultFieldArena>::Arena;
            #[inline]
            fn arena() -> Self::Arena {
                <$elem as DefaultFieldArena>::arena()
            }
        }
    )*};
}

field_arena_elements!(u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize f32 f64 bool char ArcStr);
