//! `#[derive(ArenaAlloc)]`: the `ArenaAlloc` impl, `Foo::builder()` and the
//! typestate builder `FooBuilder`.
//!
//! The builder has one type parameter per required field, `Unset` until its
//! setter is called and `Set<T>` after (a setter exists only while its field
//! is `Unset`). `build()` takes any state but requires, per required field,
//! a trait that only `Set<T>` implements; that trait carries a
//! `#[diagnostic::on_unimplemented]` message naming the field, so a missing
//! field is a compile error that says which one and how to set it.
//!
//! Optional fields (`#[arena(default)]`) are `Option<T>` slots, not type
//! parameters. Making them typestate too was tried (docs/benchmarks.md,
//! item 6): `build()` then tested no tag, and W8's struct build ran 7.5 %
//! fewer instructions, but no faster, while a crate of 100 structs with
//! ten optional fields each took 1.2-1.7 times as long to build (median
//! 1.4), every setter being generic over every field's state.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;

use super::links::{TypeFields, links_impls, report_field};
use super::trait_impl::{Flavor, arena_alloc_impl, chunk_or_default, local_arena_expr, own_chunk};
use crate::attributes::DefaultValue;
use crate::parse::{FieldKind, FieldModel, LinkKind, StructModel, chunk_tokens};

/// The whole expansion of `#[derive(ArenaAlloc)]` on a struct.
pub fn derive_struct(model: &StructModel) -> TokenStream {
    let ident = &model.ty.ident;
    let vis = &model.ty.vis;
    let krate = &model.ty.krate();
    // How `build()` takes a required field's value out of its `Set`: with
    // one generic `__private::IsSet<T>` (the supertrait of each field's
    // marker trait), so that `take` is compiled once per field type, not
    // once per field; or, when the crate path cannot be named from the
    // markers module, with a `take` of each marker trait.
    let krate_absolute = model.ty.krate_absolute();
    let builder = format_ident!("{}Builder", ident);
    let markers = format_ident!("__{}BuilderFields", ident);

    let index = model.ty.index();
    let (chunk, thin_check) = own_chunk(krate, ident, &index, model.ty.attrs.chunk.as_ref());
    // A struct whose fields may hold links reports them (`ArenaLinks`) and
    // gets an acyclic arena; others are as before.
    let kind = model.link_kind();
    let reports = model
        .fields
        .iter()
        .filter(|f| f.link != LinkKind::None)
        .map(|f| {
            let member = &f.member;
            report_field(krate, &f.ty, quote!(self.#member))
        });
    let checked: Vec<(syn::Type, String)> = model
        .fields
        .iter()
        .filter(|f| f.link != LinkKind::None)
        .map(|f| (f.ty.clone(), f.display_name()))
        .collect();
    let all_fields: Vec<syn::Type> = model.fields.iter().map(|f| f.ty.clone()).collect();
    let links_impl = Some(links_impls(
        krate,
        ident,
        &index,
        kind,
        model.fields.iter().any(|f| f.self_link),
        quote!(#(#reports)*),
        TypeFields {
            checked: &checked,
            all: &all_fields,
        },
    ));
    let flavor = if kind == LinkKind::None {
        Flavor::Plain
    } else {
        Flavor::Acyclic
    };
    let arena_impl = arena_alloc_impl(krate, ident, &index, &chunk, flavor);

    // Type parameters: one per required field.
    let required: Vec<&FieldModel> = model
        .fields
        .iter()
        .filter(|f| f.attrs.default.is_none())
        .collect();
    let params: Vec<Ident> = (0..required.len())
        .map(|i| format_ident!("__F{}", i))
        .collect();
    let param_of = |field: &FieldModel| {
        required
            .iter()
            .position(|r| r.slot == field.slot)
            .map(|i| &params[i])
    };

    // The builder's slots: `__F{i}` for required fields, `Option<T>` for
    // optional ones.
    let slot_decls = model.fields.iter().map(|f| {
        let slot = &f.slot;
        let ty = &f.ty;
        match param_of(f) {
            Some(param) => quote!(#slot: #param),
            None => quote!(#slot: #krate::__private::Option<#ty>),
        }
    });
    let unset_all = required.iter().map(|_| quote!(#krate::__private::Unset));
    let init_slots = model.fields.iter().map(|f| {
        let slot = &f.slot;
        match param_of(f) {
            Some(_) => quote!(#slot: #krate::__private::Unset),
            None => quote!(#slot: #krate::__private::Option::None),
        }
    });

    // Per-field arenas for handle fields, and the setters.
    let mut arena_fns = Vec::new();
    let mut setter_impls = Vec::new();
    for field in &model.fields {
        let (arena_fn, setters) =
            field_setters(model, krate, field, &builder, &params, &param_of(field));
        arena_fns.extend(arena_fn);
        setter_impls.push(setters);
    }

    // build(): every required field's state implements its marker trait.
    let build_bounds: Vec<TokenStream> = required
        .iter()
        .zip(&params)
        .map(|(f, p)| {
            let marker = &f.setter;
            let ty = &f.ty;
            quote!(#p: #markers::#marker<#ty>)
        })
        .collect();
    let field_values = model.fields.iter().map(|f| {
        let slot = &f.slot;
        let ty = &f.ty;
        let value = match (param_of(f), &f.attrs.default) {
            (Some(p), _) => match &krate_absolute {
                Some(_) => quote!(<#p as #krate::__private::IsSet<#ty>>::take(self.#slot)),
                None => {
                    let marker = &f.setter;
                    quote!(<#p as #markers::#marker<#ty>>::take(self.#slot))
                }
            },
            (None, Some((_, DefaultValue::Trait))) => quote!(
                self.#slot.unwrap_or_else(<#ty as #krate::__private::Default>::default)
            ),
            (None, Some((span, DefaultValue::Expr(expr)))) => quote_spanned!(*span=>
                self.#slot.unwrap_or_else(|| -> #ty { #expr })
            ),
            (None, None) => unreachable!("a field without a default is required"),
        };
        (f, value)
    });
    let construct = if model.unit {
        quote!(#ident)
    } else if model.tuple {
        let values = field_values.map(|(_, v)| v);
        quote!(#ident(#(#values),*))
    } else {
        let values = field_values.map(|(f, v)| {
            let member = &f.member;
            quote!(#member: #v)
        });
        quote!(#ident { #(#values),* })
    };

    // The marker traits live in a module named after the builder; their
    // impls are outside it, so that a `crate = self::...` path resolves
    // where the user wrote it.
    let marker_traits = required.iter().map(|f| {
        let marker = &f.setter;
        let name = f.display_name();
        let setter = f.setter.to_string();
        let message = format!(
            "missing field `{name}`: call `.{setter}(...)` before `.build()` (or give the field `#[arena(default)]`)"
        );
        let label = format!("`{name}` has not been set");
        let marker_body = match &krate_absolute {
            Some(krate) => quote!(: #krate::__private::IsSet<T> {}),
            None => quote!({
                /// The field's value.
                fn take(self) -> T;
            }),
        };
        quote! {
            #[diagnostic::on_unimplemented(message = #message, label = #label)]
            pub trait #marker<T> #marker_body
        }
    });
    let marker_impls = required.iter().map(|f| {
        let marker = &f.setter;
        let take = match &krate_absolute {
            Some(_) => quote!({}),
            None => quote!({
                #[inline]
                fn take(self) -> T {
                    #krate::__private::take(self)
                }
            }),
        };
        quote! {
            impl<T> #markers::#marker<T> for #krate::__private::Set<T> #take
        }
    });

    let builder_doc = format!(
        "The builder of [`{ident}`], made by [`{ident}::builder`]. Each type parameter is the state of one required field; `build()` exists once all are set."
    );
    let builder_fn_doc = format!(
        "Starts a [`{builder}`]: call one setter per field (fields with `#[arena(default)]` may be left out), then `build()` or `build_arc()`."
    );
    let builder_name = builder.to_string();
    let all_params = &params;

    quote! {
        #arena_impl
        #thin_check

        #[doc = #builder_doc]
        #[must_use = "a builder does nothing until `build()` or `build_arc()` is called"]
        #vis struct #builder<#(#params = #krate::__private::Unset),*> {
            #(#slot_decls,)*
        }

        #[doc(hidden)]
        #[allow(non_camel_case_types, non_snake_case)]
        #vis mod #markers {
            #(#marker_traits)*
        }

        const _: () = {
            #links_impl

            #(#marker_impls)*

            #(#arena_fns)*

            #[automatically_derived]
            impl #ident {
                #[doc = #builder_fn_doc]
                #[inline]
                #vis fn builder() -> #builder<#(#unset_all),*> {
                    #builder { #(#init_slots,)* }
                }
            }

            #(#setter_impls)*

            #[automatically_derived]
            impl<#(#all_params),*> #builder<#(#all_params),*> {
                /// Returns the finished value. Exists once every required
                /// field is set.
                #[inline]
                #vis fn build(self) -> #ident
                where
                    #(#build_bounds,)*
                {
                    #construct
                }

                /// Builds the value and allocates it in its type's own
                /// per-thread arena.
                #[inline]
                #vis fn build_arc(self) -> #krate::ArcSingle<#ident, #index>
                where
                    #(#build_bounds,)*
                {
                    <#ident as #krate::ArenaAlloc>::alloc_value(self.build())
                }
            }

            #[automatically_derived]
            impl<#(#all_params),*> ::core::fmt::Debug for #builder<#(#all_params),*> {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct(#builder_name).finish_non_exhaustive()
                }
            }
        };

    }
}

/// The per-thread arena function of a handle field (if it is one) and the
/// impl block with its setters.
fn field_setters(
    model: &StructModel,
    krate: &TokenStream,
    field: &FieldModel,
    builder: &Ident,
    params: &[Ident],
    param: &Option<&Ident>,
) -> (Option<TokenStream>, TokenStream) {
    let vis = &model.ty.vis;
    let ident = &model.ty.ident;
    let slot = &field.slot;
    let setter = &field.setter;
    let ty = &field.ty;
    let name = field.display_name();

    // The impl's parameters: all but this field's (fixed to `Unset`) for a
    // required field; all for an optional one.
    let impl_params: Vec<&Ident> = params.iter().filter(|p| Some(*p) != *param).collect();
    let self_args: Vec<TokenStream> = params
        .iter()
        .map(|p| {
            if Some(p) == *param {
                quote!(#krate::__private::Unset)
            } else {
                quote!(#p)
            }
        })
        .collect();
    let out_args: Vec<TokenStream> = params
        .iter()
        .map(|p| {
            if Some(p) == *param {
                quote!(#krate::__private::Set<#ty>)
            } else {
                quote!(#p)
            }
        })
        .collect();
    let others: Vec<&Ident> = model
        .fields
        .iter()
        .map(|f| &f.slot)
        .filter(|s| *s != slot)
        .collect();
    // How a setter stores `value` and what it returns.
    let (ret, store) = match param {
        Some(_) => (
            quote!(#builder<#(#out_args),*>),
            quote!(#builder { #slot: #krate::__private::Set(value), #(#others: self.#others,)* }),
        ),
        None => (
            quote!(Self),
            quote!({
                let mut this = self;
                this.#slot = #krate::__private::Option::Some(value);
                this
            }),
        ),
    };

    let arena_fn_name = format_ident!("__arena_{}", slot);
    let (arena_fn, setters) = match &field.kind {
        FieldKind::Plain => {
            let doc = format!("Sets `{name}`.");
            let body = if field.attrs.into.is_some() {
                quote! {
                    #[doc = #doc]
                    #[inline]
                    #vis fn #setter(self, value: impl #krate::__private::Into<#ty>) -> #ret {
                        let value: #ty = #krate::__private::Into::into(value);
                        #store
                    }
                }
            } else {
                quote! {
                    #[doc = #doc]
                    #[inline]
                    #vis fn #setter(self, value: #ty) -> #ret {
                        #store
                    }
                }
            };
            (None, body)
        }
        FieldKind::Slice { .. } | FieldKind::Single { .. } | FieldKind::Str { .. } => {
            let (elem, index) = field
                .kind
                .arena_elem_and_index()
                .expect("a handle field has an arena");
            let elem = &elem;
            let arena_ty;
            let arena_body;
            // How the setters reach the arena: through a per-field function,
            // except for the shared per-element arena, named directly.
            let mut arena = quote!(#arena_fn_name());
            let mut arena_fn_needed = true;
            if let Some((_, shared)) = &field.attrs.shared {
                arena_ty = quote!(impl #krate::__private::ThreadArena<#elem, #index>);
                arena_body = quote!({ #shared });
            } else if field.is_own_handle() {
                // Values of the struct itself go to its own (acyclic) arena.
                arena_ty = quote!(<#ident as #krate::ArenaAlloc>::Arena);
                arena_body = quote!({ <#ident as #krate::ArenaAlloc>::arena() });
                arena = quote!(<#ident as #krate::ArenaAlloc>::arena());
                arena_fn_needed = false;
            } else if field.attrs.chunk.is_none() && has_default_field_arena(elem, index) {
                // One per-thread arena per primitive element type, shared by
                // all such fields, rather than a `thread_local!` per field.
                arena_ty = quote!(<#elem as #krate::__private::DefaultFieldArena>::Arena);
                arena_body = quote!({ <#elem as #krate::__private::DefaultFieldArena>::arena() });
                arena = quote!(<#elem as #krate::__private::DefaultFieldArena>::arena());
                arena_fn_needed = false;
            } else {
                let chunk = chunk_or_default(
                    krate,
                    field
                        .attrs
                        .chunk
                        .as_ref()
                        .map(|chunk| chunk_tokens(chunk, krate, elem, index)),
                    index,
                );
                arena_ty = quote!(#krate::__private::LocalArena<#elem, #index, #chunk>);
                // `Probe`: an element type that reports its self-links (a
                // derived recursive type) gets an acyclic field arena too.
                arena_body = local_arena_expr(krate, elem, index, &chunk, Flavor::Probe);
            }
            let arena_fn = arena_fn_needed.then(|| {
                quote! {
                    #[inline]
                    fn #arena_fn_name() -> #arena_ty #arena_body
                }
            });
            let body = if matches!(field.kind, FieldKind::Slice { .. }) {
                let from_iter = format_ident!("{}_from_iter", setter);
                let with = format_ident!("{}_with", setter);
                let doc = format!(
                    "Sets `{name}`: an existing handle (moved in, no copy), or `&[E]`, `Vec<E>` or `[E; K]` to allocate in the field's arena."
                );
                let doc_iter = format!(
                    "Sets `{name}` to the items of `iter`, allocated in the field's arena."
                );
                let doc_with = format!(
                    "Sets `{name}` to `len` elements allocated in the field's arena, element `i` being `init(i)`."
                );
                quote! {
                    #[doc = #doc]
                    #[inline]
                    #vis fn #setter(self, value: impl #krate::__private::IntoArcSlice<#elem, #index>) -> #ret {
                        let value: #ty = #krate::__private::IntoArcSlice::into_arc_slice(value, &#arena);
                        #store
                    }
                    #[doc = #doc_iter]
                    #[inline]
                    #vis fn #from_iter(self, iter: impl #krate::__private::IntoIterator<Item = #elem>) -> #ret {
                        let value: #ty = #krate::__private::ThreadArena::alloc_from_iter(&#arena, iter);
                        #store
                    }
                    #[doc = #doc_with]
                    #[inline]
                    #vis fn #with(self, len: usize, init: impl #krate::__private::FnMut(usize) -> #elem) -> #ret {
                        let value: #ty = #krate::__private::ThreadArena::alloc(&#arena, len, init);
                        #store
                    }
                }
            } else if matches!(field.kind, FieldKind::Str { .. }) {
                let doc = format!(
                    "Sets `{name}`: an existing `ArcStr` (moved in, no copy), or a `&str`, `&String` or `String` to copy into the field's arena."
                );
                quote! {
                    #[doc = #doc]
                    #[inline]
                    #vis fn #setter(self, value: impl #krate::__private::IntoArcStr<#index>) -> #ret {
                        let value: #ty = #krate::__private::IntoArcStr::into_arc_str(value, &#arena);
                        #store
                    }
                }
            } else {
                let doc = format!(
                    "Sets `{name}`: an existing handle (moved in) or a value to allocate in the field's arena."
                );
                quote! {
                    #[doc = #doc]
                    #[inline]
                    #vis fn #setter(self, value: impl #krate::__private::IntoArcSingle<#elem, #index>) -> #ret {
                        let value: #ty = #krate::__private::IntoArcSingle::into_arc_single(value, &#arena);
                        #store
                    }
                }
            };
            (arena_fn, body)
        }
    };
    let setters = quote! {
        #[automatically_derived]
        impl<#(#impl_params),*> #builder<#(#self_args),*> {
            #setters
        }
    };
    (arena_fn, setters)
}

/// Whether a handle field of `elem`s with index type `index` and the default
/// chunk capacity can use the runtime's `DefaultFieldArena` of `elem`: the
/// element is a primitive named as such, or `ArcStr` (as the derive already
/// assumes of a field type of that name), and the index type is `u32`.
fn has_default_field_arena(elem: &syn::Type, index: &syn::Type) -> bool {
    const PRIMITIVES: [&str; 17] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "bool", "char", "ArcStr",
    ];
    let is = |ty: &syn::Type, names: &[&str]| match ty {
        syn::Type::Path(path) if path.qself.is_none() => path
            .path
            .get_ident()
            .is_some_and(|ident| names.iter().any(|name| ident == name)),
        _ => false,
    };
    is(elem, &PRIMITIVES) && is(index, &["u32"])
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::has_default_field_arena;

    /// The runtime has a default field arena for the primitives and
    /// `ArcStr` with `u32` handles, named bare. (cargo-mutants' `true` for
    /// the guard against a qualified self survives, as an equivalent: syn
    /// gives such a path no bare identifier, as the `<X>::` cases show.)
    #[test]
    fn a_default_field_arena_is_for_a_bare_primitive_with_u32() {
        let u32_: syn::Type = parse_quote!(u32);
        assert!(has_default_field_arena(&parse_quote!(u8), &u32_));
        assert!(has_default_field_arena(&parse_quote!(ArcStr), &u32_));
        assert!(!has_default_field_arena(
            &parse_quote!(u8),
            &parse_quote!(u16)
        ));
        assert!(!has_default_field_arena(&parse_quote!(Node), &u32_));
        assert!(!has_default_field_arena(&parse_quote!(<X>::u8), &u32_));
        assert!(!has_default_field_arena(
            &parse_quote!(u8),
            &parse_quote!(<X>::u32)
        ));
    }
}
