//! New chunks, and the end of a chunk's time as current: retiring it,
//! reusing a retired one, releasing the allocator's references.

use core::alloc::Layout;
use core::cell::Cell;
use core::mem;
use core::ptr::NonNull;

use super::fill::Reservation;
use super::thin::{is_thin_aligned, thin_layout};
use super::{Allocator, RETIRED};
use crate::chunk::{self, Chunk, RawChunk};
use crate::clock;
use crate::error::AllocError;
use crate::generation::Generation;
use crate::index::IndexType;
use crate::stats::Live;
use crate::sync::Arc;

impl<T, L: IndexType, const N: usize> Allocator<T, L, N> {
    /// Allocates a chunk of `capacity` slots with count `refs` (the bias:
    /// it is to be current), within the limit. For an allocator in the
    /// thread's generations it joins the open one.
    pub(super) fn new_chunk(&self, capacity: usize, refs: usize) -> Result<Chunk<T>, AllocError> {
        let mut layout = self.chunk_layout(capacity)?;
        if self.thin.get() {
            layout = thin_layout(layout);
        }
        Ok(self.allocate_chunk(capacity, layout, refs, self.in_generations(), false))
    }

    /// Allocates a chunk of `capacity` slots with `layout` (checked against
    /// the limit by [`chunk_layout`](Self::chunk_layout)) and count `refs`;
    /// with `join`, in the thread's open generation; `dedicated` if the
    /// request that makes it fills it. Runs no user code.
    pub(super) fn allocate_chunk(
        &self,
        capacity: usize,
        layout: Layout,
        refs: usize,
        join: bool,
        dedicated: bool,
    ) -> Chunk<T> {
        let live = self.live.get_or_init(|| Arc::new(Live::new()));
        if self.per_thread && !self.registered.replace(true) {
            // SAFETY: a per-thread allocator lives in a `thread_local!`
            // (`__per_thread`'s contract): it stays at this address until it
            // is dropped in place on this thread, and its destructor
            // unregisters it first. `trim_local::<T, L, N>` is the trim of
            // an `Allocator<T, L, N>`.
            unsafe { clock::register(NonNull::from(self).cast(), trim_local::<T, L, N>) };
        }
        let generation = if join { clock::open_generation() } else { None };
        let kept = if join {
            clock::take_kept_chunk(live, layout)
        } else {
            None
        };
        let chunk = match kept {
            Some(raw) => {
                self.chunks_reused.set(self.chunks_reused.get() + 1);
                // SAFETY: a kept chunk is ours, its elements dropped, and was
                // made by this allocator with this layout: a chunk of `T`s.
                unsafe {
                    raw.reuse(refs, generation);
                    Chunk::from_raw(raw)
                }
            }
            None => {
                let created = self.chunks_created.get();
                self.chunks_created.set(created + 1);
                let chunk = Chunk::allocate(capacity, layout, refs, live, generation, self.release);
                // Map its pages now if it will fill and its memory is
                // likely fresh. It will fill if the allocator made a chunk
                // before (a first one may stay nearly empty, and is left to
                // fault in as it is written) or if it is dedicated (the
                // request that made it fills it). Its memory is likely fresh
                // if the allocator now holds more bytes than ever: below
                // that, `malloc` mostly hands back chunks this allocator
                // freed, and a call on resident pages only costs (a stream
                // of documents trimmed after each: +5 % per document).
                let bytes = live.bytes();
                if bytes > self.peak_bytes.get() {
                    self.peak_bytes.set(bytes);
                    if created > 0 || dedicated {
                        chunk.prefault(layout);
                    }
                }
                chunk
            }
        };
        if let Some(generation) = generation {
            // SAFETY: the thread's open generation, and the chunk was just
            // made in it.
            unsafe { Generation::join(generation, chunk.erase()) };
        }
        chunk
    }

    /// The layout of a chunk of `capacity` slots, or why the allocator will
    /// not make one. When the limit is in the way, the retired chunks no
    /// handle uses are freed first.
    pub(super) fn chunk_layout(&self, capacity: usize) -> Result<Layout, AllocError> {
        let layout = chunk::layout::<T>(capacity).ok_or(AllocError::SizeOverflow {
            len: capacity,
            elem_size: mem::size_of::<T>(),
        })?;
        let live = self.live.get_or_init(|| Arc::new(Live::new()));
        if let Some(limit) = self.limit.get() {
            if live.bytes().saturating_add(layout.size()) > limit {
                self.release_unused_retired();
                let in_use = live.bytes();
                if in_use.saturating_add(layout.size()) > limit {
                    return Err(AllocError::LimitExceeded {
                        limit,
                        in_use,
                        requested: layout.size(),
                    });
                }
            }
        }
        Ok(layout)
    }

    /// Leaves the current chunk for a fresh one: for an allocator in the
    /// thread's generations whose chunk's open generation has room, the
    /// chunk is parked (it stays in the generation, unsettled, see
    /// `generation.rs`); otherwise it is retired, until there is none.
    pub(super) fn leave_full_chunk(&self) {
        if self.in_generations() {
            if let Some(chunk) = self.current.get() {
                // SAFETY: the chunk is current, so alive, and its generation
                // (if any) alive and this thread's.
                let open = unsafe { chunk.erase().generation() }
                    .filter(|&g| unsafe { Generation::is_open(g) && Generation::has_room(g) });
                if let Some(generation) = open {
                    self.current.set(None);
                    let cursor = self.cursor.replace(N);
                    self.epoch.set(self.epoch.get() + 1);
                    self.bytes_lost
                        .set(self.bytes_lost.get() + (N - cursor) * mem::size_of::<T>());
                    // SAFETY: we publish how far the chunk was filled and
                    // leave it for good; it is a chunk of this open
                    // generation, parked once.
                    unsafe {
                        chunk.set_len(cursor);
                        Generation::park(generation, chunk.erase());
                    }
                }
            }
        }
        self.retire_all_current();
    }

    /// Retires the current chunk until there is none: retiring runs user
    /// code (the drops of a chunk it frees), which may allocate and install
    /// another.
    pub(super) fn retire_all_current(&self) {
        self.retiring().retire_all_current();
    }

    /// The allocator's retiring state without its element type.
    #[inline]
    pub(super) fn retiring(&self) -> Retiring<'_> {
        // SAFETY: `Chunk<T>` and `RawChunk` are both `repr(transparent)`
        // over `NonNull<Header>`, so `Option`s and arrays of them have the
        // same layout (an `Option` of a `repr(transparent)` wrapper of
        // `NonNull` is guaranteed pointer-sized, `None` as null), and `Cell`
        // is `repr(transparent)`. The views borrow `self`, and everything
        // `Retiring` stores through them is a chunk of `T`s that was there
        // or `None`.
        unsafe {
            Retiring {
                current: &*(&self.current as *const Cell<Option<Chunk<T>>>)
                    .cast::<Cell<Option<RawChunk>>>(),
                retired: &*(&self.retired as *const Cell<[Option<Chunk<T>>; RETIRED]>)
                    .cast::<Cell<[Option<RawChunk>; RETIRED]>>(),
                cursor: &self.cursor,
                epoch: &self.epoch,
                bytes_lost: &self.bytes_lost,
                capacity: N,
                elem_size: mem::size_of::<T>(),
            }
        }
    }

    /// Takes a retired chunk whose only reference is ours, drops its
    /// elements and returns it ready to be current.
    ///
    /// The most recently retired chunks are tried first: in a churn loop the
    /// chunk just retired is the one whose memory is still in the cache.
    pub(super) fn take_reusable(&self) -> Option<Chunk<T>> {
        let mut retired = self.retired.get();
        // Newest first (see `retire_current`).
        // Once thin, only a chunk aligned to the window may become current
        // again (one retired before the first `alloc_thin` is not, unless
        // the global allocator placed it at such an address by chance).
        let thin = self.thin.get();
        let slot = retired.iter().position(|slot| {
            slot.is_some_and(|chunk| chunk.is_unique() && (!thin || is_thin_aligned(chunk.erase())))
        })?;
        let chunk = retired[slot].take()?;
        self.retired.set(retired);
        self.chunks_reused.set(self.chunks_reused.get() + 1);
        // SAFETY: `is_unique` saw our reference as the only one, and no one
        // can take a new reference to a chunk without holding one.
        unsafe { chunk.recycle() };
        Some(chunk)
    }

    /// [`trim`](Self::trim), returning whether it gave up a chunk (see
    /// [`Retiring::trim`]): what `trim_thread` goes round the arenas on.
    pub(super) fn trim_gave_up(&self) -> bool {
        self.retiring().trim(self.live.get(), self.in_generations())
    }

    /// Frees the retired chunks that no handle uses any more.
    pub(super) fn release_unused_retired(&self) {
        self.retiring().release_unused_retired();
    }

    /// Gives back a reservation whose elements were not all made (called by
    /// [`Unfilled`](super::fill::Unfilled) after it dropped the ones that
    /// were), or that was made and not used.
    pub(super) fn cancel(&self, res: &Reservation<T>) {
        if res.dedicated {
            // SAFETY: the reservation holds the dedicated chunk's only
            // reference and `len` was never set: freeing drops nothing.
            unsafe { res.chunk.free() };
            return;
        }
        let end = res.start + res.len;
        if self.current.get() == Some(res.chunk) {
            // The reservation's reference may have been taken off `handed`
            // already by a nested commit's links (the two counts are
            // interchangeable): `give_back` takes it from either.
            // SAFETY: the chunk is current for this allocator, on this
            // thread, and the reservation's reference is given back once.
            unsafe { res.chunk.give_back(1) };
            if self.cursor.get() == end {
                // Nothing was reserved after us: the space is reused.
                self.cursor.set(res.start);
            } else {
                self.record_hole(res);
            }
        } else {
            // A nested allocation retired the chunk, counting our
            // reservation as a handle: give that reference back.
            self.record_hole(res);
            // SAFETY: the reference was ours, and the hole is recorded first.
            unsafe { res.chunk.release() };
        }
    }

    /// Marks `res`'s slots as holding no elements, for the chunk's release.
    pub(super) fn record_hole(&self, res: &Reservation<T>) {
        self.bytes_lost
            .set(self.bytes_lost.get() + res.len * mem::size_of::<T>());
        // SAFETY: we still hold the reservation's reference (or our bias).
        unsafe { res.chunk.add_hole(res.start..res.start + res.len) };
    }
}

/// What retiring and trimming touch of an allocator, without its element
/// type: compiled once for every element type. Every per-thread arena
/// registers its `trim` for `trim_thread`, so a generic `trim` was compiled
/// for every derived type, used or not (1.4 times typed-builder's build
/// time in `scripts/compile-bench`, against 0.9 without).
pub(super) struct Retiring<'a> {
    current: &'a Cell<Option<RawChunk>>,
    retired: &'a Cell<[Option<RawChunk>; RETIRED]>,
    cursor: &'a Cell<usize>,
    epoch: &'a Cell<usize>,
    bytes_lost: &'a Cell<usize>,
    /// The chunk capacity `N`.
    capacity: usize,
    /// `size_of::<T>()`.
    elem_size: usize,
}

impl Retiring<'_> {
    /// See [`Allocator::retire_all_current`].
    pub(super) fn retire_all_current(&self) {
        while self.current.get().is_some() {
            self.retire_current();
        }
    }

    /// Settles the current chunk and moves it to the retired list; a chunk
    /// of one of the thread's generations is given up instead (closing its
    /// generation first if it is open: see `generation.rs`).
    #[inline(never)]
    pub(super) fn retire_current(&self) {
        let Some(chunk) = self.current.take() else {
            return;
        };
        let cursor = self.cursor.replace(self.capacity);
        // A fill whose reservation is in this chunk must not commit into it
        // any more (see `overtaken`).
        self.epoch.set(self.epoch.get() + 1);
        self.bytes_lost
            .set(self.bytes_lost.get() + (self.capacity - cursor) * self.elem_size);
        // SAFETY: the chunk was current: we publish how far it was filled,
        // then (its generation closed) give up the bias, keeping our own
        // reference.
        let in_generation = unsafe {
            chunk.set_len(cursor);
            let in_generation = close_generation_of(chunk);
            chunk.settle(1);
            in_generation
        };
        if in_generation {
            // Never reused in place: the chunk's generation may still link
            // into it while no handle does.
            // SAFETY: our own reference, given up.
            unsafe { chunk.release() };
            return;
        }
        // The list is newest first. The new chunk goes in front, filling the
        // first empty slot (a chunk taken for reuse leaves one); only when
        // there is none is the oldest chunk evicted.
        let mut retired = self.retired.get();
        let gap = retired
            .iter()
            .position(Option::is_none)
            .unwrap_or(RETIRED - 1);
        let evicted = retired[gap].take();
        retired.copy_within(0..gap, 1);
        retired[0] = Some(chunk);
        self.retired.set(retired);
        if let Some(evicted) = evicted {
            // SAFETY: we held one reference to the evicted chunk and drop it
            // from the list before releasing it (its elements' drops may run
            // user code that re-enters the allocator).
            unsafe { evicted.release() };
        }
    }

    /// See [`Allocator::release_unused_retired`].
    #[inline(never)]
    pub(super) fn release_unused_retired(&self) {
        let mut retired = self.retired.get();
        let mut unused = [None; RETIRED];
        for (slot, out) in retired.iter_mut().zip(unused.iter_mut()) {
            if slot.is_some_and(|chunk| chunk.is_unique()) {
                *out = slot.take();
            }
        }
        self.retired.set(retired);
        // SAFETY: the references were the list's, and it no longer holds them.
        unsafe { release_all(&unused) };
    }

    /// See [`Allocator::trim`]; `live` is the allocator's counters (if it
    /// made a chunk), `in_generations` whether it is in the thread's
    /// generations. Returns whether it gave up a chunk (retired the current
    /// one or released a retired one): the drops that follow may have left
    /// other arenas' retired chunks unused.
    #[inline(never)]
    pub(super) fn trim(&self, live: Option<&Arc<Live>>, in_generations: bool) -> bool {
        let mut gave_up = self.current.get().is_some();
        self.retire_all_current();
        if in_generations {
            // Chunks of freed generations that the thread kept for reuse.
            if let Some(live) = live {
                clock::free_kept_chunks(live);
            }
        }
        // Freeing one chunk drops its elements, whose handles may leave
        // another retired chunk with only our reference: go again until a
        // pass frees nothing (at most once per retired chunk).
        for _ in 0..=RETIRED {
            let retired = self.retired.get();
            if !retired.iter().flatten().any(|chunk| chunk.is_unique()) {
                break;
            }
            gave_up = true;
            self.release_unused_retired();
        }
        gave_up
    }
}

/// For a chunk of one of the thread's generations: closes the generation if
/// it is still open (a chunk of the open generation is never settled while
/// it stays open, see `generation.rs`) and returns `true`; `false` for any
/// other chunk.
///
/// # Safety
/// The chunk is current for a per-thread allocator of the calling thread.
unsafe fn close_generation_of(chunk: RawChunk) -> bool {
    // SAFETY: the caller's promise: the chunk is alive, and its generation
    // (if any) alive and this thread's.
    match unsafe { chunk.generation() } {
        Some(generation) => {
            // SAFETY: as above.
            if unsafe { Generation::is_open(generation) } {
                clock::close_open_generation();
            }
            true
        }
        None => false,
    }
}

/// A chunk about to become current (count at the bias, no element) that only
/// a local of `reserve_slow` holds: freed if a panic unwinds first.
pub(super) struct Uninstalled<T>(pub(super) Chunk<T>);

impl<T> Drop for Uninstalled<T> {
    fn drop(&mut self) {
        let chunk = self.0.erase();
        // SAFETY: the chunk is fresh or recycled and nothing was reserved in
        // it: no handle exists, the local's reference is the only one, its
        // `len` is 0, and it is never used after this. A chunk of a
        // generation is given up through its generation, which holds it.
        unsafe {
            if chunk.generation().is_some() {
                if chunk.settle(0) == 0 {
                    chunk.released_last();
                }
            } else {
                chunk.free();
            }
        }
    }
}

/// What the drop of an allocator does: settles the current chunk (if any),
/// then releases it and the retired chunks, in the order that retiring the
/// current chunk and releasing the list would (the oldest retired chunk
/// first when the list is full, as if evicted).
///
/// # Safety
/// `current` is `(chunk, cursor)` of a chunk that is current for an
/// allocator of this thread that gives it up, `retired` holds chunks that
/// allocator owns one reference to, and neither is used again.
#[inline(never)]
pub(super) unsafe fn release_held(
    current: Option<(RawChunk, usize)>,
    retired: [Option<RawChunk>; RETIRED],
) {
    let Some((chunk, cursor)) = current else {
        // SAFETY: the caller's references, given up.
        unsafe { release_all(&retired) };
        return;
    };
    // SAFETY: the chunk was current: we publish how far it was filled, then
    // (its generation closed) give up the bias, keeping our own reference,
    // released below.
    unsafe {
        chunk.set_len(cursor);
        close_generation_of(chunk);
        chunk.settle(1);
    }
    let mut order = [None; RETIRED + 1];
    if retired.iter().all(Option::is_some) {
        order[0] = retired[RETIRED - 1];
        order[1] = Some(chunk);
        order[2..].copy_from_slice(&retired[..RETIRED - 1]);
    } else {
        order[0] = Some(chunk);
        order[1..].copy_from_slice(&retired);
    }
    // SAFETY: one reference to each, which the caller gives up.
    unsafe { release_all(&order) };
}

/// Releases one reference to each chunk, going on if an element's drop panics.
///
/// # Safety
/// The caller owns one reference to each chunk and gives it up.
unsafe fn release_all(chunks: &[Option<RawChunk>]) {
    struct Rest<'a>(&'a [Option<RawChunk>]);
    impl Drop for Rest<'_> {
        fn drop(&mut self) {
            // SAFETY: the references not yet released, still the caller's.
            unsafe { release_all(self.0) };
        }
    }
    for (i, chunk) in chunks.iter().enumerate() {
        if let Some(chunk) = chunk {
            let rest = Rest(&chunks[i + 1..]);
            // SAFETY: the caller passes references it owns and gives up.
            unsafe { chunk.release() };
            mem::forget(rest);
        }
    }
}

/// [`Allocator::trim`] on a registered per-thread allocator, for
/// [`trim_thread`](crate::trim_thread); whether it gave up a chunk.
///
/// # Safety
///
/// `arena` points to a live `Allocator<T, L, N>`.
unsafe fn trim_local<T, L: IndexType, const N: usize>(arena: NonNull<()>) -> bool {
    // SAFETY: the caller's contract; the allocator is only ever used through
    // shared references.
    unsafe { arena.cast::<Allocator<T, L, N>>().as_ref() }.trim_gave_up()
}
