//! Procedural macros for [`arena-arc`](https://docs.rs/arena-arc):
//! `#[derive(ArenaAlloc)]` and `arena!`. Use them through the `arena_arc`
//! crate, which re-exports them (feature `derive`, on by default); their
//! documentation lives there.
//!
//! The crate is split the way the input flows: [`parse`] reads the input
//! into a model, [`attributes`] reads `#[arena(...)]`, [`validation`]
//! rejects what cannot be accepted (each error at the user's token, saying
//! what to write instead), and [`expansion`] writes the code.

mod attributes;
mod expansion;
mod parse;
mod validation;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `ArenaAlloc` for a struct and generates its typed builder.
/// See `arena_arc::ArenaAlloc` (the derive) for the attributes.
#[proc_macro_derive(ArenaAlloc, attributes(arena))]
pub fn derive_arena_alloc(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    parse::struct_model(&input)
        .map(|model| expansion::derive(&model))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// `arena!(Type, CHUNK[, INDEX])` implements `ArenaAlloc` for a local type;
/// `arena!(static NAME: Type, CHUNK[, INDEX])` declares a named per-thread
/// arena. See `arena_arc::arena`.
#[proc_macro]
pub fn arena(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as parse::ArenaInput);
    expansion::arena_macro(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
