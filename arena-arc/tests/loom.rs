//! Model checks of a chunk's reference count and its hand-over between
//! threads, under every interleaving loom explores (and its C11 weak memory
//! model for the atomics in `src/sync.rs`).
//!
//! ```sh
//! LOOM_MAX_PREEMPTIONS=3 RUSTFLAGS="--cfg loom" cargo test -p arena-arc --test loom --release
//! ```
//!
//! The elements hold a `loom::cell::UnsafeCell` that every reader reads and
//! `Drop` writes, so loom reports any drop (by a last handle, the settle, a
//! reuse or the allocator) that is not ordered after every read through
//! another handle. Chunks hold a `loom::sync::Arc` (the allocator's shared
//! counters), so loom also reports a chunk that is never freed.
#![cfg(loom)]

use std::sync::Arc as StdArc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use arena_arc::{Allocator, ArcSingle, ArcSlice};
use loom::cell::UnsafeCell;
use loom::thread;

struct Probe {
    value: UnsafeCell<u64>,
    drops: StdArc<AtomicUsize>,
}

// SAFETY: `&Probe` only reads `value` (through loom, which checks it); the
// write is in `drop`, which has `&mut self`.
unsafe impl Sync for Probe {}

impl Probe {
    fn new(value: u64, drops: &StdArc<AtomicUsize>) -> Self {
        Probe {
            value: UnsafeCell::new(value),
            drops: StdArc::clone(drops),
        }
    }

    fn read(&self) -> u64 {
        // SAFETY: no `&mut` to the value exists while a handle lives; loom
        // checks that claim.
        self.value.with(|p| unsafe { *p })
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: loom checks that no read can race with this.
        self.value.with_mut(|p| unsafe { *p = u64::MAX });
        self.drops.fetch_add(1, SeqCst);
    }
}

fn counter() -> StdArc<AtomicUsize> {
    StdArc::new(AtomicUsize::new(0))
}

fn sum(slice: &ArcSlice<Probe>) -> u64 {
    slice.iter().map(Probe::read).sum()
}

/// Clones of one slice dropped on two threads while the allocator that made
/// it is dropped on a third: exactly one of them frees the chunk.
#[test]
fn last_drop_frees_once_across_threads() {
    loom::model(|| {
        let drops = counter();
        let arena: Allocator<Probe, u32, 4> = Allocator::new();
        let a = arena.alloc(2, |i| Probe::new(i as u64 + 1, &drops));
        let b = a.clone();
        let t1 = thread::spawn(move || assert_eq!(sum(&a), 3));
        let t2 = thread::spawn(move || {
            let c = b.clone();
            assert_eq!(sum(&c), 3);
            drop(b);
            assert_eq!(sum(&c), 3);
        });
        drop(arena);
        t1.join().unwrap();
        t2.join().unwrap();
        assert_eq!(drops.load(SeqCst), 2);
    });
}

/// The allocator retires (settles) a chunk while another thread drops a
/// handle into it.
#[test]
fn settle_races_with_handle_drop() {
    loom::model(|| {
        let drops = counter();
        let arena: Allocator<Probe, u32, 2> = Allocator::new();
        let a = arena.alloc(1, |_| Probe::new(1, &drops));
        let c = arena.alloc(1, |_| Probe::new(2, &drops));
        let t = thread::spawn(move || assert_eq!(sum(&a), 1));
        // Does not fit: retires and settles the first chunk.
        let d = arena.alloc(1, |_| Probe::new(3, &drops));
        assert!(!ArcSlice::shares_chunk(&c, &d));
        assert_eq!(sum(&c) + sum(&d), 5);
        drop(c);
        drop(arena);
        drop(d);
        t.join().unwrap();
        assert_eq!(drops.load(SeqCst), 3);
    });
}

/// A retired chunk whose last handle is being dropped on another thread is
/// reused (its elements dropped on this thread) only after that drop, and
/// the reused chunk's new elements are read on the first thread.
#[test]
fn reuse_races_with_late_drop() {
    loom::model(|| {
        let drops = counter();
        let arena: Allocator<Probe, u32, 1> = Allocator::new();
        let a = arena.alloc(1, |_| Probe::new(1, &drops));
        let t = thread::spawn(move || assert_eq!(sum(&a), 1));
        // Retires a's chunk, and reuses it if the thread has dropped `a`.
        let b = arena.alloc(1, |_| Probe::new(2, &drops));
        drop(b);
        // Retires b's chunk, then reuses a retired chunk whose handles are
        // gone: b's for sure, a's if the thread has dropped it.
        let c = arena.alloc(1, |_| Probe::new(3, &drops));
        assert_eq!(sum(&c), 3);
        let reused = arena.stats().chunks_reused;
        assert!((1..=2).contains(&reused), "{reused}");
        t.join().unwrap();
        drop(arena);
        drop(c);
        assert_eq!(drops.load(SeqCst), 3);
    });
}

/// A hand-over to a thread that clones and drops, while the allocator keeps
/// filling the same chunk (writes next to the other thread's reads).
#[test]
fn clone_and_drop_while_the_chunk_is_filled() {
    loom::model(|| {
        let drops = counter();
        let arena: Allocator<Probe, u32, 4> = Allocator::new();
        let a = arena.alloc(1, |_| Probe::new(7, &drops));
        let t = thread::spawn(move || {
            let b = a.clone();
            drop(a);
            assert_eq!(sum(&b), 7);
        });
        let c = arena.alloc(2, |i| Probe::new(i as u64, &drops));
        assert_eq!(sum(&c), 1);
        drop(arena);
        let c2 = c.slice(1..);
        drop(c);
        assert_eq!(sum(&c2), 1);
        drop(c2);
        t.join().unwrap();
        assert_eq!(drops.load(SeqCst), 3);
    });
}

/// `ArcSingle` clones and conversions dropped on two threads.
#[test]
fn single_handles_across_threads() {
    loom::model(|| {
        let drops = counter();
        let arena: Allocator<Probe, u8, 2> = Allocator::new();
        let one: ArcSingle<Probe, u8> = arena.alloc_value(Probe::new(5, &drops));
        let two = one.clone();
        let t = thread::spawn(move || {
            let slice = ArcSlice::from(two);
            assert_eq!(slice[0].read(), 5);
        });
        drop(arena);
        assert_eq!(one.read(), 5);
        drop(one);
        t.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// A failed initialisation whose nested allocation retired its chunk
/// records a hole and gives back its reference while another thread drops
/// the chunk's other handle: whichever frees the chunk skips the hole.
#[test]
fn hole_release_races_with_handle_drop() {
    loom::model(|| {
        let drops = counter();
        let arena: Allocator<Probe, u32, 2> = Allocator::new();
        let a = arena.alloc(1, |_| Probe::new(1, &drops));
        let t = thread::spawn(move || assert_eq!(sum(&a), 1));
        let mut nested = None;
        let failed = arena.try_alloc(1, |_| {
            // The chunk is full: this retires it, counting our reservation.
            nested = Some(arena.alloc(1, |_| Probe::new(2, &drops)));
            Err("fail after a nested allocation")
        });
        assert!(failed.is_err());
        let nested = nested.unwrap();
        drop(arena);
        assert_eq!(sum(&nested), 2);
        drop(nested);
        t.join().unwrap();
        assert_eq!(drops.load(SeqCst), 2);
    });
}

/// A node of an acyclic arena: a probe and a link to its own kind.
struct Node {
    probe: Probe,
    kids: ArcSlice<Node>,
}

// SAFETY: the one handle field is owned by value and reported once; `Node`
// has no `Drop` impl.
unsafe impl arena_arc::ArenaLinks for Node {
    fn visit_links(&self, links: &mut arena_arc::Links<Self>) {
        links.slice(&self.kids);
    }
}

fn node_sum(node: &Node) -> u64 {
    node.probe.read() + node.kids.iter().map(node_sum).sum::<u64>()
}

/// The new cross-thread step of acyclic arenas: self-links that the
/// allocator forgets partly from its plain hand-out counter and partly with
/// an atomic decrement (three parents hold clones of one child list, but
/// only two references were handed out), while another thread clones, reads
/// and drops handles into the same chunk; then the allocator retires the
/// chunk and the last handle may go on either thread. The chunk, holding
/// its own children, is freed exactly once, after every read.
#[test]
fn self_links_forgotten_while_another_thread_drops() {
    loom::model(|| {
        let drops = counter();
        let arena: Allocator<Node, u32, 8> = Allocator::new_acyclic();
        let kids = arena.alloc(2, |i| Node {
            probe: Probe::new(i as u64 + 1, &drops),
            kids: ArcSlice::new(),
        });
        let shared = kids.clone();
        let t = thread::spawn(move || {
            let again = shared.clone();
            assert_eq!(again.iter().map(node_sum).sum::<u64>(), 3);
            drop(shared);
            assert_eq!(again.iter().map(node_sum).sum::<u64>(), 3);
        });
        let parents = arena.alloc(3, |i| Node {
            probe: Probe::new(10 * (i as u64 + 1), &drops),
            kids: kids.clone(),
        });
        drop(kids);
        assert_eq!(parents.iter().map(node_sum).sum::<u64>(), 60 + 3 * 3);
        drop(arena);
        assert_eq!(drops.load(SeqCst), 0);
        let root = ArcSingle::from_slice(parents.slice(1..2));
        drop(parents);
        t.join().unwrap();
        assert_eq!(node_sum(&root), 20 + 3);
        drop(root);
        assert_eq!(drops.load(SeqCst), 5);
    });
}
