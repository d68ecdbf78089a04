//! Every element is dropped exactly once, at the documented time, whatever
//! `init` does.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arena_arc::{Allocator, ArcSingle, ArcSlice};

/// Counts how often each id is dropped.
#[derive(Clone, Default, Debug)]
struct Ledger(Arc<std::sync::Mutex<Vec<usize>>>);

impl Ledger {
    fn item(&self, id: usize) -> Tracked {
        Tracked {
            id,
            ledger: self.clone(),
        }
    }
    fn drops_of(&self, id: usize) -> usize {
        self.0.lock().unwrap().iter().filter(|&&d| d == id).count()
    }
    fn total(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    fn dropped(&self) -> Vec<usize> {
        let mut v = self.0.lock().unwrap().clone();
        v.sort_unstable();
        v
    }
}

#[derive(Debug)]
struct Tracked {
    id: usize,
    ledger: Ledger,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.ledger.0.lock().unwrap().push(self.id);
    }
}

#[test]
fn drops_are_deferred_to_the_chunks_release() {
    let ledger = Ledger::default();
    let arena: Allocator<Tracked, u32, 4> = Allocator::new();
    let a = arena.alloc(2, |i| ledger.item(i));
    let b = arena.alloc(2, |i| ledger.item(10 + i));
    drop(a);
    assert_eq!(ledger.total(), 0, "b keeps the chunk, so a's elements wait");
    drop(arena);
    assert_eq!(
        ledger.total(),
        0,
        "the allocator's reference is not the last"
    );
    drop(b);
    assert_eq!(ledger.dropped(), [0, 1, 10, 11]);
}

#[test]
fn every_element_is_dropped_exactly_once() {
    let ledger = Ledger::default();
    let arena: Allocator<Tracked, u32, 5> = Allocator::new();
    let mut handles = Vec::new();
    let mut id = 0;
    for len in [1, 3, 5, 2, 9, 4, 1, 1, 6] {
        let start = id;
        handles.push(arena.alloc(len, |i| ledger.item(start + i)));
        id += len;
    }
    let singles: Vec<_> = (0..7)
        .map(|i| arena.alloc_value(ledger.item(1000 + i)))
        .collect();
    let clones: Vec<ArcSlice<Tracked>> = handles.iter().step_by(2).cloned().collect();
    drop(handles);
    drop(singles);
    drop(arena);
    drop(clones);
    assert_eq!(ledger.total(), id + 7);
    for i in (0..id).chain(1000..1007) {
        assert_eq!(ledger.drops_of(i), 1, "element {i}");
    }
}

#[test]
fn zero_sized_drop_types_are_dropped_once_per_element() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Zst;
    impl Drop for Zst {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::Relaxed);
        }
    }
    let arena: Allocator<Zst, u16, 3> = Allocator::new();
    let mut handles = Vec::new();
    for len in [1, 2, 3, 7, 0, 2] {
        handles.push(arena.alloc(len, |_| Zst));
    }
    let single = arena.alloc_value(Zst);
    assert_eq!(DROPS.load(Ordering::Relaxed), 0);
    drop(handles);
    drop(single);
    drop(arena);
    assert_eq!(DROPS.load(Ordering::Relaxed), 1 + 2 + 3 + 7 + 2 + 1);
}

#[test]
fn a_panicking_init_drops_what_it_made_at_once_and_reuses_the_space() {
    let ledger = Ledger::default();
    let arena: Allocator<Tracked, u32, 16> = Allocator::new();
    let before = arena.alloc(2, |i| ledger.item(i));
    let result = catch_unwind(AssertUnwindSafe(|| {
        arena.alloc(5, |i| {
            if i == 3 {
                panic!("init failed at 3");
            }
            ledger.item(100 + i)
        })
    }));
    let message = *result.err().unwrap().downcast::<&str>().unwrap();
    assert_eq!(message, "init failed at 3");
    assert_eq!(
        ledger.dropped(),
        [100, 101, 102],
        "dropped at once, exactly once"
    );
    assert_eq!(
        arena.stats().current_chunk_free,
        14,
        "the space was given back"
    );

    // The allocator is still usable and the next slice takes the same slots.
    let after = arena.alloc(3, |i| ledger.item(200 + i));
    assert_eq!(after.as_ptr(), before.as_ptr().wrapping_add(2));
    assert_eq!(
        after.iter().map(|t| t.id).collect::<Vec<_>>(),
        [200, 201, 202]
    );
    drop((before, after, arena));
    assert_eq!(ledger.total(), 3 + 2 + 3);
    assert_eq!(ledger.drops_of(100), 1);
}

#[test]
fn a_failing_try_alloc_drops_what_it_made_at_once() {
    let ledger = Ledger::default();
    let arena: Allocator<Tracked, u32, 8> = Allocator::new();
    let err = arena
        .try_alloc(4, |i| {
            if i == 2 {
                Err(format!("bad {i}"))
            } else {
                Ok(ledger.item(i))
            }
        })
        .unwrap_err();
    assert_eq!(err, "bad 2");
    assert_eq!(ledger.dropped(), [0, 1]);
    assert_eq!(arena.stats().current_chunk_free, 8);
    let ok = arena
        .try_alloc(8, |i| Ok::<_, ()>(ledger.item(10 + i)))
        .unwrap();
    assert_eq!(ok.len(), 8, "the whole chunk was still free");
    drop((ok, arena));
    assert_eq!(ledger.total(), 2 + 8);
}

#[test]
fn a_failing_init_in_a_dedicated_chunk_frees_it() {
    let ledger = Ledger::default();
    let arena: Allocator<Tracked, u32, 4> = Allocator::new();
    let err = arena
        .try_alloc(50, |i| {
            if i == 40 {
                Err("stop at 40")
            } else {
                Ok(ledger.item(i))
            }
        })
        .unwrap_err();
    assert_eq!(err, "stop at 40");
    assert_eq!(ledger.total(), 40);
    assert_eq!(ledger.drops_of(39), 1);
    assert_eq!(
        arena.stats().chunks_alive,
        0,
        "the dedicated chunk is freed"
    );
}

#[test]
fn a_failing_init_after_a_nested_allocation_leaves_a_hole_not_garbage() {
    let ledger = Ledger::default();
    let arena: Allocator<Tracked, u32, 16> = Allocator::new();
    let nested = Cell::new(None);
    let err = arena
        .try_alloc(4, |i| {
            if i == 1 {
                // Allocates after our reservation in the same chunk.
                nested.set(Some(arena.alloc(2, |j| ledger.item(50 + j))));
            }
            if i == 2 {
                Err("stop")
            } else {
                Ok(ledger.item(i))
            }
        })
        .unwrap_err();
    assert_eq!(err, "stop");
    assert_eq!(ledger.dropped(), [0, 1]);
    let nested = nested.take().unwrap();
    assert_eq!(nested.iter().map(|t| t.id).collect::<Vec<_>>(), [50, 51]);
    let later = arena.alloc(1, |_| ledger.item(60));
    assert!(ArcSlice::shares_chunk(&nested, &later));
    assert_eq!(
        arena.stats().bytes_lost_in_tails,
        4 * std::mem::size_of::<Tracked>()
    );
    drop((nested, later, arena));
    // The hole's slots are never dropped; everything else exactly once.
    assert_eq!(ledger.dropped(), [0, 1, 50, 51, 60]);
}

#[test]
fn a_failing_init_whose_chunk_was_retired_by_a_nested_allocation() {
    let ledger = Ledger::default();
    let arena: Allocator<Tracked, u32, 4> = Allocator::new();
    let keep = arena.alloc(1, |_| ledger.item(0));
    let nested = Cell::new(None);
    let result = catch_unwind(AssertUnwindSafe(|| {
        arena.alloc(3, |i| {
            if i == 1 {
                // Does not fit in the 0 slots left: retires our chunk.
                nested.set(Some(arena.alloc(3, |j| ledger.item(20 + j))));
                panic!("after nesting");
            }
            ledger.item(10 + i)
        })
    }));
    assert!(result.is_err());
    assert_eq!(ledger.dropped(), [10]);
    let nested = nested.take().unwrap();
    assert!(!ArcSlice::shares_chunk(&keep, &nested));
    drop(keep);
    // The first chunk is freed with only the live element dropped.
    drop(arena);
    assert_eq!(ledger.dropped(), [0, 10]);
    drop(nested);
    assert_eq!(ledger.dropped(), [0, 10, 20, 21, 22]);
}

#[test]
fn a_panicking_drop_during_release_still_drops_the_rest_and_frees() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Bomb(bool);
    impl Drop for Bomb {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::Relaxed);
            if self.0 {
                panic!("bomb");
            }
        }
    }
    let arena: Allocator<Bomb, u32, 8> = Allocator::new();
    let a = arena.alloc(3, |i| Bomb(i == 1));
    let b = arena.alloc(4, |_| Bomb(false));
    drop(arena);
    drop(a);
    let result = catch_unwind(AssertUnwindSafe(move || drop(b)));
    assert_eq!(*result.unwrap_err().downcast::<&str>().unwrap(), "bomb");
    assert_eq!(
        DROPS.load(Ordering::Relaxed),
        7,
        "all seven dropped despite the panic"
    );
}

#[test]
fn a_panicking_drop_while_the_allocator_reuses_a_chunk() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Bomb(bool);
    impl Drop for Bomb {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::Relaxed);
            if self.0 {
                panic!("bomb");
            }
        }
    }
    let arena: Allocator<Bomb, u32, 4> = Allocator::new();
    drop(arena.alloc(4, |i| Bomb(i == 0)));
    // The next chunk reuses the retired one, dropping its elements: one panics.
    let result = catch_unwind(AssertUnwindSafe(|| arena.alloc(4, |_| Bomb(false))));
    assert!(result.is_err());
    assert_eq!(DROPS.load(Ordering::Relaxed), 4);
    assert_eq!(
        arena.stats().chunks_alive,
        0,
        "the chunk was freed, not leaked"
    );
    let ok = arena.alloc(2, |_| Bomb(false));
    assert_eq!(ok.len(), 2, "the allocator is still usable");
    drop((ok, arena));
    assert_eq!(DROPS.load(Ordering::Relaxed), 6);
}

#[test]
fn reuse_drops_the_old_elements_first() {
    let ledger = Ledger::default();
    let arena: Allocator<Tracked, u32, 2> = Allocator::new();
    drop(arena.alloc(2, |i| ledger.item(i)));
    assert_eq!(
        ledger.total(),
        0,
        "the allocator still holds the retired chunk"
    );
    let next = arena.alloc(2, |i| ledger.item(10 + i));
    assert_eq!(ledger.dropped(), [0, 1]);
    assert_eq!(arena.stats().chunks_reused, 1);
    assert_eq!(arena.stats().chunks_created, 1);
    drop((next, arena));
    assert_eq!(ledger.dropped(), [0, 1, 10, 11]);
}

#[test]
fn alloc_from_iter_with_a_lying_size_hint_drops_what_it_took() {
    struct Liar(std::vec::IntoIter<Tracked>, usize);
    impl Iterator for Liar {
        type Item = Tracked;
        fn next(&mut self) -> Option<Tracked> {
            self.0.next()
        }
        fn size_hint(&self) -> (usize, Option<usize>) {
            (self.1, Some(self.1))
        }
    }
    let ledger = Ledger::default();
    let arena: Allocator<Tracked> = Allocator::new();
    let short = Liar(
        (0..2)
            .map(|i| ledger.item(i))
            .collect::<Vec<_>>()
            .into_iter(),
        5,
    );
    let result = catch_unwind(AssertUnwindSafe(|| arena.alloc_from_iter(short)));
    assert!(result.is_err());
    assert_eq!(ledger.dropped(), [0, 1]);

    let long = Liar(
        (10..15)
            .map(|i| ledger.item(i))
            .collect::<Vec<_>>()
            .into_iter(),
        3,
    );
    let result = catch_unwind(AssertUnwindSafe(|| arena.alloc_from_iter(long)));
    assert!(result.is_err());
    // The two the slice could not take are dropped now; the three it took
    // were committed to the chunk and are dropped with it (deferred drops).
    assert_eq!(ledger.dropped(), [0, 1, 13, 14]);
    let ok = arena.alloc(2, |i| ledger.item(100 + i));
    assert_eq!(ok.len(), 2);
    drop((ok, arena));
    assert_eq!(ledger.dropped(), [0, 1, 10, 11, 12, 13, 14, 100, 101]);
}

/// Issue 12, defect 1: dropping the allocator retired its current chunk
/// first, and that evicted the oldest retired one, whose panicking element
/// unwound out of `Drop for Allocator` before the other retired chunks were
/// released: 1 of 5 elements dropped, 4 chunks leaked.
#[test]
fn a_panicking_drop_while_the_allocator_is_dropped_still_frees_every_chunk() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Bomb(bool);
    impl Drop for Bomb {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::Relaxed);
            if self.0 {
                panic!("bomb");
            }
        }
    }
    // One element per chunk: one current chunk and four retired ones. The
    // issue's repro has the bomb first (the oldest chunk, which retiring the
    // current one evicted); every other position checks that the release
    // goes on past the panic to the chunks after it.
    for bomb in 0..5 {
        DROPS.store(0, Ordering::Relaxed);
        let arena: Allocator<Bomb, u32, 1> = Allocator::new();
        let handles: Vec<_> = (0..5).map(|i| arena.alloc_value(Bomb(i == bomb))).collect();
        assert_eq!(arena.stats().chunks_alive, 5);
        drop(handles);
        assert_eq!(
            DROPS.load(Ordering::Relaxed),
            0,
            "the allocator holds all 5"
        );
        let result = catch_unwind(AssertUnwindSafe(move || drop(arena)));
        assert_eq!(*result.unwrap_err().downcast::<&str>().unwrap(), "bomb");
        assert_eq!(
            DROPS.load(Ordering::Relaxed),
            5,
            "bomb at {bomb}: every chunk was released despite the panic (Miri checks they were freed)"
        );
    }
}

/// Issue 12, defect 1, the worse case: with handles still alive, the
/// allocator's references to their chunks were never given up, so their
/// elements were never dropped even after the last handle went.
#[test]
fn a_panicking_drop_while_the_allocator_is_dropped_leaves_live_handles_able_to_free() {
    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Bomb(bool, u32);
    impl Drop for Bomb {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::Relaxed);
            if self.0 {
                panic!("bomb");
            }
        }
    }
    let arena: Allocator<Bomb, u32, 1> = Allocator::new();
    let mut handles: Vec<_> = (0..5).map(|i| arena.alloc_value(Bomb(i == 0, i))).collect();
    drop(handles.remove(0)); // the bomb: only the allocator holds its chunk
    let result = catch_unwind(AssertUnwindSafe(move || drop(arena)));
    assert_eq!(*result.unwrap_err().downcast::<&str>().unwrap(), "bomb");
    assert_eq!(DROPS.load(Ordering::Relaxed), 1, "the live elements wait");
    assert_eq!(
        handles.iter().map(|h| h.1).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    drop(handles);
    assert_eq!(
        DROPS.load(Ordering::Relaxed),
        5,
        "the last handles freed their chunks"
    );
}

/// Issue 12, defect 2: `reserve_slow` took a retired chunk for reuse, then
/// retired the chunk that nested allocations (made by the reused chunk's
/// element drops) had installed; that evicted a chunk whose element panicked
/// while the reused chunk was held only in a local, so it was never freed
/// and counted in `chunks_alive` (and against a limit) forever.
#[test]
fn a_panicking_eviction_after_a_reuse_does_not_leak_the_reused_chunk() {
    use std::cell::RefCell;
    use std::rc::{Rc, Weak};

    static DROPS: AtomicUsize = AtomicUsize::new(0);
    type Arena = Allocator<Elem, u32, 1>;
    struct Elem {
        bomb: bool,
        on_drop: Option<Box<dyn FnOnce()>>,
    }
    impl Drop for Elem {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::Relaxed);
            if let Some(on_drop) = self.on_drop.take() {
                on_drop();
            }
            if self.bomb {
                panic!("bomb");
            }
        }
    }
    let plain = || Elem {
        bomb: false,
        on_drop: None,
    };
    let arena: Rc<Arena> = Rc::new(Allocator::new());
    let kept: Rc<RefCell<Vec<ArcSingle<Elem>>>> = Rc::default();

    // One element per chunk, so each allocation makes (or reuses) a chunk.
    let b = arena.alloc_value(Elem {
        bomb: true,
        on_drop: None,
    });
    let c = arena.alloc_value(plain());
    let a = arena.alloc_value(plain());
    // R's element, when its chunk is reused, allocates twice from the arena
    // (keeping both, so the two nested chunks fill the retired list's free
    // slot and stay busy) and then drops B's last handle.
    let on_drop: Box<dyn FnOnce()> = Box::new({
        let arena: Weak<Arena> = Rc::downgrade(&arena);
        let kept = Rc::clone(&kept);
        move || {
            let arena = arena.upgrade().unwrap();
            for _ in 0..2 {
                let nested = arena.alloc_value(Elem {
                    bomb: false,
                    on_drop: None,
                });
                kept.borrow_mut().push(nested);
            }
            drop(b);
        }
    });
    drop(arena.alloc_value(Elem {
        bomb: false,
        on_drop: Some(on_drop),
    }));
    let before = arena.stats();
    assert_eq!(before.chunks_alive, 4, "B, C, A and R: {before:?}");

    // Retires R (the list is now R, A, C, B), takes R for reuse; its drop
    // makes chunks X and Y and frees B's handle; retiring Y evicts B, whose
    // element panics.
    let result = catch_unwind(AssertUnwindSafe(|| drop(arena.alloc_value(plain()))));
    assert_eq!(*result.unwrap_err().downcast::<&str>().unwrap(), "bomb");
    // Dropped: R's element, B's bomb, and the value being allocated.
    assert_eq!(DROPS.load(Ordering::Relaxed), 3);
    let stats = arena.stats();
    assert_eq!(stats.chunks_created, 6, "B, C, A, R, X, Y: {stats:?}");
    assert_eq!(
        stats.chunks_alive, 4,
        "C, A, X and Y; B and the reused R were freed: {stats:?}"
    );
    // The allocator still works and everything is dropped exactly once.
    let after = arena.alloc_value(plain());
    assert_eq!(arena.stats().chunks_alive, 5);
    drop((a, c, after));
    drop(kept.borrow_mut().drain(..).collect::<Vec<_>>());
    drop(Rc::try_unwrap(arena).expect("the only Rc left"));
    assert_eq!(DROPS.load(Ordering::Relaxed), 3 + 2 + 2 + 1);
}
