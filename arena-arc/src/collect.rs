//! `collect()` and `From` into a type's own per-thread arena (feature
//! `std`): for `T: ArenaAlloc`, `ArcSlice<T, T::Index>` implements
//! `FromIterator<T>`, `From<Vec<T>>`, `From<[T; K]>` and, for `T: Clone`,
//! `From<&[T]>`, each allocating in [`T::arena()`](ArenaAlloc::arena).
//!
//! They do not overlap the other conversions into `ArcSlice`
//! (`From<ArcSingle<T, L>>` for any `T`, and `From<ArcStr<L>>` for bytes):
//! the source types differ. The primitives and `ArcStr` are `ArenaAlloc`
//! (see [its section](ArenaAlloc#primitives-and-arcstr)), so
//! `ArcSlice<u32>` and `ArcSlice<ArcStr>` get them all; other foreign types
//! have no `ArenaAlloc`: use an arena's `alloc_from_iter` for them.

use alloc::vec::Vec;

use crate::arena_alloc::ArenaAlloc;
use crate::slice::ArcSlice;

#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl<T: ArenaAlloc> FromIterator<T> for ArcSlice<T, T::Index> {
    /// Moves the items into `T`'s per-thread arena, as
    /// [`T::alloc_from_iter`](ArenaAlloc::alloc_from_iter) does.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArcSlice, arena};
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct Id(u32);
    /// arena!(Id, 256);
    ///
    /// let ids: ArcSlice<Id> = (1..=3).map(Id).collect();
    /// assert_eq!(ids, [Id(1), Id(2), Id(3)]);
    /// # }
    /// ```
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        T::alloc_from_iter(iter)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl<T: ArenaAlloc> From<Vec<T>> for ArcSlice<T, T::Index> {
    /// Moves the elements into `T`'s per-thread arena with one copy, as
    /// [`T::alloc_split_off`](ArenaAlloc::alloc_split_off) does, and frees
    /// the `Vec`.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArcSlice, arena};
    ///
    /// struct Word(String);
    /// arena!(Word, 64);
    ///
    /// let words = ArcSlice::from(vec![Word("a".into()), Word("b".into())]);
    /// assert_eq!(words[1].0, "b");
    /// # }
    /// ```
    fn from(mut items: Vec<T>) -> Self {
        T::alloc_split_off(&mut items, 0)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl<T: ArenaAlloc, const K: usize> From<[T; K]> for ArcSlice<T, T::Index> {
    /// Moves the elements into `T`'s per-thread arena.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArcSlice, arena};
    ///
    /// #[derive(Debug, PartialEq)]
    /// struct Id(u32);
    /// arena!(Id, 256);
    ///
    /// let pair: ArcSlice<Id> = [Id(7), Id(8)].into();
    /// assert_eq!(pair, [Id(7), Id(8)]);
    /// # }
    /// ```
    fn from(items: [T; K]) -> Self {
        T::alloc_from_iter(items)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl<T: ArenaAlloc + Clone> From<&[T]> for ArcSlice<T, T::Index> {
    /// Clones the elements into `T`'s per-thread arena.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArcSlice, arena};
    ///
    /// #[derive(Clone, Debug, PartialEq)]
    /// struct Id(u32);
    /// arena!(Id, 256);
    ///
    /// let local = [Id(1), Id(2)];
    /// let shared: ArcSlice<Id> = ArcSlice::from(&local[..]);
    /// assert_eq!(shared, local);
    /// # }
    /// ```
    fn from(items: &[T]) -> Self {
        T::alloc_slice_clone(items)
    }
}
