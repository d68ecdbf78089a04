//! Stress: 8 threads clone and drop handles into shared chunks at once, for
//! a bounded number of rounds; at the end every element was dropped exactly
//! once and every chunk freed exactly once (by the counting global
//! allocator).

mod common;

use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};

use arena_arc::{Allocator, ArcSingle, ArcSlice};
use common::counting::{Snapshot, join, spawn};

const THREADS: usize = 8;
const ROUNDS: usize = if cfg!(miri) { 3 } else { 2_000 };
const SLICES: usize = if cfg!(miri) { 6 } else { 64 };

static DROPS: AtomicUsize = AtomicUsize::new(0);

struct Elem(u64);

impl Drop for Elem {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn eight_threads_clone_and_drop_handles_into_shared_chunks() {
    let _serial = common::serial();
    DROPS.store(0, Ordering::Relaxed);
    let snapshot = Snapshot::now();
    let was = common::counting::enroll(true);

    // Small chunks, so that many slices share each chunk and the last drop
    // of a chunk races between threads.
    let arena: Allocator<Elem, u32, 16> = Allocator::new();
    let slices: Vec<ArcSlice<Elem>> = (0..SLICES)
        .map(|s| arena.alloc(1 + s % 5, |i| Elem((s * 100 + i) as u64)))
        .collect();
    let singles: Vec<ArcSingle<Elem>> = (0..SLICES)
        .map(|s| arena.alloc_value(Elem(1_000_000 + s as u64)))
        .collect();
    let made: usize = slices.iter().map(|s| s.len()).sum::<usize>() + singles.len();
    drop(arena); // the threads hold the last references

    let barrier = std::sync::Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let slices = slices.clone();
            let singles = singles.clone();
            let barrier = barrier.clone();
            spawn(move || {
                barrier.wait();
                let mut checksum = 0u64;
                for round in 0..ROUNDS {
                    let k = (t * 7 + round) % SLICES;
                    // Clone, read, sub-slice and drop in a thread-specific order.
                    let a = slices[k].clone();
                    let b = singles[(k + t) % SLICES].clone();
                    let sub = a.slice(a.len() / 2..);
                    checksum += a.iter().map(|e| e.0).sum::<u64>() + b.0 + sub.len() as u64;
                    assert_eq!(a[0].0, (k * 100) as u64);
                    assert_eq!(b.0, 1_000_000 + ((k + t) % SLICES) as u64);
                    if round % 2 == 0 {
                        drop((a, b, sub));
                    } else {
                        drop((sub, b, a));
                    }
                }
                // Each thread ends by dropping its copies, so the last
                // references to each chunk go on whichever thread is last.
                drop((slices, singles));
                checksum
            })
        })
        .collect();
    drop((slices, singles)); // the main thread's copies go first

    for worker in workers {
        assert!(join(worker).unwrap() > 0);
    }
    drop(barrier);
    common::counting::enroll(was);
    assert_eq!(
        DROPS.load(Ordering::Relaxed),
        made,
        "every element dropped exactly once"
    );
    snapshot.assert_all_freed("every chunk freed exactly once");
}
