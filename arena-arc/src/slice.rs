//! [`ArcSlice`]: a reference-counted handle to a slice in a chunk.

use core::borrow::Borrow;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;
use core::ops::{Bound, Deref, RangeBounds};
use core::ptr::NonNull;
use core::slice;

use alloc::vec::Vec;

use crate::chunk::Chunk;
use crate::index::IndexType;
use crate::single::ArcSingle;

/// A shared, immutable slice of `T`s in an arena chunk: a pointer, a length
/// and the slice's offset in its chunk (16 bytes with the default `L = u32`
/// on 64-bit targets, the size of `Arc<[T]>`).
///
/// Cloning is one `Relaxed` atomic increment; dropping one `Release`
/// decrement. The chunk, and every element in it, is dropped with its last
/// handle. Reading is a pointer and a length, as for `Arc<[T]>`:
/// [`get`](Self::get) and `Deref` create a reference to this slice's own
/// elements only, never to the rest of the chunk, so reading on one thread
/// while the allocator writes later slices of the same chunk on another is
/// sound.
///
/// An empty `ArcSlice` (from [`new`](Self::new), [`Default`], an `alloc` of
/// length 0 or an empty [`slice`](Self::slice)) holds no chunk and costs
/// nothing.
///
/// `ArcSlice<T, L>` is `Send` and `Sync` exactly when `T` is `Send + Sync`,
/// like `Arc<[T]>`.
///
/// ```
/// use arena_arc::{Allocator, ArcSlice};
///
/// let arena: Allocator<u64> = Allocator::new();
/// let all: ArcSlice<u64> = arena.alloc(5, |i| i as u64 * 10);
/// let middle = all.slice(1..4); // zero-copy, shares the chunk
/// assert_eq!(middle, [10, 20, 30]);
/// assert_eq!(all.iter().sum::<u64>(), 100);
///
/// let worker = std::thread::spawn(move || middle.len());
/// assert_eq!(worker.join().unwrap(), 3);
/// ```
pub struct ArcSlice<T, L: IndexType = u32> {
    /// The first element; dangling when `len == 0`.
    ptr: NonNull<T>,
    /// When non-zero, this handle owns one reference to the chunk and
    /// `ptr..ptr + len` are initialised elements no one mutates.
    len: L,
    /// `ptr`'s slot in its chunk.
    offset: L,
    _owns: PhantomData<T>,
}

// SAFETY: a handle gives shared access to `T`s (so `T: Sync` is needed to
// send or share it) and may drop them, as the last handle, on any thread (so
// `T: Send`); the count is atomic. These are `Arc<[T]>`'s bounds.
unsafe impl<T: Send + Sync, L: IndexType> Send for ArcSlice<T, L> {}
// SAFETY: as for `Send`: `&ArcSlice` only reads and clones.
unsafe impl<T: Send + Sync, L: IndexType> Sync for ArcSlice<T, L> {}

impl<T, L: IndexType> ArcSlice<T, L> {
    /// The empty slice. Allocates nothing.
    ///
    /// ```
    /// use arena_arc::ArcSlice;
    ///
    /// let empty: ArcSlice<String> = ArcSlice::new();
    /// assert!(empty.is_empty());
    /// ```
    pub const fn new() -> Self {
        ArcSlice {
            ptr: NonNull::dangling(),
            len: L::ZERO,
            offset: L::ZERO,
            _owns: PhantomData,
        }
    }

    /// The empty slice; the name `arena-arc` 0.1 used. Same as [`new`](Self::new).
    ///
    /// ```
    /// use arena_arc::ArcSlice;
    ///
    /// assert_eq!(ArcSlice::<u8>::empty().len(), 0);
    /// ```
    pub const fn empty() -> Self {
        Self::new()
    }

    /// Assembles a handle from a committed reservation.
    ///
    /// # Safety
    /// `len >= 1`, `len <= L::MAX`, `start < L::MAX` (as usize), slots
    /// `start..start + len` of `chunk` are initialised, and the caller gives
    /// this handle one reference to `chunk`.
    #[inline(always)]
    pub(crate) unsafe fn from_raw_parts((chunk, start, len): (Chunk<T>, usize, usize)) -> Self {
        ArcSlice {
            // SAFETY: `start` is in bounds by the caller's promise.
            ptr: unsafe { chunk.slot(start) },
            len: L::from_usize(len),
            offset: L::from_usize(start),
            _owns: PhantomData,
        }
    }

    /// The chunk this handle holds a reference to, if it is not empty.
    #[inline(always)]
    pub(crate) fn chunk(&self) -> Option<Chunk<T>> {
        if self.len == L::ZERO {
            None
        } else {
            // SAFETY: a non-empty handle's `ptr` is slot `offset` of its
            // live chunk, derived from the chunk's allocation.
            Some(unsafe { Chunk::from_elem(self.ptr, self.offset.to_usize()) })
        }
    }

    /// Splits the handle into its parts without touching the count.
    pub(crate) fn into_parts(self) -> (NonNull<T>, L, L) {
        let this = core::mem::ManuallyDrop::new(self);
        (this.ptr, this.len, this.offset)
    }

    /// The elements, zero-copy. Same as `&*self`.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u32, u32, 16> = Allocator::new();
    /// let handle = arena.alloc(4, |i| (i * 2) as u32);
    /// assert_eq!(handle.get(), &[0, 2, 4, 6]);
    /// ```
    #[inline(always)]
    pub fn get(&self) -> &[T] {
        // SAFETY: `ptr..ptr + len` are initialised `T`s that live as long as
        // our reference to the chunk, and no one writes to them; for an
        // empty handle `ptr` is dangling and aligned, which suffices.
        unsafe { slice::from_raw_parts(self.ptr.as_ptr(), self.len.to_usize()) }
    }

    /// The number of elements.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// assert_eq!(arena.alloc(3, |_| 0).len(), 3);
    /// ```
    #[inline(always)]
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        self.len.to_usize()
    }

    /// Whether the slice has no elements.
    ///
    /// ```
    /// use arena_arc::ArcSlice;
    ///
    /// assert!(ArcSlice::<u8>::new().is_empty());
    /// ```
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == L::ZERO
    }

    /// A handle to `range` of this slice, sharing the chunk (one atomic
    /// increment, no copy), as `bytes::Bytes::slice` does. An empty range
    /// gives an empty handle that holds no chunk.
    ///
    /// # Panics
    /// If the range is out of bounds or decreasing, as slice indexing does.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<char> = Allocator::new();
    /// let word = arena.alloc_slice_copy(&['h', 'e', 'l', 'l', 'o']);
    /// assert_eq!(word.slice(1..=2), ['e', 'l']);
    /// assert_eq!(word.slice(3..), ['l', 'o']);
    /// assert!(word.slice(5..).is_empty());
    /// ```
    #[track_caller]
    pub fn slice(&self, range: impl RangeBounds<usize>) -> Self {
        let len = self.len();
        let start = match range.start_bound() {
            Bound::Included(&n) => n,
            Bound::Excluded(&n) => n
                .checked_add(1)
                .expect("arena-arc: ArcSlice::slice: range start overflows usize"),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&n) => n
                .checked_add(1)
                .expect("arena-arc: ArcSlice::slice: range end overflows usize"),
            Bound::Excluded(&n) => n,
            Bound::Unbounded => len,
        };
        assert!(
            start <= end,
            "arena-arc: ArcSlice::slice: range starts at {start} but ends at {end}"
        );
        assert!(
            end <= len,
            "arena-arc: ArcSlice::slice: range end {end} is out of bounds for a slice of length {len}"
        );
        if start == end {
            return Self::new();
        }
        let chunk = self
            .chunk()
            .expect("a non-empty range implies a non-empty slice");
        // SAFETY: we hold a reference, so the chunk is live.
        unsafe { chunk.acquire() };
        ArcSlice {
            // SAFETY: `start < len`: in bounds of our elements.
            ptr: unsafe { self.ptr.add(start) },
            len: L::from_usize(end - start),
            offset: L::from_usize(self.offset.to_usize() + start),
            _owns: PhantomData,
        }
    }

    /// Whether both handles are the same elements of the same chunk (same
    /// chunk, start and length), rather than equal contents. Two empty
    /// handles are `ptr_eq`.
    ///
    /// This holds for zero-sized types too, where every element of a chunk
    /// has the same address: the slot in the chunk is compared, not only the
    /// address.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSlice};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let a = arena.alloc(2, |_| 1);
    /// let b = arena.alloc(2, |_| 1);
    /// assert!(ArcSlice::ptr_eq(&a, &a.clone()));
    /// assert!(!ArcSlice::ptr_eq(&a, &b));
    /// assert_eq!(a, b);
    ///
    /// let units: Allocator<()> = Allocator::new();
    /// let u = units.alloc(2, |_| ());
    /// assert!(!ArcSlice::ptr_eq(&u.slice(0..1), &u.slice(1..2)));
    /// ```
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        // The address and the slot together name the chunk (its header is
        // `offset` slots before `ptr`) and the start in it, even when `T` is
        // zero-sized and every slot has the chunk's one address.
        this.ptr == other.ptr && this.offset == other.offset && this.len == other.len
    }

    /// Whether both handles keep the same chunk alive. Empty handles share
    /// no chunk.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSlice};
    ///
    /// let arena: Allocator<u8, u32, 8> = Allocator::new();
    /// let a = arena.alloc(4, |_| 0);
    /// let b = arena.alloc(4, |_| 0);
    /// let c = arena.alloc(4, |_| 0); // does not fit: a new chunk
    /// assert!(ArcSlice::shares_chunk(&a, &b));
    /// assert!(!ArcSlice::shares_chunk(&a, &c));
    /// ```
    pub fn shares_chunk(this: &Self, other: &Self) -> bool {
        matches!((this.chunk(), other.chunk()), (Some(a), Some(b)) if a == b)
    }

    /// A raw pointer to the first element, valid while the handle lives.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let a = arena.alloc(1, |_| 9);
    /// assert_eq!(unsafe { *a.as_ptr() }, 9);
    /// ```
    pub fn as_ptr(&self) -> *const T {
        self.ptr.as_ptr()
    }
}

impl<T, L: IndexType> Drop for ArcSlice<T, L> {
    #[inline]
    fn drop(&mut self) {
        if let Some(chunk) = self.chunk() {
            // SAFETY: a non-empty handle owns one reference, given up here.
            unsafe { chunk.release() };
        }
    }
}

impl<T, L: IndexType> Clone for ArcSlice<T, L> {
    #[inline]
    fn clone(&self) -> Self {
        if let Some(chunk) = self.chunk() {
            // SAFETY: we hold a reference, so the chunk is live.
            unsafe { chunk.acquire() };
        }
        ArcSlice {
            ptr: self.ptr,
            len: self.len,
            offset: self.offset,
            _owns: PhantomData,
        }
    }
}

impl<T, L: IndexType> Deref for ArcSlice<T, L> {
    type Target = [T];

    #[inline(always)]
    fn deref(&self) -> &[T] {
        self.get()
    }
}

impl<T, L: IndexType> Default for ArcSlice<T, L> {
    /// The empty slice; allocates nothing.
    fn default() -> Self {
        Self::new()
    }
}

impl<T> ArcSlice<T> {
    /// The empty slice with the default index type `u32`, as
    /// [`Default::default`]; it lets a bare `ArcSlice::default()` compile
    /// where nothing else fixes `L`, as std's `HashMap::new` exists only for
    /// the default hasher (path resolution finds this inherent function
    /// before the trait's, which stays implemented for every `L`:
    /// `ArcSlice::<u8, u16>::default()` and `Default::default()` call it).
    /// For a field of type `ArcSlice<T, u16>`, write `ArcSlice::new()` or
    /// `Default::default()`.
    ///
    /// ```
    /// use arena_arc::ArcSlice;
    ///
    /// assert_eq!(ArcSlice::default(), [0u8; 0]);
    /// let short: ArcSlice<u8, u16> = Default::default();
    /// assert!(short.is_empty());
    /// ```
    #[allow(clippy::should_implement_trait)] // it is implemented, for every `L`
    pub const fn default() -> Self {
        Self::new()
    }
}

impl<T, L: IndexType> AsRef<[T]> for ArcSlice<T, L> {
    fn as_ref(&self) -> &[T] {
        self.get()
    }
}

impl<T, L: IndexType> Borrow<[T]> for ArcSlice<T, L> {
    fn borrow(&self) -> &[T] {
        self.get()
    }
}

impl<'a, T, L: IndexType> IntoIterator for &'a ArcSlice<T, L> {
    type Item = &'a T;
    type IntoIter = slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.get().iter()
    }
}

impl<T, L: IndexType> From<ArcSingle<T, L>> for ArcSlice<T, L> {
    /// A slice of length 1 that takes over the single's reference.
    fn from(single: ArcSingle<T, L>) -> Self {
        let (ptr, offset) = single.into_parts();
        ArcSlice {
            ptr,
            len: L::ONE,
            offset,
            _owns: PhantomData,
        }
    }
}

impl<T: fmt::Debug, L: IndexType> fmt::Debug for ArcSlice<T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.get(), f)
    }
}

impl<T: Hash, L: IndexType> Hash for ArcSlice<T, L> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.get().hash(state)
    }
}

impl<T: PartialEq, L: IndexType> PartialEq for ArcSlice<T, L> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq, L: IndexType> Eq for ArcSlice<T, L> {}

impl<T: PartialOrd, L: IndexType> PartialOrd for ArcSlice<T, L> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.get().partial_cmp(other.get())
    }
}

impl<T: Ord, L: IndexType> Ord for ArcSlice<T, L> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.get().cmp(other.get())
    }
}

impl<T: PartialEq, L: IndexType> PartialEq<[T]> for ArcSlice<T, L> {
    fn eq(&self, other: &[T]) -> bool {
        self.get() == other
    }
}

impl<T: PartialEq, L: IndexType> PartialEq<&[T]> for ArcSlice<T, L> {
    fn eq(&self, other: &&[T]) -> bool {
        self.get() == *other
    }
}

impl<T: PartialEq, L: IndexType> PartialEq<Vec<T>> for ArcSlice<T, L> {
    fn eq(&self, other: &Vec<T>) -> bool {
        self.get() == other.as_slice()
    }
}

impl<T: PartialEq, L: IndexType, const K: usize> PartialEq<[T; K]> for ArcSlice<T, L> {
    fn eq(&self, other: &[T; K]) -> bool {
        self.get() == other.as_slice()
    }
}
