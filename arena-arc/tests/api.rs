//! The public API: contents, conversions, traits, chunk placement.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashSet};
use std::hash::{Hash, Hasher};

use arena_arc::{Allocator, ArcSingle, ArcSlice};

fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

#[test]
fn alloc_calls_init_in_order_with_the_index() {
    let arena: Allocator<u64, u32, 16> = Allocator::new();
    let mut seen = Vec::new();
    let slice = arena.alloc(5, |i| {
        seen.push(i);
        i as u64 * 3
    });
    assert_eq!(seen, [0, 1, 2, 3, 4]);
    assert_eq!(slice.get(), &[0, 3, 6, 9, 12]);
    assert_eq!(slice.len(), 5);
    assert!(!slice.is_empty());
}

#[test]
fn zero_length_allocates_nothing_and_never_calls_init() {
    let arena: Allocator<String> = Allocator::new();
    let empty = arena.alloc(0, |_| panic!("init must not run for len 0"));
    assert!(empty.is_empty());
    assert_eq!(arena.stats().chunks_created, 0);
    assert!(ArcSlice::<u8>::default().is_empty());
    assert!(Allocator::<u8>::alloc_empty().is_empty());
    assert!(arena.alloc_slice_clone(&[]).is_empty());
    assert!(arena.alloc_from_iter(std::iter::empty()).is_empty());
    assert_eq!(arena.stats().chunks_created, 0);
}

#[test]
fn slices_share_a_chunk_until_it_is_full() {
    let arena: Allocator<u32, u32, 8> = Allocator::new();
    let a = arena.alloc(3, |i| i as u32);
    let b = arena.alloc(5, |i| 10 + i as u32);
    let c = arena.alloc(1, |_| 99);
    assert!(ArcSlice::shares_chunk(&a, &b));
    assert!(!ArcSlice::shares_chunk(&b, &c));
    assert_eq!(a, [0, 1, 2]);
    assert_eq!(b, [10, 11, 12, 13, 14]);
    assert_eq!(c, [99]);
    let stats = arena.stats();
    assert_eq!(stats.chunks_created, 2);
    assert_eq!(stats.bytes_lost_in_tails, 0);
    assert_eq!(stats.current_chunk_free, 7);
}

#[test]
fn oversized_requests_get_their_own_chunk_and_keep_the_current_one() {
    let arena: Allocator<u16, u32, 8> = Allocator::new();
    let small = arena.alloc(2, |i| i as u16);
    let big = arena.alloc(100, |i| i as u16);
    let after = arena.alloc(2, |i| 7 + i as u16);
    assert!(
        ArcSlice::shares_chunk(&small, &after),
        "the current chunk stayed current"
    );
    assert!(!ArcSlice::shares_chunk(&small, &big));
    assert_eq!(big.len(), 100);
    assert!(big.iter().copied().eq(0..100));
    let stats = arena.stats();
    assert_eq!(stats.dedicated_chunks, 1);
    assert_eq!(stats.chunks_created, 2);
    drop(big);
    assert_eq!(
        arena.stats().chunks_alive,
        1,
        "a dedicated chunk dies with its handle"
    );
}

#[test]
fn a_request_that_does_not_fit_keeps_the_emptier_chunk() {
    let arena: Allocator<u8, u32, 10> = Allocator::new();
    let a = arena.alloc(2, |_| 1);
    // 8 slots left; a request of 9 would leave a fresh chunk with 1 free slot:
    // keeping the current chunk (8 free) wastes less.
    let b = arena.alloc(9, |_| 2);
    let c = arena.alloc(8, |_| 3);
    assert!(ArcSlice::shares_chunk(&a, &c));
    assert!(!ArcSlice::shares_chunk(&a, &b));
    assert_eq!(arena.stats().dedicated_chunks, 1);
    assert_eq!(arena.stats().bytes_lost_in_tails, 0);
}

/// The other side of that rule: when the current chunk has less room left
/// than a fresh chunk would keep, it is retired and a fresh chunk takes the
/// request (found by cargo-mutants: `N - len` as `N / len` survived).
#[test]
fn a_request_that_does_not_fit_a_fuller_chunk_starts_a_fresh_one() {
    let arena: Allocator<u8, u32, 8> = Allocator::new();
    let a = arena.alloc(5, |_| 1);
    // 3 slots left; a fresh chunk keeps 4 after a request of 4.
    let b = arena.alloc(4, |_| 2);
    let stats = arena.stats();
    assert_eq!(stats.dedicated_chunks, 0, "{stats:?}");
    assert_eq!(stats.chunks_created, 2, "{stats:?}");
    assert_eq!(stats.current_chunk_free, 4, "{stats:?}");
    assert_eq!(stats.bytes_lost_in_tails, 3, "{stats:?}");
    assert!(!ArcSlice::shares_chunk(&a, &b));
    assert_eq!(a, [1; 5]);
    assert_eq!(b, [2; 4]);
}

#[test]
fn sub_slices_are_zero_copy_and_keep_the_chunk() {
    let arena: Allocator<u64> = Allocator::new();
    let all = arena.alloc(10, |i| i as u64);
    let mid = all.slice(2..7);
    assert_eq!(mid, [2, 3, 4, 5, 6]);
    assert_eq!(mid.as_ptr(), all[2..].as_ptr(), "no copy");
    let inner = mid.slice(1..=2);
    assert_eq!(inner, [3, 4]);
    assert_eq!(all.slice(..3), [0, 1, 2]);
    assert_eq!(all.slice(8..), [8, 9]);
    assert_eq!(all.slice(..), all);
    assert!(all.slice(4..4).is_empty());
    drop(all);
    drop(mid);
    drop(arena);
    assert_eq!(inner, [3, 4], "a sub-slice alone keeps the chunk alive");
}

#[test]
fn single_values() {
    let arena: Allocator<String> = Allocator::new();
    let a = arena.alloc_value("alpha".to_string());
    let b = arena.alloc_single(|| "beta".to_string());
    let c = arena
        .try_alloc_single(|| Ok::<_, ()>("gamma".to_string()))
        .unwrap();
    assert_eq!(
        arena.try_alloc_single(|| Err::<String, _>(5)).unwrap_err(),
        5
    );
    assert_eq!(*a, "alpha");
    assert_eq!(b.get(), "beta");
    assert_eq!(c.as_str(), "gamma");
    assert_eq!(format!("{a} {b:?}"), "alpha \"beta\"");
    assert!(format!("{a:p}").starts_with("0x"));
    assert!(a < b && b < c);
    assert_eq!(hash_of(&a), hash_of("alpha"));
    let a2 = a.clone();
    assert!(ArcSingle::ptr_eq(&a, &a2));
    let s: &String = std::borrow::Borrow::borrow(&a2);
    assert_eq!(s, "alpha");
    assert_eq!(AsRef::<String>::as_ref(&a2), "alpha");
    // Comparisons between handles go to the values (found by cargo-mutants:
    // only `<` was used).
    assert!(a == a2 && a != b);
    assert_eq!(a, arena.alloc_value("alpha".to_string()), "equal values");
    assert_eq!(a.cmp(&b), std::cmp::Ordering::Less);
    assert_eq!(c.cmp(&b), std::cmp::Ordering::Greater);
    assert_eq!(a.cmp(&a2), std::cmp::Ordering::Equal);
}

#[test]
fn a_single_taken_from_a_dedicated_chunk_keeps_it_alive_alone() {
    let arena: Allocator<String, u32, 4> = Allocator::new();
    let long = arena.alloc(10, |i| format!("s{i}"));
    assert_eq!(
        arena.stats().dedicated_chunks,
        1,
        "10 > N = 4: a chunk of its own"
    );
    let one = ArcSingle::from_slice(long.slice(6..7));
    assert_eq!(one.as_ptr(), long[6..].as_ptr());
    drop(long);
    assert_eq!(arena.stats().chunks_alive, 1, "the single holds the chunk");
    assert_eq!(*one, "s6");
    drop(one);
    assert_eq!(arena.stats().chunks_alive, 0, "its last handle freed it");
}

#[test]
fn single_and_slice_convert_both_ways() {
    let arena: Allocator<u8, u16> = Allocator::new();
    let one = arena.alloc(1, |_| 5);
    let single = ArcSingle::from_slice(one.clone());
    assert_eq!(*single, 5);
    assert_eq!(single.as_ptr(), one.as_ptr());
    let back: ArcSlice<u8, u16> = single.into();
    assert_eq!(back, [5]);
    assert!(ArcSlice::ptr_eq(&back, &one));

    let two = arena.alloc(2, |_| 1);
    let err = ArcSingle::try_from(two).unwrap_err();
    assert_eq!(
        err.to_string(),
        "arena-arc: an ArcSingle needs a slice of length 1, not 2"
    );
    assert_eq!(format!("{err:?}"), "NotSingle { len: 2, .. }");
    assert_eq!(err.into_inner(), [1, 1], "the slice comes back intact");
    assert!(ArcSingle::try_from(ArcSlice::<u8, u16>::new()).is_err());
}

#[test]
fn content_traits_match_the_slice() {
    let arena: Allocator<i32> = Allocator::new();
    let a = arena.alloc_slice_copy(&[1, 2, 3]);
    let b = arena.alloc_slice_copy(&[1, 2, 3]);
    let c = arena.alloc_slice_copy(&[1, 2, 4]);
    assert_eq!(a, b);
    assert!(!ArcSlice::ptr_eq(&a, &b));
    assert!(a < c);
    assert_eq!(a.cmp(&c), [1, 2, 3].cmp(&[1, 2, 4]));
    assert_eq!(hash_of(&a), hash_of(&[1, 2, 3][..]));
    assert_eq!(a, vec![1, 2, 3]);
    assert_eq!(a, [1, 2, 3]);
    assert_eq!(a, &[1, 2, 3][..]);
    assert_eq!(*a, [1, 2, 3][..]);
    // And tell different contents apart, each of them (found by
    // cargo-mutants: every comparison with plain slices was an equality).
    assert!(a == [1, 2, 3][..] && a != [1, 2, 4][..]);
    // `PartialEq<&[T]>` is the impl under test, hence the reference.
    #[allow(clippy::op_ref)]
    let differs_from_borrowed = a != &[1, 2, 4][..] && a != &[1, 2][..];
    assert!(differs_from_borrowed);
    assert!(a != vec![1, 2, 4] && a != [1, 2, 4] && a != [1, 2, 3, 4]);
    assert_eq!(format!("{a:?}"), "[1, 2, 3]");
    assert_eq!((&a).into_iter().sum::<i32>(), 6);
    let mut total = 0;
    for x in &a {
        total += x;
    }
    assert_eq!(total, 6);
    let as_ref: &[i32] = a.as_ref();
    assert_eq!(as_ref, [1, 2, 3]);

    // Borrow<[T]> lets sets be queried by plain slices.
    let set: HashSet<ArcSlice<i32>> = [a.clone(), c.clone()].into_iter().collect();
    assert!(set.contains(&[1, 2, 3][..]));
    let ordered: BTreeSet<ArcSlice<i32>> = [c, a].into_iter().collect();
    assert_eq!(ordered.first().unwrap(), &[1, 2, 3]);
}

#[test]
fn copy_clone_and_iter_constructors() {
    let arena: Allocator<String, u32, 4> = Allocator::new();
    let words = ["a", "bb", "ccc"].map(String::from);
    let cloned = arena.alloc_slice_clone(&words);
    assert_eq!(cloned, words);
    let from_exact = arena.alloc_from_iter(words.iter().cloned());
    assert_eq!(from_exact, words);
    let from_unknown = arena.alloc_from_iter(words.iter().filter(|w| w.len() > 1).cloned());
    assert_eq!(from_unknown, ["bb", "ccc"].map(String::from));
    let long = arena.alloc_from_iter((0..10).map(|i| i.to_string()));
    assert_eq!(long.len(), 10);
    assert_eq!(long[9], "9");

    let bytes: Allocator<u8> = Allocator::new();
    assert_eq!(bytes.alloc_slice_copy(b"hello").get(), b"hello");
}

#[test]
fn handles_outlive_the_allocator() {
    let arena: Allocator<Vec<u32>, u32, 4> = Allocator::new();
    let a = arena.alloc(3, |i| vec![i as u32; i]);
    let b = arena.alloc_value(vec![7]);
    drop(arena);
    assert_eq!(a[2], [2, 2]);
    assert_eq!(*b, [7]);
}

#[test]
fn zero_sized_types() {
    let arena: Allocator<(), u8, 4> = Allocator::new();
    let handles: Vec<_> = (0..10).map(|i| arena.alloc(i % 4 + 1, |_| ())).collect();
    assert_eq!(
        handles.iter().map(|h| h.len()).sum::<usize>(),
        1 + 2 + 3 + 4 + 1 + 2 + 3 + 4 + 1 + 2
    );
    let single = arena.alloc_value(());
    assert_eq!(*single, ());
}

/// Issue 12, defect 4: `ptr_eq` compared addresses only, and every element
/// of a zero-sized type in a chunk has the same address, so distinct values,
/// distinct slices and different sub-slices all compared equal.
#[test]
fn ptr_eq_tells_distinct_zero_sized_values_and_slices_apart() {
    let arena: Allocator<(), u32, 16> = Allocator::new();
    let a = arena.alloc_value(());
    let b = arena.alloc_value(());
    assert_eq!(
        a.as_ptr(),
        b.as_ptr(),
        "the case that needs more than the address"
    );
    assert!(!ArcSingle::ptr_eq(&a, &b));
    assert!(ArcSingle::ptr_eq(&a, &a.clone()));

    let s = arena.alloc(2, |_| ());
    let t = arena.alloc(2, |_| ());
    assert!(ArcSlice::shares_chunk(&s, &t));
    assert!(!ArcSlice::ptr_eq(&s, &t));
    assert!(ArcSlice::ptr_eq(&s, &s.clone()));
    assert!(!ArcSlice::ptr_eq(&s.slice(0..1), &s.slice(1..2)));
    assert!(ArcSlice::ptr_eq(&s.slice(1..2), &s.slice(1..)));
    assert!(
        !ArcSlice::ptr_eq(&s, &s.slice(0..1)),
        "same start, other length"
    );
    // Through the conversions, which keep the slot.
    let one = ArcSingle::from_slice(s.slice(1..2));
    assert!(!ArcSingle::ptr_eq(
        &one,
        &ArcSingle::from_slice(s.slice(0..1))
    ));
    assert!(ArcSlice::ptr_eq(&ArcSlice::from(one), &s.slice(1..2)));
    // Different chunks of zero-sized elements are told apart too.
    let other: Allocator<(), u32, 16> = Allocator::new();
    assert!(!ArcSingle::ptr_eq(&a, &other.alloc_value(())));
    // Non-zero-sized elements: same answers.
    let bytes: Allocator<u8, u32, 16> = Allocator::new();
    let w = bytes.alloc(2, |i| i as u8);
    assert!(!ArcSlice::ptr_eq(&w.slice(0..1), &w.slice(1..2)));
    assert!(ArcSlice::ptr_eq(&w.slice(1..), &w.slice(1..2)));
}

#[test]
fn over_aligned_types() {
    #[derive(Debug, Clone, Copy, PartialEq)]
    #[repr(align(128))]
    struct Wide(u8);

    let arena: Allocator<Wide, u16, 3> = Allocator::new();
    let slices: Vec<_> = (0..7)
        .map(|i| arena.alloc(i % 3 + 1, |j| Wide((i * 10 + j) as u8)))
        .collect();
    for (i, slice) in slices.iter().enumerate() {
        assert_eq!(slice.as_ptr() as usize % 128, 0);
        for (j, w) in slice.iter().enumerate() {
            assert_eq!(w.0, (i * 10 + j) as u8);
        }
    }
    let big = arena.alloc(50, |j| Wide(j as u8));
    assert_eq!(big.as_ptr() as usize % 128, 0);
    assert_eq!(big[49], Wide(49));
}

#[test]
fn narrow_index_types_work_up_to_their_limit() {
    let arena: Allocator<u8, u8, 16> = Allocator::new();
    let max = arena.alloc(255, |i| i as u8);
    assert_eq!(max.len(), 255);
    assert_eq!(max[254], 254);
    let tail = max.slice(250..);
    assert_eq!(tail, [250, 251, 252, 253, 254]);
    let ok = arena.checked_alloc(256, |_| 0);
    assert!(ok.is_err());
    // The longest slice `L` allows, from an exact-size iterator too (its
    // claimed length is checked before reading: found by cargo-mutants).
    let from_iter = arena.alloc_from_iter((0..255).map(|i| i as u8));
    assert_eq!(from_iter.len(), 255);
    assert_eq!(from_iter[254], 254);
}

/// The configuration getters (found by cargo-mutants: only doc tests, which
/// its runs leave out, checked them).
#[test]
fn the_getters_report_the_configuration() {
    let arena: Allocator<u8, u16, 100> = Allocator::with_limit(5000);
    assert_eq!(arena.chunk_capacity(), 100);
    assert_eq!(arena.limit(), Some(5000));
    arena.set_limit(None);
    assert_eq!(arena.limit(), None);
    arena.set_limit(Some(7));
    assert_eq!(arena.limit(), Some(7));
    assert_eq!(Allocator::<u8>::new().limit(), None);
    assert_eq!(
        Allocator::<u8>::new().chunk_capacity(),
        256,
        "the default N"
    );
}

#[test]
fn debug_output_is_useful() {
    let arena: Allocator<u8, u16, 32> = Allocator::new();
    let _a = arena.alloc(3, |_| 0);
    let text = format!("{arena:?}");
    assert!(text.contains("chunk_capacity: 32"), "{text}");
    assert!(text.contains("u16"), "{text}");
    assert!(text.contains("chunks_created: 1"), "{text}");
}

/// `Links`, as a hand-written `visit_links` sees it, shows whether the
/// commit is in a generation (a hand-held acyclic allocator's is not).
/// (Found by cargo-mutants: `Debug for Links` could write nothing.)
#[test]
fn links_debug_output_shows_the_commit() {
    use arena_arc::{ArenaLinks, Links};
    use std::cell::RefCell;

    thread_local! {
        static SHOWN: RefCell<String> = const { RefCell::new(String::new()) };
    }
    struct Node(ArcSlice<Node>);
    // SAFETY: the one handle is owned by value and reported once; no `Drop`.
    unsafe impl ArenaLinks for Node {
        fn visit_links(&self, links: &mut Links<Self>) {
            SHOWN.with(|shown| *shown.borrow_mut() = format!("{links:?}"));
            links.slice(&self.0);
        }
    }

    let arena: Allocator<Node> = Allocator::new_acyclic();
    let _node = arena.alloc_linked(Node(ArcSlice::new()));
    let text = SHOWN.with(|shown| shown.borrow().clone());
    assert!(text.starts_with("Links { target: "), "{text}");
    assert!(text.ends_with("in_generation: false }"), "{text}");
}
