//! Handles cross threads: concurrent clones and drops free a chunk exactly
//! once, and readers never race with the allocator writing the same chunk.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::thread;

use arena_arc::{Allocator, ArcSingle, ArcSlice};

const THREADS: usize = 4;
const ROUNDS: usize = if cfg!(miri) { 20 } else { 10_000 };

struct Counted(usize, Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn concurrent_clones_and_drops_free_the_chunk_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let arena: Allocator<Counted, u32, 8> = Allocator::new();
    let slice = arena.alloc(5, |i| Counted(i, drops.clone()));
    let single = arena.alloc_value(Counted(99, drops.clone()));
    drop(arena);
    let barrier = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let slice = slice.clone();
            let single = single.clone();
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                let mut sum = 0;
                for round in 0..ROUNDS {
                    let copy = slice.clone();
                    let part = copy.slice(round % 5..);
                    sum += part.iter().map(|c| c.0).sum::<usize>();
                    let s2 = single.clone();
                    sum += s2.0;
                    drop((copy, s2));
                    if round % 7 == t {
                        thread::yield_now();
                    }
                }
                sum
            })
        })
        .collect();
    drop((slice, single));
    let sums: Vec<usize> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    assert!(sums.iter().all(|&s| s == sums[0]));
    assert_eq!(
        drops.load(Ordering::Relaxed),
        6,
        "each element dropped exactly once"
    );
}

#[test]
fn last_handles_dropped_on_many_threads_at_once() {
    for _ in 0..if cfg!(miri) { 3 } else { 200 } {
        let drops = Arc::new(AtomicUsize::new(0));
        let arena: Allocator<Counted, u16, 4> = Allocator::new();
        let handles: Vec<ArcSlice<Counted, u16>> = (0..THREADS)
            .map(|i| arena.alloc(1, |_| Counted(i, drops.clone())))
            .collect();
        drop(arena);
        let barrier = Arc::new(Barrier::new(THREADS));
        let workers: Vec<_> = handles
            .into_iter()
            .map(|h| {
                let barrier = barrier.clone();
                thread::spawn(move || {
                    barrier.wait();
                    drop(h);
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        assert_eq!(drops.load(Ordering::Relaxed), THREADS);
    }
}

/// Issue 6: a thread reads its handle in a loop while the owning thread keeps
/// allocating into the same chunk. A handle's `&[T]` covers only its own
/// elements, so this is race-free (Miri checks it, with many seeds).
#[test]
fn reader_while_the_allocator_writes_the_same_chunk() {
    let arena: Allocator<u64, u32, 4096> = Allocator::new();
    let first = arena.alloc(8, |i| i as u64);
    let (tx, rx) = mpsc::channel::<ArcSlice<u64>>();
    let reader = {
        let first = first.clone();
        thread::spawn(move || {
            let mut checked = 0;
            loop {
                let view: &[u64] = first.get();
                assert_eq!(view.iter().sum::<u64>(), 28);
                match rx.try_recv() {
                    Ok(later) => {
                        assert!(later.iter().enumerate().all(|(i, &x)| x == 1000 + i as u64));
                        checked += 1;
                    }
                    Err(mpsc::TryRecvError::Empty) => thread::yield_now(),
                    Err(mpsc::TryRecvError::Disconnected) => return checked,
                }
            }
        })
    };
    let count = if cfg!(miri) { 10 } else { 400 };
    for _ in 0..count {
        let later = arena.alloc(8, |i| 1000 + i as u64);
        assert!(ArcSlice::shares_chunk(&first, &later) || arena.stats().chunks_created > 1);
        tx.send(later).unwrap();
    }
    drop(tx);
    assert_eq!(reader.join().unwrap(), count);
}

/// Handles dropped on a worker while the allocator retires and reuses their
/// chunks: the settle races with the drops.
#[test]
fn handles_dropped_on_a_worker_while_the_allocator_retires_chunks() {
    let drops = Arc::new(AtomicUsize::new(0));
    let arena: Allocator<Counted, u32, 16> = Allocator::new();
    let (tx, rx) = mpsc::sync_channel::<Vec<ArcSlice<Counted>>>(2);
    let worker = thread::spawn(move || {
        let mut seen = 0;
        for batch in rx {
            for (k, slice) in batch.iter().enumerate() {
                assert!(slice.iter().all(|c| c.0 == k));
                seen += slice.len();
            }
        }
        seen
    });
    let frames = if cfg!(miri) { 6 } else { 2_000 };
    let mut made = 0;
    for _ in 0..frames {
        let batch: Vec<_> = (0..5)
            .map(|k| {
                made += 3;
                arena.alloc(3, |_| Counted(k, drops.clone()))
            })
            .collect();
        tx.send(batch).unwrap();
    }
    drop(tx);
    assert_eq!(worker.join().unwrap(), made);
    drop(arena);
    assert_eq!(drops.load(Ordering::Relaxed), made);
}

#[test]
fn singles_shared_across_threads() {
    let arena: Allocator<String> = Allocator::new();
    let name: ArcSingle<String> = arena.alloc_value("shared".into());
    let lens: Vec<_> = (0..THREADS)
        .map(|_| {
            let name = name.clone();
            thread::spawn(move || name.len())
        })
        .collect();
    for l in lens {
        assert_eq!(l.join().unwrap(), 6);
    }
}
