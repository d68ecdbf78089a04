//! [`ArenaStats`]: what an allocator holds and what it has lost.

use crate::sync::{AtomicUsize, Ordering};

/// Counters shared by an allocator and every chunk it made, so that a chunk
/// freed on another thread (by its last handle) is seen by the allocator.
#[derive(Debug)]
pub(crate) struct Live {
    /// Chunks made by the allocator and not yet freed.
    pub(crate) chunks: AtomicUsize,
    /// Bytes of those chunks, headers included.
    pub(crate) bytes: AtomicUsize,
}

impl Live {
    pub(crate) fn new() -> Self {
        Live {
            chunks: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
        }
    }

    pub(crate) fn add(&self, bytes: usize) {
        self.chunks.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn remove(&self, bytes: usize) {
        self.chunks.fetch_sub(1, Ordering::Relaxed);
        self.bytes.fetch_sub(bytes, Ordering::Relaxed);
    }

    pub(crate) fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }
}

/// A snapshot of an allocator's memory use, from
/// [`Allocator::stats`](crate::Allocator::stats).
///
/// It shows the two overheads of a chunk arena: *tails* (the unused end of a
/// chunk that was retired because the next request did not fit) and *zombies*
/// (slices whose handles are gone but whose chunk is kept alive by other
/// handles; they count in [`bytes_reserved`](Self::bytes_reserved) until the
/// whole chunk is released).
///
/// ```
/// use arena_arc::Allocator;
///
/// let arena: Allocator<u64, u32, 4> = Allocator::new();
/// let a = arena.alloc(3, |i| i as u64);
/// let b = arena.alloc(3, |i| i as u64); // does not fit: a new chunk, 1 slot lost
/// let stats = arena.stats();
/// assert_eq!(stats.chunks_created, 2);
/// assert_eq!(stats.chunks_alive, 2);
/// assert_eq!(stats.bytes_lost_in_tails, 8);
/// drop((a, b));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct ArenaStats {
    /// Chunks this allocator asked the global allocator for, ever.
    pub chunks_created: usize,
    /// Chunks (of `N` elements) taken back from the retired list and reused
    /// instead of allocating, ever.
    pub chunks_reused: usize,
    /// Chunks made for one request (longer than `N`, or longer than what the
    /// current chunk has left when keeping that chunk wastes less), ever.
    pub dedicated_chunks: usize,
    /// Chunks made by this allocator that are still allocated: held by the
    /// allocator, by live handles, or both.
    pub chunks_alive: usize,
    /// Bytes of the chunks in [`chunks_alive`](Self::chunks_alive), headers
    /// included. This is what [`Allocator::with_limit`](crate::Allocator::with_limit)
    /// bounds.
    pub bytes_reserved: usize,
    /// Bytes of element space left unused at the end of chunks the allocator
    /// retired, ever (including the holes left by failed nested
    /// initialisations).
    pub bytes_lost_in_tails: usize,
    /// Elements still free in the current chunk.
    pub current_chunk_free: usize,
}
