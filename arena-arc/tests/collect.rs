//! `collect()` and `From` into a type's own per-thread arena: contents,
//! the arena they go to, and exact drop counts.

use std::sync::atomic::{AtomicUsize, Ordering};

use arena_arc::{ArcSingle, ArcSlice, ArcStr, ArenaAlloc, arena};

static DROPS: AtomicUsize = AtomicUsize::new(0);

/// A value whose drops are counted; each test runs in its own thread, so it
/// sees only its own arena.
#[derive(Debug, Clone, PartialEq)]
struct Counted(u32);

impl Drop for Counted {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

arena!(Counted, 16);

/// Runs `f` on a fresh thread (so `Counted`'s arena there starts empty and
/// is dropped at the end) and returns how many `Counted` were dropped
/// while it ran and when the thread ended. Tests share the counter, so they
/// take a lock.
fn drops_in_thread(f: impl FnOnce() + Send + 'static) -> usize {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let before = DROPS.load(Ordering::SeqCst);
    std::thread::spawn(f).join().unwrap();
    DROPS.load(Ordering::SeqCst) - before
}

/// The ids of `slice`'s values (comparing with `[Counted(..)]` would make and
/// drop more values).
fn ids(slice: &[Counted]) -> Vec<u32> {
    slice.iter().map(|c| c.0).collect()
}

/// Values dropped so far on any thread.
fn drops() -> usize {
    DROPS.load(Ordering::SeqCst)
}

#[test]
fn collect_moves_items_into_the_types_own_arena() {
    let dropped = drops_in_thread(|| {
        let start = drops();
        let slice: ArcSlice<Counted> = (0..5).map(Counted).collect();
        assert_eq!(ids(&slice), [0, 1, 2, 3, 4]);
        let stats = Counted::arena_stats();
        assert_eq!((stats.chunks_created, stats.current_chunk_free), (1, 11));
        // An iterator without an exact size works too.
        let evens: ArcSlice<Counted> = (0..10).filter(|n| n % 2 == 0).map(Counted).collect();
        assert_eq!(ids(&evens), [0, 2, 4, 6, 8]);
        // Nothing was dropped on the way: the items were moved, not copied.
        assert_eq!(drops(), start);
        assert!(ArcSlice::shares_chunk(&slice, &evens));
        let empty: ArcSlice<Counted> = std::iter::empty().collect();
        assert!(empty.is_empty());
    });
    assert_eq!(dropped, 10, "each collected value dropped exactly once");
}

#[test]
fn from_vec_array_and_slice() {
    let dropped = drops_in_thread(|| {
        let start = drops();
        let from_vec = ArcSlice::from(vec![Counted(1), Counted(2)]);
        let from_array: ArcSlice<Counted> = [Counted(3)].into();
        let local = [Counted(4), Counted(5)];
        let from_slice = ArcSlice::from(&local[..]);
        assert_eq!(drops(), start, "moved, not dropped");
        assert_eq!(ids(&from_vec), [1, 2]);
        assert_eq!(ids(&from_array), [3]);
        assert_eq!(from_slice, local);
        assert!(ArcSlice::shares_chunk(&from_vec, &from_slice));
        assert_eq!(Counted::arena_stats().current_chunk_free, 16 - 5);
        // The existing conversion from a single still applies.
        let single: ArcSingle<Counted> = Counted::alloc_value(Counted(6));
        assert_eq!(ids(&ArcSlice::from(single)), [6]);
    });
    // 6 in the arena, and the 2 originals of `local` (cloned, not moved).
    assert_eq!(dropped, 8);
}

#[test]
fn a_panicking_iterator_drops_what_it_made_once() {
    let dropped = drops_in_thread(|| {
        let start = drops();
        let result = std::panic::catch_unwind(|| {
            (0..6)
                .map(|i| {
                    assert!(i < 4, "iterator failed");
                    Counted(i)
                })
                .collect::<ArcSlice<Counted>>()
        });
        assert!(result.is_err());
        assert_eq!(drops() - start, 4, "the 4 values made are dropped at once");
        let after: ArcSlice<Counted> = (10..12).map(Counted).collect();
        assert_eq!(ids(&after), [10, 11]);
    });
    assert_eq!(dropped, 4 + 2, "and never again");
}

#[test]
fn primitives_and_arc_str_collect_into_the_derived_fields_arena() {
    #[derive(ArenaAlloc)]
    struct Tagged {
        tags: ArcSlice<u32>,
        keys: ArcSlice<ArcStr>,
    }

    std::thread::spawn(|| {
        let tags: ArcSlice<u32> = (1..=3).collect();
        let from_vec = ArcSlice::from(vec![4u32, 5]);
        let from_array = ArcSlice::from([6u32]);
        let from_slice = ArcSlice::from(&[7u32, 8][..]);
        let bytes: ArcSlice<u8> = b"abc".iter().copied().collect();
        let chars: ArcSlice<char> = "héllo".chars().collect();
        let keys: ArcSlice<ArcStr> = ["id", "name"].into_iter().map(Into::into).collect();
        assert_eq!(tags, [1, 2, 3]);
        assert_eq!(from_vec, [4, 5]);
        assert_eq!(from_array, [6]);
        assert_eq!(from_slice, [7, 8]);
        assert!(ArcSlice::shares_chunk(&tags, &from_slice));
        assert_eq!(bytes, *b"abc");
        assert_eq!(chars.iter().collect::<String>(), "héllo");
        assert_eq!(keys[0], "id");
        assert_eq!(keys[1], "name");

        // One arena per element type and thread: a derived field with no
        // `chunk` or `shared` fills the same chunk as `collect()`.
        let tagged = Tagged::builder().tags([9]).keys(keys.clone()).build();
        let more_tags: ArcSlice<u32> = ArcSlice::from(vec![10]);
        assert!(ArcSlice::shares_chunk(&tagged.tags, &more_tags));
        let more_keys: ArcSlice<ArcStr> = ArcSlice::from(vec!["x".into()]);
        let built_keys = Tagged::builder()
            .tags([])
            .keys(vec!["y".into()])
            .build()
            .keys;
        assert!(ArcSlice::shares_chunk(&more_keys, &built_keys));
        assert_eq!(u32::CHUNK, 1024);
        assert_eq!(ArcStr::CHUNK, 1024);
        assert_eq!(u32::arena_stats().chunks_created, 1);
    })
    .join()
    .unwrap();
}
