//! `impl ArenaAlloc for T`: a thread-local allocator inside `arena()`.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

/// A function body returning a `LocalArena<#elem, #index, #chunk>` backed by
/// a fresh `thread_local!` allocator.
pub fn local_arena_expr(
    elem: &dyn ToTokens,
    index: &dyn ToTokens,
    chunk: &dyn ToTokens,
) -> TokenStream {
    quote! {
        {
            ::arena_arc::__private::thread_local! {
                static ARENA: ::arena_arc::__private::Allocator<#elem, #index, #chunk> =
                    const { ::arena_arc::__private::Allocator::new() };
            }
            ::arena_arc::__private::LocalArena::new(&ARENA)
        }
    }
}

/// The chunk capacity tokens: the user's literal, or the default clamped to
/// the index type: a literal too when the index type is one of the six
/// (validation makes sure it is), so the compiler has no constant to
/// evaluate per type.
pub fn chunk_or_default(chunk: Option<TokenStream>, index: &dyn ToTokens) -> TokenStream {
    match chunk {
        Some(chunk) => chunk,
        None => match default_chunk_for(&index.to_token_stream().to_string()) {
            Some(chunk) => {
                let chunk = proc_macro2::Literal::usize_unsuffixed(chunk);
                quote!(#chunk)
            }
            None => {
                let default = super::DEFAULT_CHUNK;
                quote!({ ::arena_arc::__private::default_chunk::<#index>(#default) })
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

/// `impl ::arena_arc::ArenaAlloc for #ty`.
pub fn arena_alloc_impl(
    ty: &dyn ToTokens,
    index: &dyn ToTokens,
    chunk: &TokenStream,
) -> TokenStream {
    let body = local_arena_expr(ty, index, chunk);
    quote! {
        #[automatically_derived]
        impl ::arena_arc::ArenaAlloc for #ty {
            type Index = #index;
            const CHUNK: usize = #chunk;
            type Arena = ::arena_arc::__private::LocalArena<#ty, #index, #chunk>;
            #[inline]
            fn arena() -> Self::Arena #body
        }
    }
}
