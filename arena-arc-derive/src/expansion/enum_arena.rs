//! `#[derive(ArenaAlloc)]` on an enum: the per-type arena, and the
//! `ArenaLinks` impl that `match`es every variant and reports its fields
//! that may hold links. No builder: values are made with the variants.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Fields, Member, Type};

use super::links::{TypeFields, links_impls, report_field};
use super::trait_impl::{Flavor, arena_alloc_impl, own_chunk};
use crate::parse::{EnumModel, LinkKind};

/// The whole expansion of `#[derive(ArenaAlloc)]` on an enum.
pub fn derive_enum(model: &EnumModel) -> TokenStream {
    let ident = &model.ty.ident;
    let krate = &model.ty.krate();
    let index = model.ty.index();
    let (chunk, thin_check) = own_chunk(krate, ident, &index, model.ty.attrs.chunk.as_ref());
    let kind = model.link_kind();
    let flavor = if kind == LinkKind::None {
        Flavor::Plain
    } else {
        Flavor::Acyclic
    };
    let arena_impl = arena_alloc_impl(krate, ident, &index, &chunk, flavor);
    // One arm per variant; the fields that may hold links are bound as
    // `link_0`, `link_1`... and reported.
    let arms = model.variants.iter().map(|variant| {
        let name = &variant.ident;
        let bound: Vec<_> = (0..variant.links.len())
            .map(|i| format_ident!("link_{}", i))
            .collect();
        let pattern = match &variant.fields {
            Fields::Unit => quote!(Self::#name),
            Fields::Named(_) => {
                let members = variant.links.iter().map(|(member, _, _)| member);
                quote!(Self::#name { #(#members: #bound,)* .. })
            }
            Fields::Unnamed(fields) => {
                let slots =
                    (0..fields.unnamed.len()).map(|i| {
                        match variant.links.iter().position(
                    |(m, _, _)| matches!(m, Member::Unnamed(index) if index.index as usize == i),
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
        let reports = bound
            .iter()
            .zip(&variant.links)
            .map(|(b, (_, _, ty))| report_field(krate, ty, quote!((*#b))));
        quote!(#pattern => { #(#reports)* })
    });
    let body = if kind == LinkKind::None {
        TokenStream::new()
    } else {
        quote! {
            match self {
                #(#arms)*
            }
        }
    };
    let checked: Vec<(Type, String)> = model
        .variants
        .iter()
        .flat_map(|v| {
            v.links.iter().map(move |(member, _, ty)| {
                let name = match member {
                    Member::Named(name) => format!("{}::{name}", v.ident),
                    Member::Unnamed(index) => format!("{}.{}", v.ident, index.index),
                };
                (ty.clone(), name)
            })
        })
        .collect();
    let all_fields: Vec<Type> = model
        .variants
        .iter()
        .flat_map(|v| v.fields.iter().map(|f| f.ty.clone()))
        .collect();
    let links_impl = links_impls(
        krate,
        ident,
        &index,
        kind,
        model.self_link,
        body,
        TypeFields {
            checked: &checked,
            all: &all_fields,
        },
    );
    quote! {
        #arena_impl
        #thin_check

        const _: () = {
            #links_impl
        };
    }
}
