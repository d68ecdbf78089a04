//! The thread's clock: its open [`Generation`](crate::generation) and the
//! list of its per-thread arenas, and [`trim_thread`]. Without `std` there
//! are no per-thread arenas, and the functions the allocator calls do
//! nothing.

#[cfg(feature = "std")]
pub(crate) use self::thread::{
    close_open_generation, free_kept_chunks, keep_chunks, open_generation, open_generation_if_any,
    register, take_kept_chunk, unregister,
};
#[cfg(feature = "std")]
pub use self::thread::{recycle_thread, trim_thread};

/// What the allocator does when the thread's open generation has no handle
/// left (a stream of documents): [`recycle_thread`]. Nothing without `std`.
pub(crate) fn trim_thread_arenas() {
    #[cfg(feature = "std")]
    thread::recycle_thread();
}

#[cfg(not(feature = "std"))]
pub(crate) fn open_generation() -> Option<core::ptr::NonNull<crate::generation::Generation>> {
    None
}

#[cfg(not(feature = "std"))]
pub(crate) fn open_generation_if_any() -> Option<core::ptr::NonNull<crate::generation::Generation>>
{
    None
}

#[cfg(not(feature = "std"))]
pub(crate) fn close_open_generation() {}

/// Adds a per-thread allocator to the list [`trim_thread`] trims; nothing
/// without `std`.
///
/// # Safety
///
/// `arena` stays valid for `trim` until [`unregister`] takes it out.
#[cfg(not(feature = "std"))]
pub(crate) unsafe fn register(
    _arena: core::ptr::NonNull<()>,
    _trim: unsafe fn(core::ptr::NonNull<()>) -> bool,
) {
}

/// Takes a per-thread allocator out of the list; nothing without `std`.
#[cfg(not(feature = "std"))]
pub(crate) fn unregister(_arena: *const ()) {}

/// Keeps no chunk without `std`: the caller frees them all.
#[cfg(not(feature = "std"))]
pub(crate) fn keep_chunks(_chunks: &mut alloc::vec::Vec<crate::chunk::RawChunk>, _owner: u64) {}

#[cfg(not(feature = "std"))]
pub(crate) fn free_kept_chunks(_live: &crate::sync::Arc<crate::stats::Live>) {}

#[cfg(not(feature = "std"))]
pub(crate) fn take_kept_chunk(
    _live: &crate::sync::Arc<crate::stats::Live>,
    _layout: core::alloc::Layout,
) -> Option<crate::chunk::RawChunk> {
    None
}

#[cfg(feature = "std")]
mod thread {
    use core::cell::{Cell, RefCell};
    use core::mem;
    use core::ptr::NonNull;

    use alloc::vec::Vec;

    use core::alloc::Layout;

    use crate::chunk::RawChunk;
    use crate::generation::Generation;
    use crate::stats::Live;
    use crate::sync::Arc;

    /// One thread's clock.
    struct Clock {
        /// The open generation, made when a chunk first needs one; its open
        /// reference is the clock's.
        open: Cell<Option<NonNull<Generation>>>,
        /// The per-thread arenas of the thread that have made a chunk.
        arenas: RefCell<Vec<Registered>>,
        /// Chunks of generations freed on this thread, their elements dropped,
        /// kept for the arenas that made them, oldest first: at most as many
        /// bytes as the larger of the current and the last *episode* freed
        /// (see [`keep_chunks`]).
        kept: RefCell<Vec<RawChunk>>,
        /// The bytes of the chunks in `kept`.
        kept_bytes: Cell<usize>,
        /// The bytes of the chunks freed on this thread since the last
        /// [`recycle_thread`] that freed any: the current episode (a document
        /// spans many generations, freed together).
        episode: Cell<usize>,
        /// The bytes the episode before the current one freed.
        last_episode: Cell<usize>,
        /// The thread's number among all threads that ever opened a generation
        /// (0 until it first does).
        id: Cell<u64>,
        /// Set while [`trim_arenas`] runs: the arenas' trims keep their kept
        /// chunks.
        trimming_arenas: Cell<bool>,
    }

    /// A per-thread allocator in the clock's list: its address and its trim.
    #[derive(Clone, Copy)]
    struct Registered {
        arena: NonNull<()>,
        /// Trims the arena; whether it gave up a chunk.
        trim: unsafe fn(NonNull<()>) -> bool,
    }

    /// The last number given to a thread's clock.
    static LAST_ID: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

    impl Drop for Clock {
        fn drop(&mut self) {
            if let Some(generation) = self.open.take() {
                // SAFETY: the generation was this thread's open one and its open
                // reference the clock's, taken out of the clock here.
                unsafe { Generation::close(generation) };
            }
            for chunk in self.kept.get_mut().drain(..) {
                // SAFETY: a kept chunk is owned by the clock, its elements
                // dropped.
                unsafe { chunk.deallocate() };
            }
        }
    }

    std::thread_local! {
        static CLOCK: Clock = const {
            Clock {
                open: Cell::new(None),
                arenas: RefCell::new(Vec::new()),
                kept: RefCell::new(Vec::new()),
                kept_bytes: Cell::new(0),
                episode: Cell::new(0),
                last_episode: Cell::new(0),
                id: Cell::new(0),
                trimming_arenas: Cell::new(false),
            }
        };
    }

    /// The thread's open generation, opened if there is none; `None` while the
    /// thread's clock is being destroyed (at the thread's end), when chunks are
    /// made outside any generation.
    pub(crate) fn open_generation() -> Option<NonNull<Generation>> {
        CLOCK
            .try_with(|clock| match clock.open.get() {
                Some(generation) => generation,
                None => {
                    let generation = Generation::open(thread_id(clock));
                    clock.open.set(Some(generation));
                    generation
                }
            })
            .ok()
    }

    /// The thread's open generation, if it has one (none is opened).
    pub(crate) fn open_generation_if_any() -> Option<NonNull<Generation>> {
        CLOCK.try_with(|clock| clock.open.get()).ok().flatten()
    }

    /// Closes the thread's open generation, if there is one.
    pub(crate) fn close_open_generation() {
        if let Ok(Some(generation)) = CLOCK.try_with(|clock| clock.open.take()) {
            // SAFETY: it was this thread's open generation, and the clock's open
            // reference is now ours. (Giving it up may free the generation and
            // run drops that allocate: the clock is consistent already.)
            unsafe { Generation::close(generation) };
        }
    }

    /// The clock's thread's number, given on first use.
    fn thread_id(clock: &Clock) -> u64 {
        if clock.id.get() == 0 {
            let id = LAST_ID.fetch_add(1, core::sync::atomic::Ordering::Relaxed) + 1;
            clock.id.set(id);
        }
        clock.id.get()
    }

    /// Takes the `chunks` of a freed generation that thread number `owner`
    /// opened (owned, their elements dropped) for reuse if this is that
    /// thread, and leaves in `chunks` what the caller must free: all of them
    /// on another thread (whose arenas would never take them back); here,
    /// none of them but the oldest kept chunks beyond the budget.
    ///
    /// The budget is the larger of the bytes freed in the current episode
    /// (since the last [`recycle_thread`] that freed any, which the thread's
    /// allocations call when a document is done) and in the episode before
    /// it. So the chunks of the document being freed are all kept, however
    /// many generations it spans; a smaller document between two large ones
    /// does not give the large one's memory back, and a stream whose
    /// documents shrink gives back the difference.
    pub(crate) fn keep_chunks(chunks: &mut Vec<RawChunk>, owner: u64) {
        let _ = CLOCK.try_with(|clock| {
            if clock.id.get() != owner {
                return;
            }
            let Ok(mut kept) = clock.kept.try_borrow_mut() else {
                return;
            };
            // SAFETY: the chunks are the caller's, whose elements were dropped.
            let bytes = unsafe { bytes_of(chunks) };
            let episode = clock.episode.get() + bytes;
            clock.episode.set(episode);
            let budget = episode.max(clock.last_episode.get());
            let mut kept_bytes = clock.kept_bytes.get() + bytes;
            // The oldest go first: the newest are the likeliest to fit what
            // the thread allocates next.
            let mut evict = 0;
            while kept_bytes > budget && evict < kept.len() {
                // SAFETY: a kept chunk is the clock's own. (The chunks being
                // added, of this episode, fit in the budget: the loop ends
                // before them.)
                kept_bytes -= unsafe { kept[evict].size() };
                evict += 1;
            }
            let evicted: Vec<RawChunk> = kept.drain(..evict).collect();
            kept.append(chunks);
            chunks.extend(evicted);
            clock.kept_bytes.set(kept_bytes);
        });
    }

    /// The bytes of `chunks`, headers included.
    ///
    /// # Safety
    /// The caller owns the chunks (no handle into them is left).
    unsafe fn bytes_of(chunks: &[RawChunk]) -> usize {
        // SAFETY: the caller's promise.
        chunks.iter().map(|&chunk| unsafe { chunk.size() }).sum()
    }

    /// A kept chunk that the allocator with counters `live` made with `layout`,
    /// now owned by the caller.
    pub(crate) fn take_kept_chunk(live: &Arc<Live>, layout: Layout) -> Option<RawChunk> {
        CLOCK
            .try_with(|clock| {
                let mut kept = clock.kept.try_borrow_mut().ok()?;
                // Newest first, as they were kept; `remove` keeps the order
                // that `keep_chunks` evicts in.
                // SAFETY: the kept chunks are the clock's own.
                let at = kept
                    .iter()
                    .rposition(|&chunk| unsafe { chunk.fits(live, layout) })?;
                let chunk = kept.remove(at);
                // SAFETY: it was the clock's own, now the caller's.
                clock
                    .kept_bytes
                    .set(clock.kept_bytes.get() - unsafe { chunk.size() });
                Some(chunk)
            })
            .ok()
            .flatten()
    }

    /// Frees the kept chunks that the allocator with counters `live` made (its
    /// `trim`).
    pub(crate) fn free_kept_chunks(live: &Arc<Live>) {
        if CLOCK.try_with(|clock| clock.trimming_arenas.get()) == Ok(true) {
            return;
        }
        let freed: Vec<RawChunk> = CLOCK
            .try_with(|clock| match clock.kept.try_borrow_mut() {
                Ok(mut kept) => {
                    let mut freed = Vec::new();
                    kept.retain(|&chunk| {
                        // SAFETY: the kept chunks are the clock's own.
                        let fits = unsafe { chunk.made_by(live) };
                        if fits {
                            freed.push(chunk);
                        }
                        !fits
                    });
                    // SAFETY: taken out of the clock, which owned them.
                    let bytes = unsafe { bytes_of(&freed) };
                    clock.kept_bytes.set(clock.kept_bytes.get() - bytes);
                    if kept.is_empty() {
                        // The list's buffer goes too, as in `trim_thread`:
                        // it grew to hold a whole freed document's chunks,
                        // and an empty list would keep that size for the
                        // thread's life.
                        *kept = Vec::new();
                    }
                    freed
                }
                Err(_) => Vec::new(),
            })
            .unwrap_or_default();
        for chunk in freed {
            // SAFETY: taken out of the clock, which owned it; its elements were
            // dropped.
            unsafe { chunk.deallocate() };
        }
    }

    /// Frees what the calling thread's arenas hold that no handle reaches, as
    /// [`trim_thread`] does, but keeps the freed trees' chunks for the
    /// thread's next allocations instead of giving them back to the global
    /// allocator.
    ///
    /// It is what the thread's next allocation does anyway when the last
    /// handle into its open generation is gone (a stream of documents, each
    /// dropped before the next). Call it at a document boundary to do that
    /// work there, or in a *keep-latest* stream (the previous document still
    /// alive while the next is built) instead of [`trim_thread`]: both
    /// free the dead document, but this one keeps its memory.
    ///
    /// **Cost:** the thread keeps the chunks it frees, for the arenas that
    /// made them, up to the larger of the bytes freed since the last call
    /// that freed anything and the bytes that call freed: in a stream, the
    /// larger of the last two documents, however many generations each
    /// spans. The next document's arenas take them back instead of calling
    /// the global allocator, so a steady stream makes no new chunk and
    /// touches no fresh page. They count in
    /// [`ArenaStats::chunks_alive`](crate::ArenaStats::chunks_alive) until
    /// then. [`trim_thread`] gives them back, as does the thread's end. Trees
    /// freed on another thread (their last handle dropped there) are freed,
    /// not kept.
    ///
    /// ```
    /// use arena_arc::{ArcSlice, ArenaAlloc};
    ///
    /// #[derive(ArenaAlloc)]
    /// #[arena(chunk = 64)]
    /// struct Node {
    ///     #[arena(default)]
    ///     kids: ArcSlice<Node>,
    /// }
    ///
    /// // 250 nodes, in 5 chunks of 64.
    /// fn document() -> Node {
    ///     let twigs = Node::alloc(50, |_| {
    ///         let leaves = Node::alloc(4, |_| Node::builder().build());
    ///         Node::builder().kids(leaves).build()
    ///     });
    ///     Node::builder().kids(twigs).build()
    /// }
    ///
    /// drop(document());
    /// arena_arc::recycle_thread(); // frees the tree, keeps its chunks
    /// let made = Node::arena_stats().chunks_created;
    /// assert_eq!(Node::arena_stats().chunks_alive, 5);
    /// for _ in 0..10 {
    ///     drop(document());
    ///     arena_arc::recycle_thread();
    /// }
    /// // Ten more documents, not one more chunk.
    /// assert_eq!(Node::arena_stats().chunks_created, made);
    /// arena_arc::trim_thread(); // gives them back
    /// assert_eq!(Node::arena_stats().chunks_alive, 0);
    /// ```
    pub fn recycle_thread() {
        trim_arenas();
        // The episode ends: what it freed is the next one's budget too.
        let _ = CLOCK.try_with(|clock| {
            if clock.episode.get() > 0 {
                clock.last_episode.set(clock.episode.replace(0));
            }
        });
    }

    /// Closes the open generation and trims every registered arena, keeping
    /// the chunks kept for reuse (an arena's `trim` frees its own kept chunks
    /// otherwise).
    fn trim_arenas() {
        close_open_generation();
        let arenas = CLOCK
            .try_with(|clock| clock.arenas.borrow().clone())
            .unwrap_or_default();
        let was = CLOCK.try_with(|clock| clock.trimming_arenas.replace(true));
        /// Restores the flag even if a trim's drops panic.
        struct Restore(Option<bool>);
        impl Drop for Restore {
            fn drop(&mut self) {
                if let Some(was) = self.0 {
                    let _ = CLOCK.try_with(|clock| clock.trimming_arenas.set(was));
                }
            }
        }
        let _restore = Restore(was.ok());
        // Newest first: an arena is usually first used after the arenas its
        // elements point into (a `Member`'s keys are made before it), so its
        // chunks' drops release handles into arenas trimmed later in the
        // pass. Another pass while one gave up a chunk, for the other
        // orders; a pass that gives up nothing ends it.
        let mut passes = 0;
        loop {
            let mut gave_up = false;
            for arena in arenas.iter().rev() {
                // Only an arena still registered: one dropped since the list
                // was copied took itself out.
                let registered = CLOCK
                    .try_with(|clock| clock.arenas.borrow().iter().any(|r| r.arena == arena.arena))
                    .unwrap_or(false);
                if registered {
                    // SAFETY: a registered arena is live (`register`'s
                    // contract: it stays valid until `unregister`, which its
                    // destructor calls before anything else).
                    gave_up |= unsafe { (arena.trim)(arena.arena) };
                }
            }
            passes += 1;
            // Each further pass follows one that freed a chunk: bounded by
            // the chunks there are; the cap only guards against a drop that
            // keeps allocating.
            if !gave_up || passes > arenas.len() + 1 {
                break;
            }
        }
    }

    /// Adds a per-thread allocator to the list [`trim_thread`] trims, as
    /// `trim(arena)`.
    ///
    /// # Safety
    ///
    /// `arena` stays valid for `trim`, on this thread, until [`unregister`]
    /// takes it out.
    pub(crate) unsafe fn register(arena: NonNull<()>, trim: unsafe fn(NonNull<()>) -> bool) {
        let _ = CLOCK.try_with(|clock| clock.arenas.borrow_mut().push(Registered { arena, trim }));
    }

    /// Takes a per-thread allocator out of the list (its destructor runs).
    pub(crate) fn unregister(arena: *const ()) {
        let _ = CLOCK.try_with(|clock| {
            clock
                .arenas
                .borrow_mut()
                .retain(|r| r.arena.as_ptr().cast_const() != arena)
        });
    }

    /// Trims every per-thread arena of the calling thread: the arenas of the
    /// types that `#[derive(ArenaAlloc)]` or `arena!` gave one, the `arena!`
    /// statics, the per-element arenas of derived handle fields and the text
    /// arena behind `ArcStr::from(&str)`.
    ///
    /// Each arena retires its current chunk and frees every chunk no handle
    /// uses any more (see [`Allocator::trim`](crate::Allocator::trim)), and the
    /// thread's open generation is closed: a tree whose last handle is gone is
    /// freed now rather than at the thread's next allocation or its end. A
    /// chunk freed in one arena drops handles into others (a `Member`'s key
    /// in the text arena): the call goes round the arenas, newest first,
    /// until a round gives up nothing, so one call frees those too. Costs
    /// the unused tails of the current chunks; the next allocations take fresh
    /// chunks. The chunks that [`recycle_thread`] (or the thread's own
    /// allocations) kept for reuse are given back too: after it, the thread's
    /// arenas hold only what handles reach.
    ///
    /// You rarely need it: a tree of derived types is freed with its last
    /// handle, and whatever a dropped tree still holds in the arenas' current
    /// chunks goes at the thread's next allocation. Call it before a building
    /// thread goes idle for long, or to measure what is left. A thread that
    /// keeps the previous document alive while it builds the next (the
    /// *keep-latest* pattern: the new document's first values would share
    /// chunks with the old one's root) needs a call per document: this one
    /// gives the memory back each time, [`recycle_thread`] keeps it for the
    /// next document.
    ///
    /// ```
    /// use arena_arc::{ArcSlice, ArenaAlloc};
    ///
    /// #[derive(ArenaAlloc)]
    /// struct Node {
    ///     #[arena(default)]
    ///     kids: ArcSlice<Node>,
    /// }
    ///
    /// let leaves = Node::alloc(3, |_| Node::builder().build());
    /// let root = Node::builder().kids(leaves).build_arc();
    /// drop(root);
    /// arena_arc::trim_thread();
    /// assert_eq!(Node::arena_stats().chunks_alive, 0);
    /// ```
    pub fn trim_thread() {
        trim_arenas();
        // The last arena's trim may have freed the generation after the
        // other arenas freed the chunks they had kept: free what is kept now.
        let kept = CLOCK
            .try_with(|clock| {
                clock.kept.try_borrow_mut().map(|mut kept| {
                    clock.kept_bytes.set(0);
                    clock.episode.set(0);
                    clock.last_episode.set(0);
                    mem::take(&mut *kept)
                })
            })
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        for chunk in kept {
            // SAFETY: taken out of the clock, which owned it; its elements
            // were dropped.
            unsafe { chunk.deallocate() };
        }
    }
}
