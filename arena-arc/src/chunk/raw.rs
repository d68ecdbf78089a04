//! [`RawChunk`]: a chunk whose element type is forgotten, and the release
//! path that works on it (compiled once for every element type).

use core::alloc::Layout;
use core::mem::{self, ManuallyDrop};
use core::ops::Range;
use core::ptr::{self, NonNull};

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::{BIAS, Count, DropElems, Header, OutLinks};
use crate::cascade::{self, Freeing};
use crate::generation::Generation;
use crate::stats::Live;
use crate::sync::{Arc, Ordering};

/// A chunk whose element type is forgotten: the release path, compiled once
/// for every element type. What depends on `T` is in the header
/// ([`Header::drop_elems`] and [`Header::layout`]).
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct RawChunk(pub(crate) NonNull<Header>);

impl PartialEq for RawChunk {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl RawChunk {
    /// The chunk's generation; see [`Header::generation`].
    ///
    /// # Safety
    /// The chunk is live (the caller holds a reference, or knows it is
    /// current).
    #[inline(always)]
    pub(crate) unsafe fn generation(self) -> Option<NonNull<Generation>> {
        // SAFETY: the field is immutable and the chunk live.
        unsafe { (*self.0.as_ptr()).generation }
    }

    /// How many references the chunk's count holds beyond the allocator's
    /// bias and its unsettled hand-outs: live handles and open reservations.
    /// Zero means no handle into the chunk is left (its own elements' links
    /// into it, and those of its generation, do not count).
    ///
    /// # Safety
    /// The chunk is current for an allocator of the calling thread.
    #[inline(always)]
    pub(crate) unsafe fn counted(self) -> usize {
        // SAFETY: the caller's promise (see `Chunk::handed`).
        let handed = unsafe { (*self.0.as_ptr()).handed };
        self.refs()
            .load(Ordering::Relaxed)
            .wrapping_add(handed)
            .wrapping_sub(BIAS)
    }

    /// See [`Chunk::give_back`](super::Chunk::give_back).
    ///
    /// # Safety
    /// As for [`Chunk::give_back`](super::Chunk::give_back).
    #[inline]
    pub(crate) unsafe fn give_back(self, n: usize) {
        let handed = self.0.as_ptr();
        // SAFETY: the caller's promise: the chunk is current for an
        // allocator of this thread, the only one to touch `handed`.
        unsafe {
            if n <= (*handed).handed {
                (*handed).handed -= n;
            } else {
                let short = n - (*handed).handed;
                (*handed).handed = 0;
                self.forget_refs(short);
            }
        }
    }

    /// Stops counting `n` references that no handle will release (the
    /// self-links of the chunk's own elements, see `links.rs`), while the
    /// chunk is current. `Relaxed`: it cannot be the last release, because the
    /// allocator's bias is still in the count.
    ///
    /// Why the chunk is current whenever this is called (the argument the
    /// acyclic allocators rely on): it is called only by
    /// [`give_back`](Self::give_back), for a cancelled reservation in the
    /// current chunk, or for the links of a value being committed. A commit
    /// happens only into the current chunk: a fill whose `init` retired it or
    /// made another current sees the allocator's epoch move and relocates
    /// its elements first. And a link into another chunk is given back only
    /// when that chunk is in the thread's open generation, all of whose
    /// chunks are current (a generation is closed before any of its chunks
    /// is settled).
    ///
    /// # Safety
    /// The chunk is current for an allocator of the calling thread (its
    /// count holds the bias), and each of the `n` references is owned by no handle that will
    /// release it (a self-link, or a cancelled reservation) and is forgotten
    /// only once.
    #[inline]
    pub(crate) unsafe fn forget_refs(self, n: usize) {
        self.refs().fetch_sub(n, Ordering::Relaxed);
    }

    /// [`Chunk::acquire`](super::Chunk::acquire)'s rare case: the count was
    /// zero (a chunk of a generation, reached through a link from another
    /// chunk of the same generation, which does not count): the generation
    /// counts the chunk as alive again.
    ///
    /// # Safety
    /// The caller has just raised the count from zero.
    #[cold]
    #[inline(never)]
    pub(super) unsafe fn revive(self) {
        // SAFETY: the chunk is live: it was reached through a link held by
        // a value of a live chunk of the same generation (only such links
        // do not count), which keeps the generation, and so this chunk,
        // allocated.
        match unsafe { self.generation() } {
            // SAFETY: as above: the generation is alive, held by the chunk
            // that holds the link.
            Some(generation) => unsafe { Generation::revive(generation) },
            None => unreachable!("arena-arc: a chunk outside any generation had no reference"),
        }
    }

    #[inline(always)]
    fn refs(&self) -> &Count {
        // SAFETY: the chunk is live while its caller holds a reference; this
        // borrows only the atomic field.
        unsafe { &(*self.0.as_ptr()).refs }
    }

    /// See [`Chunk::is_unique`].
    pub(crate) fn is_unique(self) -> bool {
        self.refs().load(Ordering::Acquire) == 1
    }

    /// See [`Chunk::set_len`].
    ///
    /// # Safety
    /// As for [`Chunk::set_len`].
    #[inline(always)]
    pub(crate) unsafe fn set_len(self, len: usize) {
        // SAFETY: the allocator is the only writer of `len`, and no one reads
        // it until the count reaches zero, which the settle orders after this.
        unsafe { (*self.0.as_ptr()).len = len };
    }

    /// Gives up the allocator's bias, keeping `keep` references of the
    /// allocator and one per hand-out (the header's `handed`, counted
    /// nowhere else) that is still alive. Returns the new count; when it is
    /// `keep`, the allocator holds the only references and every use of the
    /// elements by other threads happened before.
    ///
    /// # Safety
    /// The chunk is current for an allocator of the calling thread, which
    /// has published `len` with [`set_len`](Self::set_len) and does not use
    /// the chunk as current afterwards.
    ///
    /// `keep` is how many references the allocator keeps: 1 for a chunk it
    /// puts in its retired list, 0 for a chunk of a generation, which it
    /// gives up at once (the caller then handles a zero result with
    /// [`released_last`](Self::released_last)).
    #[inline(always)]
    pub(crate) unsafe fn settle(self, keep: usize) -> usize {
        // SAFETY: the caller's promise: the chunk is current for an
        // allocator of this thread.
        let handed = unsafe { mem::replace(&mut (*self.0.as_ptr()).handed, 0) };
        let give_up = BIAS - handed - keep;
        self.refs().fetch_sub(give_up, Ordering::AcqRel) - give_up
    }

    /// See [`Chunk::release`].
    ///
    /// # Safety
    /// As for [`Chunk::release`].
    #[inline(always)]
    pub(crate) unsafe fn release(self) {
        if self.refs().decrement() {
            // SAFETY: the caller's promise; the decrement reached zero (or
            // passed the overflow, on which `release_slow` aborts).
            unsafe { self.release_slow() }
        }
    }

    /// [`release`](Self::release) after the count reached zero: one call
    /// out of line.
    ///
    /// # Safety
    /// The caller owned a reference, its decrement returned `true`, and it
    /// does not use the chunk afterwards.
    #[cold]
    #[inline(never)]
    unsafe fn release_slow(self) {
        self.refs().reached_zero();
        // SAFETY: the count reached zero, and `reached_zero` synchronised
        // with every earlier release: no one else holds a reference.
        unsafe { self.released_last() }
    }

    /// Tallies a link that a value being committed to this chunk holds
    /// into `to`, another chunk (see `out_links.rs`).
    ///
    /// # Safety
    /// The chunk is current for an allocator of the calling thread.
    #[inline]
    pub(crate) unsafe fn record_out(self, to: RawChunk) {
        // SAFETY: the caller's promise: only this thread touches the tally
        // now, through a raw place access that overlaps no reference.
        unsafe { (*self.0.as_ptr()).out.add(to) }
    }

    /// Gives up on the chunk's tally of links out: its values are visited
    /// when it is released (a dedicated chunk, whose commit does not scan).
    ///
    /// # Safety
    /// The caller owns the chunk, before any of its values is committed.
    pub(crate) unsafe fn spill_out(self) {
        // SAFETY: the caller's promise.
        unsafe { (*self.0.as_ptr()).out.spill() }
    }

    /// Takes the chunk's tally of links out, leaving it empty for the
    /// chunk's next use; `None` if it spilled (then it stays spilled).
    ///
    /// # Safety
    /// The caller holds the only reference (it is releasing the chunk).
    pub(crate) unsafe fn take_out(self) -> Option<OutLinks> {
        // SAFETY: the caller's promise; the tally was published with the
        // elements.
        let out = unsafe { &mut (*self.0.as_ptr()).out };
        if out.spilled() {
            // The table of targets past the header's, if any, is no use.
            drop(out.take_more());
            return None;
        }
        Some(mem::replace(out, OutLinks::EMPTY))
    }

    /// Releases `n` references at once, freeing the chunk if they were
    /// the last (as `n` calls of [`release`](Self::release) would).
    ///
    /// # Safety
    /// The caller owns `n` references and does not use the chunk afterwards.
    pub(crate) unsafe fn release_n(self, n: usize) {
        if self.refs().fetch_sub(n, Ordering::Release) != n {
            return;
        }
        // As in `release`.
        self.refs().load(Ordering::Acquire);
        // SAFETY: the count reached zero: no one else holds a reference.
        unsafe { self.released_last() }
    }

    /// What follows the count reaching zero: a chunk outside any generation
    /// is freed; a chunk of a generation tells it (see `generation.rs`).
    ///
    /// # Safety
    /// The caller brought the count to zero and synchronised with every
    /// earlier release (an `Acquire` load or RMW of the count).
    #[cold]
    #[inline(never)]
    pub(crate) unsafe fn released_last(self) {
        // SAFETY: the chunk is still allocated: a chunk of a generation is
        // freed only by its generation, which this call may free.
        match unsafe { self.generation() } {
            // SAFETY: the caller's promise. (Queued if another free runs on
            // this thread: see `cascade.rs`.)
            None => unsafe { cascade::free(Freeing::Chunk(self)) },
            // SAFETY: the chunk joined the generation when it was made, and
            // this zero is paired with that join or a later revival.
            Some(generation) => unsafe { Generation::release(generation) },
        }
    }

    /// Drops the elements and makes the chunk current again; see
    /// [`Chunk::recycle`].
    ///
    /// # Safety
    /// As for [`Chunk::recycle`].
    #[inline(never)]
    pub(super) unsafe fn recycle(self) {
        struct FreeOnUnwind(RawChunk);
        impl Drop for FreeOnUnwind {
            fn drop(&mut self) {
                // SAFETY: only reached while unwinding out of `drop_elements`,
                // which dropped every element anyway; the memory is ours.
                unsafe { self.0.deallocate() }
            }
        }
        let guard = FreeOnUnwind(self);
        // The elements may hold self-links (handles into this chunk that do
        // not count, see `links.rs`); dropping them decrements the count.
        // With the bias in place that can never look like a last release.
        self.refs().store(BIAS, Ordering::Relaxed);
        // SAFETY: we hold the only reference.
        unsafe { self.drop_elements() };
        mem::forget(guard);
        self.refs().store(BIAS, Ordering::Relaxed);
        // SAFETY: we hold the only reference.
        unsafe { (*self.0.as_ptr()).handed = 0 };
    }

    /// Drops the elements and frees the memory; see [`Chunk::free`].
    ///
    /// # Safety
    /// As for [`Chunk::free`].
    #[cold]
    #[inline(never)]
    pub(crate) unsafe fn free(self) {
        struct Deallocate(RawChunk);
        impl Drop for Deallocate {
            fn drop(&mut self) {
                // SAFETY: runs after the elements are dropped, normally or
                // by unwinding; no one else holds a reference.
                unsafe { self.0.deallocate() }
            }
        }
        let _deallocate = Deallocate(self);
        // SAFETY: we hold the only reference. If an element's drop panics the
        // rest are still dropped, then `_deallocate` frees the memory.
        unsafe { self.drop_before_free() };
    }

    /// The first half of [`free`](Self::free): drops the elements and
    /// leaves the memory to a [`deallocate`](Self::deallocate) that the
    /// caller makes sure of, even if a drop panics (see `cascade.rs`, which
    /// frees a chain of chunks oldest first).
    ///
    /// # Safety
    /// As for [`Chunk::free`].
    pub(crate) unsafe fn drop_before_free(self) {
        // Self-links among the elements decrement the count as they are
        // dropped (see `recycle`): the bias keeps it far from zero.
        self.refs().store(BIAS, Ordering::Relaxed);
        // SAFETY: the caller's promise: we hold the only reference. If an
        // element's drop panics the rest are still dropped.
        unsafe { self.drop_elements() };
    }

    /// Whether the chunk was made by the allocator whose counters are `live`,
    /// with `layout` (so for its element type).
    ///
    /// # Safety
    /// The caller owns the chunk (no handle into it is left).
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // only the std clock uses it
    pub(crate) unsafe fn fits(self, live: &Arc<Live>, layout: Layout) -> bool {
        // SAFETY: the caller's promise.
        unsafe {
            Arc::ptr_eq(&(*self.0.as_ptr()).live, live) && (*self.0.as_ptr()).layout == layout
        }
    }

    /// Whether the chunk was made by the allocator whose counters are `live`.
    ///
    /// # Safety
    /// The caller owns the chunk (no handle into it is left).
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // only the std clock uses it
    pub(crate) unsafe fn made_by(self, live: &Arc<Live>) -> bool {
        // SAFETY: the caller's promise.
        unsafe { Arc::ptr_eq(&(*self.0.as_ptr()).live, live) }
    }

    /// The chunk's size in bytes, header included (what its allocation
    /// took).
    ///
    /// # Safety
    /// The caller owns the chunk (no handle into it is left).
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // only the std clock uses it
    pub(crate) unsafe fn size(self) -> usize {
        // SAFETY: the caller's promise; the layout is immutable.
        unsafe { (*self.0.as_ptr()).layout.size() }
    }

    /// Makes an owned chunk whose elements were dropped (by its generation's
    /// free) ready to be current again: count `refs`, no hand-out, in
    /// `generation`.
    ///
    /// # Safety
    /// The caller owns the chunk, whose elements were all dropped.
    pub(crate) unsafe fn reuse(self, refs: usize, generation: Option<NonNull<Generation>>) {
        self.refs().store(refs, Ordering::Relaxed);
        // SAFETY: the caller's promise: no one else touches the header.
        unsafe {
            let header = self.0.as_ptr();
            debug_assert_eq!((*header).len, 0);
            (*header).handed = 0;
            (*header).generation = generation;
        }
    }

    /// Raises the count to the bias before the chunk's generation drops its
    /// elements: their links into this chunk and the generation's other
    /// chunks do not count, and their drops then never look like a last
    /// release.
    ///
    /// # Safety
    /// The chunk's generation is being freed: no handle into it is left.
    pub(crate) unsafe fn raise_to_bias(self) {
        self.refs().store(BIAS, Ordering::Relaxed);
    }

    /// Frees the memory without dropping any element.
    ///
    /// # Safety
    /// No one else holds a reference; the elements are already dropped.
    pub(crate) unsafe fn deallocate(self) {
        let header = self.0.as_ptr();
        // SAFETY: we own the chunk: its header is valid, and its layout is
        // the one it was allocated with.
        unsafe {
            let layout = (*header).layout;
            let holes = (*header).holes;
            if !holes.is_null() {
                drop(Box::from_raw(holes));
            }
            let live = ManuallyDrop::take(&mut (*header).live);
            // (Frees the tally's table of links out, if a release did not
            // take it.)
            ptr::drop_in_place(header);
            alloc::alloc::dealloc(header.cast::<u8>(), layout);
            live.remove(layout.size());
        }
    }

    /// Drops slots `0..len` outside the holes, leaving `len == 0` and no
    /// holes. If a drop panics, the remaining elements are still dropped
    /// (a second panic aborts, as in `Vec`) and the first panic goes on.
    ///
    /// # Safety
    /// The caller holds the only reference.
    pub(crate) unsafe fn drop_elements(self) {
        let header = self.0.as_ptr();
        // SAFETY: we hold the only reference, so these plain fields are ours.
        let (len, holes, drop_elems) = unsafe {
            let len = mem::replace(&mut (*header).len, 0);
            let holes = mem::replace(&mut (*header).holes, ptr::null_mut());
            (len, holes, (*header).drop_elems)
        };
        let holes = if holes.is_null() {
            None
        } else {
            // SAFETY: a non-null `holes` was made by `Box::into_raw`.
            Some(unsafe { Box::from_raw(holes) })
        };
        let Some(drop_elems) = drop_elems else {
            return;
        };
        match holes {
            // SAFETY: slots `0..len` are initialised and ours to drop.
            None => unsafe { drop_elems(self.0, 0, len) },
            Some(holes) => {
                let filled = filled_ranges(*holes, len);
                // SAFETY: the ranges between holes are initialised and ours.
                unsafe { drop_ranges(self.0, drop_elems, &filled) };
            }
        }
    }
}

/// The ranges of `0..len` outside `holes` (which lie inside it and do not
/// overlap).
fn filled_ranges(mut holes: Vec<Range<usize>>, len: usize) -> Vec<Range<usize>> {
    holes.sort_unstable_by_key(|hole| hole.start);
    let mut filled = Vec::with_capacity(holes.len() + 1);
    let mut start = 0;
    for hole in &holes {
        filled.push(start..hole.start);
        start = hole.end;
    }
    filled.push(start..len);
    filled
}

/// Drops the elements in each of `ranges` of the chunk at `header`, going
/// on after a panic.
///
/// # Safety
/// `drop_elems` is the chunk's, and every range holds initialised elements
/// that no one will use again.
unsafe fn drop_ranges(header: NonNull<Header>, drop_elems: DropElems, ranges: &[Range<usize>]) {
    struct Rest<'a>(NonNull<Header>, DropElems, &'a [Range<usize>]);
    impl Drop for Rest<'_> {
        fn drop(&mut self) {
            // SAFETY: the caller's promise, for the ranges not yet dropped.
            unsafe { drop_ranges(self.0, self.1, self.2) }
        }
    }
    for (i, range) in ranges.iter().enumerate() {
        let rest = Rest(header, drop_elems, &ranges[i + 1..]);
        // SAFETY: the caller's promise.
        unsafe { drop_elems(header, range.start, range.end - range.start) };
        mem::forget(rest);
    }
}
