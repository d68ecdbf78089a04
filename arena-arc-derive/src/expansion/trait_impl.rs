//! `impl ArenaAlloc for T`: a thread-local allocator inside `arena()`, plain
//! or acyclic. (`impl ArenaLinks` and the rule on `impl Drop` are in
//! `links.rs`.)

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use crate::attributes::Chunk;
use crate::parse::{chunk_check, chunk_tokens};

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
    // `__per_thread()`: the allocator takes part in `trim_thread()`, and an
    // acyclic one in the thread's generations. Its contract (the initial
    // value of a `thread_local!`) holds by construction. The `unsafe` block
    // does not trip `unsafe_code` lints in the user's crate: the lint skips
    // tokens a proc macro writes (see `links::links_impls`).
    quote! {
        {
            #krate::__private::thread_local! {
                static ARENA: #krate::__private::Allocator<#elem, #index, #chunk> =
                    const { unsafe { #init.__per_thread() } };
            }
            #krate::__private::LocalArena::new(&ARENA)
        }
    }
}

/// A derived type's own arena: its chunk capacity (the user's `chunk = ..`,
/// or the default for the index type), and the item that refuses `chunk =
/// thin` for a type too large for the window (empty otherwise), which goes
/// beside the `ArenaAlloc` impl.
pub fn own_chunk(
    krate: &TokenStream,
    ident: &dyn ToTokens,
    index: &dyn ToTokens,
    chunk: Option<&Chunk>,
) -> (TokenStream, TokenStream) {
    let capacity = chunk_or_default(
        krate,
        chunk.map(|chunk| chunk_tokens(chunk, krate, ident, index)),
        index,
    );
    let check = chunk
        .map(|chunk| chunk_check(chunk, krate, ident))
        .unwrap_or_default();
    (capacity, check)
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
            #[inline]
            fn alloc_thin(value: Self) -> #krate::ArcThin<Self> {
                Self::arena().alloc_thin_linked(value)
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

#[cfg(test)]
mod tests {
    use super::default_chunk_for;

    /// The literal written for the default chunk capacity is the runtime's
    /// `default_chunk::<L>(DEFAULT_CHUNK)`: 1024 elements, clamped to what
    /// `L` can index; for another name, the runtime works it out (found by
    /// cargo-mutants: with any arm gone the runtime's expression gives the
    /// same capacity, so only this shows it).
    #[test]
    fn the_default_chunk_is_clamped_to_the_index_type() {
        assert_eq!(super::super::DEFAULT_CHUNK, 1024);
        assert_eq!(default_chunk_for("u8"), Some(256));
        for index in ["u16", "u32", "u64", "u128", "usize"] {
            assert_eq!(default_chunk_for(index), Some(1024), "{index}");
        }
        assert_eq!(default_chunk_for("Index"), None);
    }
}
