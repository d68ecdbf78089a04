//! A chunk: one allocation that holds a [`Header`] followed by room for
//! `capacity` elements of `T`, shared by every handle into it.
//!
//! # Reference counting
//!
//! The header's `refs` counts handles, like the strong count of `Arc` (kept
//! minus one, so that a clone is one `lock inc`: see `count.rs`). The
//! allocator does not count the handles it hands out one by one: while a chunk
//! is *current* (being filled), `refs` holds a large [`BIAS`] on the
//! allocator's behalf and the allocator counts hand-outs in a plain integer.
//! Handle clones and drops adjust `refs` atomically as usual, and because the
//! bias is far larger than the number of hand-outs a chunk can have (at most
//! its capacity), `refs` cannot reach zero while the chunk is current.
//!
//! When the allocator retires the chunk it *settles*: it subtracts
//! `BIAS - handed - 1` in one atomic operation, leaving exactly one reference
//! per live handle plus one of its own, which it keeps while the chunk sits in
//! its retired list (so that it can reuse the chunk once that reference is the
//! only one left) and releases when it evicts the chunk or is dropped.
//!
//! Whoever brings `refs` to zero drops the initialised elements and frees the
//! memory: a `Release` decrement and, for the last, an `Acquire` load of the
//! count (`Arc` uses a fence; the load synchronises the same way and
//! ThreadSanitizer understands it).
//!
//! # Aliasing
//!
//! Nothing here creates a reference that covers the whole chunk. Elements are
//! written and dropped through raw pointers derived from the pointer the
//! global allocator returned, and the header's fields are reached through
//! raw field pointers; a handle creates a reference only to its own elements
//! and to the `refs` atomic. So a reader on one thread and the allocator
//! writing later elements of the same chunk on another never overlap.

use core::alloc::Layout;
use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop};
use core::ops::Range;
use core::ptr::{self, NonNull};

use alloc::boxed::Box;
use alloc::vec::Vec;

mod count;
mod out_links;
mod prefault;
mod raw;

pub(crate) use out_links::{OutLinks, Tally};

pub(crate) use raw::RawChunk;

use count::{Count, Increment};

use crate::generation::Generation;
use crate::stats::Live;
use crate::sync::Arc;

/// The allocator's share of `refs` while a chunk is current. It is far larger
/// than any number of hand-outs (a chunk hands out at most `capacity`
/// non-empty slices, and capacities are limited to less than `BIAS / 2`).
pub(crate) const BIAS: usize = 1 << (usize::BITS - 2);

/// The start of every chunk.
#[repr(C)]
pub(crate) struct Header {
    /// Handles into the chunk (plus the allocator's bias or reference).
    refs: Count,
    /// The chunk's layout, to free it without knowing `T`. Immutable.
    layout: Layout,
    /// Drops `len` elements from slot `start`: the only part of a chunk's
    /// release that depends on `T` (so that the rest is compiled once for
    /// every element type, not once per type). `None` when `T` has no drop
    /// glue. Immutable.
    drop_elems: Option<DropElems>,
    /// Slots `0..len` hold initialised elements, except those in `holes`.
    /// Written only by the allocator, and published by its settle (or, for a
    /// dedicated chunk, before the first handle exists).
    len: usize,
    /// Ranges inside `0..len` that hold no element: left by an initialisation
    /// that failed after a nested allocation had already moved past it. Null
    /// when there are none, which is always but for that rare case.
    holes: *mut Vec<Range<usize>>,
    /// The counters of the allocator that made the chunk.
    live: ManuallyDrop<Arc<Live>>,
    /// The generation the chunk belongs to, for a chunk of a per-thread
    /// acyclic arena (see `generation.rs`): when its count reaches zero the
    /// chunk is not freed but tells its generation, which frees all its
    /// chunks together. `None` for every other chunk. Set when the chunk is
    /// made or reused, before any handle into it exists; immutable between.
    generation: Option<NonNull<Generation>>,
    /// References handed out while the chunk is current and not yet settled
    /// (see the module docs). Only the thread of the allocator whose current
    /// chunk it is reads or writes it, and only until the settle; it sits
    /// past the first cache line, away from `refs`, which other threads
    /// write.
    handed: usize,
    /// The links that committed values hold into other chunks, for an
    /// element type with `DROP_ONLY_LINKS` (see `out_links.rs`). Written as
    /// `handed` is, and read by whoever holds the only reference.
    out: OutLinks,
}

/// `drop_in_place` of slots `start..start + len` of the chunk at `header`,
/// for the chunk's element type.
pub(crate) type DropElems = unsafe fn(header: NonNull<Header>, start: usize, len: usize);

/// The [`DropElems`] of chunks of `T`.
///
/// # Safety
/// `header` is a chunk of `T`s whose slots `start..start + len` hold
/// initialised elements that no one will use again.
unsafe fn drop_elems<T>(header: NonNull<Header>, start: usize, len: usize) {
    let chunk = Chunk::<T> {
        header,
        _elems: PhantomData,
    };
    // SAFETY: the caller's promise; `drop_in_place` on a slice keeps
    // dropping the rest after a panic.
    unsafe {
        ptr::drop_in_place(ptr::slice_from_raw_parts_mut(
            chunk.slot(start).as_ptr(),
            len,
        ))
    };
}

/// The bytes set aside for the [`Header`] at the start of every chunk:
/// three cache lines, so that the elements do not share one with the `refs`
/// count (which other threads write when they drop handles while this one
/// fills the chunk), and so that the first element is 16-byte aligned
/// whenever the global allocator returns 16-byte aligned memory (as the
/// common ones do): vectorised fills then never split a store across two
/// cache lines. The third line holds most of the tally of links out
/// (`out_links.rs`). (Under loom, whose atomics are larger, more.)
const HEADER_SPACE: usize = if cfg!(loom) { 320 } else { 192 };
const _: () = assert!(mem::size_of::<Header>() <= HEADER_SPACE);

/// The byte offset of the first element from the start of the chunk.
pub(crate) const fn elems_offset<T>() -> usize {
    let align = mem::align_of::<T>();
    (HEADER_SPACE + align - 1) & !(align - 1)
}

/// The layout of a chunk with room for `capacity` elements, or `None` when
/// its size overflows `isize::MAX`.
pub(crate) fn layout<T>(capacity: usize) -> Option<Layout> {
    let header = Layout::from_size_align(HEADER_SPACE, mem::align_of::<Header>()).ok()?;
    let (layout, offset) = header.extend(Layout::array::<T>(capacity).ok()?).ok()?;
    debug_assert_eq!(offset, elems_offset::<T>());
    Some(layout.pad_to_align())
}

/// A pointer to a chunk of `T`s. Copying it does not touch the count: the
/// owner of each reference decides when to release it. `repr(transparent)`,
/// like [`RawChunk`]: the two (and `Option`s and arrays of them) have the
/// same layout, which the allocator's type-erased retiring relies on.
#[repr(transparent)]
pub(crate) struct Chunk<T> {
    header: NonNull<Header>,
    _elems: PhantomData<*mut T>,
}

impl<T> Clone for Chunk<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Chunk<T> {}

impl<T> PartialEq for Chunk<T> {
    fn eq(&self, other: &Self) -> bool {
        self.header == other.header
    }
}

impl<T> core::fmt::Debug for Chunk<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Chunk").field(&self.header).finish()
    }
}

impl<T> Chunk<T> {
    /// Allocates a chunk with room for `capacity` elements, none initialised,
    /// with `refs` set to `refs`, no hand-out, in `generation` (if any; the
    /// caller then makes the chunk join it).
    ///
    /// `layout` must be `layout::<T>(capacity)`, or that with a larger
    /// alignment. `release`, if any, drops the elements instead of
    /// `drop_in_place` (see `links/release.rs`).
    pub(crate) fn allocate(
        capacity: usize,
        layout: Layout,
        refs: usize,
        live: &Arc<Live>,
        generation: Option<NonNull<Generation>>,
        release: Option<DropElems>,
    ) -> Self {
        debug_assert!(
            self::layout::<T>(capacity).is_some_and(
                |plain| plain.size() == layout.size() && plain.align() <= layout.align()
            )
        );
        // SAFETY: `layout` has a non-zero size: it holds at least a `Header`.
        let raw = unsafe { alloc::alloc::alloc(layout) };
        let Some(raw) = NonNull::new(raw) else {
            alloc::alloc::handle_alloc_error(layout)
        };
        let header = raw.cast::<Header>();
        live.add(layout.size());
        // SAFETY: `header` points to fresh memory, valid and aligned for a
        // `Header` (the layout starts with one).
        unsafe {
            header.as_ptr().write(Header {
                refs: Count::new(refs),
                layout,
                drop_elems: if mem::needs_drop::<T>() {
                    Some(release.unwrap_or(drop_elems::<T>))
                } else {
                    None
                },
                len: 0,
                holes: ptr::null_mut(),
                live: ManuallyDrop::new(Arc::clone(live)),
                generation,
                handed: 0,
                out: OutLinks::EMPTY,
            });
        }
        Chunk {
            header,
            _elems: PhantomData,
        }
    }

    /// Maps the pages of a chunk just allocated, so that filling it takes
    /// no page fault (see `prefault.rs`: Linux only, and only for a chunk
    /// of at least [`prefault::MIN_PAGES`] whole pages).
    pub(crate) fn prefault(self, layout: Layout) {
        // SAFETY: the chunk is alive (the caller just made it), and its
        // allocation is `layout.size()` bytes from the header (`allocate`).
        unsafe { prefault::prefault(self.header.as_ptr().cast::<u8>(), layout.size()) };
    }

    /// The chunk of `T`s that `raw` is.
    ///
    /// # Safety
    /// `raw` was allocated as a chunk of `T`s.
    pub(crate) unsafe fn from_raw(raw: RawChunk) -> Self {
        Chunk {
            header: raw.0,
            _elems: PhantomData,
        }
    }

    /// The chunk that holds the element at `elem`, which is slot `offset` of
    /// its chunk.
    ///
    /// # Safety
    /// `elem` must point to slot `offset` of a live chunk of `T`s, with the
    /// provenance of that chunk's allocation (as every handle's pointer has:
    /// it is derived from [`Chunk::elems`]).
    #[inline(always)]
    pub(crate) unsafe fn from_elem(elem: NonNull<T>, offset: usize) -> Self {
        // SAFETY: by the caller's promise slot 0 is `offset` slots before
        // `elem`, and the header `elems_offset` bytes before slot 0, all in
        // the same allocation.
        let header = unsafe {
            elem.as_ptr()
                .sub(offset)
                .cast::<u8>()
                .sub(elems_offset::<T>())
                .cast::<Header>()
        };
        Chunk {
            // SAFETY: derived in bounds from a non-null pointer.
            header: unsafe { NonNull::new_unchecked(header) },
            _elems: PhantomData,
        }
    }

    /// Slot 0 of the chunk, with the provenance of the whole allocation.
    #[inline(always)]
    pub(crate) fn elems(self) -> NonNull<T> {
        // SAFETY: the element array starts `elems_offset` bytes into the
        // chunk's allocation; for a zero-capacity chunk that is one past its end.
        unsafe { self.header.byte_add(elems_offset::<T>()).cast::<T>() }
    }

    /// A pointer to slot `index`.
    ///
    /// # Safety
    /// `index <= capacity`.
    #[inline(always)]
    pub(crate) unsafe fn slot(self, index: usize) -> NonNull<T> {
        // SAFETY: in bounds by the caller's promise.
        unsafe { self.elems().add(index) }
    }

    #[inline(always)]
    fn refs(&self) -> &Count {
        // SAFETY: the chunk is live while anyone holds a reference to it, and
        // this borrows only the atomic field, which is never accessed non-atomically
        // while shared.
        unsafe { &(*self.header.as_ptr()).refs }
    }

    /// Publishes that slots `0..len` are initialised (but for holes).
    ///
    /// # Safety
    /// Only the allocator that owns the chunk may call this, before it settles
    /// (or, for a dedicated chunk, before the handle exists), and the slots
    /// must be initialised.
    pub(crate) unsafe fn set_len(self, len: usize) {
        // SAFETY: the caller's promise.
        unsafe { self.erase().set_len(len) }
    }

    /// Records that `range` holds no elements.
    ///
    /// # Safety
    /// The caller is the allocator that owns the chunk and still holds a
    /// reference to it (its bias, its retired-list reference or an unsettled
    /// reservation) that it releases only after this returns.
    pub(crate) unsafe fn add_hole(self, range: Range<usize>) {
        // SAFETY: `holes` is read and written only by the allocator and by
        // whoever brings the count to zero, which cannot happen before the
        // caller's reference is released (with `Release` ordering).
        unsafe {
            let holes = &mut (*self.header.as_ptr()).holes;
            if holes.is_null() {
                *holes = Box::into_raw(Box::new(Vec::new()));
            }
            (**holes).push(range);
        }
    }

    /// Takes one more reference, as `Arc::clone` does: `Relaxed`, because
    /// the caller's own reference keeps the chunk alive.
    ///
    /// # Safety
    /// The caller holds a reference to the chunk.
    #[inline(always)]
    pub(crate) unsafe fn acquire(self) {
        if self.refs().increment() == Increment::Revived {
            // SAFETY: the caller holds a reference.
            unsafe { self.erase().revive() };
        }
    }

    /// Releases one reference, freeing the chunk if it was the last.
    ///
    /// # Safety
    /// The caller owns one reference and does not use the chunk afterwards.
    #[inline(always)]
    pub(crate) unsafe fn release(self) {
        // SAFETY: the caller's promise.
        unsafe { self.erase().release() }
    }

    /// The chunk without its element type: what the release path, compiled
    /// once for every element type, works on.
    #[inline(always)]
    pub(crate) fn erase(self) -> RawChunk {
        RawChunk(self.header)
    }

    /// The references handed out from the chunk and not yet settled.
    ///
    /// # Safety
    /// The chunk is current for an allocator of the calling thread.
    #[inline(always)]
    pub(crate) unsafe fn handed(self) -> usize {
        // SAFETY: the caller's promise: only this thread touches `handed`
        // now, through raw place accesses that overlap no reference.
        unsafe { (*self.header.as_ptr()).handed }
    }

    /// Sets [`handed`](Self::handed).
    ///
    /// # Safety
    /// As for [`handed`](Self::handed).
    #[inline(always)]
    pub(crate) unsafe fn set_handed(self, handed: usize) {
        // SAFETY: as in `handed`.
        unsafe { (*self.header.as_ptr()).handed = handed };
    }

    /// Gives back `n` references that the allocator knows are owned by no
    /// handle any more: the links of just-committed values into this chunk
    /// (see `links.rs`), or a cancelled reservation. A reference is counted
    /// either in `handed` (a hand-out not yet settled) or in the atomic count
    /// (a clone), and the settle adds the two up, so which one gives it back
    /// does not matter: take from `handed` while it has enough (no atomic
    /// operation), and the rest from the count, which the bias keeps far from
    /// zero. (`handed` can fall short: links to clones, or a reservation whose
    /// hand-out a nested commit's links already took.)
    ///
    /// # Safety
    /// As for [`RawChunk::forget_refs`].
    #[inline]
    pub(crate) unsafe fn give_back(self, n: usize) {
        // SAFETY: the caller's promise.
        unsafe { self.erase().give_back(n) }
    }

    /// Whether the caller's reference is the only one left. When it returns
    /// `true`, every other holder's use happened before this call.
    pub(crate) fn is_unique(self) -> bool {
        self.erase().is_unique()
    }

    /// Drops the chunk's elements and makes it current again, with the bias
    /// as its count.
    ///
    /// # Safety
    /// The caller holds the only reference (`is_unique` returned `true`).
    /// If an element's `Drop` panics, the chunk is freed and the panic goes on.
    pub(crate) unsafe fn recycle(self) {
        // SAFETY: the caller's promise.
        unsafe { RawChunk(self.header).recycle() }
    }

    /// Drops the elements and frees the memory.
    ///
    /// # Safety
    /// No one else holds a reference, and the caller's use is over.
    #[inline]
    pub(crate) unsafe fn free(self) {
        // SAFETY: the caller's promise.
        unsafe { RawChunk(self.header).free() }
    }
}

#[cold]
#[inline(never)]
fn abort_refcount_overflow() -> ! {
    const MESSAGE: &str =
        "arena-arc: a chunk's reference count overflowed (more than isize::MAX handles); aborting";
    #[cfg(feature = "std")]
    {
        std::eprintln!("{MESSAGE}");
        std::process::abort()
    }
    // Without std there is no `process::abort`: panic, and panic again from
    // a destructor while the first panic unwinds, which aborts (a panic
    // during unwinding never returns). With `panic = "abort"` the first
    // panic aborts already.
    #[cfg(not(feature = "std"))]
    {
        struct PanicAgain;
        impl Drop for PanicAgain {
            fn drop(&mut self) {
                panic!("{MESSAGE}");
            }
        }
        let _bomb = PanicAgain;
        panic!("{MESSAGE}");
    }
}
