//! Every documented panic and error path, checked for its message and for
//! what it leaves behind: the allocator keeps working, live handles keep
//! their contents, and every element made is dropped exactly once.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

use arena_arc::{AllocError, Allocator, ArcSingle, ArcSlice};

/// An element that counts how many of its kind were made and dropped.
/// Each test uses its own counter, so tests can run in parallel.
#[derive(Debug)]
struct Counted<'a> {
    value: u64,
    dropped: &'a AtomicUsize,
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

/// Runs `f`, expecting a panic, and returns its message.
fn panic_message<R>(f: impl FnOnce() -> R) -> String {
    let payload = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => payload,
    };
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else {
        panic!("a panic without a message")
    }
}

/// A live slice made before the bad input, to check it is left intact.
fn before<'a>(
    arena: &Allocator<Counted<'a>, u8, 16>,
    dropped: &'a AtomicUsize,
) -> ArcSlice<Counted<'a>, u8> {
    arena.alloc(4, |i| Counted {
        value: 10 + i as u64,
        dropped,
    })
}

/// The allocator still allocates correctly, and `live` still reads right.
fn still_usable<'a>(
    arena: &Allocator<Counted<'a>, u8, 16>,
    live: &ArcSlice<Counted<'a>, u8>,
    dropped: &'a AtomicUsize,
) -> ArcSlice<Counted<'a>, u8> {
    let values: Vec<u64> = live.iter().map(|c| c.value).collect();
    assert_eq!(values, [10, 11, 12, 13], "the live handle is intact");
    let after = arena.alloc(5, |i| Counted {
        value: 20 + i as u64,
        dropped,
    });
    let values: Vec<u64> = after.iter().map(|c| c.value).collect();
    assert_eq!(values, [20, 21, 22, 23, 24], "the allocator still works");
    after
}

#[test]
fn a_length_over_the_index_type_panics_naming_the_limit_and_changes_nothing() {
    let dropped = AtomicUsize::new(0);
    let arena: Allocator<Counted<'_>, u8, 16> = Allocator::new();
    let live = before(&arena, &dropped);
    let stats = arena.stats();
    let mut calls = 0;
    let message = panic_message(|| {
        arena.alloc(300, |i| {
            calls += 1;
            Counted {
                value: i as u64,
                dropped: &dropped,
            }
        })
    });
    assert!(message.contains("300 elements"), "{message}");
    assert!(
        message.contains("`u8`") && message.contains("up to 255"),
        "{message}"
    );
    assert!(message.contains("wider index type"), "{message}");
    assert!(
        message.contains("`Allocator<T, u16>`"),
        "the next width: {message}"
    );
    assert_eq!(calls, 0, "init never ran");
    assert_eq!(
        arena.stats().bytes_reserved,
        stats.bytes_reserved,
        "nothing reserved"
    );
    let after = still_usable(&arena, &live, &dropped);
    drop((live, after, arena));
    assert_eq!(dropped.load(Ordering::Relaxed), 4 + 5);
}

#[test]
fn a_byte_size_overflow_panics_before_anything_is_written() {
    let arena: Allocator<u64, usize, 16> = Allocator::new();
    let live = arena.alloc(3, |i| i as u64);
    let message = panic_message(|| arena.alloc(usize::MAX / 4, |_| unreachable!()));
    assert!(message.contains("isize::MAX bytes"), "{message}");
    assert_eq!(live, [0, 1, 2]);
    assert_eq!(arena.alloc(2, |i| i as u64 + 7), [7, 8]);
    let err = arena
        .checked_alloc(usize::MAX / 4, |_| unreachable!())
        .unwrap_err();
    assert!(matches!(err, AllocError::SizeOverflow { .. }), "{err:?}");
}

#[test]
fn the_allocation_limit_panics_or_errs_and_live_handles_stay_intact() {
    let dropped = AtomicUsize::new(0);
    let arena: Allocator<Counted<'_>, u8, 16> = Allocator::new();
    let live = before(&arena, &dropped);
    // Room for the current chunk only: the next chunk is refused.
    arena.set_limit(Some(arena.stats().bytes_reserved));
    let fill = arena.alloc(12, |i| Counted {
        value: i as u64,
        dropped: &dropped,
    });
    let message = panic_message(|| {
        arena.alloc(3, |_| -> Counted<'_> {
            unreachable!("init must not run past the limit")
        })
    });
    assert!(message.contains("allocation limit of"), "{message}");
    assert!(message.contains("set_limit"), "{message}");
    let err = arena
        .checked_alloc_value(Counted {
            value: 0,
            dropped: &dropped,
        })
        .unwrap_err();
    assert!(matches!(err, AllocError::LimitExceeded { .. }), "{err:?}");
    assert_eq!(
        dropped.load(Ordering::Relaxed),
        1,
        "the refused value was dropped"
    );
    arena.set_limit(None);
    let after = still_usable(&arena, &live, &dropped);
    drop((live, fill, after, arena));
    assert_eq!(dropped.load(Ordering::Relaxed), 1 + 4 + 12 + 5);
}

#[test]
fn from_slice_of_a_length_other_than_one_panics_and_releases_the_slice() {
    let dropped = AtomicUsize::new(0);
    let arena: Allocator<Counted<'_>, u8, 16> = Allocator::new();
    let live = before(&arena, &dropped);
    let two = live.slice(0..2);
    let message = panic_message(|| ArcSingle::from_slice(two));
    assert_eq!(
        message,
        "arena-arc: an ArcSingle needs a slice of length 1, not 2"
    );
    let message = panic_message(|| ArcSingle::from_slice(ArcSlice::<Counted<'_>, u8>::new()));
    assert_eq!(
        message,
        "arena-arc: an ArcSingle needs a slice of length 1, not 0"
    );
    // `TryFrom` gives the slice back instead.
    let back = ArcSingle::try_from(live.slice(1..3))
        .unwrap_err()
        .into_inner();
    assert_eq!(back.len(), 2);
    let one = ArcSingle::from_slice(live.slice(3..4));
    assert_eq!(one.value, 13);
    let after = still_usable(&arena, &live, &dropped);
    drop((live, back, one, after, arena));
    assert_eq!(
        dropped.load(Ordering::Relaxed),
        4 + 5,
        "each element dropped once"
    );
}

#[test]
fn sub_slicing_out_of_range_panics_with_the_bounds() {
    let dropped = AtomicUsize::new(0);
    let arena: Allocator<Counted<'_>, u8, 16> = Allocator::new();
    let live = before(&arena, &dropped);
    let message = panic_message(|| live.slice(2..9));
    assert_eq!(
        message,
        "arena-arc: ArcSlice::slice: range end 9 is out of bounds for a slice of length 4"
    );
    #[allow(clippy::reversed_empty_ranges)]
    let message = panic_message(|| live.slice(3..1));
    assert_eq!(
        message,
        "arena-arc: ArcSlice::slice: range starts at 3 but ends at 1"
    );
    let message = panic_message(|| live.slice(..=usize::MAX));
    assert_eq!(
        message,
        "arena-arc: ArcSlice::slice: range end overflows usize"
    );
    let message = panic_message(|| {
        live.slice((
            std::ops::Bound::Excluded(usize::MAX),
            std::ops::Bound::Unbounded,
        ))
    });
    assert_eq!(
        message,
        "arena-arc: ArcSlice::slice: range start overflows usize"
    );
    let after = still_usable(&arena, &live, &dropped);
    drop((live, after, arena));
    assert_eq!(dropped.load(Ordering::Relaxed), 4 + 5);
}

#[test]
fn a_panicking_init_drops_what_it_made_once_and_the_panic_goes_on() {
    let dropped = AtomicUsize::new(0);
    let arena: Allocator<Counted<'_>, u8, 16> = Allocator::new();
    let live = before(&arena, &dropped);
    let message = panic_message(|| {
        arena.alloc(6, |i| {
            assert!(i < 3, "init gives up at {i}");
            Counted {
                value: i as u64,
                dropped: &dropped,
            }
        })
    });
    assert_eq!(message, "init gives up at 3");
    assert_eq!(
        dropped.load(Ordering::Relaxed),
        3,
        "the three made were dropped at once"
    );
    let after = still_usable(&arena, &live, &dropped);
    drop((live, after, arena));
    assert_eq!(dropped.load(Ordering::Relaxed), 3 + 4 + 5);
}

#[test]
fn a_failing_try_alloc_returns_the_error_and_drops_what_it_made() {
    let dropped = AtomicUsize::new(0);
    let arena: Allocator<Counted<'_>, u8, 16> = Allocator::new();
    let live = before(&arena, &dropped);
    let err = arena
        .try_alloc(6, |i| {
            if i == 2 {
                Err(format!("bad element {i}"))
            } else {
                Ok(Counted {
                    value: i as u64,
                    dropped: &dropped,
                })
            }
        })
        .unwrap_err();
    assert_eq!(err, "bad element 2");
    assert_eq!(dropped.load(Ordering::Relaxed), 2);
    let err = arena.try_alloc_single(|| "x".parse::<u32>().map(|_| unreachable!()));
    assert!(err.is_err());
    let after = still_usable(&arena, &live, &dropped);
    drop((live, after, arena));
    assert_eq!(dropped.load(Ordering::Relaxed), 2 + 4 + 5);
}

/// An iterator that claims an exact length it does not deliver.
struct Liar<'a> {
    claimed: usize,
    actual: usize,
    made: usize,
    dropped: &'a AtomicUsize,
}

impl<'a> Iterator for Liar<'a> {
    type Item = Counted<'a>;
    fn next(&mut self) -> Option<Counted<'a>> {
        (self.made < self.actual).then(|| {
            self.made += 1;
            Counted {
                value: self.made as u64,
                dropped: self.dropped,
            }
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.claimed.saturating_sub(self.made);
        (left, Some(left))
    }
}

#[test]
fn an_iterator_breaking_its_exact_size_hint_panics_and_leaks_nothing() {
    let dropped = AtomicUsize::new(0);
    let arena: Allocator<Counted<'_>, u8, 16> = Allocator::new();
    let live = before(&arena, &dropped);
    let message = panic_message(|| {
        arena.alloc_from_iter(Liar {
            claimed: 5,
            actual: 3,
            made: 0,
            dropped: &dropped,
        })
    });
    assert!(
        message.contains("fewer items than its exact size_hint"),
        "{message}"
    );
    assert_eq!(dropped.load(Ordering::Relaxed), 3);
    let message = panic_message(|| {
        arena.alloc_from_iter(Liar {
            claimed: 2,
            actual: 4,
            made: 0,
            dropped: &dropped,
        })
    });
    assert!(
        message.contains("more items than its exact size_hint"),
        "{message}"
    );
    let after = still_usable(&arena, &live, &dropped);
    drop((live, after, arena));
    // 3 from the first liar; 2 moved in + 1 extra pulled by the second.
    assert_eq!(dropped.load(Ordering::Relaxed), 3 + 3 + 4 + 5);
}

/// Issue 12, defect 3: an exact hint of 2^40 sized a dedicated chunk (8 TiB)
/// before any item was read, and the failed allocation aborted the process.
/// Hints past one chunk are no longer trusted, exact or lower bound.
#[test]
fn a_huge_lying_size_hint_panics_instead_of_aborting() {
    struct Huge {
        made: u64,
        exact: bool,
    }
    impl Iterator for Huge {
        type Item = u64;
        fn next(&mut self) -> Option<u64> {
            (self.made < 3).then(|| {
                self.made += 1;
                self.made
            })
        }
        fn size_hint(&self) -> (usize, Option<usize>) {
            (1 << 40, self.exact.then_some(1 << 40))
        }
    }
    let arena: Allocator<u64, u64, 16> = Allocator::new();
    let live = arena.alloc(3, |i| i as u64);
    let message = panic_message(|| {
        arena.alloc_from_iter(Huge {
            made: 0,
            exact: true,
        })
    });
    assert_eq!(
        message,
        "arena-arc: alloc_from_iter: the iterator yielded fewer items than its exact size_hint"
    );
    // A lying lower bound alone is not an error; it is not trusted either
    // (`Vec::from_iter` would reserve 2^40 items and abort).
    let three = arena.alloc_from_iter(Huge {
        made: 0,
        exact: false,
    });
    assert_eq!(three, [1, 2, 3]);
    let stats = arena.stats();
    assert_eq!(stats.chunks_created, 1, "no chunk for the hint: {stats:?}");
    assert_eq!(stats.dedicated_chunks, 0, "{stats:?}");
    assert_eq!(live, [0, 1, 2]);
}

/// The same checks as for short hints, past one chunk (N = 16): every item
/// taken is dropped once, and an honest long hint still gets its slice.
#[test]
fn an_exact_size_hint_longer_than_a_chunk_is_checked_before_allocating() {
    let dropped = AtomicUsize::new(0);
    let arena: Allocator<Counted<'_>, u8, 16> = Allocator::new();
    let live = before(&arena, &dropped);
    let liar = |claimed, actual| Liar {
        claimed,
        actual,
        made: 0,
        dropped: &dropped,
    };
    let message = panic_message(|| arena.alloc_from_iter(liar(40, 3)));
    assert!(
        message.contains("fewer items than its exact size_hint"),
        "{message}"
    );
    assert_eq!(dropped.load(Ordering::Relaxed), 3);
    let message = panic_message(|| arena.alloc_from_iter(liar(20, 25)));
    assert!(
        message.contains("more items than its exact size_hint"),
        "{message}"
    );
    assert_eq!(
        dropped.load(Ordering::Relaxed),
        3 + 21,
        "20 and one more read"
    );
    assert_eq!(
        arena.stats().dedicated_chunks,
        0,
        "nothing allocated for them"
    );
    let honest = arena.alloc_from_iter(liar(40, 40));
    assert!(honest.iter().map(|c| c.value).eq(1..=40));
    assert_eq!(arena.stats().dedicated_chunks, 1);
    let after = still_usable(&arena, &live, &dropped);
    drop((live, honest, after, arena));
    assert_eq!(dropped.load(Ordering::Relaxed), 3 + 21 + 4 + 40 + 5);
}

/// Not trusting a long hint must not mean reading before refusing: a
/// claimed length past `L` or the limit is refused before any item is made,
/// as for a hint that fits a chunk (found by the model tests).
#[test]
fn an_exact_size_hint_longer_than_a_chunk_is_refused_before_an_item_is_read() {
    let dropped = AtomicUsize::new(0);
    let arena: Allocator<Counted<'_>, u8, 16> = Allocator::new();
    let live = before(&arena, &dropped);
    let liar = |claimed, actual| Liar {
        claimed,
        actual,
        made: 0,
        dropped: &dropped,
    };
    let message = panic_message(|| arena.alloc_from_iter(liar(300, 300)));
    assert!(message.contains("300 elements"), "{message}");
    arena.set_limit(Some(arena.stats().bytes_reserved));
    let message = panic_message(|| arena.alloc_from_iter(liar(40, 40)));
    assert!(message.contains("allocation limit of"), "{message}");
    assert_eq!(dropped.load(Ordering::Relaxed), 0, "no item was made");
    arena.set_limit(None);
    let after = still_usable(&arena, &live, &dropped);
    drop((live, after, arena));
    assert_eq!(dropped.load(Ordering::Relaxed), 4 + 5);
}

#[test]
fn checked_paths_return_the_length_error_with_nothing_written() {
    let arena: Allocator<u8, u8, 16> = Allocator::new();
    let err = arena.checked_alloc(256, |_| unreachable!()).unwrap_err();
    assert!(
        matches!(
            err,
            AllocError::LengthOverflow {
                len: 256,
                max: 255,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(arena.stats().chunks_created, 0, "nothing allocated");
    assert_eq!(arena.alloc(255, |i| i as u8)[254], 254, "255 fits");
}
