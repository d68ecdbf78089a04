//! [`Generation`]: the chunks of one thread's acyclic arenas that were
//! current together, freed together.
//!
//! # Why one arena's rules do not free trees of several types
//!
//! An acyclic arena ([`Allocator::new_acyclic`]) stops counting the links of
//! a value into its own chunk, and keeps every other link pointing into an
//! older chunk, so its chunks cannot keep each other alive. With two node
//! types in two arenas, `Value` holding `ArcSlice<Member>` and `Member`
//! holding a `Value`, a `Value` chunk links into the current `Member` chunk
//! and that chunk's later members link back: two chunks that hold each
//! other, which no count can free.
//!
//! # Generations
//!
//! All per-thread acyclic arenas of a thread (the derived types' and the
//! `arena!` ones) share the thread's clock (`clock.rs`). At any time the
//! clock has one *open* generation, and every arena's current chunk that
//! was made while it was open belongs to it.
//!
//! 1. **Links within a generation do not count.** When a value is committed
//!    into a chunk of the open generation, each link it holds into a chunk of
//!    that same generation (its own chunk or another arena's current chunk)
//!    is given back to that chunk's plain hand-out counter: no atomic
//!    operation. Links into anything else (older generations, other threads,
//!    plain arenas) keep counting.
//! 2. **Links never point into a newer generation.** A value is committed
//!    only into a chunk of the open generation: an arena whose current chunk
//!    belongs to a closed generation moves its value (or, for a fill whose
//!    `init` ran past a closing, its finished elements) into a fresh chunk
//!    first. So every counted link points from a generation into an older
//!    one, or out of the thread's generations: counted links form no cycle.
//!    A dedicated chunk (a request longer than a chunk) belongs to no
//!    generation; the open generation is closed when it is committed, so
//!    that nothing older can come to link to it.
//! 3. **A generation is freed as a whole.** A chunk of a generation whose
//!    count reaches zero is not freed: it tells its generation, whose
//!    `alive` count is the number of its chunks with a non-zero count, plus
//!    one while it is open. When `alive` reaches zero, no handle into any of
//!    its chunks is left, and the uncounted links can only be reached from
//!    inside it: all its chunks' elements are dropped, then all its chunks
//!    are freed. `alive` changes only when a chunk's own count reaches zero
//!    (or rises from zero, below), never per handle, so cloning and dropping
//!    a handle stay one atomic operation each.
//! 4. **Reviving a chunk.** A thread that reads a value of chunk A holds a
//!    counted handle into A. If that value links into chunk B of the same
//!    generation, B's count may be zero (only uncounted links point into
//!    it), and cloning the link raises it from zero. The clone then raises
//!    `alive` too. This cannot race with the generation's free: the reader's
//!    handle keeps A's count, hence `alive`, above zero until the clone is
//!    done.
//! 5. **Closing.** The open generation is closed when an arena of the
//!    thread retires a chunk of it (a chunk is full and the generation holds
//!    [`GENERATION_CHUNKS`] already, `trim`, a dedicated request, the
//!    arena's end); a full chunk of a smaller generation is *parked* instead
//!    (left unsettled, settled when the generation closes) and its arena
//!    takes a fresh chunk in the same generation; at `trim_thread()`, when its every chunk has
//!    no handle left at an allocation (a stream of documents: see the
//!    allocator's commit), and when the thread ends. The other arenas retire
//!    their chunks of it at their next allocation. Chunks of a generation are
//!    never reused in place: a retired one is given back at once (a chunk
//!    with no handle may still be the target of its generation's links).
//!
//! Every chunk of the open generation is current in an arena of this thread
//! (a chunk is retired only after its generation is closed), so its
//! hand-out counter may be written by any arena of the thread, and the
//! settle that removes its bias reads every give-back.
//!
//! [`Allocator::new_acyclic`]: crate::Allocator::new_acyclic

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::{Cell, UnsafeCell};
use core::mem;
use core::ptr::NonNull;

use crate::cascade::{self, Freeing};
use crate::chunk::RawChunk;
use crate::clock;
use crate::sync::{AtomicUsize, Ordering};

/// How many chunks a generation takes before a full chunk closes it (see
/// [`Generation::has_room`]). Each close leaves the unused tails of the
/// thread's other arenas' current chunks behind: on the five-type AST
/// (`benches/trees.rs`) 8 gave a peak heap of 64.2 bytes per node, 32 gives
/// 45.6 and 128 gives 44.3 (docs/benchmarks.md).
const GENERATION_CHUNKS: usize = 32;

/// The chunks of one thread's acyclic arenas that were current together
/// (see the module docs). Reached through raw pointers from its chunks'
/// headers and from the thread's clock; freed by whoever brings `alive` to
/// zero.
pub(crate) struct Generation {
    /// Chunks whose count is not zero, plus one while the generation is open.
    alive: AtomicUsize,
    /// Whether the generation was closed. Read and written only by the
    /// thread that made it.
    closed: Cell<bool>,
    /// Its chunks, in the order they joined. Pushed only by the thread that
    /// made it, while it is open; read by whoever frees it, after `alive`
    /// reached zero (which the `Release`/`Acquire` pair on `alive` orders
    /// after every push).
    chunks: UnsafeCell<Vec<RawChunk>>,
    /// Full chunks that their arenas left while the generation stayed open
    /// (see [`park`](Self::park)): still unsettled, settled when it closes.
    /// Touched only by the thread that made it, while it is open.
    parked: UnsafeCell<Vec<RawChunk>>,
    /// Where in `chunks` [`is_unreachable`](Self::is_unreachable) last
    /// found a handle: checked first next time. Touched only by the thread
    /// that made it, while it is open.
    reachable_at: Cell<usize>,
    /// The number of the thread that made it (see `clock.rs`), which alone
    /// may keep its chunks for reuse once it is freed.
    owner: u64,
}

impl Generation {
    /// Makes an open generation, with no chunk; the caller (the thread's
    /// clock) holds its open reference.
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // only the std clock uses it
    pub(crate) fn open(owner: u64) -> NonNull<Generation> {
        let generation = Box::new(Generation {
            owner,
            alive: AtomicUsize::new(1),
            closed: Cell::new(false),
            chunks: UnsafeCell::new(Vec::new()),
            parked: UnsafeCell::new(Vec::new()),
            reachable_at: Cell::new(0),
        });
        NonNull::from(Box::leak(generation))
    }

    /// Adds `chunk` (fresh, its count at the bias) to the open generation.
    ///
    /// # Safety
    /// `generation` is open and was made by the calling thread, and `chunk`
    /// was allocated in it and joins once.
    pub(crate) unsafe fn join(generation: NonNull<Generation>, chunk: RawChunk) {
        // SAFETY: the caller's promise: the generation is alive (it is open)
        // and only this thread touches `chunks` while it is open.
        unsafe {
            let this = generation.as_ref();
            this.alive.fetch_add(1, Ordering::Relaxed);
            (*this.chunks.get()).push(chunk);
        }
    }

    /// Whether the generation is still open.
    ///
    /// # Safety
    /// The generation is alive (the caller holds a chunk of it that is
    /// current, or a reference) and was made by the calling thread.
    #[inline(always)]
    pub(crate) unsafe fn is_open(generation: NonNull<Generation>) -> bool {
        // SAFETY: the caller's promise.
        !unsafe { generation.as_ref() }.closed.get()
    }

    /// Whether the open generation may take another chunk instead of closing
    /// when an arena fills its chunk: while it has fewer than
    /// [`GENERATION_CHUNKS`]. Bigger generations close less often, so an
    /// arena that allocates rarely loses its chunk's unused tail less
    /// often; smaller ones free a tree in smaller pieces.
    ///
    /// # Safety
    /// The generation is open and was made by the calling thread.
    pub(crate) unsafe fn has_room(generation: NonNull<Generation>) -> bool {
        // SAFETY: the caller's promise: only this thread touches `chunks`.
        unsafe { (*generation.as_ref().chunks.get()).len() < GENERATION_CHUNKS }
    }

    /// Records that an arena left its full chunk `chunk` (its length
    /// published, its bias and hand-outs not settled) for a fresh one in the
    /// same open generation. The chunk stays unsettled, like every chunk of
    /// an open generation (links into it are still given back to its
    /// hand-out counter), and is settled when the generation closes.
    ///
    /// # Safety
    /// The generation is open and was made by the calling thread; `chunk`
    /// is one of its chunks, which its arena no longer uses and which is
    /// parked once.
    pub(crate) unsafe fn park(generation: NonNull<Generation>, chunk: RawChunk) {
        // SAFETY: the caller's promise: only this thread touches `parked`.
        unsafe { (*generation.as_ref().parked.get()).push(chunk) };
    }

    /// Whether no chunk of the open generation has a handle or an open
    /// reservation left but one reservation in `ours` (none at all without
    /// `ours`): the generation's values can only be reached through each
    /// other.
    ///
    /// A build calls it often (on the five-type AST of `benches/trees.rs`,
    /// at one allocation in eleven), and the chunk that held a handle last
    /// time mostly still does: it is checked first, and the walk over the
    /// others runs only when it has none left.
    ///
    /// # Safety
    /// The generation is open and was made by the calling thread, and
    /// `ours`, if any, is a chunk of it.
    pub(crate) unsafe fn is_unreachable(
        generation: NonNull<Generation>,
        ours: Option<RawChunk>,
    ) -> bool {
        // SAFETY: the caller's promise: the generation is alive.
        let this = unsafe { generation.as_ref() };
        // SAFETY: the caller's promise: only this thread touches `chunks`
        // while the generation is open.
        let chunks = unsafe { &*this.chunks.get() };
        // SAFETY: every chunk of an open generation is current in an arena
        // of this thread (or parked, unsettled), as `counted` asks.
        let reached =
            |chunk: RawChunk| unsafe { chunk.counted() } != usize::from(Some(chunk) == ours);
        if chunks
            .get(this.reachable_at.get())
            .is_some_and(|&chunk| reached(chunk))
        {
            return false;
        }
        match chunks.iter().position(|&chunk| reached(chunk)) {
            Some(at) => {
                this.reachable_at.set(at);
                false
            }
            None => true,
        }
    }

    /// Closes the open generation and gives up the open reference.
    ///
    /// # Safety
    /// The generation is open, was made by the calling thread, and the
    /// caller owns its open reference (it has taken it from the clock).
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // only the std clock uses it
    pub(crate) unsafe fn close(generation: NonNull<Generation>) {
        // SAFETY: the caller's promise: the generation is alive (we hold its
        // open reference) and only this thread touches `closed` and
        // `parked`.
        let parked = unsafe {
            generation.as_ref().closed.set(true);
            core::mem::take(&mut *generation.as_ref().parked.get())
        };
        for chunk in parked {
            // SAFETY: a parked chunk is unsettled, its length published and
            // its arena gone from it: we settle it for its arena, keeping no
            // reference. A zero tells the generation, which our open
            // reference keeps from being freed here: no user code runs.
            unsafe {
                if chunk.settle(0) == 0 {
                    chunk.released_last();
                }
            }
        }
        // SAFETY: the open reference, given up.
        unsafe { Generation::release(generation) };
    }

    /// A chunk of the generation whose count was zero is counted again
    /// (see the module docs, 4).
    ///
    /// # Safety
    /// The generation is alive, held by a chunk of it that the caller reads
    /// through a counted handle.
    pub(crate) unsafe fn revive(generation: NonNull<Generation>) {
        // `Relaxed`, as for `Arc::clone`: the caller's own chunk keeps
        // `alive` above zero.
        // SAFETY: the caller's promise.
        unsafe { generation.as_ref() }
            .alive
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Gives up one of `alive`'s references (a chunk whose count reached
    /// zero, or the open reference), freeing the generation if it was the
    /// last.
    ///
    /// # Safety
    /// The caller owns that reference and synchronised with the releases of
    /// its chunk's count, and does not use the generation afterwards.
    pub(crate) unsafe fn release(generation: NonNull<Generation>) {
        // SAFETY: the caller's reference keeps the generation alive.
        let alive = &unsafe { generation.as_ref() }.alive;
        if alive.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        // As in `RawChunk::release`: synchronise with every earlier release.
        alive.load(Ordering::Acquire);
        // SAFETY: `alive` reached zero: no handle into the generation is
        // left, and no one else will touch it. (Queued if another free runs
        // on this thread: see `cascade.rs`.)
        unsafe { cascade::free(Freeing::Generation(generation)) }
    }

    /// Drops the elements of every chunk, then frees every chunk and the
    /// generation, going on if an element's drop panics.
    ///
    /// # Safety
    /// `alive` reached zero: no one holds a handle into any chunk of it.
    #[cold]
    #[inline(never)]
    pub(crate) unsafe fn free(generation: NonNull<Generation>) {
        // SAFETY: the caller's promise: the generation is ours, and it was
        // made by `Box::leak` in `open`.
        let generation = unsafe { Box::from_raw(generation.as_ptr()) };
        let owner = generation.owner;
        let chunks = generation.chunks.into_inner();
        struct Deallocate(Vec<RawChunk>);
        impl Drop for Deallocate {
            fn drop(&mut self) {
                for chunk in &self.0 {
                    // SAFETY: runs after every element was dropped, normally
                    // or by unwinding; the chunks are ours.
                    unsafe { chunk.deallocate() };
                }
            }
        }
        for chunk in &chunks {
            // SAFETY: no handle into the generation is left.
            unsafe { chunk.raise_to_bias() };
        }
        let chunks = Deallocate(chunks);
        // SAFETY: the chunks are ours and their counts at the bias: the
        // links among their elements are dropped harmlessly.
        unsafe { drop_all(&chunks.0) };
        // Every element is dropped: the owner thread keeps the chunks for
        // the arenas that made them (the next tree or document reuses them,
        // with no call to the global allocator and no page fault), and gives
        // back what its cache holds beyond its budget; another thread frees
        // them all.
        let mut chunks = mem::ManuallyDrop::new(chunks);
        let mut free = mem::take(&mut chunks.0);
        clock::keep_chunks(&mut free, owner);
        for chunk in free {
            // SAFETY: ours (the generation's, or given back by the clock),
            // its elements dropped.
            unsafe { chunk.deallocate() };
        }
    }
}

/// Drops the elements of every chunk, going on after a panic.
///
/// # Safety
/// The chunks belong to a generation being freed, their counts at the bias.
unsafe fn drop_all(chunks: &[RawChunk]) {
    struct Rest<'a>(&'a [RawChunk]);
    impl Drop for Rest<'_> {
        fn drop(&mut self) {
            // SAFETY: the caller's promise, for the chunks not yet dropped.
            unsafe { drop_all(self.0) };
        }
    }
    for (i, chunk) in chunks.iter().enumerate() {
        let rest = Rest(&chunks[i + 1..]);
        // SAFETY: the caller's promise.
        unsafe { chunk.drop_elements() };
        mem::forget(rest);
    }
}

#[cfg(all(test, loom))]
mod loom_tests;
