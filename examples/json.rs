//! A JSON DOM made of this crate's handles, read with serde without a `Vec`
//! per array or object, walked, dropped, and its memory given back.
//!
//! Run with `cargo run --example json` (or `--release`).
//!
//! What it shows:
//!
//! - **The model**, written the natural way: two derived types pointing at
//!   each other, no attribute. Each has its own per-thread arena; strings
//!   and keys are [`ArcStr`]s in the thread's default text arena
//!   ([`arena_arc::TEXT_ARENA`]). Numbers are `f64`, as JavaScript reads
//!   them (`serde_json::Value` keeps integers as `u64`/`i64`: an id above
//!   2^53 loses its last digits here, which is why such documents carry
//!   them as strings too, like `"id_str"`).
//! - **Reading** ([`parse`]): a [`DeserializeSeed`] whose visitor holds two
//!   stacks, one of values and one of members, shared by the whole
//!   document. An array pushes its elements on the value stack above the
//!   elements of the arrays that enclose it, then moves them into its
//!   arena slice with one copy (`Value::alloc_split_off`, exactly sized),
//!   which pops them; an object does the same with members. So one pair of `Vec`s serves the whole
//!   document, and they hold at most the elements of the containers open
//!   at one time, not a `Vec` per container. The visitor pushes each value
//!   where it belongs instead of returning it through serde's calls (on
//!   number-heavy GeoJSON that took a fifth off the parse).
//! - **Dropping**: the document frees itself with its root (the arenas of
//!   one thread share one generation, so the links between `Value`s and
//!   `Member`s do not keep chunks alive). The thread keeps the freed chunks
//!   for its next document, which then makes no new chunk;
//!   `arena_arc::trim_thread()` gives them back.
//!
//! The document is generated: an event catalogue of about 1 MB with nested
//! maps, shaped like the object-heavy document of the W10 benchmark
//! (`benches/json.rs`).
//! The example checks its walk against `serde_json::Value`'s.
//!
//! `benches/json.rs` includes this file as its `ours` contestant.

use std::fmt::{self, Write as _};
use std::time::Instant;

use arena_arc::{ArcSlice, ArcStr, ArenaAlloc, TEXT_ARENA};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

// ----- the model ----------------------------------------------------------------------

/// A JSON value.
#[derive(ArenaAlloc)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(ArcStr),
    Array(ArcSlice<Value>),
    Object(ArcSlice<Member>),
}

/// A key and its value, in the order of the document (duplicate keys are
/// kept, as they were read).
#[derive(ArenaAlloc)]
pub struct Member {
    pub key: ArcStr,
    pub value: Value,
}

impl Value {
    /// The value of the first member named `key`, if `self` is an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|m| m.key == key).map(|m| &m.value),
            _ => None,
        }
    }
}

// ----- reading: one pair of stacks per document -----------------------------------------

/// Reads `json` into the calling thread's arenas.
pub fn parse(json: &str) -> Result<Value, serde_json::Error> {
    let mut stacks = Stacks::default();
    let mut de = serde_json::Deserializer::from_str(json);
    ValueSeed::new(&mut stacks, None).deserialize(&mut de)?;
    de.end()?;
    Ok(stacks
        .values
        .pop()
        .expect("a parsed document left its root on the stack"))
}

/// The elements of the arrays and objects being read, innermost last.
#[derive(Default)]
struct Stacks {
    values: Vec<Value>,
    members: Vec<Member>,
}

/// Reads one value and pushes it where it belongs: on the value stack, or,
/// with its object's `key`, on the member stack. The value is not returned:
/// a `Result<Value, _>` passed back through serde's calls was copied in
/// pieces the next load could not forward from, a stall per value that
/// was a fifth of the parse of a number-heavy document.
struct ValueSeed<'s> {
    stacks: &'s mut Stacks,
    key: Option<ArcStr>,
}

impl<'s> ValueSeed<'s> {
    fn new(stacks: &'s mut Stacks, key: Option<ArcStr>) -> Self {
        ValueSeed { stacks, key }
    }

    #[inline(always)]
    fn put(self, value: Value) {
        match self.key {
            None => self.stacks.values.push(value),
            Some(key) => self.stacks.members.push(Member { key, value }),
        }
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.put(Value::Null);
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.put(Value::Null);
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.put(Value::Bool(v));
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.put(Value::Number(v as f64));
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.put(Value::Number(v as f64));
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.put(Value::Number(v));
        Ok(())
    }

    /// Borrowed from the input or unescaped into serde_json's scratch
    /// buffer: copied into the text arena either way.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.put(Value::String(ArcStr::from(v)));
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let base = self.stacks.values.len();
        while seq
            .next_element_seed(ValueSeed::new(&mut *self.stacks, None))?
            .is_some()
        {}
        let items = Value::alloc_split_off(&mut self.stacks.values, base);
        self.put(Value::Array(items));
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let base = self.stacks.members.len();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            map.next_value_seed(ValueSeed::new(&mut *self.stacks, Some(key)))?;
        }
        let members = Member::alloc_split_off(&mut self.stacks.members, base);
        self.put(Value::Object(members));
        Ok(())
    }
}

/// Reads an object's key into the text arena.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = ArcStr;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<ArcStr, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = ArcStr;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<ArcStr, E> {
        Ok(ArcStr::from(v))
    }
}

// ----- walking --------------------------------------------------------------------------

/// What a walk counts.
#[derive(Debug, Default, PartialEq)]
pub struct Counts {
    pub values: u64,
    pub members: u64,
    pub numbers: u64,
    /// The bit patterns of the numbers, added (wrapping): exact, and
    /// independent of the order of the walk (serde_json's `Map` sorts its
    /// keys, ours keeps the document's order).
    pub number_bits: u64,
    pub string_bytes: u64,
}

pub fn walk(v: &Value, c: &mut Counts) {
    c.values += 1;
    match v {
        Value::Null | Value::Bool(_) => {}
        Value::Number(x) => {
            c.numbers += 1;
            c.number_bits = c.number_bits.wrapping_add(x.to_bits());
        }
        Value::String(s) => c.string_bytes += s.len() as u64,
        Value::Array(items) => items.iter().for_each(|v| walk(v, c)),
        Value::Object(members) => {
            for m in members.iter() {
                c.members += 1;
                c.string_bytes += m.key.len() as u64;
                walk(&m.value, c);
            }
        }
    }
}

/// The same walk over a `serde_json::Value`, to check ours against.
fn walk_serde(v: &serde_json::Value, c: &mut Counts) {
    use serde_json::Value as J;
    c.values += 1;
    match v {
        J::Null | J::Bool(_) => {}
        J::Number(x) => {
            c.numbers += 1;
            let x = x.as_f64().unwrap_or(f64::NAN);
            c.number_bits = c.number_bits.wrapping_add(x.to_bits());
        }
        J::String(s) => c.string_bytes += s.len() as u64,
        J::Array(items) => items.iter().for_each(|v| walk_serde(v, c)),
        J::Object(members) => {
            for (key, value) in members {
                c.members += 1;
                c.string_bytes += key.len() as u64;
                walk_serde(value, c);
            }
        }
    }
}

// ----- the document ---------------------------------------------------------------------

/// An event catalogue of `events` events: nested maps keyed by id, a few
/// arrays of ids, prices by category, sessions. Deterministic.
fn catalogue(events: usize) -> String {
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    const NAMES: [&str; 6] = [
        "Orchestre symphonique",
        "Récital de piano",
        "Opéra : La Traviata",
        "Jazz à la Villette",
        "Ballet du Bolchoï",
        "Quatuor à cordes",
    ];
    let mut s = String::from("{\"events\":{");
    for e in 0..events {
        let id = 138_586_341 + e as u64 * 7;
        if e > 0 {
            s.push(',');
        }
        write!(
            s,
            "\"{id}\":{{\"id\":{id},\"name\":\"{}\",\"description\":null,\"subjectCode\":null,\
             \"topicIds\":[{},{}],\"prices\":{{",
            NAMES[next(6) as usize],
            324_846_099 + next(40),
            107_888_604 + next(40),
        )
        .unwrap();
        for (k, category) in ["adult", "child", "senior"].iter().enumerate() {
            let sep = if k > 0 { "," } else { "" };
            write!(
                s,
                "{sep}\"{category}\":{{\"amount\":{}.{:02},\"currency\":\"EUR\"}}",
                10 + next(90),
                next(100),
            )
            .unwrap();
        }
        s.push_str("},\"sessions\":{");
        for k in 0..1 + next(4) {
            let sep = if k > 0 { "," } else { "" };
            write!(
                s,
                "{sep}\"s{k}\":{{\"start\":{},\"seats\":{{\"available\":{},\"total\":120}},\"soldOut\":{}}}",
                1_372_701_600_000 + next(1_000_000) * 1000,
                next(121),
                next(5) == 0,
            )
            .unwrap();
        }
        s.push_str("}}");
    }
    s.push_str("}}");
    s
}

// ----- the run --------------------------------------------------------------------------

fn main() {
    let json = catalogue(2000);
    println!(
        "document: an event catalogue, {} KB of JSON",
        json.len() / 1000
    );

    let t = Instant::now();
    let doc = parse(&json).expect("the generated document is valid JSON");
    let parsed = t.elapsed();

    let mut ours = Counts::default();
    walk(&doc, &mut ours);
    println!(
        "parsed in {parsed:.2?}: {} values, {} members, {} numbers, {} bytes of text and keys",
        ours.values, ours.members, ours.numbers, ours.string_bytes
    );

    // The same document through serde_json::Value gives the same counts.
    let reference: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut theirs = Counts::default();
    walk_serde(&reference, &mut theirs);
    assert_eq!(ours, theirs, "the walk disagrees with serde_json::Value's");

    let first = doc.get("events").and_then(|events| match events {
        Value::Object(members) => members.first(),
        _ => None,
    });
    if let Some(Member { key, value }) = first {
        if let Some(Value::String(name)) = value.get("name") {
            println!("first event: {key}, {name:?}");
        }
    }

    let report = |when: &str| {
        let (v, m, t) = (
            Value::arena_stats(),
            Member::arena_stats(),
            TEXT_ARENA.stats(),
        );
        println!(
            "{when:<28} chunks alive: Value {:>3}, Member {:>3}, text {:>3}; {:>7} bytes",
            v.chunks_alive,
            m.chunks_alive,
            t.chunks_alive,
            v.bytes_reserved + m.bytes_reserved + t.bytes_reserved,
        );
        v.chunks_alive + m.chunks_alive + t.chunks_alive
    };
    report("with the document:");
    // The chunks of a dropped document go at the thread's next allocation
    // into these arenas, or at `recycle_thread()` or `trim_thread()`.
    drop(doc);
    report("dropped:");
    // A stream: each document is freed at the next one's first allocation,
    // which takes its chunks back; `recycle_thread()` does that work at the
    // boundary. Ten more documents make no new `Value` or `Member` chunk
    // (but the dedicated one of each `events` object, longer than a chunk,
    // which is freed with its handle).
    arena_arc::recycle_thread();
    report("dropped + recycle_thread():");
    let made = || {
        let (v, m) = (Value::arena_stats(), Member::arena_stats());
        v.chunks_created - v.dedicated_chunks + m.chunks_created - m.dedicated_chunks
    };
    let before = made();
    let t = Instant::now();
    for _ in 0..10 {
        let doc = parse(&json).expect("the generated document is valid JSON");
        assert!(doc.get("events").is_some());
    }
    let stream = t.elapsed() / 10;
    assert_eq!(made(), before, "the stream made new chunks");
    println!(
        "10 more documents, each dropped before the next: {stream:.2?} each, no new regular chunk"
    );
    // One call frees it all, the kept chunks too: the `Member` chunks' drops
    // release the text chunks their keys held last, and the trim goes round
    // the arenas again until a round frees nothing.
    arena_arc::trim_thread();
    let left = report("dropped + trim_thread():");
    assert_eq!(left, 0, "the document left chunks behind");
}
