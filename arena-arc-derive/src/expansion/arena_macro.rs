//! `arena!(Type, CHUNK[, INDEX])` and `arena!(static NAME: Type, CHUNK[, INDEX])`.

use proc_macro2::TokenStream;
use quote::quote;

use super::trait_impl::{arena_alloc_impl, local_arena_expr};
use crate::parse::{ArenaInput, chunk_tokens};
use crate::validation::{self, Errors};

pub fn arena_macro(input: ArenaInput) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let (chunk, index) = match &input {
        ArenaInput::ForType { chunk, index, .. } | ArenaInput::Static { chunk, index, .. } => {
            (chunk, index)
        }
    };
    if let Some(index) = index {
        if let Err(err) = validation::index_type(index) {
            errors.push(err);
        } else if let Err(err) = validation::chunk_fits(chunk, Some(index)) {
            errors.push(err);
        }
    }
    errors.finish()?;
    let index = match index {
        Some(index) => quote!(#index),
        None => quote!(u32),
    };
    let chunk_lit = chunk_tokens(chunk);
    Ok(match &input {
        ArenaInput::ForType { ty, .. } => arena_alloc_impl(ty, &index, &chunk_lit),
        ArenaInput::Static {
            attrs,
            vis,
            static_token,
            name,
            ty,
            ..
        } => {
            let body = local_arena_expr(ty, &index, &chunk_lit);
            quote! {
                #(#attrs)*
                #vis #static_token #name: ::arena_arc::LocalArena<#ty, #index, #chunk_lit> = #body;
            }
        }
    })
}
