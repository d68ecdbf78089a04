//! Procedural macros for [`arena-arc`](https://docs.rs/arena-arc):
//! `#[derive(ArenaAlloc)]` and `arena!`. Use them through the `arena_arc`
//! crate, which re-exports them (feature `derive`, on by default); their
//! documentation lives there.
//!
//! The crate is split the way the input flows: `parse` reads the input
//! into a model, `attributes` reads `#[arena(...)]`, `validation`
//! rejects what cannot be accepted (each error at the user's token, saying
//! what to write instead), and `expansion` writes the code.

mod attributes;
mod expansion;
mod parse;
mod validation;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Gives a struct its own per-thread arena (`impl ArenaAlloc`) and a typed
/// builder.
///
/// ```
/// use arena_arc::{ArcSingle, ArcSlice, ArenaAlloc, arena};
///
/// arena!(static NAMES: u8, 65536);
///
/// #[derive(ArenaAlloc, Debug)]
/// #[arena(chunk = 1024)] // the struct's own arena: 1024 Items per chunk
/// struct Item {
///     #[arena(shared = NAMES)] // its bytes go to NAMES
///     name: ArcSlice<u8>,
///     tags: ArcSlice<u32>, // the per-thread arena of u32 fields
///     best: ArcSingle<u64>,
///     weight: u64,
///     #[arena(into)]
///     label: String,
///     #[arena(default)]
///     hits: u32,
/// }
///
/// let item: Item = Item::builder()
///     .name(&b"lamp"[..]) // &[E], Vec<E>, [E; K] or an existing handle
///     .tags_from_iter(1..=3) // or .tags_with(len, |i| ..)
///     .best(9)
///     .weight(12) // plain fields take their own type, so literals infer
///     .label("desk") // #[arena(into)]: impl Into<String>
///     .build(); // only once every field without a default is set
/// assert_eq!(item.tags, [1, 2, 3]);
///
/// let shared: ArcSingle<Item> = Item::builder()
///     .name(item.name.clone()) // a handle is moved in: no copy
///     .tags(vec![4])
///     .best(item.best.clone())
///     .weight(1)
///     .label(String::from("shelf"))
///     .hits(2)
///     .build_arc(); // allocated in Item's own arena
/// assert_eq!(&*shared.name, b"lamp");
/// let many = Item::alloc(2, |_| Item::builder().name(&b"x"[..]).tags([0]).best(0).weight(0).label("").build());
/// assert_eq!(many.len(), 2);
/// ```
///
/// # Attributes
///
/// On the struct:
/// - `#[arena(chunk = N)]`: the chunk capacity of the struct's own arena, in
///   elements (default 1024, or the index type's maximum if smaller).
/// - `#[arena(index = u16)]`: the index type of its handles (default `u32`).
///
/// On a field:
/// - `#[arena(default)]` / `#[arena(default = EXPR)]`: the field may be left
///   out; it is then `Default::default()` / `EXPR`.
/// - `#[arena(into)]` (plain fields): the setter takes `impl Into<Field>`.
/// - `#[arena(chunk = N)]` (handle fields): the chunk capacity of the field's
///   own per-thread arena (default 1024; in bytes for an `ArcStr` field).
///   Without it, a field whose elements are a primitive (`u8`...`u128`,
///   `i8`...`i128`, `usize`, `isize`, `f32`, `f64`, `bool`, `char`; bytes
///   for `ArcStr`) and whose index type is `u32` shares one per-thread arena
///   per element type, with chunks of 1024, with every such field of every
///   derived struct; other fields get an arena of their own.
/// - `#[arena(shared = ARENA)]` (handle fields): allocate the field's data in
///   `ARENA`, any expression of a type implementing `ThreadArena<E, L>`: an
///   `arena!(static ...)` name or `Type::arena()` of an `ArenaAlloc` type. So
///   several structs can share one arena.
///
/// # The builder
///
/// `Foo::builder()` returns a `FooBuilder` with one setter per field, named
/// after it (`_0`, `_1`, ... for tuple structs). A field of type
/// `ArcSlice<E, L>` also gets `FIELD_from_iter(iter)` and
/// `FIELD_with(len, init)`. A field of type `ArcStr` or `ArcStr<L>` is text
/// in an arena of bytes (`u8`): its setter takes a `&str`, `&String` or
/// `String` (copied into the field's arena) or an `ArcStr<L>` (moved in, no
/// copy), and `shared = ARENA` takes an arena of `u8`, such as an
/// `arena!(static NAMES: u8, 4096)` or `arena_arc::TEXT_ARENA`.
///
/// ```
/// use arena_arc::{ArcStr, ArenaAlloc, arena};
///
/// arena!(static NAMES: u8, 4096);
///
/// #[derive(ArenaAlloc)]
/// struct Symbol {
///     #[arena(shared = NAMES)]
///     name: ArcStr,
///     doc: ArcStr<u16>, // its own per-thread arena of bytes
/// }
///
/// let main = Symbol::builder().name("main").doc(String::from("entry")).build();
/// let alias = Symbol::builder().name(main.name.clone()).doc("").build(); // no copy
/// assert!(ArcStr::ptr_eq(&main.name, &alias.name));
/// ```
///
/// A required field's setter can be called once;
/// `build()` and `build_arc()` exist once every required field is set, and a
/// missing one is a compile error naming it:
///
/// ```text
/// error[E0277]: missing field `name`: call `.name(...)` before `.build()` (or give the field `#[arena(default)]`)
/// ```
///
/// # What is rejected
///
/// Enums and unions (use `arena!(Type, N)` for them), generic structs (a
/// per-thread `static` cannot be generic: declare an `arena!(static ...)` per
/// instantiation instead), unknown or duplicate attribute keys, `chunk = 0`,
/// a capacity that is not an integer literal or does not fit the index type,
/// an index type other than `u8`, `u16`, `u32`, `u64`, `u128`, `usize`, and
/// `ArcSlice`/`ArcSingle` with other than one or two type arguments, and
/// `ArcStr` with more than one. Each
/// error points at the offending token and says what to write instead.
///
/// # Costs
///
/// Each allocation costs one thread-local lookup on top of the
/// [`Allocator`](../arena_arc/struct.Allocator.html) call. The generated
/// code contains no `unsafe`.
#[proc_macro_derive(ArenaAlloc, attributes(arena))]
pub fn derive_arena_alloc(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    parse::struct_model(&input)
        .map(|model| expansion::derive(&model))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Per-thread arenas without a derive.
///
/// - `arena!(Type, CHUNK);` implements `ArenaAlloc` for the local type
///   `Type`, with `CHUNK` elements per chunk and index type `u32`;
///   `arena!(Type, CHUNK, INDEX);` chooses the index type. Enums and types
///   without a builder use this form.
/// - `arena!(static NAME: Type, CHUNK[, INDEX]);` declares `NAME`, a
///   `LocalArena` for any type, foreign ones included (`u8`, `String`): it
///   has the `Allocator` methods (`NAME.alloc(len, init)`,
///   `NAME.alloc_value(v)`, ...). Attributes and a visibility may come first:
///   `arena!(pub static NAME: u8, 65536);`.
///
/// ```
/// use arena_arc::{ArcSlice, ArenaAlloc, arena};
///
/// enum Token {
///     Number(u64),
///     Plus,
/// }
/// arena!(Token, 4096);
///
/// arena!(pub static BYTES: u8, 65536);
/// arena!(static SMALL: u16, 256, u8); // u8 lengths
///
/// let tokens = Token::alloc(2, |i| if i == 0 { Token::Number(1) } else { Token::Plus });
/// assert!(matches!(tokens[1], Token::Plus));
/// let name: ArcSlice<u8> = BYTES.alloc_slice_copy(b"main");
/// assert_eq!(&*name, b"main");
/// let small: ArcSlice<u16, u8> = SMALL.alloc(3, |i| i as u16);
/// assert_eq!(small.len(), 3);
/// assert_eq!(BYTES.stats().chunks_created, 1);
/// ```
///
/// Each thread has its own allocator behind `NAME` (a `thread_local!`);
/// handles may still go to other threads, and outlive the thread that made
/// them.
#[proc_macro]
pub fn arena(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as parse::ArenaInput);
    expansion::arena_macro(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
