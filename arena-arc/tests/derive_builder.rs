//! The builders `#[derive(ArenaAlloc)]` generates: every setter form,
//! defaults, `into`, shared arenas, tuple and unit structs, `build_arc`.
#![deny(warnings)]

use std::sync::atomic::{AtomicUsize, Ordering};

use arena_arc::{ArcSingle, ArcSlice, ArenaAlloc, arena};

arena!(static NAMES: u8, 4096);

#[derive(ArenaAlloc, Debug, PartialEq)]
#[arena(chunk = 64)]
struct Item {
    #[arena(shared = NAMES)]
    name: ArcSlice<u8>,
    tags: ArcSlice<u32>,
    #[arena(chunk = 8)]
    best: ArcSingle<u64>,
    weight: u64,
    #[arena(into)]
    label: String,
    #[arena(default)]
    count: u32,
    #[arena(default = 7)]
    seven: i64,
}

#[test]
fn every_setter_form_fills_its_field() {
    let tags = [1u32, 2, 3];
    let item = Item::builder()
        .name(&b"lamp"[..])
        .tags(&tags[..])
        .best(5)
        .weight(12)
        .label("desk")
        .build();
    assert_eq!(&*item.name, b"lamp");
    assert_eq!(item.tags, [1, 2, 3]);
    assert_eq!(*item.best, 5);
    assert_eq!(item.weight, 12);
    assert_eq!(item.label, "desk");
    assert_eq!(item.count, 0, "#[arena(default)] is Default::default()");
    assert_eq!(item.seven, 7, "#[arena(default = 7)]");

    let from_vec = Item::builder()
        .name(vec![b'a'])
        .tags(vec![9])
        .best(item.best.clone())
        .weight(0)
        .label(String::from("x"))
        .count(3)
        .seven(-1)
        .build();
    assert!(
        ArcSingle::ptr_eq(&from_vec.best, &item.best),
        "a handle is moved in, not copied"
    );
    assert_eq!(from_vec.count, 3);
    assert_eq!(from_vec.seven, -1);

    let from_iter = Item::builder()
        .name([b'z'; 3])
        .tags_from_iter((0..5).map(|i| i * i))
        .best(1)
        .weight(0)
        .label("y")
        .build();
    assert_eq!(from_iter.tags, [0, 1, 4, 9, 16]);
    assert_eq!(&*from_iter.name, b"zzz");

    let with = Item::builder()
        .name(from_iter.name.clone())
        .tags_with(4, |i| i as u32 * 10)
        .best(2)
        .weight(1)
        .label("w")
        .build();
    assert!(ArcSlice::ptr_eq(&with.name, &from_iter.name));
    assert_eq!(with.tags, [0, 10, 20, 30]);

    // The borrowed forms are cloned in; a single becomes a one-element
    // slice (found by cargo-mutants: no test used these three forms).
    let bytes = vec![b'v', b'w'];
    let pair = [7u32, 8];
    let one = NAMES.alloc_value(b'q');
    // `&[E; K]` is the setter form under test, hence the borrow.
    #[allow(clippy::needless_borrows_for_generic_args)]
    let borrowed = Item::builder()
        .name(&bytes)
        .tags(&pair)
        .best(3)
        .weight(2)
        .label("b")
        .build();
    assert_eq!(&*borrowed.name, b"vw");
    assert_eq!(borrowed.tags, pair, "cloned from the array, which stays");
    let from_single = Item::builder()
        .name(one.clone())
        .tags(vec![])
        .best(4)
        .weight(3)
        .label("s")
        .build();
    assert_eq!(&*from_single.name, b"q");
    assert_eq!(
        from_single.name.as_ptr(),
        one.as_ptr(),
        "moved in, not copied"
    );
}

/// Counts the drops of the values an optional field held.
static REPLACED: AtomicUsize = AtomicUsize::new(0);
/// Counts the evaluations of `Options::label`'s default expression.
static DEFAULTS_MADE: AtomicUsize = AtomicUsize::new(0);

#[derive(Default)]
struct Tracked(u32);

impl Drop for Tracked {
    fn drop(&mut self) {
        REPLACED.fetch_add(1, Ordering::Relaxed);
    }
}

fn made_label() -> String {
    DEFAULTS_MADE.fetch_add(1, Ordering::Relaxed);
    String::from("made")
}

#[derive(ArenaAlloc)]
struct Options {
    #[arena(default)]
    tracked: Tracked,
    #[arena(default)]
    tags: ArcSlice<u32>,
    #[arena(default = made_label())]
    label: String,
}

#[test]
fn an_optional_field_set_again_keeps_the_last_value_and_drops_the_first() {
    let builder = Options::builder().tracked(Tracked(1)).tags([1, 2]);
    assert_eq!(REPLACED.load(Ordering::Relaxed), 0);
    let builder = builder.tracked(Tracked(2)).tags([3]);
    assert_eq!(
        REPLACED.load(Ordering::Relaxed),
        1,
        "the replaced value is dropped once, when the setter is called again"
    );
    let built = builder.label(String::from("given")).build();
    assert_eq!(built.tracked.0, 2);
    assert_eq!(built.tags, [3]);
    assert_eq!(built.label, "given");
    assert_eq!(
        DEFAULTS_MADE.load(Ordering::Relaxed),
        0,
        "a default expression is not evaluated for a field that was set"
    );
    drop(built);
    assert_eq!(REPLACED.load(Ordering::Relaxed), 2);

    let defaults = Options::builder().build();
    assert_eq!(defaults.tracked.0, 0);
    assert!(defaults.tags.is_empty());
    assert_eq!(defaults.label, "made");
    assert_eq!(DEFAULTS_MADE.load(Ordering::Relaxed), 1);
    // A builder dropped unfinished drops what it holds.
    drop(Options::builder().tracked(Tracked(3)));
    assert_eq!(REPLACED.load(Ordering::Relaxed), 3);
}

#[test]
fn handle_fields_go_to_their_arenas() {
    let before = NAMES.stats().chunks_created;
    let item = Item::builder()
        .name(&b"abc"[..])
        .tags([1])
        .best(1)
        .weight(1)
        .label("l")
        .build();
    // The name went to the shared NAMES arena of this thread.
    assert!(NAMES.stats().chunks_created >= before.max(1));
    assert_eq!(NAMES.chunk_capacity(), 4096);
    assert_eq!(<Item as ArenaAlloc>::CHUNK, 64);
    drop(item);
}

#[derive(ArenaAlloc)]
struct Tagged {
    tags: ArcSlice<u32>,
    #[arena(chunk = 4)]
    small: ArcSlice<u32>,
}

#[test]
fn primitive_fields_without_a_chunk_share_one_arena_per_element_type() {
    use arena_arc::__private::DefaultFieldArena;

    // A fresh thread: its arenas start empty.
    std::thread::spawn(|| {
        let arena = <u32 as DefaultFieldArena>::arena();
        assert_eq!(arena.chunk_capacity(), 1024);
        let item = Item::builder()
            .name(&b"n"[..])
            .tags([1, 2])
            .best(1)
            .weight(1)
            .label("l")
            .build();
        let tagged = Tagged::builder().tags([3]).small([4, 5]).build();
        // `Item::tags` and `Tagged::tags` went to the one u32 field arena,
        // one after the other; `small` (own chunk capacity) did not.
        assert_eq!(arena.stats().chunks_created, 1);
        assert_eq!(arena.stats().current_chunk_free, 1024 - 3);
        assert_eq!(
            (&item.tags[..], &tagged.tags[..], &tagged.small[..]),
            (&[1, 2][..], &[3][..], &[4, 5][..])
        );
    })
    .join()
    .unwrap();
}

#[test]
fn build_arc_allocates_in_the_types_own_arena() {
    let a = Item::builder()
        .name(&b"a"[..])
        .tags([1])
        .best(1)
        .weight(1)
        .label("a")
        .build_arc();
    let b = Item::builder()
        .name(&b"b"[..])
        .tags([2])
        .best(2)
        .weight(2)
        .label("b")
        .build_arc();
    assert_eq!(a.weight, 1);
    assert_eq!(b.tags, [2]);
    let stats = Item::arena_stats();
    assert!(stats.chunks_alive >= 1);
    let more = Item::alloc(2, |i| {
        Item::builder()
            .name(&b"x"[..])
            .tags([i as u32])
            .best(0)
            .weight(0)
            .label("m")
            .build()
    });
    assert_eq!(more[1].tags, [1]);
}

#[derive(ArenaAlloc, Debug)]
#[arena(chunk = 16, index = u16)]
struct Pair(u32, #[arena(default)] ArcSlice<u8, u16>);

#[test]
fn tuple_structs_use_positional_setters() {
    let p = Pair::builder()._0(4).build();
    assert_eq!(p.0, 4);
    assert!(p.1.is_empty());
    let q = Pair::builder()._1(vec![1u8, 2])._0(5).build_arc();
    assert_eq!(q.1, [1, 2]);
    let _: ArcSingle<Pair, u16> = q;
}

#[derive(ArenaAlloc, Debug)]
struct Marker;

#[test]
fn unit_structs_build() {
    let m = Marker::builder().build_arc();
    assert_eq!(format!("{:?}", *m), "Marker");
    assert_eq!(
        <Marker as ArenaAlloc>::CHUNK,
        1024,
        "the default chunk capacity"
    );
}

static DROPS: AtomicUsize = AtomicUsize::new(0);

#[derive(ArenaAlloc)]
#[arena(chunk = 4)]
struct Noisy {
    id: usize,
}

impl Drop for Noisy {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn derived_values_are_dropped_exactly_once_after_their_thread_ends() {
    // The values are made on a thread whose arena ends with it; their chunks
    // live on while the handles do, and drops happen with the last handle.
    let (values, slice) = std::thread::spawn(|| {
        let values: Vec<_> = (0..10)
            .map(|i| Noisy::builder().id(i).build_arc())
            .collect();
        let slice = Noisy::alloc(5, |i| Noisy { id: 100 + i });
        (values, slice)
    })
    .join()
    .unwrap();
    assert_eq!(values[9].id, 9);
    assert_eq!(slice[4].id, 104);
    assert_eq!(
        DROPS.load(Ordering::Relaxed),
        0,
        "every chunk still has a handle"
    );
    drop(values);
    assert_eq!(
        DROPS.load(Ordering::Relaxed),
        10,
        "the slice of 5 > N has its own chunk"
    );
    drop(slice);
    assert_eq!(DROPS.load(Ordering::Relaxed), 15);
}

mod arc_str_fields {
    use arena_arc::{ArcSlice, ArcStr, ArenaAlloc, arena};

    arena!(static IDENTS: u8, 4096);

    #[derive(ArenaAlloc, Debug)]
    struct Ident {
        #[arena(shared = IDENTS)]
        name: ArcStr,
        #[arena(shared = IDENTS)]
        raw: ArcSlice<u8>,
        #[arena(chunk = 16)]
        kind: ArcStr<u16>,
    }

    #[test]
    fn an_arc_str_setter_copies_text_and_moves_handles() {
        let existing = IDENTS.alloc_str("moved");
        let owned = String::from("kind");
        let a = Ident::builder()
            .name("copied")
            .raw(&b"raw"[..])
            .kind(&owned)
            .build();
        let b = Ident::builder()
            .name(existing.clone())
            .raw(a.raw.clone())
            .kind(owned)
            .build();
        assert_eq!((a.name.as_str(), a.kind.as_str()), ("copied", "kind"));
        // (An owned `String`, too: found by cargo-mutants, whose mutant of
        // its `IntoArcStr` gave an empty text that no test read.)
        assert_eq!(b.kind.as_str(), "kind");
        // Moved in, not copied: the very same bytes.
        assert!(ArcStr::ptr_eq(&b.name, &existing));
        // `shared = IDENTS` puts ArcStr and ArcSlice<u8> fields in one arena.
        assert!(ArcSlice::shares_chunk(a.name.as_arc_slice(), &a.raw));
        // A field without `shared` has its own arena of 16-byte chunks.
        let c = Ident::builder()
            .name(String::from("s"))
            .raw(vec![1])
            .kind("a long kind, longer than 16 bytes")
            .build();
        assert_eq!((c.name.as_str(), c.kind.len()), ("s", 33));
        assert!(!ArcSlice::shares_chunk(
            a.kind.as_arc_slice(),
            c.kind.as_arc_slice()
        ));
    }
}
