//! `#[derive(ArenaAlloc)]` on an enum: the per-type arena, and for an enum
//! whose variants hold handles to it, the `ArenaLinks` impl that `match`es
//! every variant. No builder: values are made with the variants.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Fields, Member};

use super::trait_impl::{Flavor, arena_alloc_impl, arena_links_impl, chunk_or_default};
use crate::parse::{EnumModel, chunk_tokens};

/// The whole expansion of `#[derive(ArenaAlloc)]` on an enum.
pub fn derive_enum(model: &EnumModel) -> TokenStream {
    let ident = &model.ty.ident;
    let krate = &model.ty.krate();
    let index = model.ty.index();
    let chunk = chunk_or_default(
        krate,
        model.ty.attrs.chunk.as_ref().map(chunk_tokens),
        &index,
    );
    if !model.has_links() {
        return arena_alloc_impl(krate, ident, &index, &chunk, Flavor::Plain);
    }
    let arena_impl = arena_alloc_impl(krate, ident, &index, &chunk, Flavor::Acyclic);
    // One arm per variant; the self-link fields are bound as `link_0`,
    // `link_1`... and reported.
    let arms = model.variants.iter().map(|variant| {
        let name = &variant.ident;
        let bound: Vec<_> = (0..variant.links.len())
            .map(|i| format_ident!("link_{}", i))
            .collect();
        let pattern = match &variant.fields {
            Fields::Unit => quote!(Self::#name),
            Fields::Named(_) => {
                let members = &variant.links;
                quote!(Self::#name { #(#members: #bound,)* .. })
            }
            Fields::Unnamed(fields) => {
                let slots = (0..fields.unnamed.len()).map(|i| {
                    match variant.links.iter().position(
                        |m| matches!(m, Member::Unnamed(index) if index.index as usize == i),
                    ) {
                        Some(k) => {
                            let binding = &bound[k];
                            quote!(#binding)
                        }
                        None => quote!(_),
                    }
                });
                quote!(Self::#name(#(#slots),*))
            }
        };
        quote!(#pattern => { #(links.visit(#bound);)* })
    });
    let body = quote! {
        match self {
            #(#arms)*
        }
    };
    let links_impl = arena_links_impl(krate, ident, &index, body);
    quote! {
        #arena_impl

        const _: () = {
            #links_impl
        };
    }
}
