//! `unsafe impl ArenaLinks` and `unsafe impl LinkField` for a derived type,
//! and the ban on `impl Drop` that they rely on when a field visibly holds
//! handles.
//!
//! Every field that may hold links ([`LinkKind`]) is reported through the
//! runtime's `Probe`: the type checker picks `ReportLinks` when the field's
//! type is a `LinkField` (a handle to a type that reports links, a derived
//! type held by value, or an `Option`, `Box`, `Vec`, array or tuple of
//! those) and `ReportNothing` otherwise. So links to every derived type are
//! reported, whatever the field's type is called, and the derive needs to
//! know no other type's name.
//!
//! # Why the generated `unsafe impl`s are sound
//!
//! - Only fields of `self` (of the struct, or of the enum's variant) are
//!   reported, each once, through `LinkField` impls that report handles
//!   owned by value, inside the runtime's owning containers, or inside a
//!   derived type held by value (through that type's own generated impl).
//!   Handles behind references, shared owners or interior mutability are not
//!   `LinkField`s and are never reported.
//! - No type between `self` and a reported handle implements `Drop` (a
//!   `Drop` could read a link whose target was already dropped): a type
//!   whose fields visibly hold handles cannot implement `Drop` at all (the
//!   ban below), and one whose links are all inside opaque fields reports
//!   nothing when it implements `Drop` (the `DropProbe` check): its links
//!   then keep counting, which is always safe.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use crate::parse::LinkKind;

/// The statement that reports one field, `field` being an expression of
/// type `&T`, with `links: &mut Links<()>` in scope.
pub fn report_field(krate: &TokenStream, field: TokenStream) -> TokenStream {
    quote!((&#krate::__private::Probe(#field)).__report_links(links);)
}

/// `unsafe impl ArenaLinks<#index> for #ident` whose `visit_links` runs
/// `reports` (from [`report_field`]), `unsafe impl LinkField` (unless the
/// type holds nothing linked), and the `Drop` ban for a type whose fields
/// visibly hold handles.
///
/// A type with no linked field gets an `ArenaLinks` impl that reports
/// nothing: a hand-written one would conflict with it, rather than be
/// silently ignored.
///
/// No `#[allow(unsafe_code)]`: the `unsafe_code` lint does not fire on
/// tokens a derive writes with its own (call-site) spans, so a user crate
/// under `#![deny(unsafe_code)]` or `#![forbid(unsafe_code)]` compiles,
/// whereas an `allow` would be an error under `forbid`.
pub fn links_impls(
    krate: &TokenStream,
    ident: &Ident,
    index: &TokenStream,
    kind: LinkKind,
    reports: TokenStream,
) -> TokenStream {
    if kind == LinkKind::None {
        return quote! {
            #[automatically_derived]
            unsafe impl #krate::ArenaLinks<#index> for #ident {
                #[inline]
                fn visit_links(&self, _: &mut #krate::Links<Self, #index>) {}
            }
        };
    }
    let (guard, ban) = match kind {
        LinkKind::Handle => (TokenStream::new(), drop_ban(ident)),
        _ => (
            quote! {
                if (&#krate::__private::DropProbe::<Self>(::core::marker::PhantomData)).__has_drop() {
                    return;
                }
            },
            TokenStream::new(),
        ),
    };
    quote! {
        #[automatically_derived]
        unsafe impl #krate::ArenaLinks<#index> for #ident {
            #[inline]
            fn visit_links(&self, links: &mut #krate::Links<Self, #index>) {
                #[allow(unused_imports)]
                use #krate::__private::{
                    HasDrop as _, NoDrop as _, ReportLinks as _, ReportNothing as _,
                };
                #guard
                let links = links.__erase();
                #reports
            }
        }

        #[automatically_derived]
        unsafe impl #krate::__private::LinkField for #ident {
            #[inline]
            fn report_links(&self, links: &mut #krate::__private::Links<()>) {
                #krate::__private::report_nested::<Self, #index>(self, links)
            }
        }

        #ban
    }
}

/// Makes `impl Drop for #ident` a compile error (the pin-project trick): a
/// trait implemented for every `Drop` type and for `#ident`, which conflict
/// exactly when `#ident: Drop`. The trait's name is the message: the
/// conflict error names it ("conflicting implementations of trait
/// `Node_holds_arena_handles_so_it_must_not_implement_Drop__put_the_drop_logic_in_a_field_type`
/// for type `Node`").
fn drop_ban(ident: &Ident) -> TokenStream {
    let name = format_ident!(
        "{}_holds_arena_handles_so_it_must_not_implement_Drop__put_the_drop_logic_in_a_field_type",
        ident
    );
    // Spanned at the type's name, so that the conflict points there.
    let for_the_type = quote_spanned!(ident.span()=> impl #name for #ident {});
    quote! {
        /// A value of this type may hold handles into its own generation of
        /// chunks that do not count (see `ArenaLinks`); a `Drop` of it could
        /// read one after its target was dropped. Put drop logic in a
        /// field's own type.
        #[allow(non_camel_case_types)]
        trait #name {}
        #[allow(drop_bounds, clippy::drop_bounds)]
        impl<T: ::core::ops::Drop> #name for T {}
        #for_the_type
    }
}
