//! [`ArcThin`]: an 8-byte reference-counted handle to one value, for
//! allocators whose chunks are aligned to [`THIN_WINDOW`].
//!
//! An [`ArcSingle`] carries its slot beside the pointer because a chunk's
//! header cannot be found from a value's address in general. An allocator
//! that has handed out an `ArcThin` makes every regular chunk from then on
//! at an address aligned to [`THIN_WINDOW`] (64 KiB), with all its slots in
//! the first `THIN_WINDOW` bytes, so the header of a value's chunk is its
//! address rounded down to that alignment: the handle is just the pointer.

use core::borrow::Borrow;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;

use crate::chunk::{Chunk, RawChunk, elems_offset};
use crate::index::IndexType;
use crate::single::ArcSingle;

/// The alignment of the chunks an [`ArcThin`] points into, and the most
/// bytes such a chunk (its header and all its slots) may take: 64 KiB.
///
/// An [`Allocator<T, L, N>`](crate::Allocator) can hand out `ArcThin`s only
/// when a chunk of `N` elements fits: `192 + N * size_of::<T>() <= 65536`
/// (checked at compile time by [`alloc_thin`](crate::Allocator::alloc_thin)).
///
/// ```
/// assert_eq!(arena_arc::THIN_WINDOW, 64 * 1024);
/// ```
pub const THIN_WINDOW: usize = 64 * 1024;

/// The chunk capacity `N` whose chunks of `T` fill a [`THIN_WINDOW`], less
/// 80 bytes for the global allocator's own bookkeeping: the `N` to give an
/// allocator that hands out [`ArcThin`]s.
///
/// Every chunk of such an allocator sits at a multiple of 64 KiB. A chunk
/// much smaller than that leaves the rest of its window to the global
/// allocator, which (glibc's, measured on W8) cannot use it well: with 6
/// KiB chunks the resident memory was 2.6 times the heap in use, with
/// chunks of this capacity 1.0 times. The 80 bytes are measured too: with
/// 64 left at the end of each window, glibc could not place its next
/// aligned block's header there, and W8's resident memory grew by 12 %.
///
/// ```
/// use arena_arc::{Allocator, thin_capacity};
///
/// enum Expr {
///     Num(i64),
///     Add(arena_arc::ArcThin<Expr>, arena_arc::ArcThin<Expr>),
/// }
/// const N: usize = thin_capacity::<Expr>();
/// assert_eq!(N, (65536 - 80 - 192) / size_of::<Expr>());
/// let arena: Allocator<Expr, u32, N> = Allocator::new();
/// let one = arena.alloc_thin(Expr::Num(1));
/// assert!(matches!(*one, Expr::Num(1)));
/// ```
///
/// A derived arena takes it as `#[arena(chunk = thin)]` (clamped to the
/// index type's range):
///
/// ```
/// # #[cfg(feature = "derive")] {
/// use arena_arc::{ArcThin, ArenaAlloc, thin_capacity};
///
/// #[derive(ArenaAlloc)]
/// #[arena(chunk = thin)]
/// enum Expr {
///     Num(i64),
///     Add(ArcThin<Expr>, ArcThin<Expr>),
/// }
/// assert_eq!(<Expr as ArenaAlloc>::CHUNK, thin_capacity::<Expr>());
/// let sum = Expr::alloc_thin(Expr::Add(Expr::alloc_thin(Expr::Num(1)), Expr::alloc_thin(Expr::Num(2))));
/// assert!(matches!(*sum, Expr::Add(..)));
/// # }
/// ```
pub const fn thin_capacity<T>() -> usize {
    let size = core::mem::size_of::<T>();
    (THIN_WINDOW - 80 - elems_offset::<T>()) / if size == 0 { 1 } else { size }
}

/// Whether chunks of `N` elements of `T` fit in a [`THIN_WINDOW`].
pub(crate) const fn fits_thin_window<T>(n: usize) -> bool {
    match n.checked_mul(core::mem::size_of::<T>()) {
        Some(bytes) => n > 0 && bytes <= THIN_WINDOW - elems_offset::<T>(),
        None => false,
    }
}

/// A shared, immutable `T` in an arena chunk, in 8 bytes: [`ArcSingle`]
/// without the slot. `Option<ArcThin<T>>` is 8 bytes too.
///
/// Made by [`Allocator::alloc_thin`](crate::Allocator::alloc_thin) (and
/// `Foo::alloc_thin` of a type with a derived arena). It behaves like
/// `ArcSingle`: cloning is one `Relaxed` atomic increment, dropping one
/// `Release` decrement, the chunk goes with its last handle, and in an
/// acyclic arena a tree of `ArcThin` links frees itself. Comparisons,
/// `Hash`, `Display` and `Debug` go to the value.
///
/// **What it costs.** The allocator's regular chunks are allocated aligned
/// to [`THIN_WINDOW`] (64 KiB) from the first `alloc_thin` on, so a chunk
/// must fit in that window (`192 + N * size_of::<T>() <= 65536`, a
/// compile-time check), and should nearly fill it: give the allocator
/// [`thin_capacity::<T>()`](thin_capacity) as its `N` (with a derived
/// arena, write `#[arena(chunk = thin)]` on the type, or `arena!(Foo,
/// thin)`: the runtime works the number out for the type, so it follows
/// the type's size), or the global allocator wastes the rest of each
/// window.
/// Use it for values that many small nodes point to, where the 8 bytes it
/// saves per link shrink every node: a binary expression node with two
/// `ArcThin` operands is 24 bytes where it is 32 with `ArcSingle`.
/// `ArcSingle` stays the general handle: it converts from any one-element
/// slice, and an `ArcThin` converts into it ([`into_single`](Self::into_single)).
///
/// `ArcThin<T>` is `Send` and `Sync` exactly when `T` is `Send + Sync`.
///
/// ```
/// use arena_arc::{Allocator, ArcThin};
///
/// let arena: Allocator<String> = Allocator::new();
/// let name: ArcThin<String> = arena.alloc_thin("x".to_string());
/// let again = name.clone();
/// assert!(ArcThin::ptr_eq(&name, &again));
/// assert_eq!(format!("{name}"), "x");
/// assert_eq!(size_of::<Option<ArcThin<String>>>(), size_of::<usize>());
/// ```
pub struct ArcThin<T> {
    /// The value, in the first `THIN_WINDOW` bytes of a chunk aligned to
    /// `THIN_WINDOW`; owns one reference to that chunk.
    ptr: NonNull<T>,
    _owns: PhantomData<T>,
}

// SAFETY: as for `ArcSingle` (and `Arc<T>`): shared access needs `T: Sync`,
// dropping the last handle on another thread needs `T: Send`.
unsafe impl<T: Send + Sync> Send for ArcThin<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send + Sync> Sync for ArcThin<T> {}

/// The start of the [`THIN_WINDOW`]-aligned window that holds `value`: the
/// header of `value`'s chunk. Keeps `value`'s provenance, that of the
/// chunk's whole allocation (handles derive their pointers from
/// `Chunk::elems`).
///
/// It steps back by the offset within the window rather than masking the
/// address: a masked `NonNull` needs a test for zero, which cost a
/// `cmove` and four more instructions at every clone, drop and scan of a
/// thin link.
///
/// # Safety
/// `value` lies in the first `THIN_WINDOW` bytes of a chunk aligned to
/// `THIN_WINDOW` (an `ArcThin`'s invariant).
#[inline(always)]
unsafe fn window_start(value: NonNull<u8>) -> NonNull<u8> {
    let offset = value.addr().get() & (THIN_WINDOW - 1);
    // SAFETY: the caller's promise: the chunk starts at the window, so its
    // header is `offset` bytes before `value`, in the same allocation.
    unsafe { value.byte_sub(offset) }
}

impl<T> ArcThin<T> {
    /// Turns `single` into a thin handle, keeping its reference.
    ///
    /// The check that the value lies in its chunk's window is a debug
    /// assertion (the tests, Miri's included, run with it): at every
    /// allocation, it cost eight instructions, 4 % of W8's build with
    /// `ArcThin`, for what the thin allocator makes sure of anyway.
    ///
    /// # Safety
    /// `single`'s chunk is aligned to [`THIN_WINDOW`] and the value lies in
    /// the window's first `THIN_WINDOW` bytes (see `allocator/thin.rs`).
    #[inline(always)]
    pub(crate) unsafe fn from_single_unchecked<L: IndexType>(single: ArcSingle<T, L>) -> Self {
        debug_assert_eq!(
            single.as_ptr().addr() & !(THIN_WINDOW - 1),
            single.chunk().erase().0.addr().get(),
            "arena-arc: a thin allocator's value is not in its chunk's THIN_WINDOW"
        );
        let (ptr, _) = single.into_parts();
        ArcThin {
            ptr,
            _owns: PhantomData,
        }
    }

    /// The chunk the value is in.
    #[inline(always)]
    fn chunk(&self) -> Chunk<T> {
        // SAFETY: the handle's invariant, promised when it was made from an
        // `ArcSingle` (`from_single_unchecked`): the chunk of `T`s that holds
        // the value starts at the value's window.
        let header = RawChunk(unsafe { window_start(self.ptr.cast()) }.cast());
        // SAFETY: as above: `header` is that chunk's.
        unsafe { Chunk::from_raw(header) }
    }

    /// The value, zero-copy. Same as `&*self`.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u32> = Allocator::new();
    /// assert_eq!(*arena.alloc_thin(5).get(), 5);
    /// ```
    #[inline(always)]
    pub fn get(&self) -> &T {
        // SAFETY: the value is initialised, lives as long as our reference
        // to the chunk, and no one writes to it.
        unsafe { self.ptr.as_ref() }
    }

    /// Whether both handles are the same value. Two zero-sized values of
    /// one chunk share an address and compare equal here (an `ArcThin` has
    /// no slot to tell them apart; [`ArcSingle::ptr_eq`] has).
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcThin};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let a = arena.alloc_thin(1);
    /// let b = arena.alloc_thin(1);
    /// assert!(ArcThin::ptr_eq(&a, &a.clone()));
    /// assert!(!ArcThin::ptr_eq(&a, &b));
    /// ```
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        this.ptr == other.ptr
    }

    /// A raw pointer to the value, valid while the handle lives.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let a = arena.alloc_thin(4);
    /// assert_eq!(unsafe { *a.as_ptr() }, 4);
    /// ```
    pub fn as_ptr(&self) -> *const T {
        self.ptr.as_ptr()
    }

    /// The same value as an [`ArcSingle`] with index type `L`, keeping the
    /// reference. Gives the handle back if the value's slot does not fit
    /// `L` (only possible with `u8`: a chunk in a [`THIN_WINDOW`] has fewer
    /// than 65,536 slots).
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSingle};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let thin = arena.alloc_thin(7);
    /// let single: ArcSingle<u8> = thin.into_single().unwrap();
    /// assert_eq!(*single, 7);
    /// ```
    pub fn into_single<L: IndexType>(self) -> Result<ArcSingle<T, L>, Self> {
        let slot = match core::mem::size_of::<T>() {
            // Every zero-sized value is at slot 0's address; any slot of the
            // chunk counts the same.
            0 => 0,
            size => {
                (self.ptr.addr().get() - self.chunk().erase().0.addr().get() - elems_offset::<T>())
                    / size
            }
        };
        if slot >= L::MAX {
            return Err(self);
        }
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: the value is slot `slot` of the chunk at its window, a
        // chunk of `T`s (the handle's invariant), and `slot` fits `L`; the
        // handle's reference passes to the new one.
        Ok(unsafe { ArcSingle::from_raw_parts((this.chunk(), slot, 1)) })
    }

    /// The chunk, for [`Links`](crate::Links).
    #[inline(always)]
    pub(crate) fn raw_chunk(&self) -> RawChunk {
        self.chunk().erase()
    }
}

impl<T> Drop for ArcThin<T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the handle owns one reference, given up here; its chunk
        // is the one at the value's window (the handle's invariant).
        unsafe { self.chunk().release() };
    }
}

impl<T> Clone for ArcThin<T> {
    #[inline]
    fn clone(&self) -> Self {
        // SAFETY: we hold a reference, so the chunk is live.
        unsafe { self.chunk().acquire() };
        ArcThin {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> Deref for ArcThin<T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        self.get()
    }
}

impl<T> AsRef<T> for ArcThin<T> {
    fn as_ref(&self) -> &T {
        self.get()
    }
}

impl<T> Borrow<T> for ArcThin<T> {
    fn borrow(&self) -> &T {
        self.get()
    }
}

impl<T: fmt::Debug> fmt::Debug for ArcThin<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.get(), f)
    }
}

impl<T: fmt::Display> fmt::Display for ArcThin<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.get(), f)
    }
}

impl<T> fmt::Pointer for ArcThin<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&self.ptr, f)
    }
}

impl<T: Hash> Hash for ArcThin<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.get().hash(state)
    }
}

impl<T: PartialEq> PartialEq for ArcThin<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for ArcThin<T> {}

impl<T: PartialOrd> PartialOrd for ArcThin<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.get().partial_cmp(other.get())
    }
}

impl<T: Ord> Ord for ArcThin<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.get().cmp(other.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compile-time check of `alloc_thin` at its edges, which a
    /// trybuild test would need one crate per edge to reach: the largest
    /// chunk that fits the window, one element more, no elements, and a
    /// size that overflows.
    #[test]
    fn a_chunk_fits_the_window_up_to_its_last_byte() {
        let room = THIN_WINDOW - elems_offset::<u64>();
        assert_eq!(room % 8, 0, "the window's room is a whole number of u64s");
        assert!(fits_thin_window::<u64>(room / 8));
        assert!(!fits_thin_window::<u64>(room / 8 + 1));
        assert!(fits_thin_window::<u64>(1));
        assert!(!fits_thin_window::<u64>(0));
        assert!(!fits_thin_window::<u64>(usize::MAX / 4));
        // A zero-sized type fits any number, but never none.
        assert!(fits_thin_window::<()>(usize::MAX));
        assert!(!fits_thin_window::<()>(0));
        // The capacity handed to users fits, with its 80 bytes to spare.
        let n = thin_capacity::<u64>();
        assert!(fits_thin_window::<u64>(n));
        assert_eq!(room - n * 8, 80);
    }
}
