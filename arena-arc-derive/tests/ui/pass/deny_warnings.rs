//! The generated code is warning-free, public or private.
#![deny(warnings, missing_docs, unused, nonstandard_style)]
//! A crate using the derive.

use arena_arc::{ArcSlice, ArenaAlloc, arena};

arena!(static NAMES: u8, 4096);

/// A public item.
#[derive(ArenaAlloc)]
pub struct Public {
    /// Its name.
    #[arena(shared = NAMES)]
    pub name: ArcSlice<u8>,
    /// Its weight.
    pub weight: u64,
    /// Optional.
    #[arena(default)]
    pub best: ArcSlice<u32>,
}

#[derive(ArenaAlloc)]
struct Private(#[arena(into)] String);

fn main() {
    let p = Public::builder().name(&b"n"[..]).weight(1).build();
    let q = Private::builder()._0("s").build();
    assert_eq!((p.weight, q.0.as_str(), p.name.len(), p.best.len()), (1, "s", 1, 0));
}
