//! Reservations, the fill that writes them, and the guard that gives a
//! partly written one back.

use core::mem;
use core::ptr;
use core::ptr::NonNull;

use super::Allocator;
use super::commit::may_hold_a_dropped_document;
use super::retire::Uninstalled;
use crate::chunk::BIAS;
use crate::chunk::Chunk;
use crate::error::AllocError;
use crate::generation::Generation;
use crate::index::IndexType;
use crate::slice::ArcSlice;

/// Where an allocation's elements go.
pub(super) struct Reservation<T> {
    pub(super) chunk: Chunk<T>,
    pub(super) start: usize,
    pub(super) len: usize,
    /// The chunk was made for this request alone; the reservation holds its
    /// only reference.
    pub(super) dedicated: bool,
}

/// Why a fill stopped.
pub(super) enum Failure<E> {
    Init(E),
    Alloc(AllocError),
}

impl<T, L: IndexType, const N: usize> Allocator<T, L, N> {
    /// Reserves `len` slots, runs `init` for each and commits. The one
    /// implementation behind `alloc`, `try_alloc` and `checked_alloc`.
    #[inline(always)]
    pub(super) fn fill<E>(
        &self,
        len: usize,
        init: impl FnMut(usize) -> Result<T, E>,
    ) -> Result<ArcSlice<T, L>, Failure<E>> {
        if len == 0 {
            return Ok(ArcSlice::new());
        }
        // The fast path makes no `Result` (see `reserve_in_current`), and
        // its reservation is never dedicated, which the commit then needs
        // no branch to know: the slow path, which may make a dedicated
        // chunk, is a function of its own.
        //
        // A plain allocator's fast path is a copy of its own, decided by
        // one test of `links`: it has no generation to check at the
        // reservation, no relocation and no scan at the commit, and no
        // epoch to read. Sharing the acyclic path cost it a second load
        // and test of `links` after `init` (which may write anywhere, so
        // the first could not be reused) and the epoch's load: 54
        // instructions per `alloc(1, ..)` and drop in a loop, 48 now, 49
        // in 0.2.0 (docs/benchmarks.md, the first session of 2026-12-07).
        if self.links.is_none() {
            return match self.checked_reserve_in_current::<false>(len) {
                Some(res) => self.write_and_commit::<false, E>(res, init),
                None => self.fill_slow(len, init),
            };
        }
        match self.checked_reserve_in_current::<true>(len) {
            Some(res) => self.write_and_commit::<true, E>(res, init),
            None => self.fill_slow(len, init),
        }
    }

    /// [`fill`](Self::fill) when the current chunk cannot take the request
    /// (no room, a length past `L`, or a generation to leave).
    #[cold]
    #[inline(never)]
    fn fill_slow<E>(
        &self,
        len: usize,
        init: impl FnMut(usize) -> Result<T, E>,
    ) -> Result<ArcSlice<T, L>, Failure<E>> {
        let res = self.checked_reserve_slow(len).map_err(Failure::Alloc)?;
        self.write_and_commit::<true, E>(res, init)
    }

    /// Runs `init` for each slot of `res` and commits it.
    ///
    /// `MAY_LINK == false` is the plain fast path: the caller found `links`
    /// `None`, and `res` came from the fast path, so it is not dedicated and
    /// its commit has nothing to do.
    #[inline(always)]
    fn write_and_commit<const MAY_LINK: bool, E>(
        &self,
        res: Reservation<T>,
        mut init: impl FnMut(usize) -> Result<T, E>,
    ) -> Result<ArcSlice<T, L>, Failure<E>> {
        let len = res.len;
        // The reservation is in the allocator's newest chunk; if `init`
        // starts a newer one, the epoch moves on. (Read here rather than
        // kept in the reservation, which the fast path keeps small.)
        let epoch = if MAY_LINK { self.epoch.get() } else { 0 };
        // SAFETY: the reservation's slots are in bounds and uninitialised.
        let base = unsafe { res.chunk.slot(res.start) }.as_ptr();
        let mut guard = Unfilled {
            arena: self,
            res,
            written: 0,
        };
        for i in 0..len {
            let value = init(i).map_err(Failure::Init)?;
            // SAFETY: `i < len`: slot `start + i` is reserved for us and not
            // yet written. `init` may have allocated from `self`, but a
            // reservation is never handed out twice.
            unsafe { base.add(i).write(value) };
            guard.written = i + 1;
        }
        if !MAY_LINK {
            let res = guard.finish();
            debug_assert!(self.links.is_none() && !res.dedicated);
            // A plain allocator's fast-path reservation: nothing to commit.
            // SAFETY: all `len` slots of the reservation are initialised.
            return Ok(unsafe { ArcSlice::from_raw_parts((res.chunk, res.start, res.len)) });
        }
        if self.links.is_some() && self.overtaken(&guard.res, epoch) {
            return self.relocate(guard).map_err(Failure::Alloc);
        }
        let res = guard.finish();
        // SAFETY: all `len` slots of the reservation are initialised.
        Ok(unsafe { ArcSlice::from_raw_parts(self.commit(res)) })
    }

    /// Moves a fully written reservation of an acyclic allocator into a new
    /// reservation and commits it there. Needed when `init` made the
    /// allocator start a chunk newer than the reservation's, or closed the
    /// reservation's generation: the elements may hold links into something
    /// newer, and committing them in the older chunk would let two chunks
    /// point at each other (see `links.rs` and `generation.rs`).
    ///
    /// If no new reservation can be had, the elements are dropped (by the
    /// guard) and the error returned; the allocator stays usable.
    #[cold]
    #[inline(never)]
    fn relocate(&self, from: Unfilled<'_, T, L, N>) -> Result<ArcSlice<T, L>, AllocError> {
        let len = from.res.len;
        debug_assert_eq!(from.written, len);
        // May run user code (a reused chunk's drops); if it panics or fails,
        // `from` drops the elements and gives its reservation back.
        let to = self.reserve(len)?;
        // SAFETY: `from`'s `len` slots are initialised and owned by no handle;
        // `to`'s are reserved for us, uninitialised, and in another place
        // (a reservation is never handed out twice). Nothing between the
        // copy and the commit runs user code, so the moved values are owned
        // exactly once: by the new slots.
        let moved = unsafe {
            ptr::copy_nonoverlapping(
                from.res.chunk.slot(from.res.start).as_ptr(),
                to.chunk.slot(to.start).as_ptr(),
                len,
            );
            ArcSlice::from_raw_parts(self.commit(to))
        };
        // The old slots are now a hole (or, for a dedicated chunk, nothing).
        // Giving them back may release the old chunk and run user drops;
        // `moved` is already a handle, so a panic there drops it properly.
        let from = from.finish();
        self.cancel(&from);
        Ok(moved)
    }

    /// [`reserve_slow`](Self::reserve_slow) after the length check, for a
    /// caller whose [`checked_reserve_in_current`] found no room.
    ///
    /// [`checked_reserve_in_current`]: Self::checked_reserve_in_current
    #[cold]
    #[inline(never)]
    pub(super) fn checked_reserve_slow(&self, len: usize) -> Result<Reservation<T>, AllocError> {
        if len > L::MAX {
            return Err(AllocError::LengthOverflow {
                len,
                max: L::MAX,
                index_type: L::NAME,
            });
        }
        self.reserve_slow(len)
    }

    /// Reserves `len >= 1` (and `len <= L::MAX`) slots and counts the
    /// reference that their handle will own.
    #[inline]
    pub(super) fn reserve(&self, len: usize) -> Result<Reservation<T>, AllocError> {
        match self.reserve_in_current(len) {
            Some(res) => Ok(res),
            None => self.reserve_slow(len),
        }
    }

    /// [`reserve_in_current`](Self::reserve_in_current) after the length
    /// check.
    ///
    /// `MAY_LINK == false` when the caller found `links` `None`: the
    /// reservation then skips the generation check, which only an acyclic
    /// allocator needs.
    #[inline]
    pub(super) fn checked_reserve_in_current<const MAY_LINK: bool>(
        &self,
        len: usize,
    ) -> Option<Reservation<T>> {
        // A length that fits the current chunk is at most `N`, and `N - 1
        // <= L::MAX` (`VALID_PARAMETERS`): only when `N` is `L::MAX + 1`
        // can it pass `L::MAX`, and only that case tests it here; it folds
        // away for every other `N`. (Tested on every call, the check was a
        // load, a compare and a branch per allocation in W3's and W7's
        // loops, where 0.2.0 had none.) Any longer request fails the room
        // test and meets the slow path's check.
        if N > L::MAX && len > L::MAX {
            return None;
        }
        if MAY_LINK {
            self.reserve_in_current(len)
        } else {
            debug_assert!(self.links.is_none());
            self.reserve_in_current_plain(len)
        }
    }

    /// [`reserve`](Self::reserve)'s fast path: `len` slots from the current
    /// chunk, if it has them.
    ///
    /// The hot callers use it and call the slow path themselves, so that
    /// the fast path makes no `Result`: a `Result<Reservation, AllocError>`
    /// taken apart by `?` on every call had LLVM copy its padding through
    /// the stack, a store-forwarding stall that doubled W3's time and made
    /// W2's 1.6 times as long.
    #[inline]
    pub(super) fn reserve_in_current(&self, len: usize) -> Option<Reservation<T>> {
        let res = self.reserve_in_current_plain(len)?;
        let (chunk, cursor) = (res.chunk, res.start);
        // In the thread's generations, the slots must be in the open
        // generation, and a first value after a dropped document goes to a
        // fresh one (see `must_leave`): checked while the reservation is the
        // only thing new. Out of the way, the slow path takes over. (Checked
        // on the chunk and the start, not on a reservation: a reservation in
        // memory, copied into the fill's guard, stalled the store forwarding
        // and doubled W3.)
        //
        // (It tests `links` alone, not `in_generations`: `must_leave` reads
        // the chunk's generation, which is `None` outside the generations,
        // as in `open_generation_of`. Testing `per_thread` too took 1.2-1.4 % more
        // instructions in W8's and W9's derived builds; a hand-held acyclic
        // allocator now reads its chunk's empty generation instead, 0.5 %
        // more in W8's.)
        if self.links.is_some() && self.must_leave(chunk, cursor) {
            // (`abandon` returns nothing: an `Option` from an out-of-line
            // call put the reservation in memory, +25 % on W2.)
            self.abandon(chunk, cursor, len);
            return None;
        }
        Some(res)
    }

    /// [`reserve_in_current`](Self::reserve_in_current) of one slot for an
    /// acyclic allocator's single value whose commit scans its links
    /// ([`commit_linked`](Self::commit_linked)), with the chunk's
    /// generation, read once for both the reservation's check and the
    /// scan. (Read again at the commit, the test of `links` and the
    /// generation were a load and a branch more per single: the
    /// reservation's stores to the chunk header may alias them.)
    #[inline(always)]
    pub(super) fn reserve_linked_in_current(
        &self,
    ) -> Option<(Reservation<T>, Option<NonNull<Generation>>)> {
        debug_assert!(self.links.is_some());
        let res = self.reserve_in_current_plain(1)?;
        // SAFETY: the chunk is current for this allocator, so alive.
        let generation = unsafe { res.chunk.erase().generation() };
        if self.must_leave_in(generation, res.chunk, res.start) {
            self.abandon(res.chunk, res.start, 1);
            return None;
        }
        Some((res, generation))
    }

    /// [`reserve_linked_in_current`](Self::reserve_linked_in_current)
    /// when it can answer without a call: `None` whenever the reservation
    /// would have to be abandoned (a closed generation, or one that may be
    /// unreachable), with nothing changed, so that the caller's slow path
    /// asks `reserve_linked_in_current` again and takes its decision there.
    #[inline(always)]
    pub(super) fn reserve_linked_quick(
        &self,
    ) -> Option<(Reservation<T>, Option<NonNull<Generation>>)> {
        debug_assert!(self.links.is_some());
        // For one slot, `room_for`'s one test is `cursor == N`. (Written as
        // `1 > N - cursor` and merged with the test of the chunk's `Option`
        // into flags, it once took three instructions more per single than
        // `cursor >= N` and that test: W8's derived builds, 114.4M against
        // 112.3M. `room_for` no longer tests the `Option`.)
        let (chunk, cursor) = self.room_for(1)?;
        // SAFETY: the chunk is current for this allocator, so alive.
        let generation = unsafe { chunk.erase().generation() };
        // `must_leave_in`'s tests, before the hand-out: no handle at all
        // here is its one (the reservation's) after it. Declining more
        // often than it would only costs the slow path's call.
        if let Some(generation) = generation {
            // SAFETY: the generation is alive (its chunk is current) and
            // this thread's.
            let open = unsafe { Generation::is_open(generation) };
            if !open || may_hold_a_dropped_document(chunk.erase(), cursor, 0) {
                return None;
            }
        }
        Some((self.take_in_current(chunk, cursor, 1), generation))
    }

    /// [`reserve_in_current`](Self::reserve_in_current) without the
    /// generation check: all a plain allocator's fast path does, and the
    /// first half of an acyclic one's.
    #[inline(always)]
    pub(super) fn reserve_in_current_plain(&self, len: usize) -> Option<Reservation<T>> {
        let (chunk, cursor) = self.room_for(len)?;
        Some(self.take_in_current(chunk, cursor, len))
    }

    /// The current chunk and its cursor, if `len` more slots fit in it.
    ///
    /// One test: the cursor's. Whether there is a current chunk follows
    /// from it (`cursor` is `N` when there is none), where testing the
    /// `Option` too took three instructions more per allocation, which
    /// LLVM merged into one branch with `sete`, `seta` and `or` (a loop of
    /// `alloc(1, ..)` and drop: 44 instructions per iteration against
    /// 0.2.0's 40; docs/benchmarks.md, the tenth session of 2026-12-07).
    #[inline(always)]
    fn room_for(&self, len: usize) -> Option<(Chunk<T>, usize)> {
        let cursor = self.cursor.get();
        // `len - 1 >= N - cursor` is `len > N - cursor` for every `len >=
        // 1`, and holds whenever `cursor == N`, for `len == 0` too (the
        // subtraction wraps to `usize::MAX`): past it, `cursor < N`. (The
        // cursor never passes `N`: it moves only by a reservation that
        // fitted.)
        if len.wrapping_sub(1) >= N - cursor {
            return None;
        }
        // SAFETY: `cursor < N`, so there is a current chunk: the cursor is
        // `N` whenever `current` is `None` (the invariant of the field,
        // kept by every path that sets `current` to `None`: `new`,
        // `retire_current` and the parking in `leave_full_chunk` set the
        // cursor to `N` with it, and nothing in between runs user code).
        let chunk = unsafe { self.current.get().unwrap_unchecked() };
        Some((chunk, cursor))
    }

    /// Takes the `len` slots at `cursor` of `chunk`, the current chunk,
    /// where they fit, and counts the reference their handle will own.
    #[inline(always)]
    fn take_in_current(&self, chunk: Chunk<T>, cursor: usize, len: usize) -> Reservation<T> {
        self.cursor.set(cursor + len);
        // SAFETY: the chunk is current for this allocator, which is on this
        // thread (it is not `Sync`).
        unsafe { chunk.set_handed(chunk.handed() + 1) };
        Reservation {
            chunk,
            start: cursor,
            len,
            dedicated: false,
        }
    }

    /// Gives back the slots `start..start + len` of `chunk` that
    /// [`reserve_in_current`](Self::reserve_in_current) just reserved and
    /// must not use, so that its caller takes the slow path.
    #[cold]
    #[inline(never)]
    fn abandon(&self, chunk: Chunk<T>, start: usize, len: usize) {
        self.cancel(&Reservation {
            chunk,
            start,
            len,
            dedicated: false,
        });
    }

    #[cold]
    #[inline(never)]
    pub(super) fn reserve_slow(&self, len: usize) -> Result<Reservation<T>, AllocError> {
        let left = N - self.cursor.get();
        let acyclic = self.links.is_some();
        // An acyclic allocator never keeps a current chunk older than a
        // dedicated one (its later values could point into the dedicated
        // chunk, whose values point back): it takes a fresh chunk for a
        // request that fits one, and retires the current chunk first
        // otherwise.
        if len > N || (!acyclic && self.current.get().is_some() && left > N - len) {
            let layout = loop {
                if acyclic {
                    // Retiring runs user code (a freed chunk's drops), which
                    // may allocate and install a chunk: retire that too.
                    self.retire_all_current();
                }
                // May free retired chunks (user code again) for the limit.
                let layout = self.chunk_layout(len)?;
                if !acyclic || self.current.get().is_none() {
                    break layout;
                }
            };
            // Nothing between here and the fill's reading of the epoch runs
            // user code: a chunk made current while `init` runs bumps it, and
            // the fill relocates (re-entrancy leak 1: a current chunk older
            // than the dedicated one, each holding the other).
            let chunk = self.allocate_chunk(len, layout, 1, false, true);
            // Its commit scans nothing: its release visits its values.
            // SAFETY: the chunk is ours, nothing committed yet.
            unsafe { chunk.erase().spill_out() };
            self.dedicated_chunks.set(self.dedicated_chunks.get() + 1);
            self.epoch.set(self.epoch.get() + 1);
            return Ok(Reservation {
                chunk,
                start: 0,
                len,
                dedicated: true,
            });
        }
        // A fresh chunk must not join a dead document's open generation.
        if acyclic {
            self.leave_dead_generation();
        }
        self.leave_full_chunk();
        let chunk = match self.take_reusable() {
            Some(chunk) => chunk,
            None => self.new_chunk(N, BIAS)?,
        };
        // Dropping a reused chunk's elements (or, in `new_chunk`, releasing
        // unused retired chunks) ran user code, which may have allocated from
        // `self` and installed a chunk of its own. Retiring it may evict a
        // chunk whose element's drop panics: `chunk` is then freed, not lost.
        // And retiring may run user code that installs yet another chunk,
        // which `set` below would overwrite, never settling it (re-entrancy
        // leak 3): retire until none is left.
        let held = Uninstalled(chunk);
        self.retire_all_current();
        mem::forget(held);
        self.current.set(Some(chunk));
        self.cursor.set(len);
        // SAFETY: the chunk is now current for this allocator, on this thread.
        unsafe { chunk.set_handed(1) };
        self.epoch.set(self.epoch.get() + 1);
        let res = Reservation {
            chunk,
            start: 0,
            len,
            dedicated: false,
        };
        if self.in_closed_generation(&res) {
            // User code in `retire_all_current` closed the generation the
            // chunk was made in: give the slots back and go again.
            self.cancel(&res);
            return self.reserve_slow(len);
        }
        Ok(res)
    }
}

/// A reservation being written. Dropped before [`finish`](Self::finish)
/// (because `init` failed or panicked), it drops the elements written so far
/// and gives the reservation back.
pub(super) struct Unfilled<'a, T, L: IndexType, const N: usize> {
    pub(super) arena: &'a Allocator<T, L, N>,
    pub(super) res: Reservation<T>,
    pub(super) written: usize,
}

impl<T, L: IndexType, const N: usize> Unfilled<'_, T, L, N> {
    #[inline]
    pub(super) fn finish(self) -> Reservation<T> {
        let this = mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again.
        unsafe { ptr::read(&this.res) }
    }
}

impl<T, L: IndexType, const N: usize> Drop for Unfilled<'_, T, L, N> {
    #[cold]
    fn drop(&mut self) {
        struct Cancel<'b, 'a, T, L: IndexType, const N: usize>(&'b Unfilled<'a, T, L, N>);
        impl<T, L: IndexType, const N: usize> Drop for Cancel<'_, '_, T, L, N> {
            fn drop(&mut self) {
                self.0.arena.cancel(&self.0.res);
            }
        }
        // Give the space back even if an element's drop panics, but only
        // after the elements are gone: a drop may allocate from the arena.
        let _cancel = Cancel(self);
        // SAFETY: slots `start..start + written` were written by `fill` and
        // are owned by no handle.
        unsafe {
            ptr::drop_in_place(ptr::slice_from_raw_parts_mut(
                self.res.chunk.slot(self.res.start).as_ptr(),
                self.written,
            ));
        }
    }
}
