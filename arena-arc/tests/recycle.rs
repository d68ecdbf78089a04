//! A thread that frees a tree keeps its chunks for its next one
//! ([`arena_arc::recycle_thread`], and the allocation that finds the open
//! generation unreachable): a stream of documents stops calling the global
//! allocator, the memory kept follows the last two documents, and
//! [`arena_arc::trim_thread`] or the thread's end gives it back.

mod common;

use std::sync::mpsc;

use arena_arc::{ArcSlice, ArcStr, ArenaAlloc, ArenaStats};
use common::counting::{self, Snapshot};

// A JSON model with small chunks, so that a small document spans many.
#[allow(dead_code)]
#[derive(ArenaAlloc)]
#[arena(chunk = 4)]
enum Value {
    Null,
    Number(f64),
    String(ArcStr),
    Array(ArcSlice<Value>),
    Object(ArcSlice<Member>),
}

#[derive(ArenaAlloc)]
#[arena(chunk = 4)]
struct Member {
    key: ArcStr,
    value: Value,
}

const KEYS: [&str; 4] = ["id", "name", "tags", "a longer key, for the text arena"];

/// A document of `width`-wide containers `depth` deep, built without a
/// `Vec` (so that the only global allocations are the arenas' and the
/// generation's bookkeeping).
fn document(seed: u32, depth: u32, width: usize) -> Value {
    if depth == 0 {
        return match seed % 3 {
            0 => Value::Null,
            1 => Value::Number(f64::from(seed)),
            _ => Value::String(ArcStr::from(KEYS[seed as usize % 4])),
        };
    }
    if seed % 2 == 0 {
        Value::Array(Value::alloc(width, |i| {
            document(seed * 7 + i as u32 + 1, depth - 1, width)
        }))
    } else {
        Value::Object(Member::alloc(width, |i| Member {
            key: ArcStr::from(KEYS[i % 4]),
            value: document(seed * 5 + i as u32 + 2, depth - 1, width),
        }))
    }
}

/// Counts the values of a document, reading every one.
fn count(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count).sum(),
        Value::Object(members) => members
            .iter()
            .map(|m| {
                assert!(KEYS.contains(&m.key.as_str()), "{:?}", m.key);
                count(&m.value)
            })
            .sum(),
        _ => 0,
    }
}

/// The stats of the two arenas of the document's nodes. (Its strings are in
/// the text arena, a plain arena whose chunks are counted and freed one by
/// one, never kept: `TEXT_ARENA`'s stats are checked apart.)
fn stats() -> [ArenaStats; 2] {
    [Value::arena_stats(), Member::arena_stats()]
}

fn chunks_created() -> usize {
    stats().iter().map(|s| s.chunks_created).sum()
}

fn chunks_alive() -> usize {
    stats().iter().map(|s| s.chunks_alive).sum()
}

fn bytes_reserved() -> usize {
    stats().iter().map(|s| s.bytes_reserved).sum()
}

/// The depth of the documents: 4^depth leaves, hundreds of chunks of 4
/// (about 85 under Miri), so several generations of 32 chunks.
fn depth() -> u32 {
    if cfg!(miri) { 4 } else { 5 }
}

/// Runs `f` on a thread of its own, counting its allocations, and checks
/// that everything it allocated is freed once its arenas are gone.
fn on_a_thread(what: &'static str, f: impl FnOnce() + Send + 'static) {
    let _serial = common::serial();
    let start = Snapshot::now();
    let was = counting::enroll(true);
    let ended = counting::join(counting::spawn_with_locals(f));
    // (Before a failure's unwinding frees anything, so that it does not
    // count against the next test.)
    counting::enroll(was);
    ended.unwrap();
    start.assert_all_freed(what);
}

#[test]
fn a_stream_of_documents_reuses_the_last_ones_chunks_with_no_call() {
    on_a_thread("a stream of documents", || {
        let docs = if cfg!(miri) { 4 } else { 20 };
        let doc = document(1, depth(), 4);
        let one_document = chunks_alive();
        // Far more chunks than a fixed cache of a few would keep, in more
        // generations than one.
        assert!(one_document > 40, "{:?}", stats());
        drop(doc);
        let made = chunks_created();
        let value = Value::arena_stats();
        let value_chunk = value.bytes_reserved / value.chunks_alive;
        counting::watch(value_chunk);
        for i in 0..docs {
            // Each document is dropped before the next: its first
            // allocation frees the previous one and takes its chunks, also
            // when that allocation needs a fresh chunk (chunks of 4 make
            // that common), so one document is alive at a time.
            let doc = document(i * 2 + 3, depth(), 4);
            assert!(count(&doc) > 4usize.pow(depth()));
            assert!(
                chunks_alive() <= one_document + one_document / 8,
                "{} chunks alive after document {i}, one took {one_document}",
                chunks_alive()
            );
        }
        let (allocated, _) = counting::watched();
        counting::watch(0);
        assert_eq!(chunks_created(), made, "{docs} documents made chunks");
        // (The calls left are the generations' bookkeeping, small blocks.)
        assert_eq!(
            allocated.len(),
            0,
            "blocks of a `Value` chunk's size ({value_chunk} bytes) allocated"
        );
    });
}

/// A document shaped like a catalogue: an object of two members, one of
/// them an object longer than a chunk. That one takes a dedicated chunk,
/// which closes the generation, so the root's members are in a new one,
/// while `Value`'s current chunk (the document's first allocation was a
/// `Value` slice) stays in the closed one.
fn catalogue(seed: u32) -> Value {
    let tags = Value::alloc(3, |i| Value::Number(i as f64));
    let events = Member::alloc(5, |i| Member {
        key: ArcStr::from(KEYS[i % 4]),
        value: document(seed * 3 + i as u32, depth() - 1, 4),
    });
    let mut fields = [Value::Array(tags), Value::Object(events)].into_iter();
    Value::Object(Member::alloc(2, |i| Member {
        key: ArcStr::from(KEYS[i]),
        value: fields.next().unwrap(),
    }))
}

#[test]
fn a_document_after_one_with_a_dedicated_slice_does_not_chain_to_it() {
    on_a_thread("documents with dedicated slices", || {
        let doc = catalogue(1);
        let one_document = chunks_alive();
        assert!(Member::arena_stats().dedicated_chunks > 0);
        drop(doc);
        for i in 0..if cfg!(miri) { 3 } else { 10 } {
            // The next document's first allocation finds `Value`'s current
            // chunk in a closed generation: the fresh chunk it takes must
            // not join the open generation that holds the dead root.
            let doc = catalogue(i + 2);
            assert!(count(&doc) > 5 * 4usize.pow(depth() - 1));
            assert!(
                chunks_alive() <= one_document + one_document / 4,
                "{} chunks alive after document {i}, one took {one_document}",
                chunks_alive()
            );
        }
    });
}

#[test]
fn recycle_thread_keeps_a_keep_latest_stream_in_bounded_memory_with_no_new_chunk() {
    on_a_thread("a keep-latest stream", || {
        let docs = if cfg!(miri) { 4 } else { 20 };
        let mut previous = None;
        let mut one_document = 0;
        let mut made = 0;
        for i in 0..docs {
            let doc = document(i * 2 + 1, depth(), 4);
            if i == 0 {
                one_document = bytes_reserved();
            }
            // The previous document is alive while this one is built, and
            // dropped now.
            previous = Some(doc);
            arena_arc::recycle_thread();
            if i == 2 {
                made = chunks_created();
            }
        }
        // Two documents' chunks at most: the live one, and the dead one's
        // kept for the next.
        assert_eq!(chunks_created(), made, "{docs} documents");
        assert!(
            bytes_reserved() <= 2 * one_document + one_document / 2,
            "{} bytes reserved, one document takes {one_document}",
            bytes_reserved()
        );
        drop(previous);
        arena_arc::trim_thread();
        assert_eq!(chunks_alive(), 0, "trim_thread gives back the kept chunks");
    });
}

#[test]
fn the_memory_kept_follows_the_larger_of_the_last_two_documents() {
    on_a_thread("documents that shrink", || {
        let big = document(1, depth() + 1, 4);
        let big_bytes = bytes_reserved();
        drop(big);
        arena_arc::recycle_thread();
        assert_eq!(bytes_reserved(), big_bytes, "every chunk is kept");
        // A call that frees nothing does not end the episode: the big
        // document stays one of the last two. (Found by cargo-mutants: with
        // the episode ended whatever it freed, the small document below gave
        // the big one's memory back.)
        arena_arc::recycle_thread();

        // A small document between two large ones keeps the large one's
        // memory (the larger of the last two)...
        let small = document(3, 1, 4);
        assert_eq!(count(&small), 5);
        drop(small);
        arena_arc::recycle_thread();
        assert_eq!(bytes_reserved(), big_bytes);

        // ...and the second small one gives it back.
        let small = document(3, 1, 4);
        drop(small);
        arena_arc::recycle_thread();
        let kept = bytes_reserved();
        assert!(
            0 < kept && kept * 20 < big_bytes,
            "{kept} bytes kept after two small documents, the big one took {big_bytes}"
        );

        arena_arc::trim_thread();
        assert_eq!((chunks_alive(), bytes_reserved()), (0, 0));
    });
}

/// The budget is the larger of the last *two* documents: after a big, a
/// medium and a small document, the thread still keeps about the medium
/// one's bytes (the oldest chunks go first, only until what is kept fits),
/// not just the small one's. (Found by cargo-mutants: the eviction's
/// `kept_bytes -= size` made `+=` gave back every older chunk, and the test
/// above, where the budget comes down to the small document's own bytes,
/// passed.)
#[test]
fn after_a_document_shrinks_the_thread_keeps_the_one_before_its_bytes() {
    on_a_thread("documents that shrink by steps", || {
        drop(document(2, depth() - 1, 4));
        arena_arc::recycle_thread();
        let medium = bytes_reserved();
        arena_arc::trim_thread();
        assert_eq!(bytes_reserved(), 0);

        drop(document(1, depth(), 4));
        arena_arc::recycle_thread();
        let big = bytes_reserved();
        assert!(
            big > 2 * medium,
            "{big} bytes, the medium document {medium}"
        );
        drop(document(2, depth() - 1, 4));
        arena_arc::recycle_thread();
        assert_eq!(
            bytes_reserved(),
            big,
            "the big document is the last two's larger"
        );

        let small = document(3, 1, 4);
        assert_eq!(count(&small), 5);
        drop(small);
        arena_arc::recycle_thread();
        let kept = bytes_reserved();
        assert!(
            medium / 2 < kept && kept <= medium,
            "{kept} bytes kept after the small document, the medium one took {medium}"
        );

        arena_arc::trim_thread();
        assert_eq!((chunks_alive(), bytes_reserved()), (0, 0));
    });
}

/// An arena's own trim gives its kept chunks back and takes their bytes off
/// what the thread keeps, so that the other arenas' kept chunks still fit
/// the budget. (Found by cargo-mutants: with the bytes added instead of
/// taken off, the next document evicted `Member`'s kept chunks.)
#[test]
fn an_arenas_trim_leaves_the_other_arenas_kept_chunks_within_the_budget() {
    on_a_thread("one arena trimmed after a document", || {
        drop(document(1, depth(), 4));
        arena_arc::recycle_thread();
        let members_kept = Member::arena_stats().bytes_reserved;
        assert!(members_kept > 0 && Value::arena_stats().bytes_reserved > 0);
        Value::trim_arena();
        assert_eq!(Value::arena_stats().bytes_reserved, 0);

        let small = document(3, 1, 4);
        assert_eq!(count(&small), 5);
        drop(small);
        arena_arc::recycle_thread();
        assert_eq!(
            Member::arena_stats().bytes_reserved,
            members_kept,
            "`Member`'s kept chunks after `Value::trim_arena()` and a small document"
        );

        arena_arc::trim_thread();
        assert_eq!((chunks_alive(), bytes_reserved()), (0, 0));
    });
}

#[test]
fn a_tree_freed_on_another_thread_gives_its_chunks_back() {
    on_a_thread("a document dropped on another thread", || {
        let (send, receive) = mpsc::channel::<Value>();
        let (go, wait_for_go) = mpsc::channel::<()>();
        let (dropped, wait) = mpsc::channel::<()>();
        let (end, ended) = mpsc::channel::<()>();
        let dropper = counting::spawn_with_locals(move || {
            let doc = receive.recv().unwrap();
            wait_for_go.recv().unwrap();
            drop(doc);
            dropped.send(()).unwrap();
            // Alive until the check: its end would free what it kept.
            ended.recv().unwrap();
        });
        let doc = document(1, depth(), 4);
        let alive = chunks_alive();
        assert!(alive > 0);
        send.send(doc).unwrap();
        // Closes the generation: the handle on the other thread is now its
        // last reference, and its drop frees the chunks there.
        arena_arc::recycle_thread();
        go.send(()).unwrap();
        wait.recv().unwrap();
        assert_eq!(
            chunks_alive(),
            0,
            "chunks freed on another thread are not kept"
        );
        end.send(()).unwrap();
        counting::join(dropper).unwrap();
    });
}

#[test]
fn the_thread_end_gives_the_kept_chunks_back() {
    // `on_a_thread` checks that every byte is freed once the thread ends.
    on_a_thread("chunks kept at the thread's end", || {
        drop(document(1, depth(), 4));
        arena_arc::recycle_thread();
        assert!(chunks_alive() > 0, "the chunks are kept");
    });
}

/// Once the arenas' own trims have freed every chunk the thread kept, the
/// thread holds nothing for the document it dropped: not the chunks, and
/// not the list that kept them, which grew to hold a document's chunks.
/// (`trim_thread` always freed it; `trim_arena` left it at its largest
/// size, 5,376 bytes here, for the thread's life.)
#[test]
fn the_arenas_trims_free_the_list_that_kept_the_chunks() {
    on_a_thread("the arenas' trims after a document", || {
        // What lives as long as the thread is made first: its clock, and
        // each arena's registration and counters (an object, then an array).
        drop(document(1, 1, 4));
        drop(document(2, 1, 4));
        arena_arc::trim_thread();
        let before = Snapshot::now();
        drop(document(3, depth(), 4));
        arena_arc::recycle_thread();
        assert!(chunks_alive() > 40, "the chunks are kept: {:?}", stats());
        Value::trim_arena();
        Member::trim_arena();
        arena_arc::TEXT_ARENA.trim();
        assert_eq!((chunks_alive(), bytes_reserved()), (0, 0));
        before.assert_all_freed("the thread after the arenas' trims");
    });
}
