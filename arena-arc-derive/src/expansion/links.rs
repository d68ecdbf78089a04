//! `unsafe impl ArenaLinks` and `unsafe impl LinkField` for a derived type,
//! and the rule on `impl Drop` that they rely on.
//!
//! Every field that may hold links ([`LinkKind`]) is reported through the
//! runtime's `Probe`: the type checker picks `ReportLinks` when the field's
//! type is a `LinkField` (a handle to a derived or `ArenaLinks` type, a
//! derived type held by value, or an `Option`, `Box`, `Vec`, array or tuple
//! of those) and `ReportNothing` otherwise; `ReportLinks` reports only when
//! the type's `MAY_LINK` is true, which it is not for handles to a derived
//! type that has no field that may hold links. So links to every derived
//! type with links are reported, whatever the field's type is called, and
//! the derive needs to know no other type's name.
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
//!   `Drop` could read, clone or move out a link that does not count, after
//!   its target was dropped, or keep it past its chunk's free): a type with
//!   a field that holds handles to itself cannot implement `Drop` at all
//!   (the ban below), and any other type fails to compile if it implements
//!   `Drop` while a field's type may report a link (a constant evaluated by
//!   the type checker, see [`drop_check`]). The constant is the one the
//!   field's `Probe` reads before reporting anything
//!   (`LinkField::MAY_LINK`), so a field it lets through is never reported
//!   and its handles count like any other: a handle to a derived type with
//!   no links (`ArcSlice<Particle>`) may be held by a type with a `Drop`.
//!   Derived types held by value are checked by their own derive.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Index, Type};

use crate::parse::{LinkKind, link_kind};

/// The statements that report a field of type `ty` at place expression
/// `place` (`self.name`, `(*link_0)`), with `links: &mut Links<()>` in
/// scope: one `Probe` per element of a tuple, one for anything else.
pub fn report_field(krate: &TokenStream, ty: &Type, place: TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    for (_, place) in leaves(ty, place) {
        out.extend(quote!((&#krate::__private::Probe(&#place)).__report_links(links);));
    }
    out
}

/// The parts of a field that may hold links, with their types: the
/// elements of a tuple (recursively), or the field itself.
fn leaves(ty: &Type, place: TokenStream) -> Vec<(Type, TokenStream)> {
    match ty {
        Type::Paren(inner) => leaves(&inner.elem, place),
        Type::Group(inner) => leaves(&inner.elem, place),
        Type::Tuple(tuple) => tuple
            .elems
            .iter()
            .enumerate()
            .filter(|(_, elem)| link_kind(elem) != LinkKind::None)
            .flat_map(|(i, elem)| {
                let index = Index::from(i);
                leaves(elem, quote!((#place).#index))
            })
            .collect(),
        _ => vec![(ty.clone(), place)],
    }
}

/// For a type without self-links: a constant that fails to compile when the
/// type implements `Drop` while one of its fields' types may report a link
/// (a handle to a type with links, a derived type with links held by value,
/// or a container of either). `fields` are the types of the fields that may
/// hold links, and how the user names each. Each assertion is spanned at
/// the field's type, so the error points there.
pub fn drop_check(krate: &TokenStream, ident: &Ident, fields: &[(Type, String)]) -> TokenStream {
    let checks = fields.iter().flat_map(|(ty, name)| {
        leaves(ty, TokenStream::new()).into_iter().map(move |(leaf, _)| {
            let message = format!(
                "`{ident}` implements Drop, but its field `{name}` may hold links that the arena does not count (`{}` reaches a type with arena links of its own): a Drop could read or move such a link after its target was freed. Put the drop logic in a field's own type that holds no handle",
                quote!(#leaf).to_string().replace(' ', "")
            );
            quote_spanned! {leaf.span()=>
                ::core::assert!(
                    !(#krate::__private::ConstProbe::<#ident>::HAS_DROP
                        && #krate::__private::ConstProbe::<#leaf>::MAY_LINK),
                    #message
                );
            }
        })
    });
    quote! {
        const _: () = {
            #[allow(unused_imports)]
            use #krate::__private::{NoDrop as _, NotLinkField as _};
            #(#checks)*
        };
    }
}

/// The fields of a derived type, as [`links_impls`] needs them.
#[derive(Clone, Copy)]
pub struct TypeFields<'a> {
    /// The types of the fields that may hold links, and how the user names
    /// each (for [`drop_check`]).
    pub checked: &'a [(Type, String)],
    /// The types of all fields (for [`drop_only_links`]).
    pub all: &'a [Type],
}

/// `unsafe impl ArenaLinks<#index> for #ident` whose `visit_links` runs
/// `reports` (from [`report_field`]), `unsafe impl LinkField` (unless the
/// type holds nothing linked), and the `Drop` rule: the ban for a type with
/// a field of handles to itself (`self_link`), which are always reported,
/// and [`drop_check`] of the fields in `checked` for any other.
///
/// A type with no linked field gets an `ArenaLinks` impl that reports
/// nothing and says so (`__MAY_LINK = false`): handles to it are then never
/// reported, always count, and its `arena!` and field arenas are plain. A
/// hand-written impl would conflict with it, rather than be silently
/// ignored.
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
    self_link: bool,
    reports: TokenStream,
    fields: TypeFields<'_>,
) -> TokenStream {
    let TypeFields {
        checked,
        all: all_fields,
    } = fields;
    if kind == LinkKind::None {
        return quote! {
            #[automatically_derived]
            unsafe impl #krate::ArenaLinks<#index> for #ident {
                #[inline]
                fn visit_links(&self, _: &mut #krate::Links<Self, #index>) {}
                const __MAY_LINK: bool = false;
            }
        };
    }
    // A type with self-links cannot implement `Drop` at all (its own
    // handles are reported, so the constant checks would fail anyway); any
    // other cannot when a field may report a link.
    let drop_rule = if self_link {
        drop_ban(ident)
    } else {
        drop_check(krate, ident, checked)
    };
    let drop_only_links = drop_only_links(krate, all_fields);
    // `visit_links` is `inline(always)`: the allocator calls it from one
    // place per type and path (a value's commit, a slice's scan, a
    // release), and a node type held by value (`Stmt::Let { pat: Pat, .. }`)
    // inlines its own. Left to the inliner, a type of several variants
    // stayed a call per value, and per nested value: W9's build took 6 %
    // more instructions (docs/benchmarks.md).
    quote! {
        #[automatically_derived]
        unsafe impl #krate::ArenaLinks<#index> for #ident {
            #drop_only_links
            #[inline(always)]
            fn visit_links(&self, links: &mut #krate::Links<Self, #index>) {
                #[allow(unused_imports)]
                use #krate::__private::{ReportLinks as _, ReportNothing as _};
                let links = links.__erase();
                #reports
            }
        }

        #[automatically_derived]
        unsafe impl #krate::__private::LinkField for #ident {
            const DROP_IS_REPORT: bool =
                <Self as #krate::ArenaLinks<#index>>::DROP_ONLY_LINKS;
            #[inline]
            fn report_links(&self, links: &mut #krate::__private::Links<()>) {
                #krate::__private::report_nested::<Self, #index>(self, links)
            }
        }

        #drop_rule
    }
}

/// `const DROP_ONLY_LINKS`: `true` when the type has no `Drop` impl and
/// every field either has no drop glue or is a field whose whole drop glue
/// the generated `visit_links` reports (`LinkField::DROP_IS_REPORT`: a
/// reported handle, an `Option` or array of them, a derived type with the
/// same promise). The generated `visit_links` reports each such handle once
/// and cannot panic, so the promise holds; anything the constants cannot
/// vouch for makes it `false`, which is always sound.
fn drop_only_links(krate: &TokenStream, all_fields: &[Type]) -> TokenStream {
    let parts = all_fields.iter().map(|ty| {
        if link_kind(ty) == LinkKind::None {
            quote!(!::core::mem::needs_drop::<#ty>())
        } else {
            quote!(#krate::__private::ConstProbe::<#ty>::DROP_IS_REPORT)
        }
    });
    quote! {
        const DROP_ONLY_LINKS: bool = {
            #[allow(unused_imports)]
            use #krate::__private::{NoDrop as _, NotLinkField as _};
            !#krate::__private::ConstProbe::<Self>::HAS_DROP #(&& #parts)*
        };
    }
}

/// Makes `impl Drop for #ident` a compile error (the pin-project trick): a
/// trait implemented for every `Drop` type and for `#ident`, which conflict
/// exactly when `#ident: Drop`. The trait's name is the message: the
/// conflict error names it ("conflicting implementations of trait
/// `Node_holds_links_to_itself_that_do_not_count_so_it_must_not_implement_Drop__put_the_drop_logic_in_a_field_type`
/// for type `Node`").
fn drop_ban(ident: &Ident) -> TokenStream {
    let name = format_ident!(
        "{}_holds_links_to_itself_that_do_not_count_so_it_must_not_implement_Drop__put_the_drop_logic_in_a_field_type",
        ident
    );
    // Spanned at the type's name, so that the conflict points there.
    let for_the_type = quote_spanned!(ident.span()=> impl #name for #ident {});
    quote! {
        /// A value of this type holds handles to its own type that the
        /// arena stops counting when they point into the value's own chunk
        /// or generation (see `ArenaLinks`); a `Drop` of it could read one
        /// after its target was dropped, or move it out and keep it past its
        /// chunk's free. Put drop logic in a field's own type.
        #[allow(non_camel_case_types)]
        trait #name {}
        #[allow(drop_bounds, clippy::drop_bounds)]
        impl<T: ::core::ops::Drop> #name for T {}
        #for_the_type
    }
}
