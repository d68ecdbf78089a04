//! `arena!([crate = path;] Type, CHUNK[, INDEX])` and
//! `arena!([crate = path;] static NAME: Type, CHUNK[, INDEX])`.

use proc_macro2::TokenStream;
use quote::quote;

use super::trait_impl::{Flavor, arena_alloc_impl, local_arena_expr};
use crate::parse::{ArenaForm, ArenaInput, chunk_check, chunk_tokens};
use crate::validation::{self, Errors};

pub fn arena_macro(input: ArenaInput) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let (chunk, index) = match &input.form {
        ArenaForm::ForType { chunk, index, .. } | ArenaForm::Static { chunk, index, .. } => {
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
    let krate = match &input.krate {
        Some(path) => quote!(#path),
        None => quote!(::arena_arc),
    };
    let index = match index {
        Some(index) => quote!(#index),
        None => quote!(u32),
    };
    let ty = match &input.form {
        ArenaForm::ForType { ty, .. } | ArenaForm::Static { ty, .. } => ty,
    };
    let chunk_lit = chunk_tokens(chunk, &krate, ty, &index);
    let thin_check = chunk_check(chunk, &krate, ty);
    // The macro cannot see whether the type reports its self-links
    // (`ArenaLinks`): `Flavor::Probe` lets the type checker choose.
    Ok(match &input.form {
        ArenaForm::ForType { ty, .. } => {
            let arena_impl = arena_alloc_impl(&krate, ty, &index, &chunk_lit, Flavor::Probe);
            quote!(#arena_impl #thin_check)
        }
        ArenaForm::Static {
            attrs,
            vis,
            static_token,
            name,
            ty,
            ..
        } => {
            let body = local_arena_expr(&krate, ty, &index, &chunk_lit, Flavor::Probe);
            quote! {
                #(#attrs)*
                #vis #static_token #name: #krate::LocalArena<#ty, #index, #chunk_lit> = #body;
                #thin_check
            }
        }
    })
}
