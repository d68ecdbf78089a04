//! Procedural macros for [`arena-arc`](https://docs.rs/arena-arc): `#[derive(ArenaAlloc)]`
//! and `arena!`. Use them through the `arena_arc` crate, which re-exports them.
