//! serde (feature `serde`): the handles serialize as a sequence, a value
//! and a string; they deserialize into per-thread arenas or, through
//! `DeserializeIn`, into a chosen allocator; a recursive tree round-trips;
//! malformed input and a length the index type cannot hold are serde errors
//! with every value made dropped once and every byte given back.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use arena_arc::serde::DeserializeIn;
use arena_arc::{Allocator, ArcSingle, ArcSlice, ArcStr, ArenaAlloc, TEXT_ARENA, TEXT_CHUNK};
use serde::de::DeserializeSeed;
use serde::{Deserialize, Deserializer, Serialize};

/// Counts this thread's live heap bytes (tests run on parallel threads).
struct Counting;

thread_local! {
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
}

// SAFETY: forwards to `System` unchanged; the counter is a thread-local
// `Cell` with a const initialiser and no destructor, so touching it cannot
// allocate or recurse.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LIVE_BYTES.try_with(|n| n.set(n.get() + layout.size() as isize));
        // SAFETY: the caller's promises are passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = LIVE_BYTES.try_with(|n| n.set(n.get() - layout.size() as isize));
        // SAFETY: the caller's promises are passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live_bytes() -> isize {
    LIVE_BYTES.with(Cell::get)
}

static MADE: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicUsize = AtomicUsize::new(0);

/// A leaf value: every one made by deserialization and every drop counted.
#[derive(Debug, PartialEq, Serialize)]
struct Leaf(u32);

impl<'de> Deserialize<'de> for Leaf {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = u32::deserialize(deserializer)?;
        MADE.fetch_add(1, Ordering::SeqCst);
        Ok(Leaf(n))
    }
}

impl Drop for Leaf {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

arena_arc::arena!(Leaf, 64);

/// Runs `f` on a fresh thread, one test at a time (the counters are
/// shared), and returns how many leaves were made and dropped, counting the
/// drops done when the thread's arenas went with it.
fn leaves_in_thread(f: impl FnOnce() + Send + 'static) -> (usize, usize) {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let (made, dropped) = (MADE.load(Ordering::SeqCst), DROPPED.load(Ordering::SeqCst));
    std::thread::spawn(f).join().unwrap();
    (
        MADE.load(Ordering::SeqCst) - made,
        DROPPED.load(Ordering::SeqCst) - dropped,
    )
}

#[derive(ArenaAlloc, Serialize, Deserialize, Debug, PartialEq)]
struct Record {
    name: ArcStr,
    leaves: ArcSlice<Leaf>,
    best: ArcSingle<Leaf>,
}

#[test]
fn handles_serialize_as_a_sequence_a_value_and_a_string() {
    let numbers: Allocator<u32> = Allocator::new();
    let text: Allocator<u8, u16> = Allocator::new();
    let slice = numbers.alloc_slice_copy(&[1, 2, 3]);
    assert_eq!(serde_json::to_string(&slice).unwrap(), "[1,2,3]");
    assert_eq!(serde_json::to_string(&slice.slice(1..1)).unwrap(), "[]");
    assert_eq!(serde_json::to_string(&numbers.alloc_value(5)).unwrap(), "5");
    let quoted = text.alloc_str("say \"é\"\n");
    assert_eq!(serde_json::to_string(&quoted).unwrap(), r#""say \"é\"\n""#);
    assert_eq!(
        serde_json::to_string(&ArcStr::<u32>::new()).unwrap(),
        r#""""#
    );
}

#[test]
fn a_derived_struct_round_trips_through_per_thread_arenas() {
    let (made, dropped) = leaves_in_thread(|| {
        let json = r#"{"name":"naïve","leaves":[1,2,3],"best":9}"#;
        let record: Record = serde_json::from_str(json).unwrap();
        assert_eq!(record.name, "naïve");
        assert_eq!(record.leaves, [Leaf(1), Leaf(2), Leaf(3)]);
        assert_eq!(*record.best, Leaf(9));
        assert_eq!(serde_json::to_string(&record).unwrap(), json);
        // The leaves went to Leaf's own arena, the name to the text arena.
        assert!(ArcSlice::shares_chunk(
            &record.leaves,
            &ArcSlice::from(record.best.clone())
        ));
        assert_eq!(Leaf::arena_stats().current_chunk_free, 64 - 4);
        assert_eq!(
            TEXT_ARENA.stats().current_chunk_free,
            TEXT_CHUNK - "naïve".len()
        );
    });
    // 4 deserialized, plus 4 made by the comparisons above; each dropped once.
    assert_eq!(made, 4);
    assert_eq!(dropped, 4 + 4);
}

#[test]
fn deserialize_in_fills_the_chosen_allocator() {
    let (made, dropped) = leaves_in_thread(|| {
        let leaves: Allocator<Leaf, u32, 16> = Allocator::new();
        let names: Allocator<u8, u8, 64> = Allocator::new();
        let mut json = serde_json::Deserializer::from_str("[4, 5]");
        let slice = DeserializeIn::slice(&leaves)
            .deserialize(&mut json)
            .unwrap();
        let mut json = serde_json::Deserializer::from_str("6");
        let single = DeserializeIn::single(&leaves)
            .deserialize(&mut json)
            .unwrap();
        let mut json = serde_json::Deserializer::from_str(r#""x1""#);
        let name: ArcStr<u8> = DeserializeIn::str(&names).deserialize(&mut json).unwrap();
        assert_eq!(
            (slice[0].0, slice[1].0, single.0, name.as_str()),
            (4, 5, 6, "x1")
        );
        assert_eq!(leaves.stats().chunks_created, 1);
        assert_eq!(leaves.stats().current_chunk_free, 16 - 3);
        assert_eq!(names.stats().current_chunk_free, 62);
        // Nothing went to the per-thread arenas.
        assert_eq!(Leaf::arena_stats().chunks_created, 0);
        assert_eq!(TEXT_ARENA.stats().chunks_created, 0);
        assert!(format!("{:?}", DeserializeIn::str(&names)).starts_with("DeserializeIn"));
    });
    assert_eq!((made, dropped), (3, 3));
}

#[test]
fn malformed_input_is_a_serde_error_and_leaks_nothing() {
    let (made, dropped) = leaves_in_thread(|| {
        let leaves: Allocator<Leaf, u32, 16> = Allocator::new();
        // The text arena's current chunk is made here and kept by the arena
        // for the strings to come, which is not a leak.
        // So is the bookkeeping of the thread-locals' first use.
        drop(ArcStr::from("warm-up"));
        assert_eq!(Leaf::arena_stats().chunks_created, 0);
        let before = live_bytes();
        for bad in ["[1, 2, \"three\"]", "[1, 2", "{\"a\": 1}", "[1, -2]"] {
            let mut json = serde_json::Deserializer::from_str(bad);
            let err = DeserializeIn::slice(&leaves)
                .deserialize(&mut json)
                .unwrap_err();
            assert!(
                err.is_data() || err.is_eof() || err.is_syntax(),
                "{bad}: {err}"
            );
        }
        let err = serde_json::from_str::<Record>(r#"{"name":"r","leaves":[1,2,"x"],"best":1}"#)
            .unwrap_err();
        assert!(
            err.to_string().contains("invalid type: string \"x\""),
            "{err}"
        );
        drop(err);
        let err = serde_json::from_str::<ArcStr>("[1]").unwrap_err();
        assert!(err.to_string().contains("expected a string"), "{err}");
        drop(err);
        // The values read before each error were dropped at once; no chunk
        // was made (the record's name went to the text arena's current
        // chunk), and every byte (Vec buffers, errors) was given back.
        assert_eq!(leaves.stats().chunks_created, 0);
        assert_eq!(Leaf::arena_stats().chunks_created, 0);
        assert_eq!(live_bytes(), before);
    });
    // [1, 2, "three"] made 2, [1, 2 made 2, [1, -2] made 1, the record 2.
    assert_eq!((made, dropped), (7, 7));
}

#[test]
fn a_length_or_limit_the_arena_cannot_meet_is_an_error_not_a_panic() {
    let (made, dropped) = leaves_in_thread(|| {
        let narrow: Allocator<Leaf, u8, 16> = Allocator::new();
        let long = format!("[{}1]", "1,".repeat(299));
        let mut json = serde_json::Deserializer::from_str(&long);
        let err = DeserializeIn::slice(&narrow)
            .deserialize(&mut json)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot allocate a slice of 300 elements: the index type `u8`"),
            "{err}"
        );
        let limited: Allocator<u8, u32, 16> = Allocator::with_limit(16);
        let mut json = serde_json::Deserializer::from_str(r#""a string too long for the limit""#);
        let err = DeserializeIn::str(&limited)
            .deserialize(&mut json)
            .unwrap_err();
        assert!(
            err.to_string().contains("allocation limit of 16 bytes"),
            "{err}"
        );
        assert_eq!(limited.stats().chunks_alive, 0);
    });
    assert_eq!((made, dropped), (300, 300));
}

/// A recursive tree in its own arena.
#[derive(ArenaAlloc, Serialize, Deserialize, Debug, PartialEq)]
struct Node {
    name: ArcStr,
    leaf: Leaf,
    children: ArcSlice<Node>,
}

#[test]
fn a_recursive_tree_round_trips_and_frees_itself() {
    let json = r#"{"name":"root","leaf":0,"children":[{"name":"a","leaf":1,"children":[{"name":"a1","leaf":2,"children":[]},{"name":"a2","leaf":3,"children":[]}]},{"name":"b","leaf":4,"children":[]}]}"#;
    let (made, dropped) = leaves_in_thread(move || {
        let dropped_before = DROPPED.load(Ordering::SeqCst);
        let tree: Node = serde_json::from_str(json).unwrap();
        assert_eq!(
            DROPPED.load(Ordering::SeqCst),
            dropped_before,
            "nothing dropped on the way"
        );
        assert_eq!(serde_json::to_string(&tree).unwrap(), json);
        assert_eq!(tree.children.len(), 2);
        assert_eq!(tree.children[0].children[1].name, "a2");
        assert_eq!(tree.children[0].children[1].leaf.0, 3);
        assert!(tree.children[1].children.is_empty());
        // The children went to Node's own arena: 2 + 2 nodes.
        assert_eq!(Node::arena_stats().current_chunk_free, 1024 - 4);
        drop(tree);
        // Node's arena is acyclic (its children are self-links), so once
        // the current chunks are retired nothing is left in any arena.
        Node::trim_arena();
        TEXT_ARENA.trim();
        assert_eq!(DROPPED.load(Ordering::SeqCst) - dropped_before, 5);
        assert_eq!(Node::arena_stats().chunks_alive, 0);
        assert_eq!(TEXT_ARENA.stats().chunks_alive, 0);
    });
    assert_eq!((made, dropped), (5, 5));
    // Under Miri, its leak check at the end of the run also proves that no
    // byte of the tree is left.
}

/// The issue's struct, as a user writes it: a primitive slice and a
/// recursive slice next to a string, with nothing but derives.
#[derive(arena_arc::ArenaAlloc, Serialize, Deserialize, Debug, PartialEq)]
struct Item {
    name: ArcStr,
    tags: ArcSlice<u32>,
    #[arena(default)]
    kids: ArcSlice<Item>,
}

#[test]
fn a_derived_struct_with_primitive_and_self_slices_round_trips() {
    std::thread::spawn(|| {
        let json = r#"{"name":"lamp","tags":[1,2,3],"kids":[{"name":"bulb","tags":[],"kids":[]},{"name":"cord","tags":[7],"kids":[]}]}"#;
        let item: Item = serde_json::from_str(json).unwrap();
        assert_eq!(item.name, "lamp");
        assert_eq!(item.tags, [1, 2, 3]);
        assert_eq!(item.kids[1].tags, [7]);
        assert_eq!(serde_json::to_string(&item).unwrap(), json);
        // The tags went to the per-thread arena of u32 that the builder's
        // `tags` setter fills: one arena per element type and thread.
        let built = Item::builder().name("shade").tags(vec![4, 5]).build();
        assert!(ArcSlice::shares_chunk(&item.tags, &built.tags));
        assert!(ArcSlice::shares_chunk(&item.tags, &item.kids[1].tags));
        assert_eq!(u32::arena_stats().current_chunk_free, 1024 - 3 - 1 - 2);

        // Other primitives and `ArcStr` elements deserialize too.
        let floats: ArcSlice<f64> = serde_json::from_str("[0.5,-1.0]").unwrap();
        let keys: ArcSlice<ArcStr> = serde_json::from_str(r#"["id","name"]"#).unwrap();
        let flag: ArcSingle<bool> = serde_json::from_str("true").unwrap();
        assert_eq!(floats, [0.5, -1.0]);
        assert_eq!(keys, ["id", "name"].map(ArcStr::from));
        assert!(*flag);
    })
    .join()
    .unwrap();
}

/// A format that hands a string over as bytes (`visit_bytes`) gives an
/// `ArcStr` when they are UTF-8 and a serde error naming the bytes when they
/// are not. (Found by cargo-mutants: `visit_bytes` could return an empty
/// string and nothing failed; serde_json always hands over a `str`.)
#[test]
fn a_string_handed_over_as_bytes_deserializes_or_is_an_error() {
    use serde::de::value::{BytesDeserializer, Error};

    let text = ArcStr::<u32>::deserialize(BytesDeserializer::<Error>::new("naïve".as_bytes()));
    assert_eq!(text.unwrap().as_str(), "naïve");

    let into: Allocator<u8> = Allocator::new();
    let text = DeserializeIn::str(&into).deserialize(BytesDeserializer::<Error>::new(b"bytes"));
    assert_eq!(text.unwrap().as_str(), "bytes");

    let err = ArcStr::<u32>::deserialize(BytesDeserializer::<Error>::new(b"\xff\xfe")).unwrap_err();
    assert!(
        err.to_string().contains("invalid value") && err.to_string().contains("a string"),
        "{err}"
    );
}
