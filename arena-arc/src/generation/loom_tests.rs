//! loom model of the cross-thread part of the generation protocol
//! (`generation.rs`, points 3 and 4): a chunk whose count is zero, reached
//! through an uncounted link from another chunk of its generation, is
//! revived by a reader on one thread while another thread drops the last
//! handles; the generation must be freed exactly once, after every reader
//! is done.
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" cargo test -p arena-arc --lib --release generation::loom_tests
//! ```
//!
//! The per-thread clock (a `std::thread_local!`) cannot be used under loom,
//! whose threads share one OS thread: the generation and its two chunks are
//! built here by hand, the way the allocator's fill, commit and retire do
//! it. The elements hold a `loom::cell::UnsafeCell` that readers read and
//! `Drop` writes, so loom reports a drop (by the generation's free) that is
//! not ordered after a read through a handle on another thread; they hold a
//! `loom::sync::Arc` (the ledger), as the chunks do (the allocator's
//! counters), so loom reports an element or a chunk never freed.

use loom::cell::UnsafeCell;
use loom::thread;

use super::Generation;
use crate::chunk::{BIAS, Chunk, layout};
use crate::links::{ArenaLinks, Links, scan_links};
use crate::single::ArcSingle;
use crate::stats::Live;
use crate::sync::{Arc, AtomicUsize, Ordering};

/// How many times each element was dropped.
struct Ledger([AtomicUsize; 2]);

/// An element's payload: read by handle holders, written by its drop.
struct Probe {
    id: usize,
    value: UnsafeCell<usize>,
    ledger: Arc<Ledger>,
}

// SAFETY: `&Probe` only reads `value` (through loom, which checks the
// claim); the write is in `drop`, which has `&mut self`.
unsafe impl Sync for Probe {}

impl Probe {
    fn read(&self) -> usize {
        // SAFETY: no `&mut` to the value exists while a handle lives; loom
        // checks that claim.
        self.value.with(|p| unsafe { *p })
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        // SAFETY: `&mut self`; loom checks that no read races with this.
        self.value.with_mut(|p| unsafe { *p = usize::MAX });
        let before = self.ledger.0[self.id].fetch_add(1, Ordering::SeqCst);
        assert_eq!(before, 0, "element {} dropped twice", self.id);
    }
}

/// A node: its payload, and a link into another chunk of its generation.
struct Elem {
    probe: Probe,
    link: Option<ArcSingle<Elem>>,
}

// SAFETY: the one handle is owned by value and reported once; `Elem` has no
// `Drop` impl (its `Probe`'s holds no handle).
unsafe impl ArenaLinks for Elem {
    fn visit_links(&self, links: &mut Links<Self>) {
        links.visit(&self.link);
    }
}

fn elem(id: usize, link: Option<ArcSingle<Elem>>, ledger: &Arc<Ledger>) -> Elem {
    Elem {
        probe: Probe {
            id,
            value: UnsafeCell::new(id + 10),
            ledger: Arc::clone(ledger),
        },
        link,
    }
}

/// What the threads get: handles into chunk A (`a`, counted) and B (`b`,
/// counted), where A's element links to B's without counting.
struct Built {
    a: ArcSingle<Elem>,
    b: ArcSingle<Elem>,
    ledger: Arc<Ledger>,
    live: Arc<Live>,
}

/// Builds one generation of two chunks, A and B, as a thread's arenas
/// would: B's element (id 1) is written and handed out; A's element (id 0)
/// links to it through a second hand-out of B, which A's commit gives back
/// because B is in the open generation (the link then does not count); A's
/// element is handed out. Then the generation is closed and both chunks
/// retired, as `retire_current` does: only the two handles count.
fn build() -> Built {
    let ledger = Arc::new(Ledger([AtomicUsize::new(0), AtomicUsize::new(0)]));
    let live = Arc::new(Live::new());
    // An owner no thread's clock has: the free deallocates every chunk.
    let generation = Generation::open(u64::MAX);
    let lay = layout::<Elem>(2).unwrap();
    let a = Chunk::<Elem>::allocate(2, lay, BIAS, &live, Some(generation), None);
    let b = Chunk::<Elem>::allocate(2, lay, BIAS, &live, Some(generation), None);
    // SAFETY: the generation is open and ours; each chunk was allocated in
    // it and joins once; the slots written are in bounds and written once;
    // each hand-out is counted in `handed` before its handle is made, and
    // the link's is given back by the commit's scan, exactly as in `fill`
    // and `commit`.
    unsafe {
        Generation::join(generation, a.erase());
        Generation::join(generation, b.erase());
        b.slot(0).as_ptr().write(elem(1, None, &ledger));
        b.set_len(1);
        b.set_handed(1);
        let b_handle = ArcSingle::from_raw_parts((b, 0, 1));
        b.set_handed(2);
        let link = ArcSingle::from_raw_parts((b, 0, 1));
        a.slot(0).as_ptr().write(elem(0, Some(link), &ledger));
        a.set_len(1);
        a.set_handed(1);
        scan_links::<Elem, u32>(a, 0, 1, Some(generation));
        assert_eq!(
            (a.handed(), b.handed()),
            (1, 1),
            "the link did not stop counting"
        );
        let a_handle = ArcSingle::from_raw_parts((a, 0, 1));
        // `retire_current` of each arena: close the open generation (the
        // clock's `close_open_generation`), then settle, keeping one
        // reference, and give it up.
        Generation::close(generation);
        for chunk in [a, b] {
            assert_eq!(
                chunk.erase().settle(1),
                2,
                "one handle and the arena's reference"
            );
            chunk.release();
        }
        Built {
            a: a_handle,
            b: b_handle,
            ledger,
            live,
        }
    }
}

/// After both threads: each element dropped once, each chunk freed.
fn check_all_freed(ledger: &Arc<Ledger>, live: &Arc<Live>) {
    for (id, drops) in ledger.0.iter().enumerate() {
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "element {id} not dropped once"
        );
    }
    assert_eq!(
        live.chunks.load(Ordering::SeqCst),
        0,
        "a chunk was not freed"
    );
    assert_eq!(live.bytes(), 0);
}

/// Thread 1 reads A's element and clones its link into B (reviving B if
/// thread 2 already dropped B's last handle), reads B through the clone,
/// then drops everything; thread 2 drops the last handle into B, then its
/// handle into A.
#[test]
fn revive_races_with_the_last_drop() {
    loom::model(|| {
        let Built { a, b, ledger, live } = build();
        let a2 = a.clone();
        let t1 = thread::spawn(move || {
            assert_eq!(a.probe.read(), 10);
            let link = a.link.clone().expect("A links to B");
            assert_eq!(link.probe.read(), 11);
            drop(a);
            assert_eq!(link.probe.read(), 11);
        });
        let t2 = thread::spawn(move || {
            assert_eq!(b.probe.read(), 11);
            drop(b);
            assert_eq!(a2.probe.read(), 10);
            drop(a2);
        });
        t1.join().unwrap();
        t2.join().unwrap();
        check_all_freed(&ledger, &live);
    });
}

/// Two readers revive B at once through A's link while the main thread
/// drops B's last handle: only one of them raises B from zero.
#[test]
fn two_revivals_race_with_the_last_drop() {
    loom::model(|| {
        let Built { a, b, ledger, live } = build();
        let a2 = a.clone();
        let reader = |a: ArcSingle<Elem>| {
            move || {
                let link = a.link.clone().expect("A links to B");
                drop(a);
                assert_eq!(link.probe.read(), 11);
            }
        };
        let t1 = thread::spawn(reader(a));
        let t2 = thread::spawn(reader(a2));
        drop(b);
        t1.join().unwrap();
        t2.join().unwrap();
        check_all_freed(&ledger, &live);
    });
}
