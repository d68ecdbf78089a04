//! The contestants of W10: `serde_json::Value`, DOMs of `std::sync::Arc`
//! and of multitude's `Arc`, and this crate's (`examples/json.rs`).
//!
//! The handle DOMs have the same shape as ours: `Value { Null, Bool,
//! Number(f64), String(Str), Array(Many<Value>), Object(Many<Member>) }`
//! and `Member { key: Str, value: Value }`, read through serde_json's
//! `Deserializer` by a visitor, numbers as `f64`. Two readers:
//!
//! - **a `Vec` per container** (`Arc`, `multitude`), the natural way: an
//!   array collects its elements in a `Vec`, then moves them into its
//!   `Arc<[Value]>`;
//! - **one pair of stacks per document** (`Arc-stack`, `multitude-stack`),
//!   the reader of `examples/json.rs` (ours): shows how much of the
//!   difference is the reader rather than the allocator.

use std::fmt;
use std::hint::black_box;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::docs::Sum;
use crate::measure::{Stamp, Start};

/// One run over one document. Times in nanoseconds.
#[derive(Default, Clone, Copy)]
pub struct Sample {
    pub parse: u64,
    pub walk: u64,
    pub drop: u64,
    pub sum: Sum,
    /// Peak heap above what was in use before the parse (counting runs).
    pub heap_peak: usize,
    /// Heap still in use after the drop phase (counting runs).
    pub left: usize,
}

/// What a contestant does.
pub trait Contestant {
    /// What the document's handles are allocated from (`()` for the
    /// global allocator and this crate's per-thread arenas).
    type Arena;
    type Doc;
    fn parse(json: &str) -> (Self::Arena, Self::Doc);
    fn walk(doc: &Self::Doc) -> Sum;
    /// Drops the document, then frees what the arena still holds.
    fn drop(arena: Self::Arena, doc: Self::Doc) {
        drop(doc);
        drop(arena);
    }
}

/// Parses, walks and drops `json` with `C`, each phase timed.
pub fn run<C: Contestant>(json: &str) -> Sample {
    let start = Start::now();
    let t = Stamp::now();
    let (arena, doc) = C::parse(black_box(json));
    let parse = t.ns();
    let t = Stamp::now();
    let sum = black_box(C::walk(black_box(&doc)));
    let walk = t.ns();
    let t = Stamp::now();
    C::drop(arena, doc);
    let drop = t.ns();
    Sample {
        parse,
        walk,
        drop,
        sum,
        heap_peak: start.heap_peak(),
        left: start.left(),
    }
}

pub struct Entry {
    pub name: &'static str,
    pub label: &'static str,
    pub run: fn(&str) -> Sample,
}

pub const ALL: &[Entry] = &[
    Entry {
        name: "serde_json",
        label: "`serde_json::Value`",
        run: run::<serde_value::C>,
    },
    Entry {
        name: "Arc",
        label: "`Arc<str>`/`Arc<[_]>`, a `Vec` per container",
        run: run::<std_arc::Natural>,
    },
    Entry {
        name: "Arc-stack",
        label: "`Arc<str>`/`Arc<[_]>`, our stacks",
        run: run::<std_arc::Stacked>,
    },
    Entry {
        name: "multitude",
        label: "multitude 0.12.0 `Arc`, a `Vec` per container",
        run: run::<multi::Natural>,
    },
    Entry {
        name: "multitude-stack",
        label: "multitude 0.12.0 `Arc`, our stacks",
        run: run::<multi::Stacked>,
    },
    Entry {
        name: "ours",
        label: "this crate, `examples/json.rs`",
        run: run::<ours::C>,
    },
];

pub fn find(name: &str) -> Option<&'static Entry> {
    ALL.iter().find(|e| e.name == name)
}

// ----- serde_json::Value ----------------------------------------------------------------

mod serde_value {
    use serde_json::Value;

    use super::Sum;

    pub struct C;
    impl super::Contestant for C {
        type Arena = ();
        type Doc = Value;
        fn parse(json: &str) -> ((), Value) {
            (
                (),
                serde_json::from_str(json).expect("W10: a valid document"),
            )
        }
        fn walk(doc: &Value) -> Sum {
            let mut s = Sum::default();
            walk(doc, &mut s);
            s
        }
    }

    /// The checksum of `doc`, for the parent to check the children against.
    pub fn expected(json: &str) -> Sum {
        let doc: Value = serde_json::from_str(json).expect("W10: a valid document");
        let mut s = Sum::default();
        walk(&doc, &mut s);
        s
    }

    fn walk(v: &Value, s: &mut Sum) {
        s.values += 1;
        match v {
            Value::Null => s.nulls += 1,
            Value::Bool(b) => s.trues += u64::from(*b),
            Value::Number(x) => s.number(x.as_f64().unwrap_or(f64::NAN)),
            Value::String(t) => {
                s.strings += 1;
                s.text(t);
            }
            Value::Array(items) => {
                s.arrays += 1;
                items.iter().for_each(|v| walk(v, s));
            }
            Value::Object(members) => {
                s.objects += 1;
                for (key, value) in members {
                    s.members += 1;
                    s.text(key);
                    walk(value, s);
                }
            }
        }
    }
}

pub use serde_value::expected;

// ----- the handle DOMs: one walk, two readers -------------------------------------------

/// `fn walk(&Value, &mut Sum)` for a `Value`/`Member` pair in scope with
/// the variants of the model (`Array` and `Object` deref to slices,
/// strings and keys to `str`).
macro_rules! walk {
    () => {
        pub fn walk_value(v: &Value, s: &mut $crate::docs::Sum) {
            s.values += 1;
            match v {
                Value::Null => s.nulls += 1,
                Value::Bool(b) => s.trues += u64::from(*b),
                Value::Number(x) => s.number(*x),
                Value::String(t) => {
                    s.strings += 1;
                    s.text(t);
                }
                Value::Array(items) => {
                    s.arrays += 1;
                    items.iter().for_each(|v| walk_value(v, s));
                }
                Value::Object(members) => {
                    s.objects += 1;
                    for m in members.iter() {
                        s.members += 1;
                        s.text(&m.key);
                        walk_value(&m.value, s);
                    }
                }
            }
        }
    };
}

/// How a handle DOM makes its nodes, for the two readers.
pub trait Dom {
    type Value;
    type Member;
    type Str;
    fn null() -> Self::Value;
    fn bool(v: bool) -> Self::Value;
    fn number(v: f64) -> Self::Value;
    fn str(&self, s: &str) -> Self::Str;
    fn string(s: Self::Str) -> Self::Value;
    fn member(key: Self::Str, value: Self::Value) -> Self::Member;
    fn array(&self, items: impl ExactSizeIterator<Item = Self::Value>) -> Self::Value;
    fn object(&self, members: impl ExactSizeIterator<Item = Self::Member>) -> Self::Value;
}

/// The elements of the arrays and objects being read, innermost last.
type Stacks<D> = (Vec<<D as Dom>::Value>, Vec<<D as Dom>::Member>);

/// The natural reader: a `Vec` per container, each value returned.
struct Seed<'a, D: Dom> {
    dom: &'a D,
}

/// Reads `json` into `dom`, with a `Vec` per container or (`stacks`) one
/// pair of stacks for the whole document, which the reader pushes each
/// value onto rather than return it ([`PushSeed`], as `examples/json.rs`
/// reads this crate's model).
pub fn read<D: Dom>(dom: &D, json: &str, stacks: bool) -> D::Value {
    let mut own: Stacks<D> = (Vec::new(), Vec::new());
    let mut de = serde_json::Deserializer::from_str(json);
    let value = if stacks {
        PushSeed {
            dom,
            stacks: &mut own,
            key: None,
        }
        .deserialize(&mut de)
        .expect("W10: a valid document");
        own.0.pop().expect("W10: the root on the stack")
    } else {
        Seed { dom }
            .deserialize(&mut de)
            .expect("W10: a valid document")
    };
    de.end().expect("W10: a valid document");
    value
}

/// The stacked reader: pushes each value on the value stack or, with its
/// object's `key`, on the member stack, and returns nothing (see
/// `examples/json.rs`: a returned value cost a store-forwarding stall).
struct PushSeed<'a, D: Dom> {
    dom: &'a D,
    stacks: &'a mut Stacks<D>,
    key: Option<D::Str>,
}

impl<D: Dom> PushSeed<'_, D> {
    #[inline(always)]
    fn put<E>(self, value: D::Value) -> Result<(), E> {
        match self.key {
            None => self.stacks.0.push(value),
            Some(key) => self.stacks.1.push(D::member(key, value)),
        }
        Ok(())
    }
}

impl<'de, D: Dom> DeserializeSeed<'de> for PushSeed<'_, D> {
    type Value = ();
    fn deserialize<De: Deserializer<'de>>(self, d: De) -> Result<(), De::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, D: Dom> Visitor<'de> for PushSeed<'_, D> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.put(D::null())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.put(D::bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.put(D::number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.put(D::number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.put(D::number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let s = self.dom.str(v);
        self.put(D::string(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let dom = self.dom;
        let base = self.stacks.0.len();
        while seq
            .next_element_seed(PushSeed {
                dom,
                stacks: &mut *self.stacks,
                key: None,
            })?
            .is_some()
        {}
        let array = dom.array(self.stacks.0.drain(base..));
        self.put(array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let dom = self.dom;
        let base = self.stacks.1.len();
        while let Some(key) = map.next_key_seed(KeySeed(dom))? {
            map.next_value_seed(PushSeed {
                dom,
                stacks: &mut *self.stacks,
                key: Some(key),
            })?;
        }
        let object = dom.object(self.stacks.1.drain(base..));
        self.put(object)
    }
}

impl<'de, D: Dom> DeserializeSeed<'de> for Seed<'_, D> {
    type Value = D::Value;
    fn deserialize<De: Deserializer<'de>>(self, d: De) -> Result<D::Value, De::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, D: Dom> Visitor<'de> for Seed<'_, D> {
    type Value = D::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<D::Value, E> {
        Ok(D::null())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<D::Value, E> {
        Ok(D::bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<D::Value, E> {
        Ok(D::number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<D::Value, E> {
        Ok(D::number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<D::Value, E> {
        Ok(D::number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<D::Value, E> {
        Ok(D::string(self.dom.str(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<D::Value, A::Error> {
        let dom = self.dom;
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(Seed { dom })? {
            items.push(v);
        }
        Ok(dom.array(items.into_iter()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<D::Value, A::Error> {
        let dom = self.dom;
        let mut members = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed(dom))? {
            let value = map.next_value_seed(Seed { dom })?;
            members.push(D::member(key, value));
        }
        Ok(dom.object(members.into_iter()))
    }
}

struct KeySeed<'a, D>(&'a D);

impl<'de, D: Dom> DeserializeSeed<'de> for KeySeed<'_, D> {
    type Value = D::Str;
    fn deserialize<De: Deserializer<'de>>(self, d: De) -> Result<D::Str, De::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, D: Dom> Visitor<'de> for KeySeed<'_, D> {
    type Value = D::Str;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<D::Str, E> {
        Ok(self.0.str(v))
    }
}

/// The model's types over `Many<T>` and `Str`, their [`Dom`] impl for
/// `$arena` (whose `many` and `str` allocate), and the two contestants.
macro_rules! handle_dom {
    ($arena:ty, $make:expr) => {
        pub enum Value {
            Null,
            Bool(bool),
            Number(f64),
            String(Str),
            Array(Many<Value>),
            Object(Many<Member>),
        }

        pub struct Member {
            pub key: Str,
            pub value: Value,
        }

        impl crate::contestants::Dom for $arena {
            type Value = Value;
            type Member = Member;
            type Str = Str;
            #[inline]
            fn null() -> Value {
                Value::Null
            }
            #[inline]
            fn bool(v: bool) -> Value {
                Value::Bool(v)
            }
            #[inline]
            fn number(v: f64) -> Value {
                Value::Number(v)
            }
            #[inline]
            fn str(&self, s: &str) -> Str {
                self.text(s)
            }
            #[inline]
            fn string(s: Str) -> Value {
                Value::String(s)
            }
            #[inline]
            fn member(key: Str, value: Value) -> Member {
                Member { key, value }
            }
            #[inline]
            fn array(&self, items: impl ExactSizeIterator<Item = Value>) -> Value {
                Value::Array(self.many(items))
            }
            #[inline]
            fn object(&self, members: impl ExactSizeIterator<Item = Member>) -> Value {
                Value::Object(self.many(members))
            }
        }

        walk!();

        pub struct Natural;
        impl crate::contestants::Contestant for Natural {
            type Arena = $arena;
            type Doc = Value;
            fn parse(json: &str) -> ($arena, Value) {
                let arena = $make;
                let doc = crate::contestants::read(&arena, json, false);
                (arena, doc)
            }
            fn walk(doc: &Value) -> crate::docs::Sum {
                let mut s = crate::docs::Sum::default();
                walk_value(doc, &mut s);
                s
            }
        }

        pub struct Stacked;
        impl crate::contestants::Contestant for Stacked {
            type Arena = $arena;
            type Doc = Value;
            fn parse(json: &str) -> ($arena, Value) {
                let arena = $make;
                let doc = crate::contestants::read(&arena, json, true);
                (arena, doc)
            }
            fn walk(doc: &Value) -> crate::docs::Sum {
                let mut s = crate::docs::Sum::default();
                walk_value(doc, &mut s);
                s
            }
        }
    };
}

// ----- std::sync::Arc --------------------------------------------------------------------

mod std_arc {
    use std::sync::Arc;

    type Many<T> = Arc<[T]>;
    type Str = Arc<str>;

    /// The global allocator.
    pub struct Heap;
    impl Heap {
        #[inline]
        fn many<T>(&self, items: impl ExactSizeIterator<Item = T>) -> Arc<[T]> {
            // `vec::IntoIter` and `Drain` are `TrustedLen`: one allocation
            // of the exact size.
            items.collect()
        }
        #[inline]
        fn text(&self, s: &str) -> Arc<str> {
            Arc::from(s)
        }
    }

    handle_dom!(Heap, Heap);
}

// ----- multitude -------------------------------------------------------------------------

/// multitude's atomically counted `Arc`s from one `multitude::Arena`, made
/// at the start of the parse and dropped after the document.
mod multi {
    use multitude::Arc;

    type Many<T> = Arc<[T]>;
    type Str = Arc<str>;

    pub struct Arena(multitude::Arena);
    impl Arena {
        #[inline]
        fn many<T: Send + Sync>(&self, items: impl ExactSizeIterator<Item = T>) -> Arc<[T]> {
            self.0.alloc_slice_fill_iter_arc(items)
        }
        #[inline]
        fn text(&self, s: &str) -> Arc<str> {
            self.0.alloc_str_arc(s)
        }
    }

    handle_dom!(Arena, Arena(multitude::Arena::new()));
}

// ----- this crate ------------------------------------------------------------------------

/// `examples/json.rs`: its model, its reader (`parse`), and this bench's
/// walk over them. The drop phase ends with `arena_arc::recycle_thread()`,
/// so that the document is freed in the phase (not at the next document's
/// first allocation, which would do the same). Its chunks stay with the
/// thread for the next document, as the allocator keeps the other
/// contestants' freed blocks: they show in "left after drop".
mod ours {
    use crate::example::{self, Value};

    walk!();

    pub struct C;
    impl crate::contestants::Contestant for C {
        type Arena = ();
        type Doc = Value;
        fn parse(json: &str) -> ((), Value) {
            ((), example::parse(json).expect("W10: a valid document"))
        }
        fn walk(doc: &Value) -> crate::docs::Sum {
            let mut s = crate::docs::Sum::default();
            walk_value(doc, &mut s);
            s
        }
        fn drop(_: (), doc: Value) {
            drop(doc);
            arena_arc::recycle_thread();
        }
    }
}
