//! `impl ArenaAlloc for T`: a thread-local allocator inside `arena()`; and,
//! for a type whose values hold handles to itself, `impl ArenaLinks` and
//! the ban on `impl Drop`.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::Ident;

/// Which constructor a per-thread allocator is made with.
#[derive(Clone, Copy)]
pub enum Flavor {
    /// `Allocator::new()`: the element type holds no handles to itself.
    Plain,
    /// `Allocator::new_acyclic()`: the derive generated `ArenaLinks`.
    Acyclic,
    /// `arena!` cannot see into the type: `AllocatorFor::<T, L, N>::NEW`
    /// picks `new_acyclic()` if `T: ArenaLinks<L>`, else `new()`.
    Probe,
}

/// A function body returning a `LocalArena<#elem, #index, #chunk>` backed by
/// a fresh `thread_local!` allocator.
pub fn local_arena_expr(
    krate: &TokenStream,
    elem: &dyn ToTokens,
    index: &dyn ToTokens,
    chunk: &dyn ToTokens,
    flavor: Flavor,
) -> TokenStream {
    let init = match flavor {
        Flavor::Plain => quote!(#krate::__private::Allocator::new()),
        Flavor::Acyclic => quote!(#krate::__private::Allocator::new_acyclic()),
        Flavor::Probe => quote!({
            use #krate::__private::PlainAllocator as _;
            #krate::__private::AllocatorFor::<#elem, #index, #chunk>::NEW
        }),
    };
    quote! {
        {
            #krate::__private::thread_local! {
                static ARENA: #krate::__private::Allocator<#elem, #index, #chunk> =
                    const { #init };
            }
            #krate::__private::LocalArena::new(&ARENA)
        }
    }
}

/// The chunk capacity tokens: the user's literal, or the default clamped to
/// the index type: a literal too when the index type is one of the six
/// (validation makes sure it is), so the compiler has no constant to
/// evaluate per type.
pub fn chunk_or_default(
    krate: &TokenStream,
    chunk: Option<TokenStream>,
    index: &dyn ToTokens,
) -> TokenStream {
    match chunk {
        Some(chunk) => chunk,
        None => match default_chunk_for(&index.to_token_stream().to_string()) {
            Some(chunk) => {
                let chunk = proc_macro2::Literal::usize_unsuffixed(chunk);
                quote!(#chunk)
            }
            None => {
                let default = super::DEFAULT_CHUNK;
                quote!({ #krate::__private::default_chunk::<#index>(#default) })
            }
        },
    }
}

/// `__private::default_chunk::<L>(DEFAULT_CHUNK)`, worked out for an index
/// type written as one of the six names.
fn default_chunk_for(index: &str) -> Option<usize> {
    let max = match index {
        "u8" => u8::MAX as usize,
        "u16" => u16::MAX as usize,
        "u32" | "u64" | "u128" | "usize" => usize::MAX,
        _ => return None,
    };
    Some(if max < super::DEFAULT_CHUNK {
        max + 1
    } else {
        super::DEFAULT_CHUNK
    })
}

/// `impl ArenaAlloc for #ty`.
pub fn arena_alloc_impl(
    krate: &TokenStream,
    ty: &dyn ToTokens,
    index: &dyn ToTokens,
    chunk: &TokenStream,
    flavor: Flavor,
) -> TokenStream {
    let body = local_arena_expr(krate, ty, index, chunk, flavor);
    // A type with self-links allocates single values through
    // `alloc_linked`, which scans the value's links where it is built
    // instead of through the arena's function pointer.
    let linked = match flavor {
        Flavor::Acyclic => quote! {
            #[inline]
            fn alloc_value(value: Self) -> #krate::ArcSingle<Self, #index> {
                Self::arena().alloc_linked(value)
            }
            #[inline]
            fn checked_alloc_value(
                value: Self,
            ) -> ::core::result::Result<#krate::ArcSingle<Self, #index>, #krate::AllocError> {
                Self::arena().checked_alloc_linked(value)
            }
        },
        Flavor::Plain | Flavor::Probe => TokenStream::new(),
    };
    quote! {
        #[automatically_derived]
        impl #krate::ArenaAlloc for #ty {
            type Index = #index;
            const CHUNK: usize = #chunk;
            type Arena = #krate::__private::LocalArena<#ty, #index, #chunk>;
            #[inline]
            fn arena() -> Self::Arena #body
            #linked
        }
    }
}

/// `unsafe impl ArenaLinks<#index> for #ident` with `body` as the body of
/// `visit_links(&self, links)`, and the ban on `impl Drop for #ident` that
/// the impl relies on.
///
/// Why the impl meets `ArenaLinks`' contract: `body` reports only fields of
/// `self` (of the struct, or of the enum's variant) whose declared type is
/// `ArcSlice`/`ArcSingle` of the type itself or an `Option` of one, each
/// once, through `Links::visit`, whose sealed `Link` trait accepts nothing
/// but the runtime's handles and its owning containers: so every reported
/// handle is owned by value, outside any interior mutability, and the same
/// value reports the same handles every time. And `#ident` cannot implement
/// `Drop`: see [`drop_ban`].
///
/// No `#[allow(unsafe_code)]`: the `unsafe_code` lint does not fire on
/// tokens a derive writes with its own (call-site) spans, so a user crate
/// under `#![deny(unsafe_code)]` or `#![forbid(unsafe_code)]` compiles,
/// whereas an `allow` would be an error under `forbid`.
pub fn arena_links_impl(
    krate: &TokenStream,
    ident: &Ident,
    index: &TokenStream,
    body: TokenStream,
) -> TokenStream {
    let ban = drop_ban(ident);
    quote! {
        #[automatically_derived]
        unsafe impl #krate::ArenaLinks<#index> for #ident {
            #[inline]
            fn visit_links(&self, links: &mut #krate::Links<Self, #index>) {
                #body
            }
        }

        #ban
    }
}

/// Makes `impl Drop for #ident` a compile error (the pin-project trick): a
/// trait implemented for every `Drop` type and for `#ident`, which conflict
/// exactly when `#ident: Drop`. The trait's name is the message: the
/// conflict error names it ("conflicting implementations of trait
/// `Node_holds_handles_to_itself_so_it_must_not_implement_Drop__put_the_drop_logic_in_a_field_type`
/// for type `Node`").
fn drop_ban(ident: &Ident) -> TokenStream {
    let name = format_ident!(
        "{}_holds_handles_to_itself_so_it_must_not_implement_Drop__put_the_drop_logic_in_a_field_type",
        ident
    );
    // Spanned at the type's name, so that the conflict points there.
    let for_the_type = quote_spanned!(ident.span()=> impl #name for #ident {});
    quote! {
        /// A value of this type may hold handles to its own chunk that do
        /// not count (see `ArenaLinks`); a `Drop` of it could read one after
        /// its target was dropped. Put drop logic in a field's own type.
        #[allow(non_camel_case_types)]
        trait #name {}
        #[allow(drop_bounds, clippy::drop_bounds)]
        impl<T: ::core::ops::Drop> #name for T {}
        #for_the_type
    }
}
