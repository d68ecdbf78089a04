//! Calls to the global allocator, counted by a `#[global_allocator]`: the
//! arena asks for memory only when it needs a new chunk, reuses chunks in a
//! churn loop, and frees every chunk it made.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use arena_arc::Allocator;

/// Counts this thread's allocations (tests run on parallel threads).
struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
    static FREES: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to `System` unchanged; the counters are thread-local
// `Cell`s with const initialisers and no destructors, so touching them
// cannot allocate or recurse.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's promises are passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = FREES.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's promises are passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> usize {
    ALLOCS.with(Cell::get)
}
/// Loop counts: full size natively, small under Miri (which interprets every
/// instruction) while still crossing many chunk boundaries.
const ROUNDS: u64 = if cfg!(miri) { 2_000 } else { 100_000 };

fn frees() -> usize {
    FREES.with(Cell::get)
}

#[test]
fn new_allocates_nothing() {
    let before = allocs();
    let arena: Allocator<u64, u32, 1024> = Allocator::new();
    let _empty = arena.alloc(0, |i| i as u64);
    assert_eq!(allocs(), before);
}

#[test]
fn one_global_allocation_per_chunk() {
    let arena: Allocator<u64, u32, 64> = Allocator::new();
    let first = arena.alloc(8, |i| i as u64);
    let mut handles = vec![first];
    handles.reserve(1000);
    let reserved = allocs();
    // 8 slices of 8 fill a chunk of 64: 999 more slices need 124 more chunks.
    for _ in 0..999 {
        handles.push(arena.alloc(8, |i| i as u64));
    }
    assert_eq!(
        allocs() - reserved,
        124,
        "exactly one allocation per new chunk"
    );
    assert_eq!(arena.stats().chunks_created, 125);
    for _ in 0..100 {
        let single = arena.alloc_value(7);
        assert_eq!(*single, 7);
    }
    // 100 singles: 100 slots, 2 more chunks at most (they are reused as they die).
    assert!(allocs() - reserved <= 126);
}

#[test]
fn alloc_value_is_one_slot_not_a_slice() {
    let arena: Allocator<u32, u32, 16> = Allocator::new();
    let values: Vec<_> = (0..16).map(|i| arena.alloc_value(i)).collect();
    assert_eq!(
        arena.stats().chunks_created,
        1,
        "16 values fill exactly one chunk of 16"
    );
    assert_eq!(arena.stats().current_chunk_free, 0);
    assert!(values.iter().map(|v| **v).eq(0..16));
}

#[test]
fn churn_reuses_the_chunk_and_stops_allocating() {
    let arena: Allocator<u64, u32, 256> = Allocator::new();
    let mut total = 0u64;
    // Warm up: the first chunk.
    for _ in 0..100 {
        let slice = arena.alloc(16, |i| i as u64);
        total += slice.iter().sum::<u64>();
    }
    let before = allocs();
    for round in 0..ROUNDS {
        let slice = arena.alloc(16, |i| i as u64 + round);
        total += slice.iter().sum::<u64>();
    }
    assert_eq!(
        allocs(),
        before,
        "no call to the global allocator after warm-up"
    );
    assert!(total > 0);
    let stats = arena.stats();
    assert_eq!(stats.chunks_created, 1);
    // 16 slices of 16 fill a chunk of 256: one reuse per 16 rounds.
    assert!(
        stats.chunks_reused >= (ROUNDS / 16) as usize - 1,
        "{stats:?}"
    );
}

#[test]
fn churn_with_overlapping_lifetimes_also_reuses() {
    // Keep the last few slices alive, as a pipeline would.
    let arena: Allocator<u64, u32, 64> = Allocator::new();
    let mut window = std::collections::VecDeque::new();
    for round in 0..1_000u64 {
        window.push_back(arena.alloc(8, |i| i as u64 + round));
        if window.len() > 20 {
            window.pop_front();
        }
    }
    let before = allocs();
    for round in 0..ROUNDS / 10 {
        window.push_back(arena.alloc(8, |i| i as u64 + round));
        window.pop_front();
    }
    assert_eq!(allocs(), before);
    assert!(arena.stats().chunks_created <= 5, "{:?}", arena.stats());
}

#[test]
fn frame_batches_reuse_their_chunks_instead_of_evicting_them() {
    // A frame loop: each frame fills three chunks, hands the slices to a
    // consumer that drops them all, and starts over. Taking a retired chunk
    // for reuse leaves a free slot in the retired list; the next retired
    // chunk must fill it rather than evict (and free) another reusable one,
    // or every frame allocates fresh chunks (found by examples/particles.rs).
    let arena: Allocator<u64, u32, 8> = Allocator::new();
    let frame = |f: u64| -> Vec<_> {
        (0..6)
            .map(|s| arena.alloc(4, |i| f + s + i as u64))
            .collect()
    };
    for f in 0..10 {
        drop(frame(f));
    }
    let created = arena.stats().chunks_created;
    let before = allocs();
    for f in 0..200 {
        let batch = frame(f);
        assert_eq!(batch[5][3], f + 5 + 3);
        drop(batch);
    }
    let stats = arena.stats();
    assert_eq!(
        stats.chunks_created, created,
        "no chunk made after warm-up: {stats:?}"
    );
    assert_eq!(
        allocs() - before,
        200,
        "only the frames' handle Vecs: {stats:?}"
    );
}

#[test]
fn every_chunk_is_freed() {
    let before_allocs = allocs();
    let before_frees = frees();
    {
        let arena: Allocator<String, u32, 8> = Allocator::new();
        let mut keep = Vec::new();
        for i in 0..200usize {
            let slice = arena.alloc(i % 11, |j| format!("{i}-{j}"));
            if i % 3 == 0 {
                keep.push(slice);
            }
        }
        let big = arena.alloc(100, |j| j.to_string());
        keep.push(big);
        drop(arena);
        assert!(keep.iter().all(|s| s.iter().all(|x| !x.is_empty())));
    }
    assert_eq!(
        allocs() - before_allocs,
        frees() - before_frees,
        "every allocation (chunks, strings, the stats block) was freed"
    );
}
