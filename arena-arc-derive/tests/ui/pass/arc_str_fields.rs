//! `ArcStr` fields: the setter takes `&str`, `&String`, `String` or an
//! `ArcStr` (moved in), and `shared`, `chunk` and a narrow index type work as
//! for `ArcSlice<u8>`.
use arena_arc::{ArcStr, ArenaAlloc, arena};

arena!(static NAMES: u8, 4096);
arena!(static SHORT: u8, 256, u8);

#[derive(ArenaAlloc)]
struct Symbol {
    #[arena(shared = NAMES)]
    name: ArcStr,
    #[arena(chunk = 64)]
    doc: ArcStr<u32>,
    #[arena(shared = SHORT)]
    tag: arena_arc::ArcStr<u8>,
    #[arena(shared = arena_arc::TEXT_ARENA, default)]
    alias: ArcStr,
    own: ArcStr,
}

fn main() {
    let doc = String::from("the entry point");
    let s = Symbol::builder()
        .name("main")
        .doc(&doc)
        .tag(String::from("fn"))
        .own(ArcStr::from("moved"))
        .build();
    let t = Symbol::builder()
        .name(s.name.clone())
        .doc(doc)
        .tag("fn")
        .alias("start")
        .own("x")
        .build_arc();
    assert!(ArcStr::ptr_eq(&s.name, &t.name));
    assert_eq!((s.doc.as_str(), &*t.tag, &*t.alias, &*s.alias), ("the entry point", "fn", "start", ""));
}
