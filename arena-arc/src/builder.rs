//! The runtime side of the builders that
//! [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc) generates: the field
//! states [`Unset`] and [`Set`], and the conversions [`IntoArcSlice`] and
//! [`IntoArcSingle`] that let a handle field's setter take either an existing
//! handle or the data to allocate. Needs the `std` feature (on by default), as
//! the per-thread arenas do.

use crate::allocator::Allocator;
use crate::index::IndexType;
use crate::local_arena::{LocalArena, ThreadArena};
use crate::single::ArcSingle;
use crate::slice::ArcSlice;
use crate::text::ArcStr;

/// The state of a required builder field that has not been set yet.
///
/// A derived builder `FooBuilder<F0, F1, ...>` has one type parameter per
/// required field, `Unset` until its setter is called and [`Set<T>`] after;
/// `build()` needs them all [`Set`].
///
/// ```
/// # #[cfg(feature = "derive")] {
/// use arena_arc::ArenaAlloc;
/// use arena_arc::builder::{Set, Unset};
///
/// #[derive(ArenaAlloc)]
/// struct Pair {
///     a: u32,
///     b: u32,
/// }
///
/// let half: PairBuilder<Set<u32>, Unset> = Pair::builder().a(1);
/// let pair = half.b(2).build();
/// assert_eq!(pair.a + pair.b, 3);
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Unset;

/// The state of a required builder field that holds a value; see [`Unset`].
///
/// ```
/// use arena_arc::builder::Set;
///
/// let state = Set(5u8);
/// assert_eq!(state.0, 5);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Set<T>(pub T);

/// What a derived builder's setter for an `ArcSlice<E, L>` field accepts: an
/// existing handle (moved in, no copy) or data to allocate in the field's
/// arena: `&[E]`, `&[E; K]`, `&Vec<E>` (cloned), `Vec<E>`, `[E; K]` (moved) or
/// an [`ArcSingle<E, L>`].
///
/// ```
/// # #[cfg(feature = "derive")] {
/// use arena_arc::{ArcSlice, IntoArcSlice, arena};
///
/// arena!(static BYTES: u8, 1024);
///
/// let copied: ArcSlice<u8> = b"abc".into_arc_slice(&BYTES);
/// let moved: ArcSlice<u8> = vec![1, 2].into_arc_slice(&BYTES);
/// let same: ArcSlice<u8> = copied.clone().into_arc_slice(&BYTES);
/// assert!(ArcSlice::ptr_eq(&copied, &same));
/// assert_eq!(moved, [1, 2]);
/// # }
/// ```
pub trait IntoArcSlice<E, L: IndexType> {
    /// Returns the handle, allocating in `arena` if the data is not one yet.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArcSlice, IntoArcSlice, arena};
    ///
    /// arena!(static WORDS: u32, 256);
    ///
    /// let slice: ArcSlice<u32> = [1, 2, 3].into_arc_slice(&WORDS);
    /// assert_eq!(slice, [1, 2, 3]);
    /// # }
    /// ```
    fn into_arc_slice<A: ThreadArena<E, L>>(self, arena: &A) -> ArcSlice<E, L>;
}

impl<E, L: IndexType> IntoArcSlice<E, L> for ArcSlice<E, L> {
    #[inline]
    fn into_arc_slice<A: ThreadArena<E, L>>(self, _arena: &A) -> ArcSlice<E, L> {
        self
    }
}

impl<E, L: IndexType> IntoArcSlice<E, L> for ArcSingle<E, L> {
    #[inline]
    fn into_arc_slice<A: ThreadArena<E, L>>(self, _arena: &A) -> ArcSlice<E, L> {
        ArcSlice::from(self)
    }
}

impl<E: Clone, L: IndexType> IntoArcSlice<E, L> for &[E] {
    #[inline]
    fn into_arc_slice<A: ThreadArena<E, L>>(self, arena: &A) -> ArcSlice<E, L> {
        arena.alloc_slice_clone(self)
    }
}

impl<E: Clone, L: IndexType, const K: usize> IntoArcSlice<E, L> for &[E; K] {
    #[inline]
    fn into_arc_slice<A: ThreadArena<E, L>>(self, arena: &A) -> ArcSlice<E, L> {
        arena.alloc_slice_clone(self)
    }
}

impl<E: Clone, L: IndexType> IntoArcSlice<E, L> for &Vec<E> {
    #[inline]
    fn into_arc_slice<A: ThreadArena<E, L>>(self, arena: &A) -> ArcSlice<E, L> {
        arena.alloc_slice_clone(self)
    }
}

impl<E, L: IndexType> IntoArcSlice<E, L> for Vec<E> {
    /// Moves the elements with one copy
    /// ([`alloc_split_off`](ThreadArena::alloc_split_off)), then frees the
    /// `Vec`.
    #[inline]
    fn into_arc_slice<A: ThreadArena<E, L>>(mut self, arena: &A) -> ArcSlice<E, L> {
        arena.alloc_split_off(&mut self, 0)
    }
}

impl<E, L: IndexType, const K: usize> IntoArcSlice<E, L> for [E; K] {
    #[inline]
    fn into_arc_slice<A: ThreadArena<E, L>>(self, arena: &A) -> ArcSlice<E, L> {
        arena.alloc_from_iter(self)
    }
}

/// What a derived builder's setter for an `ArcSingle<E, L>` field accepts:
/// an existing handle (moved in) or an `E` to allocate in the field's arena.
///
/// ```
/// # #[cfg(feature = "derive")] {
/// use arena_arc::{ArcSingle, IntoArcSingle, arena};
///
/// arena!(static NUMBERS: u64, 64);
///
/// let fresh: ArcSingle<u64> = 7.into_arc_single(&NUMBERS);
/// let same: ArcSingle<u64> = fresh.clone().into_arc_single(&NUMBERS);
/// assert!(ArcSingle::ptr_eq(&fresh, &same));
/// # }
/// ```
pub trait IntoArcSingle<E, L: IndexType> {
    /// Returns the handle, allocating in `arena` if the value is not one yet.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArcSingle, IntoArcSingle, arena};
    ///
    /// arena!(static FLAGS: bool, 64);
    ///
    /// let flag: ArcSingle<bool> = true.into_arc_single(&FLAGS);
    /// assert!(*flag);
    /// # }
    /// ```
    fn into_arc_single<A: ThreadArena<E, L>>(self, arena: &A) -> ArcSingle<E, L>;
}

impl<E, L: IndexType> IntoArcSingle<E, L> for ArcSingle<E, L> {
    #[inline]
    fn into_arc_single<A: ThreadArena<E, L>>(self, _arena: &A) -> ArcSingle<E, L> {
        self
    }
}

impl<E, L: IndexType> IntoArcSingle<E, L> for E {
    #[inline]
    fn into_arc_single<A: ThreadArena<E, L>>(self, arena: &A) -> ArcSingle<E, L> {
        arena.alloc_value(self)
    }
}

/// The chunk capacity of the per-thread arenas that [`DefaultFieldArena`]
/// gives (the derive's default chunk capacity for handle fields), and so of
/// the primitives' and `ArcStr`'s [`ArenaAlloc`](crate::ArenaAlloc) arenas.
pub(crate) const DEFAULT_FIELD_CHUNK: usize = 1024;

/// The per-thread arena of a derived handle field of `Self`s with index
/// type `u32` that names no arena (`shared`) and no chunk capacity: one per
/// element type and thread, shared by every such field, with chunks of 1024
/// elements (the default a field gets). The derive uses it for the
/// primitive element types, which are the common case (`ArcSlice<u8>`,
/// `ArcStr`, `ArcSlice<u32>`...), and for `ArcSlice<ArcStr>`: so it does
/// not declare a `thread_local!` per field, whose code the compiler would
/// build for every field. The same arenas are these types'
/// [`ArenaAlloc`](crate::ArenaAlloc) arenas (`u32::arena()`), so `collect()`,
/// `From` and serde allocate where derived fields do. Not a public API (the
/// derive names it through [`__private`]).
#[doc(hidden)]
pub trait DefaultFieldArena: Sized + 'static {
    /// `LocalArena<Self, u32, 1024>`.
    type Arena: ThreadArena<Self, u32>;
    /// This thread's arena of `Self`s for derived fields.
    fn arena() -> Self::Arena;
}

macro_rules! default_field_arenas {
    ($($elem:ident)*) => {$(
        impl DefaultFieldArena for $elem {
            type Arena = LocalArena<$elem, u32, DEFAULT_FIELD_CHUNK>;
            #[inline]
            fn arena() -> Self::Arena {
                std::thread_local! {
                    static ARENA: Allocator<$elem, u32, DEFAULT_FIELD_CHUNK> = const {
                        // SAFETY: the initial value of a `thread_local!`.
                        unsafe { Allocator::new().__per_thread() }
                    };
                }
                LocalArena::new(&ARENA)
            }
        }
    )*};
}

default_field_arenas!(u8 u16 u32 u64 u128 usize i8 i16 i32 i64 i128 isize f32 f64 bool char ArcStr);

/// Items the macros' generated code names. Not a public API: it may change
/// in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::allocator::Allocator;
    pub use crate::arena_alloc::ArenaAlloc;
    pub use crate::builder::{DefaultFieldArena, IntoArcSingle, IntoArcSlice, Set, Unset};
    pub use crate::index::IndexType;
    pub use crate::links::{
        ConstProbe, LinkField, Links, NoDrop, NotLinkField, Probe, ReportLinks, ReportNothing,
        report_nested,
    };
    pub use crate::local_arena::{LocalArena, ThreadArena};
    pub use crate::single::ArcSingle;
    pub use crate::slice::ArcSlice;
    pub use crate::text::IntoArcStr;
    pub use core::convert::Into;
    pub use core::default::Default;
    pub use core::iter::IntoIterator;
    pub use core::ops::FnMut;
    pub use core::option::Option;
    pub use std::thread_local;

    /// `wanted` if it fits the index type `L`, else the largest capacity
    /// that does: the default chunk capacity of a derived arena.
    pub const fn default_chunk<L: IndexType>(wanted: usize) -> usize {
        if L::MAX < wanted { L::MAX + 1 } else { wanted }
    }

    /// The chunk capacity `#[arena(chunk = thin)]` and `arena!(T, thin)`
    /// give: [`thin_capacity::<T>()`](crate::thin_capacity), the chunks
    /// that fill the 64 KiB window [`ArcThin`](crate::ArcThin) handles
    /// need, clamped to what the index type `L` allows. At least 1: a type
    /// too large for the window is refused by [`thin_fits`] instead, once.
    pub const fn thin_chunk<T, L: IndexType>() -> usize {
        let capacity = crate::thin_capacity::<T>();
        default_chunk::<L>(if capacity == 0 { 1 } else { capacity })
    }

    /// The check the macros emit beside `chunk = thin`, as `const _: () =
    /// thin_fits::<T>();` at the user's `thin`: a compile-time error for a
    /// type of which not one value fits the window with a chunk's header.
    pub const fn thin_fits<T>() {
        assert!(
            crate::thin_capacity::<T>() > 0,
            "arena-arc: `chunk = thin` needs a type small enough that a value fits in a THIN_WINDOW (64 KiB) with a chunk's header (here `thin_capacity::<T>()` is 0): give the chunk capacity as a number instead, and use ArcSingle handles"
        );
    }

    /// Takes the value out of a builder field that is [`Set`].
    pub fn take<T>(state: Set<T>) -> T {
        state.0
    }

    /// The allocator `arena!` gives a type it cannot see into:
    /// `AllocatorFor::<T, L, N>::NEW` is [`Allocator::new_acyclic`] when
    /// `T: ArenaLinks<L>` and handles to `T` may be links (`__MAY_LINK`),
    /// else [`Allocator::new`] (with [`PlainAllocator`] in scope). A derived
    /// type with no links gets a plain arena: the derive never reports a
    /// handle to it, so such a handle counts, and a counted link into a
    /// chunk of the holder's generation would keep that generation alive. It is a constant, so the `thread_local!` keeps its
    /// `const { }` initializer.
    ///
    /// How: a path `AllocatorFor::<T, L, N>::NEW` looks for an inherent
    /// associated item first, and an inherent impl whose bounds `T` does
    /// not meet is skipped, so for such a `T` the name resolves to the
    /// trait's constant. `T` is always a concrete type where the macro
    /// writes this (a `static`, or an `impl` for a named type), so the
    /// choice is made at the definition, never for a generic parameter.
    #[allow(missing_debug_implementations)]
    pub struct AllocatorFor<T, L, const N: usize>(core::marker::PhantomData<(fn() -> T, L)>);

    impl<T: crate::links::ArenaLinks<L>, L: IndexType, const N: usize> AllocatorFor<T, L, N> {
        /// An acyclic allocator: `T` reports its self-links. A plain one
        /// when handles to `T` are never reported (see above).
        #[allow(clippy::declare_interior_mutable_const)]
        pub const NEW: Allocator<T, L, N> = if T::__MAY_LINK {
            Allocator::new_acyclic()
        } else {
            Allocator::new()
        };
    }

    /// The fallback of [`AllocatorFor`] for types that are not
    /// [`ArenaLinks`](crate::links::ArenaLinks).
    pub trait PlainAllocator<T, L: IndexType, const N: usize> {
        /// A plain allocator.
        #[allow(clippy::declare_interior_mutable_const)]
        const NEW: Allocator<T, L, N>;
    }

    impl<T, L: IndexType, const N: usize> PlainAllocator<T, L, N> for AllocatorFor<T, L, N> {
        #[allow(clippy::declare_interior_mutable_const)]
        const NEW: Allocator<T, L, N> = Allocator::new();
    }

    /// What `build()` takes a required field's value out with: the
    /// supertrait of each field's marker trait (which only names the field
    /// for the error when it is missing). One generic impl, so the `take`
    /// of a `Set<u32>` is compiled once for the crate, not once per field.
    pub trait IsSet<T> {
        /// The field's value.
        fn take(self) -> T;
    }

    impl<T> IsSet<T> for Set<T> {
        #[inline]
        fn take(self) -> T {
            self.0
        }
    }
}
