//! Code generation. Everything generated names the runtime crate by its
//! absolute path (`::arena_arc::...`), declares its helpers inside
//! `const _: () = { ... };` so they cannot clash with the user's names, and
//! contains no `unsafe`.

mod arena_macro;
mod builder;
mod trait_impl;

pub use arena_macro::arena_macro;
pub use builder::derive;

/// The chunk capacity of a derived arena when none is given: the struct's
/// own and each handle field's (clamped to what the index type allows).
pub const DEFAULT_CHUNK: usize = 1024;
