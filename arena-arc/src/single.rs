//! [`ArcSingle`]: a reference-counted handle to one value in a chunk.

use core::borrow::Borrow;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;

use crate::chunk::Chunk;
use crate::index::IndexType;
use crate::slice::ArcSlice;

/// A shared, immutable `T` in an arena chunk: a pointer and the value's slot
/// in its chunk, 12 bytes with the default `L = u32` on 64-bit targets, and
/// `Option<ArcSingle<T>>` too (the pointer's niche).
///
/// The handle is packed to an alignment of 4 (`#[repr(C, packed(4))]`), so
/// the slot takes no padding: an expression node with a tag and two
/// operands is 32 bytes, where an 8-aligned 16-byte handle made it 40. The
/// cost is an unaligned load of the pointer where a handle is not at an
/// 8-byte boundary, which x86-64 and AArch64 do at full speed unless it
/// crosses a cache line. Measured on W8 and W9 (docs/benchmarks.md): 3–7 %
/// less time for each `ArcSingle` tree, and 32 bytes resident per W8 node
/// instead of 40.
///
/// Why not 8 bytes, like `Arc<T>`: a drop must find the chunk's count from
/// the handle alone, and neither the chunk capacity `N` (not part of the
/// handle's type) nor the chunk's address (chunks are not aligned to their
/// size, which would waste memory for every `N`) can be derived from the
/// value's address, so the slot travels with the pointer. It is also what
/// lets [`ArcSingle::from_slice`] take any one-element slice, including a
/// sub-slice of a chunk of its own, without copying.
///
/// It behaves like `Arc<T>`: cloning is one `Relaxed` atomic increment,
/// dropping one `Release` decrement, and the chunk (with every value in it)
/// is dropped with its last handle. Comparisons, `Hash`, `Display` and
/// `Debug` go to the value; `fmt::Pointer` prints its address (which the
/// zero-sized values of one chunk share; [`ptr_eq`](Self::ptr_eq) tells them apart).
///
/// `ArcSingle<T, L>` is `Send` and `Sync` exactly when `T` is `Send + Sync`.
///
/// ```
/// use arena_arc::{Allocator, ArcSingle};
///
/// let arena: Allocator<String> = Allocator::new();
/// let name: ArcSingle<String> = arena.alloc_value("x".to_string());
/// let again = name.clone();
/// assert!(ArcSingle::ptr_eq(&name, &again));
/// assert_eq!(name.len(), 1); // String::len, through Deref
/// assert_eq!(format!("{name}"), "x");
/// ```
// Packed: the fields are only ever copied out, never borrowed (the compiler
// refuses a reference to a field of a packed struct), and every read of
// `ptr` is an unaligned load of a pointer that was written whole.
#[repr(C, packed(4))]
pub struct ArcSingle<T, L: IndexType = u32> {
    /// The value; owns one reference to its chunk.
    ptr: NonNull<T>,
    /// `ptr`'s slot in its chunk.
    offset: L,
    _owns: PhantomData<T>,
}

// SAFETY: as for `ArcSlice` (and `Arc<T>`): shared access needs `T: Sync`,
// dropping the last handle on another thread needs `T: Send`.
unsafe impl<T: Send + Sync, L: IndexType> Send for ArcSingle<T, L> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send + Sync, L: IndexType> Sync for ArcSingle<T, L> {}

impl<T, L: IndexType> ArcSingle<T, L> {
    /// Assembles a handle from a committed reservation of one slot.
    ///
    /// # Safety
    /// As for `ArcSlice::from_raw_parts`, with `len == 1`.
    #[inline(always)]
    pub(crate) unsafe fn from_raw_parts((chunk, start, len): (Chunk<T>, usize, usize)) -> Self {
        debug_assert_eq!(len, 1);
        ArcSingle {
            // SAFETY: `start` is in bounds by the caller's promise.
            ptr: unsafe { chunk.slot(start) },
            offset: L::from_usize(start),
            _owns: PhantomData,
        }
    }

    #[inline(always)]
    pub(crate) fn chunk(&self) -> Chunk<T> {
        // SAFETY: `ptr` is slot `offset` of its live chunk, derived from the
        // chunk's allocation.
        unsafe { Chunk::from_elem(self.ptr, self.offset.to_usize()) }
    }

    /// Splits the handle into its parts without touching the count.
    pub(crate) fn into_parts(self) -> (NonNull<T>, L) {
        let this = core::mem::ManuallyDrop::new(self);
        (this.ptr, this.offset)
    }

    /// The value, zero-copy. Same as `&*self`.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u32> = Allocator::new();
    /// assert_eq!(*arena.alloc_value(5).get(), 5);
    /// ```
    #[inline(always)]
    pub fn get(&self) -> &T {
        // SAFETY: the value is initialised, lives as long as our reference
        // to the chunk, and no one writes to it.
        unsafe { &*self.ptr.as_ptr() }
    }

    /// Converts a slice of length 1, keeping its reference.
    ///
    /// # Panics
    /// If the slice's length is not 1 (use [`TryFrom`] to get it back
    /// instead).
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSingle};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let one = ArcSingle::from_slice(arena.alloc(1, |_| 3));
    /// assert_eq!(*one, 3);
    /// ```
    #[track_caller]
    pub fn from_slice(slice: ArcSlice<T, L>) -> Self {
        match Self::try_from(slice) {
            Ok(single) => single,
            Err(err) => panic!("{err}"),
        }
    }

    /// Whether both handles are the same value: the same slot of the same
    /// chunk. For a zero-sized `T` two values can have the same address
    /// (see [`as_ptr`](Self::as_ptr)) and still not be `ptr_eq`.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSingle};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let a = arena.alloc_value(1);
    /// let b = arena.alloc_value(1);
    /// assert!(ArcSingle::ptr_eq(&a, &a.clone()));
    /// assert!(!ArcSingle::ptr_eq(&a, &b));
    ///
    /// let units: Allocator<()> = Allocator::new();
    /// let (x, y) = (units.alloc_value(()), units.alloc_value(()));
    /// assert_eq!(x.as_ptr(), y.as_ptr());
    /// assert!(!ArcSingle::ptr_eq(&x, &y));
    /// ```
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        // As for `ArcSlice::ptr_eq`: the address alone does not tell two
        // zero-sized values of one chunk apart; the slot does.
        (this.ptr, this.offset) == (other.ptr, other.offset)
    }

    /// A raw pointer to the value, valid while the handle lives.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let a = arena.alloc_value(4);
    /// assert_eq!(unsafe { *a.as_ptr() }, 4);
    /// ```
    pub fn as_ptr(&self) -> *const T {
        self.ptr.as_ptr()
    }
}

impl<T, L: IndexType> Drop for ArcSingle<T, L> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the handle owns one reference, given up here.
        unsafe { self.chunk().release() };
    }
}

impl<T, L: IndexType> Clone for ArcSingle<T, L> {
    #[inline]
    fn clone(&self) -> Self {
        // SAFETY: we hold a reference, so the chunk is live.
        unsafe { self.chunk().acquire() };
        ArcSingle {
            ptr: self.ptr,
            offset: self.offset,
            _owns: PhantomData,
        }
    }
}

/// The error of `ArcSingle::try_from(slice)` when the slice's length is not
/// 1; it gives the slice back.
///
/// ```
/// use arena_arc::{Allocator, ArcSingle};
///
/// let arena: Allocator<u8> = Allocator::new();
/// let err = ArcSingle::try_from(arena.alloc(2, |_| 0)).unwrap_err();
/// assert_eq!(err.to_string(), "arena-arc: an ArcSingle needs a slice of length 1, not 2");
/// assert_eq!(err.into_inner().len(), 2);
/// ```
pub struct NotSingle<T, L: IndexType = u32>(ArcSlice<T, L>);

impl<T, L: IndexType> NotSingle<T, L> {
    /// The slice that could not be converted.
    pub fn into_inner(self) -> ArcSlice<T, L> {
        self.0
    }
}

impl<T, L: IndexType> fmt::Debug for NotSingle<T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotSingle")
            .field("len", &self.0.len())
            .finish_non_exhaustive()
    }
}

impl<T, L: IndexType> fmt::Display for NotSingle<T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arena-arc: an ArcSingle needs a slice of length 1, not {}",
            self.0.len()
        )
    }
}

impl<T, L: IndexType> core::error::Error for NotSingle<T, L> {}

impl<T, L: IndexType> TryFrom<ArcSlice<T, L>> for ArcSingle<T, L> {
    type Error = NotSingle<T, L>;

    /// Converts a slice of length 1, keeping its reference; any other
    /// length is given back in the error.
    fn try_from(slice: ArcSlice<T, L>) -> Result<Self, Self::Error> {
        if slice.len() != 1 {
            return Err(NotSingle(slice));
        }
        let (ptr, _len, offset) = slice.into_parts();
        Ok(ArcSingle {
            ptr,
            offset,
            _owns: PhantomData,
        })
    }
}

impl<T, L: IndexType> Deref for ArcSingle<T, L> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        self.get()
    }
}

impl<T, L: IndexType> AsRef<T> for ArcSingle<T, L> {
    fn as_ref(&self) -> &T {
        self.get()
    }
}

impl<T, L: IndexType> Borrow<T> for ArcSingle<T, L> {
    fn borrow(&self) -> &T {
        self.get()
    }
}

impl<T: fmt::Debug, L: IndexType> fmt::Debug for ArcSingle<T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.get(), f)
    }
}

impl<T: fmt::Display, L: IndexType> fmt::Display for ArcSingle<T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.get(), f)
    }
}

impl<T, L: IndexType> fmt::Pointer for ArcSingle<T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&{ self.ptr }, f)
    }
}

impl<T: Hash, L: IndexType> Hash for ArcSingle<T, L> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.get().hash(state)
    }
}

impl<T: PartialEq, L: IndexType> PartialEq for ArcSingle<T, L> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq, L: IndexType> Eq for ArcSingle<T, L> {}

impl<T: PartialOrd, L: IndexType> PartialOrd for ArcSingle<T, L> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.get().partial_cmp(other.get())
    }
}

impl<T: Ord, L: IndexType> Ord for ArcSingle<T, L> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.get().cmp(other.get())
    }
}
