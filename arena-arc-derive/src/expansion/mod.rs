//! Code generation. Everything generated names the runtime crate by one
//! path (`::arena_arc`, or the user's `crate = path`), and declares its
//! helpers inside `const _: () = { ... };` so they cannot clash with the
//! user's names. The only `unsafe` is the `unsafe impl ArenaLinks` and
//! `unsafe impl LinkField` of every derived type (see `links.rs` for why
//! they are sound).

mod arena_macro;
mod builder;
mod enum_arena;
mod links;
mod trait_impl;

pub use arena_macro::arena_macro;

use proc_macro2::TokenStream;

use crate::parse::DeriveModel;

/// The chunk capacity of a derived arena when none is given: the type's
/// own and each handle field's (clamped to what the index type allows).
pub const DEFAULT_CHUNK: usize = 1024;

/// The whole expansion of `#[derive(ArenaAlloc)]`.
pub fn derive(model: &DeriveModel) -> TokenStream {
    match model {
        DeriveModel::Struct(model) => builder::derive_struct(model),
        DeriveModel::Enum(model) => enum_arena::derive_enum(model),
    }
}
