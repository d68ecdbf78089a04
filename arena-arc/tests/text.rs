//! `ArcStr`: contents, conversions, equality, order and hashing consistent
//! with `str`, zero-copy sub-strings, and the char-boundary panics with
//! their messages and nothing changed.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};

use arena_arc::{AllocError, Allocator, ArcSlice, ArcStr, TEXT_ARENA, TEXT_CHUNK};

fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// The panic message of `f`, which must panic.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast::<&str>()
            .map(|m| m.to_string())
            .unwrap_or_default(),
    }
}

#[test]
fn sixteen_bytes_like_an_arc_slice_of_bytes() {
    assert_eq!(size_of::<ArcStr>(), size_of::<ArcSlice<u8>>());
    assert_eq!(size_of::<ArcStr>(), 2 * size_of::<usize>().max(8));
    assert_eq!(size_of::<Option<ArcStr>>(), size_of::<ArcStr>());
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ArcStr>();
}

#[test]
fn made_by_every_constructor_with_the_right_contents() {
    let arena: Allocator<u8, u32, 64> = Allocator::new();
    let a = arena.alloc_str("héllo wörld");
    assert_eq!(a.as_str(), "héllo wörld");
    assert_eq!(a.as_bytes(), "héllo wörld".as_bytes());
    assert_eq!(a.len(), 13); // through Deref<Target = str>
    assert_eq!(a.chars().count(), 11);

    let from_str: ArcStr = "main".into();
    let owned = String::from("init");
    let from_ref_string = ArcStr::from(&owned);
    let from_string = ArcStr::from(owned);
    assert_eq!(from_str, "main");
    assert_eq!(from_ref_string, "init");
    assert_eq!(from_string, "init");
    assert!(!ArcStr::ptr_eq(&from_ref_string, &from_string));

    let local = arena_arc::LocalArena::alloc_str(&TEXT_ARENA, "x");
    assert_eq!(local, "x");
}

#[test]
fn empty_strings_allocate_nothing() {
    std::thread::spawn(|| {
        let before = TEXT_ARENA.stats();
        let a = ArcStr::<u32>::new();
        let b = ArcStr::<u32>::default();
        let c: ArcStr = "".into();
        assert!(a.is_empty() && b.is_empty() && c.is_empty());
        assert_eq!((a.as_str(), b.as_str(), c.as_str()), ("", "", ""));
        assert_eq!(TEXT_ARENA.stats(), before);
        assert_eq!(before.chunks_created, 0);
    })
    .join()
    .unwrap();
}

#[test]
fn the_default_text_arena_packs_strings_into_16384_byte_chunks() {
    std::thread::spawn(|| {
        assert_eq!(TEXT_CHUNK, 16384);
        assert_eq!(TEXT_ARENA.chunk_capacity(), 16384);
        let a: ArcStr = "alpha".into();
        let b: ArcStr = String::from("beta").into();
        assert!(ArcSlice::shares_chunk(a.as_arc_slice(), b.as_arc_slice()));
        let stats = TEXT_ARENA.stats();
        assert_eq!(stats.chunks_created, 1);
        assert_eq!(stats.current_chunk_free, 16384 - 9);
    })
    .join()
    .unwrap();
}

#[test]
fn equality_order_and_hash_agree_with_str() {
    let arena: Allocator<u8> = Allocator::new();
    let words = ["", "a", "ab", "b", "Z", "é", "e\u{301}", "日本", "a\0b"];
    let handles: Vec<ArcStr> = words.iter().map(|w| arena.alloc_str(w)).collect();
    for (x, hx) in words.iter().zip(&handles) {
        assert_eq!(hash_of(hx), hash_of(*x), "hash of {x:?}");
        for (y, hy) in words.iter().zip(&handles) {
            assert_eq!(hx == hy, x == y);
            assert_eq!(hx.cmp(hy), x.cmp(y), "{x:?} vs {y:?}");
            assert_eq!(hx.partial_cmp(hy), x.partial_cmp(y));
        }
    }
    let set: BTreeSet<ArcStr> = handles.iter().cloned().collect();
    let sorted: Vec<&str> = set.iter().map(|h| h.as_str()).collect();
    let expected: Vec<&str> = words
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(sorted, expected);
}

#[test]
fn a_hash_map_keyed_by_arc_str_is_looked_up_with_a_str() {
    let arena: Allocator<u8> = Allocator::new();
    let mut scopes: HashMap<ArcStr, u32> = HashMap::new();
    scopes.insert(arena.alloc_str("x"), 1);
    scopes.insert(arena.alloc_str("längd"), 2);
    assert_eq!(scopes.get("x"), Some(&1));
    assert_eq!(scopes.get("längd"), Some(&2));
    assert_eq!(scopes.get(&*String::from("x")), Some(&1));
    assert_eq!(scopes.get("y"), None);
    assert_eq!(scopes.remove("x"), Some(1));
}

#[test]
fn compares_with_str_and_string_both_ways() {
    let arena: Allocator<u8> = Allocator::new();
    let s = arena.alloc_str("abc");
    let owned = String::from("abc");
    // Each impl in both directions: `ArcStr == X` and `X == ArcStr`.
    assert!(s == *"abc");
    assert!(*"abc" == s);
    assert!(s == "abc");
    assert!("abc" == s);
    assert!(s == owned);
    assert!(owned == s);
    assert!(s != "abd");
    assert!("abd" != s);
    let shorter = String::from("ab");
    assert!(shorter != s);
    let as_ref_str: &str = s.as_ref();
    let as_ref_bytes: &[u8] = s.as_ref();
    let borrowed: &str = std::borrow::Borrow::borrow(&s);
    assert_eq!(
        (as_ref_str, as_ref_bytes, borrowed),
        ("abc", &b"abc"[..], "abc")
    );
}

#[test]
fn display_is_the_text_and_debug_is_quoted_and_escaped() {
    let arena: Allocator<u8> = Allocator::new();
    let s = arena.alloc_str("say \"hi\"\n\té");
    assert_eq!(format!("{s}"), "say \"hi\"\n\té");
    assert_eq!(format!("{s:?}"), format!("{:?}", "say \"hi\"\n\té"));
    assert_eq!(format!("{s:?}"), r#""say \"hi\"\n\té""#);
    assert_eq!(format!("[{:>5}]", arena.alloc_str("ab")), "[   ab]");
    assert_eq!(format!("{:?}", ArcStr::<u32>::new()), "\"\"");
}

#[test]
fn slices_share_the_chunk_without_copying() {
    let arena: Allocator<u8> = Allocator::new();
    let text = arena.alloc_str("let naïve = 1;");
    let name = text.slice(4..10);
    assert_eq!(name, "naïve");
    assert_eq!(name.as_ptr(), text.as_ptr().wrapping_add(4));
    assert!(ArcSlice::shares_chunk(
        name.as_arc_slice(),
        text.as_arc_slice()
    ));
    assert!(ArcStr::ptr_eq(&text.slice(..), &text));
    assert!(ArcStr::ptr_eq(&text.clone(), &text));
    assert_eq!(text.slice(..=2), "let");
    assert_eq!(text.slice(12..), " 1;");
    let empty = text.slice(3..3);
    assert!(empty.is_empty());
    assert!(!ArcSlice::shares_chunk(
        empty.as_arc_slice(),
        text.as_arc_slice()
    ));
    // A slice outlives the string it was cut from.
    drop(text);
    assert_eq!(name, "naïve");
    assert_eq!(name.try_slice(2..4).unwrap(), "ï");
}

#[test]
fn a_cut_inside_a_char_panics_saying_so_and_changes_nothing() {
    // A string longer than the chunk gets a chunk of its own, freed with
    // its last handle: `chunks_alive` then shows a leaked reference.
    let arena: Allocator<u8, u32, 4> = Allocator::new();
    let text = arena.alloc_str("naïve text");
    assert_eq!(arena.stats().chunks_alive, 1);

    let message = panic_message(|| {
        let _ = text.slice(3..);
    });
    assert_eq!(
        message,
        "arena-arc: ArcStr::slice: byte index 3 is not on a char boundary: it is inside 'ï' (bytes 2..4)"
    );
    let message = panic_message(|| {
        let _ = text.slice(..3);
    });
    assert!(
        message.contains("byte index 3 is not on a char boundary"),
        "{message}"
    );
    let message = panic_message(|| {
        let _ = text.slice(..12);
    });
    assert_eq!(
        message,
        "arena-arc: ArcStr::slice: range end 12 is out of bounds for a string of 11 bytes"
    );
    let message = panic_message(|| {
        #[allow(clippy::reversed_empty_ranges)]
        let _ = text.slice(5..4);
    });
    assert_eq!(
        message,
        "arena-arc: ArcStr::slice: range starts at 5 but ends at 4"
    );

    assert_eq!(text, "naïve text");
    assert_eq!(text.try_slice(3..), None);
    assert_eq!(text.try_slice(..12), None);
    assert_eq!(text.try_slice(usize::MAX..=usize::MAX), None);
    assert_eq!(text.try_slice(4..).unwrap(), "ve text");

    // No reference was taken by the failed cuts: the last handle frees it.
    drop(text);
    assert_eq!(arena.stats().chunks_alive, 0);
}

#[test]
fn converts_to_and_from_byte_handles_without_copying() {
    let arena: Allocator<u8> = Allocator::new();
    let text = arena.alloc_str("ok");
    let copy = text.clone();
    let bytes: ArcSlice<u8> = text.into();
    assert_eq!(bytes, *b"ok");
    assert!(ArcSlice::ptr_eq(&bytes, copy.as_arc_slice()));

    let back = ArcStr::try_from(bytes.clone()).unwrap();
    assert!(ArcStr::ptr_eq(&back, &copy));

    let bad = arena.alloc_slice_copy(b"ab\xffcd");
    let err = ArcStr::try_from(bad.clone()).unwrap_err();
    assert_eq!(err.utf8_error().valid_up_to(), 2);
    assert_eq!(err.utf8_error().error_len(), Some(1));
    assert_eq!(
        err.to_string(),
        format!("arena-arc: the bytes are not UTF-8: {}", err.utf8_error())
    );
    assert!(std::error::Error::source(&err).is_some());
    assert!(format!("{err:?}").starts_with("NotUtf8 { len: 5"));
    let returned = err.into_bytes();
    assert!(ArcSlice::ptr_eq(&returned, &bad));
}

#[test]
fn a_narrow_index_type_refuses_a_long_string_with_the_length_message() {
    let arena: Allocator<u8, u8, 256> = Allocator::new();
    let short: ArcStr<u8> = arena.alloc_str("short");
    assert_eq!(short, "short");
    let long = "x".repeat(300);
    let message = panic_message(|| {
        let _ = arena.alloc_str(&long);
    });
    assert!(
        message.contains("cannot allocate a slice of 300 elements"),
        "{message}"
    );
    assert_eq!(arena.stats().chunks_alive, 1);
}

#[test]
fn checked_alloc_str_copies_whole_strings_and_refuses_without_writing() {
    // Short and long strings (past the chunk: a dedicated one), each byte
    // where it belongs.
    let arena: Allocator<u8, u32, 64> = Allocator::new();
    let text: String = (0..200)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let short = arena.checked_alloc_str(&text[..10]).unwrap();
    let long = arena.checked_alloc_str(&text).unwrap();
    let empty = arena.checked_alloc_str("").unwrap();
    assert_eq!(
        (short.as_str(), long.as_str(), empty.as_str()),
        (&text[..10], &text[..], "")
    );
    assert_eq!(arena.stats().dedicated_chunks, 1);
    assert_eq!(arena.stats().current_chunk_free, 54);

    // A length past `L` and a byte limit are refused, nothing written, and
    // the allocator goes on.
    let narrow: Allocator<u8, u8, 256> = Allocator::new();
    assert!(matches!(
        narrow.checked_alloc_str(&text[..150].repeat(2)),
        Err(AllocError::LengthOverflow { len: 300, .. })
    ));
    assert_eq!(narrow.checked_alloc_str("ok").unwrap(), "ok");
    let limited: Allocator<u8, u32, 100> = Allocator::with_limit(400);
    assert_eq!(limited.checked_alloc_str(&text[..60]).unwrap(), &text[..60]);
    let before = limited.stats();
    assert!(matches!(
        limited.checked_alloc_str(&text[..120]),
        Err(AllocError::LimitExceeded { .. })
    ));
    assert_eq!(limited.stats(), before);
    assert_eq!(limited.checked_alloc_str(&text[..40]).unwrap(), &text[..40]);
}

#[test]
fn strings_cross_threads_and_free_their_chunk_there() {
    let arena: Allocator<u8, u32, 8> = Allocator::new();
    let text = arena.alloc_str("across threads");
    let word = text.slice(7..);
    drop(text);
    let handle = std::thread::spawn(move || word.to_uppercase());
    assert_eq!(handle.join().unwrap(), "THREADS");
    assert_eq!(arena.stats().chunks_alive, 0);
}

/// `ArcStr::from` in a thread-local's drop that runs after the thread's text
/// arena was destroyed: the call is served (by an allocator made for it)
/// with the right contents, from a `&str` and from a `String`. Thread-local
/// destructors run in the reverse order of their registration, so `LATE`,
/// used first, is dropped after the text arena.
#[test]
fn a_string_made_after_the_text_arena_was_destroyed_is_served() {
    static SEEN: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

    struct Late;
    impl Drop for Late {
        fn drop(&mut self) {
            let borrowed = ArcStr::from("made late");
            let owned = ArcStr::from(String::from("and owned"));
            *SEEN.lock().unwrap() = Some(format!("{borrowed} {owned}"));
        }
    }
    thread_local! {
        static LATE: Late = const { Late };
    }

    std::thread::spawn(|| {
        LATE.with(|_| {});
        let early = ArcStr::from("early");
        assert_eq!(early, "early");
    })
    .join()
    .expect("the late strings neither panic nor crash");
    assert_eq!(SEEN.lock().unwrap().as_deref(), Some("made late and owned"));
}
