//! Turning a written reservation into the reference its handle owns, and
//! what an acyclic allocator does there: it gives back the references that
//! the committed values' links into their own chunk (and, in the thread's
//! generations, into the open generation) hold, and it never commits into a
//! chunk that something newer may already point out of.

use core::ptr::NonNull;

use super::Allocator;
use super::fill::Reservation;
use crate::chunk::{Chunk, RawChunk};
use crate::clock;
use crate::generation::Generation;
use crate::index::IndexType;
use crate::links::ScanLinks;

impl<T, L: IndexType, const N: usize> Allocator<T, L, N> {
    /// Turns a fully written reservation into the reference its handle owns.
    /// Returns `(chunk, start, len)`.
    ///
    /// # Safety
    /// Every slot of `res` is initialised.
    ///
    /// For an acyclic allocator the reservation is also in the newest
    /// chunk, and in the thread's generations in a chunk of the open
    /// generation: nothing overtook it since it was made (`fill` relocates
    /// it otherwise, see [`overtaken`](Self::overtaken)).
    #[inline]
    pub(super) unsafe fn commit(&self, res: Reservation<T>) -> (Chunk<T>, usize, usize) {
        if res.dedicated {
            // SAFETY: the dedicated chunk is ours alone and now full.
            unsafe { res.chunk.set_len(res.len) };
            // A dedicated chunk is fresh: no handle pointed into it before
            // this commit, so its values hold no self-link. It belongs to no
            // generation, and its values may link into the open one: close
            // it, so that nothing committed from now on is older than the
            // dedicated chunk while it could link to it.
            if self.in_generations() {
                clock::close_open_generation();
            }
        } else if let Some(scan) = self.links {
            // SAFETY: the caller's promise: the slots are initialised and the
            // reservation is in the current chunk.
            unsafe { self.give_back_links(scan, res.chunk, res.start, res.len) };
        }
        (res.chunk, res.start, res.len)
    }

    /// `commit`'s work for an acyclic allocator: gives back the references
    /// that the committed values' links into their own chunk hold, and those
    /// into the other chunks of the open generation. Out of line, so that a
    /// plain allocator's `commit` stays one branch and `fill` stays small
    /// enough to be inlined with its `init` (W3 took twice as long when it
    /// was inline). It takes the reservation's parts, not a reference to
    /// it: a reference made every plain `alloc_value` store the reservation
    /// to the stack on the way past (four stores; W2-alloc 1.09–1.11 × 0.2.0).
    ///
    /// # Safety
    /// Slots `start..start + len` of `chunk` are a reservation whose slots
    /// are initialised, in the current chunk, not yet committed, and for an
    /// allocator in the thread's generations in a chunk of the open
    /// generation.
    #[inline(never)]
    unsafe fn give_back_links(
        &self,
        scan: ScanLinks<T>,
        chunk: Chunk<T>,
        start: usize,
        len: usize,
    ) {
        debug_assert!(self.current.get() == Some(chunk));
        let generation = self.open_generation_of(chunk);
        // SAFETY: the reservation's slots are initialised (the caller's
        // promise) and not yet shared; its chunk is current, and any
        // generation passed is open and this thread's.
        unsafe { scan(chunk, start, len, generation) };
    }

    /// The open generation that `chunk`, a reservation's chunk, belongs to,
    /// for an allocator in the thread's generations; `None` otherwise (then
    /// only the links into the chunk itself are given back).
    ///
    /// The caller made sure the generation, if any, is open (a reservation
    /// in a closed one is relocated before its commit).
    ///
    /// It reads the chunk's field without testing `in_generations` first:
    /// only an allocator in the generations gives its chunks one (`join`
    /// in `allocate_chunk`, fixed for the allocator's life), so the field
    /// is `None` otherwise, and the test cost two more loads and branches
    /// per commit. The reservation's [`must_leave`](Self::must_leave) reads
    /// the field the same way.
    #[inline(always)]
    pub(super) fn open_generation_of(&self, chunk: Chunk<T>) -> Option<NonNull<Generation>> {
        // SAFETY: the chunk is current for this allocator, so alive.
        let generation = unsafe { chunk.erase().generation() };
        debug_assert!(generation.is_none() || self.in_generations());
        // SAFETY: the generation is alive (its chunk is current) and this
        // thread's (the allocator is a `thread_local!`'s).
        debug_assert!(generation.is_none_or(|g| unsafe { Generation::is_open(g) }));
        generation
    }

    /// Whether a fill that read `epoch` before its `init` ran must move its
    /// elements before committing them: `init` made a newer chunk current,
    /// or retired or parked the reservation's chunk (the epoch moved), or,
    /// in the thread's generations, closed the reservation's generation.
    #[inline(always)]
    pub(super) fn overtaken(&self, res: &Reservation<T>, epoch: usize) -> bool {
        epoch != self.epoch.get() || self.in_closed_generation(res)
    }

    /// For an acyclic allocator: whether the values for
    /// a reservation at slot `start` of `chunk` (not dedicated, in the
    /// current chunk, just made: nothing written yet) must go elsewhere.
    /// They must when the chunk's generation was closed (they could link
    /// into a newer one), and when the open generation has no
    /// handle left but this reservation's while it holds earlier values: a
    /// stream of documents, whose dropped root is still in the open
    /// generation. Then the generation is closed and the thread's arenas
    /// trimmed ([`trim_thread`](crate::trim_thread)), which frees the dead
    /// document and all it held, before the new one's first value is
    /// committed next to it.
    ///
    /// The check costs a load of the chunk's count per allocation; the walk
    /// over the generation's chunks runs only when this chunk has no other
    /// handle.
    ///
    /// Takes the reservation's chunk and start rather than the reservation:
    /// a reference would keep the reservation in memory, and copying it
    /// from there into the fill's guard stalled the store forwarding (W3
    /// took twice as long).
    ///
    /// Outside the thread's generations the answer is `false`: only the
    /// chunks of an allocator in the generations have a generation.
    #[inline(always)]
    pub(super) fn must_leave(&self, chunk: Chunk<T>, start: usize) -> bool {
        // SAFETY: the chunk is current for this allocator, so alive.
        let generation = unsafe { chunk.erase().generation() };
        self.must_leave_in(generation, chunk, start)
    }

    /// [`must_leave`](Self::must_leave) for a caller that has read the
    /// chunk's `generation` already (and keeps it for the commit's scan).
    #[inline(always)]
    pub(super) fn must_leave_in(
        &self,
        generation: Option<NonNull<Generation>>,
        chunk: Chunk<T>,
        start: usize,
    ) -> bool {
        let Some(generation) = generation else {
            return false;
        };
        let chunk = chunk.erase();
        debug_assert!(self.in_generations());
        // SAFETY: the generation is alive (its chunk is current) and this
        // thread's.
        if !unsafe { Generation::is_open(generation) } {
            return true;
        }
        may_hold_a_dropped_document(chunk, start, 1)
            && self.close_if_unreachable(generation, Some(chunk))
    }

    /// [`must_leave`](Self::must_leave)'s rare part, and
    /// [`leave_dead_generation`](Self::leave_dead_generation)'s: if no chunk
    /// of the open `generation` has a handle left (but for `ours`' one
    /// reservation, with `ours`), closes it and trims the thread's arenas.
    #[cold]
    #[inline(never)]
    fn close_if_unreachable(
        &self,
        generation: NonNull<Generation>,
        ours: Option<RawChunk>,
    ) -> bool {
        // SAFETY: both callers pass the thread's open generation (alive: the
        // clock holds its open reference); `ours`, if any, is its chunk,
        // current here.
        let unreachable = unsafe { Generation::is_unreachable(generation, ours) };
        if unreachable {
            clock::trim_thread_arenas();
        }
        unreachable
    }

    /// [`must_leave`](Self::must_leave) for the slow path, before a fresh
    /// chunk joins the thread's open generation: if no chunk of it has a
    /// handle left, the values it holds are a dropped document's, and the
    /// fresh chunk would chain the next document to them. Then the
    /// generation is closed and the thread's arenas trimmed, as there. (The
    /// fast path checks only a reservation in a current chunk of the open
    /// generation. Without this, a document whose first allocation in the
    /// arena needed a fresh chunk, because the current one was full or of
    /// a closed generation, was built into the dead one's generation.)
    ///
    /// The walk starts where it last found a handle, and runs once per
    /// fresh chunk of an acyclic per-thread allocator. It runs no user code
    /// unless it trims, which may install a chunk here: the slow path
    /// retires whatever is current after it.
    #[cold]
    pub(super) fn leave_dead_generation(&self) {
        if !self.in_generations() {
            return;
        }
        if let Some(generation) = clock::open_generation_if_any() {
            self.close_if_unreachable(generation, None);
        }
    }

    /// Whether `res` is in a chunk of a closed generation (for an allocator
    /// in the thread's generations).
    #[inline]
    pub(super) fn in_closed_generation(&self, res: &Reservation<T>) -> bool {
        if !self.in_generations() || res.dedicated {
            return false;
        }
        // SAFETY: the chunk is current for this allocator, so alive, and its
        // generation (if any) alive and this thread's.
        unsafe { res.chunk.erase().generation() }
            .is_some_and(|g| !unsafe { Generation::is_open(g) })
    }
}

/// Whether the open generation of `chunk`, a current chunk of this thread
/// with a reservation at slot `start`, may hold nothing but a dropped
/// document: it has values already (`start > 0`) and no handle into it
/// counts but the `reserved` ones the reservation took (`0` before its
/// hand-out, `1` after). Then [`must_leave`](Allocator::must_leave) walks
/// the generation, and the quick reservation declines.
#[inline(always)]
pub(super) fn may_hold_a_dropped_document(chunk: RawChunk, start: usize, reserved: usize) -> bool {
    // SAFETY: the chunk is current for an allocator of this thread (the
    // callers' reservation is in it).
    start > 0 && unsafe { chunk.counted() } == reserved
}
