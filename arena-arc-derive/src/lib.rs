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

/// Gives a struct or an enum its own per-thread arena (`impl ArenaAlloc`),
/// and a struct a typed builder. Types whose fields may hold links (a tree
/// node, the node types of an AST or a JSON document, pointing at each
/// other) get *acyclic* arenas, in which their trees free themselves: see
/// [Node types](#node-types-links-and-the-acyclic-arenas).
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
/// On the struct or enum:
/// - `#[arena(chunk = N)]`: the chunk capacity of the type's own arena, in
///   elements (default 1024, or the index type's maximum if smaller).
/// - `#[arena(chunk = thin)]`: as many elements as fill the 64 KiB window
///   that 8-byte [`ArcThin`](../arena_arc/struct.ArcThin.html) handles need
///   (`arena_arc::thin_capacity::<Self>()`, or the index type's maximum if
///   smaller), worked out for the type, so it follows the type's size. Give
///   it to a type whose values are handed out with `Foo::alloc_thin`; a
///   type of which not one value fits the window is refused at compile
///   time.
/// - `#[arena(index = u16)]`: the index type of its handles (default `u32`).
/// - `#[arena(crate = path)]`: where the `arena_arc` crate is, for a crate
///   that renames the dependency (default `::arena_arc`); see
///   [`crate = path`](#crate--path).
///
/// On a struct's field:
/// - `#[arena(default)]` / `#[arena(default = EXPR)]`: the field may be left
///   out; it is then `Default::default()` / `EXPR`.
/// - `#[arena(into)]` (plain fields): the setter takes `impl Into<Field>`.
/// - `#[arena(chunk = N)]` (handle fields): the chunk capacity of the field's
///   own per-thread arena (default 1024; in bytes for an `ArcStr` field).
///   Not on a field holding the struct itself, whose data go to the
///   struct's own arena.
///   Without it, a field whose elements are a primitive (`u8`...`u128`,
///   `i8`...`i128`, `usize`, `isize`, `f32`, `f64`, `bool`, `char`; bytes
///   for `ArcStr`; `ArcStr` for `ArcSlice<ArcStr>`) and whose index type is
///   `u32` shares one per-thread arena per element type, with chunks of
///   1024, with every such field of every derived struct; it is also that
///   element type's `ArenaAlloc` arena (`u32::arena()`), where `collect()`,
///   `From<Vec<_>>` and serde allocate. Other fields get an arena of their
///   own.
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
/// A required field's setter can be called once; an optional field's can be
/// called again, and the last value wins (the one it replaces is dropped).
/// `build()` and `build_arc()` exist once every required field is set, and a
/// missing one is a compile error naming it:
///
/// ```text
/// error[E0277]: missing field `name`: call `.name(...)` before `.build()` (or give the field `#[arena(default)]`)
/// ```
///
/// # Enums
///
/// On an enum, with unit, tuple and struct variants, the derive gives the
/// per-type arena (`Expr::alloc(..)`, `Expr::alloc_value(..)`,
/// `Expr::arena_stats()`, ...) and no builder: values are made with the
/// variants. The enum takes `chunk`, `index` and `crate`; `#[arena(...)]` on
/// a variant or a variant's field is an error, since field attributes
/// configure a builder.
///
/// ```
/// use arena_arc::{ArcSingle, ArcSlice, ArenaAlloc};
///
/// #[derive(ArenaAlloc)]
/// #[arena(chunk = 4096)]
/// enum Expr {
///     Nil,
///     Num(i64),
///     Add(ArcSingle<Expr>, ArcSingle<Expr>),
///     Call { name: String, args: ArcSlice<Expr> },
/// }
///
/// fn eval(e: &Expr) -> i64 {
///     match e {
///         Expr::Nil => 0,
///         Expr::Num(n) => *n,
///         Expr::Add(a, b) => eval(a) + eval(b),
///         Expr::Call { args, .. } => args.iter().map(eval).sum(),
///     }
/// }
///
/// let args = Expr::alloc(3, |i| Expr::Num(i as i64));
/// let sum = Expr::Add(Expr::alloc_value(Expr::Num(10)), Expr::alloc_value(Expr::Nil));
/// let call = Expr::alloc_value(Expr::Call { name: "f".into(), args });
/// assert_eq!(eval(&call) + eval(&sum), 13);
/// assert!(Expr::arena().with(|arena| arena.is_acyclic())); // it holds ArcSingle<Expr>
/// ```
///
/// # Node types: links and the acyclic arenas
///
/// A field *may hold links* unless its type, as written, is a primitive,
/// `String`, `str`, `ArcStr`, a handle to one of those, a reference, a shared
/// owner or a cell (`Rc`, `Arc`, `Cell`, `RefCell`, `Mutex`...), or an
/// `Option`, `Box`, `Vec`, array or tuple of those. So `ArcSlice<Member>`,
/// `Option<ArcSingle<Self>>`, `Vec<Pat>` and `value: Value` (another derived
/// type, held by value) may. A type with such a field, in a struct or in any
/// enum variant:
///
/// - implements [`ArenaLinks`](../arena_arc/trait.ArenaLinks.html), reporting
///   those fields (an enum's impl `match`es every variant). Each is reported
///   through a probe the type checker resolves: handles to any type that
///   reports links, derived values held by value (through their own impl),
///   and `Option`, `Box`, `Vec`, arrays and tuples of them; a field whose
///   type turns out to hold none reports nothing. So node types that point
///   at each other need no attribute and do not name each other. The impl
///   also sets `DROP_ONLY_LINKS` when every field either has no drop glue
///   or is wholly reported (a handle to such a type, an `ArcStr`, which is
///   reported as a link that keeps counting, an `Option` or array of them,
///   a derived type with the same promise): its chunks are then released
///   without dropping each value. A `String`, `Box` or `Vec` field makes it
///   `false`;
/// - gets its per-thread arena from
///   [`Allocator::new_acyclic`](../arena_arc/struct.Allocator.html#method.new_acyclic),
///   in the thread's generations: links between the chunks of a thread's
///   acyclic arenas that are current together do not count, and a tree of
///   derived types is freed when its last outside handle goes and the
///   building thread allocates again, calls `trim_thread()` or ends;
/// - must not implement `Drop` when those fields hold links (see
///   [below](#the-drop-rule));
/// - and, for a struct, a self-link handle field (`ArcSlice<Foo>` or
///   `ArcSingle<Foo>` where `Foo` is the derived type, written `Foo` or
///   `Self`, with the type's index type) without `shared` goes to the
///   struct's own arena: `children: ArcSlice<Node>` in `Node` makes
///   `children_with`, `children_from_iter` and `children(vec)` allocate in
///   `Node::arena()`. (`shared = Node::arena()` still works and means the
///   same.)
///
/// A hand-written `unsafe impl ArenaLinks` for a derived type conflicts with
/// the derived one (E0119) rather than being ignored.
///
/// Types whose fields hold no links keep a plain arena, as before.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use arena_arc::{ArcSlice, ArenaAlloc};
///
/// static DROPPED: AtomicUsize = AtomicUsize::new(0);
///
/// /// Counts drops (a field's type may have a `Drop`; the node may not).
/// struct Payload(u32);
/// impl Drop for Payload {
///     fn drop(&mut self) {
///         DROPPED.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// #[derive(ArenaAlloc)]
/// #[arena(chunk = 64)]
/// struct Node {
///     payload: Payload,
///     #[arena(default)]
///     children: ArcSlice<Node>, // a self-link, in Node's own arena
/// }
///
/// fn tree(depth: u32) -> Node {
///     let node = Node::builder().payload(Payload(depth));
///     match depth {
///         0 => node.build(),
///         _ => node.children_with(3, |_| tree(depth - 1)).build(),
///     }
/// }
///
/// std::thread::spawn(|| {
///     let root = Node::alloc_value(tree(3)); // 40 nodes, in chunks of 64
///     assert_eq!(root.children[2].children.len(), 3);
/// })
/// .join()
/// .unwrap();
/// // The tree's chunk held handles to itself, and was freed all the same
/// // when the root and the thread's arena were gone.
/// assert_eq!(DROPPED.load(Ordering::Relaxed), 40);
/// ```
///
/// What is *not* reported, and so still counts and can keep chunks alive (a
/// leak, never undefined behaviour):
///
/// - handles behind interior mutability or a shared owner
///   (`RefCell<Option<ArcSingle<Node>>>`, `Rc<ArcSlice<Node>>`), which can
///   never be reported;
/// - handles inside containers the derive cannot see into (`HashMap`,
///   `BTreeMap`, your own generic types), or in a type with a hand-written
///   `ArenaLinks` held by value: use `ArcSlice` or `Vec` fields, or derive the
///   inner type;
/// - values of the type allocated in an arena other than its own or an
///   `arena!` one (an `Allocator::new()` you make by hand is not acyclic),
///   and links between two threads' arenas.
///
/// An unreported handle into the generation it is committed in keeps that
/// whole generation alive.
///
/// ## Why the generated `unsafe impl ArenaLinks` is sound
///
/// [`ArenaLinks`](../arena_arc/trait.ArenaLinks.html) is an `unsafe`
/// trait: a wrong report could free a chunk still in use. The generated
/// `visit_links` meets its contract because:
///
/// - it reports only the type's own fields (or the matched variant's), each
///   once, through `LinkField` impls: the runtime's handles (to types that
///   report links), `Option`, `Box`, `Vec`, slices and arrays of them, the
///   elements of a tuple field one by one, and derived types held by value
///   (through their own generated impl). Every reported handle is owned by
///   value, and never behind interior mutability or a shared owner (a
///   `RefCell<ArcSingle<Node>>` or `Rc<ArcSlice<Node>>` is no `LinkField`);
/// - the same value reports the same handles every time (there is no other
///   code in it);
/// - and no type between the value and a reported handle implements `Drop`
///   (the rule below), while `Option`, `Box` and `Vec` only drop what they
///   hold.
///
/// The impl carries no `#[allow(unsafe_code)]`: the `unsafe_code` lint does
/// not fire on code a derive writes, so crates under
/// `#![forbid(unsafe_code)]` (where an `allow` would be an error) or
/// `#![deny(unsafe_code)]` can derive recursive types.
///
/// # The `Drop` rule
///
/// A type that may hold links that do not count must not implement `Drop`.
/// A generation drops its elements one after the other, and the links
/// within it (the ones the derive reports) do not count: a `Drop` of `Node`
/// could read or clone a child that is already dropped, or move a link out
/// (`mem::take`) and keep it past its chunk's free. So when a field holds
/// handles to the type itself, `impl Drop` is a conflict with a trait whose
/// name says why:
///
/// ```compile_fail,E0119
/// use arena_arc::{ArcSlice, ArenaAlloc};
///
/// #[derive(ArenaAlloc)]
/// struct Node {
///     children: ArcSlice<Node>,
/// }
///
/// impl Drop for Node {
///     fn drop(&mut self) {}
/// }
/// ```
///
/// ```text
/// error[E0119]: conflicting implementations of trait `Node_holds_links_to_itself_that_do_not_count_so_it_must_not_implement_Drop__put_the_drop_logic_in_a_field_type` for type `Node`
///  --> src/main.rs:4:8
///   |
/// 3 | #[derive(ArenaAlloc)]
///   |          ---------- first implementation here
/// 4 | struct Node {
///   |        ^^^^ conflicting implementation for `Node`
/// ```
///
/// For any other field, the type checker decides, and the error points at
/// the field's type: `impl Drop` is an error only if the field may hold a
/// link that is reported, that is, if it reaches a type with links of its
/// own (a handle to `Node`, a derived type with links held by value, or an
/// `Option`, `Box`, `Vec`, array or tuple of those):
///
/// ```compile_fail,E0080
/// use arena_arc::{ArcSingle, ArcSlice, ArenaAlloc};
///
/// #[derive(ArenaAlloc)]
/// struct Node {
///     children: ArcSlice<Node>,
/// }
///
/// #[derive(ArenaAlloc)]
/// struct Doc {
///     root: ArcSingle<Node>,
/// }
///
/// impl Drop for Doc {
///     fn drop(&mut self) {}
/// }
/// ```
///
/// ```text
/// error[E0080]: evaluation panicked: `Doc` implements Drop, but its field `root` may hold links that the arena does not count (`ArcSingle<Node>` reaches a type with arena links of its own): [...] Put the drop logic in a field's own type that holds no handle
///   --> src/main.rs:10:11
///    |
/// 10 |     root: ArcSingle<Node>,
///    |           ^^^^^^^^^ evaluation of `_::_` failed here
/// ```
///
/// Handles to a type with no links of its own (a derived type none of whose
/// fields may hold links, such as `Particle` below, or a primitive) are
/// never reported: they count like any handle, so a `Drop` may read them,
/// clone them or move them out. Such a type gets a plain arena everywhere
/// (its own, `arena!`, a builder's field arena), so that a counted link
/// into it never keeps a generation alive. A field the derive cannot see
/// into is fine too when its type holds no link (`pos: Vec3`, held by
/// value), but a type with such a field counts as one that may hold links:
/// handles to `Body { pos: Vec3 }` are reported, and their holder may not
/// implement `Drop`.
///
/// ```
/// use arena_arc::{ArcSlice, ArenaAlloc};
///
/// #[derive(ArenaAlloc)]
/// struct Particle {
///     x: f32,
///     y: f32,
/// }
///
/// #[derive(ArenaAlloc)]
/// struct Frame {
///     particles: ArcSlice<Particle>,
/// }
///
/// impl Drop for Frame {
///     fn drop(&mut self) {
///         let moved = std::mem::take(&mut self.particles); // it counts
///         assert_eq!(moved.len(), 2);
///     }
/// }
///
/// let frame = Frame::builder()
///     .particles(vec![Particle { x: 0.0, y: 1.0 }, Particle { x: 2.0, y: 3.0 }])
///     .build();
/// drop(Frame::alloc_value(frame));
/// arena_arc::trim_thread(); // frees the frame's generation: its Drop runs
/// ```
///
/// Put the drop logic in a field's own type instead, as `Payload` does in the
/// example above: a field that holds no link may have any `Drop`, and it
/// runs when its node is dropped.
///
/// # `crate = path`
///
/// The generated code names the runtime crate `::arena_arc`. A crate that
/// renames the dependency (`arena = { package = "arena-arc", .. }` in
/// `Cargo.toml`), or reaches it through a re-export, says where it is with
/// `#[arena(crate = path)]` (`crate = "path"` is read too), and `arena!` with
/// `crate = path;` before its arguments:
///
/// ```
/// mod deps {
///     // As if the dependency were renamed: reachable as `deps::arena`.
///     pub use arena_arc as arena;
/// }
///
/// use deps::arena::{ArcSlice, ArenaAlloc, arena};
///
/// arena!(crate = deps::arena; static NAMES: u8, 4096);
///
/// #[derive(ArenaAlloc)]
/// #[arena(crate = deps::arena)]
/// struct Dir {
///     #[arena(shared = NAMES)]
///     name: ArcSlice<u8>,
///     #[arena(default)]
///     entries: ArcSlice<Dir>,
/// }
///
/// let root = Dir::builder()
///     .name(&b"/"[..])
///     .entries_with(1, |_| Dir::builder().name(&b"etc"[..]).build())
///     .build_arc();
/// assert_eq!(&*root.entries[0].name, b"etc");
/// ```
///
/// # What is rejected
///
/// Unions (use `arena!(Type, N)` for them), generic structs and enums (a
/// per-thread `static` cannot be generic: declare an `arena!(static ...)` per
/// instantiation instead), `#[arena(...)]` inside an enum, unknown or
/// duplicate attribute keys, `chunk = 0`, a capacity that is not an integer
/// literal or `thin` or does not fit the index type, `chunk = thin` on a
/// field or for a type too large for the window, an index type other than `u8`,
/// `u16`, `u32`, `u64`, `u128`, `usize`, `ArcSlice`/`ArcSingle` with other
/// than one or two type arguments, `ArcStr` with more than one, a `crate` value that is not a path, and
/// `impl Drop` for a type whose fields hold links. Each error points at the
/// offending token and says what to write instead.
///
/// # Costs
///
/// Each allocation costs one thread-local lookup on top of the
/// [`Allocator`](../arena_arc/struct.Allocator.html) call; in an acyclic
/// arena, also one call of the generated `visit_links` per allocated value
/// and the generation checks (see
/// [`Allocator::new_acyclic`](../arena_arc/struct.Allocator.html#method.new_acyclic)).
/// The only `unsafe` in the generated code is the `unsafe impl ArenaLinks`
/// and `unsafe impl LinkField` of a type whose fields may hold links (and an
/// empty `unsafe impl ArenaLinks` for the others).
#[proc_macro_derive(ArenaAlloc, attributes(arena))]
pub fn derive_arena_alloc(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    parse::derive_model(&input)
        .map(|model| expansion::derive(&model))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Per-thread arenas without a derive.
///
/// - `arena!(Type, CHUNK);` implements `ArenaAlloc` for the local type
///   `Type`, with `CHUNK` elements per chunk and index type `u32`;
///   `arena!(Type, CHUNK, INDEX);` chooses the index type. `CHUNK` is an
///   integer literal, or `thin` for the chunks that 8-byte `ArcThin`
///   handles need (see the derive's `chunk = thin`). Types that the
///   derive does not take (unions, types without a builder) use this form.
/// - `arena!(static NAME: Type, CHUNK[, INDEX]);` declares `NAME`, a
///   `LocalArena` for any type, foreign ones included (`u8`, `String`): it
///   has the `Allocator` methods (`NAME.alloc(len, init)`,
///   `NAME.alloc_value(v)`, ...). Attributes and a visibility may come first:
///   `arena!(pub static NAME: u8, 65536);`.
/// - Either form may start with `crate = path;` for a crate that renames the
///   `arena_arc` dependency: `arena!(crate = ::renamed; static NAME: u8, 64);`
///   (see the derive's `crate = path`).
///
/// ```
/// use arena_arc::{ArcSlice, ArenaAlloc, arena};
///
/// union Bits {
///     word: u32,
///     bytes: [u8; 4],
/// }
/// arena!(Bits, 4096);
///
/// arena!(pub static BYTES: u8, 65536);
/// arena!(static SMALL: u16, 256, u8); // u8 lengths
///
/// let bits = Bits::alloc_value(Bits { word: 1 });
/// assert_eq!(unsafe { bits.bytes }.iter().map(|&b| b as u32).sum::<u32>(), 1);
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
///
/// # Acyclic for recursive types
///
/// The arena is acyclic
/// ([`Allocator::new_acyclic`](../arena_arc/struct.Allocator.html#method.new_acyclic))
/// when `Type` reports its self-links
/// ([`ArenaLinks`](../arena_arc/trait.ArenaLinks.html), which
/// `#[derive(ArenaAlloc)]` implements for a recursive type), and plain
/// otherwise. The macro cannot see into `Type`; it writes a constant that
/// the type checker resolves to one constructor or the other for that
/// concrete type, so the thread-local keeps its `const` initializer.
///
/// ```
/// use arena_arc::{ArcSingle, ArenaAlloc, arena};
///
/// #[derive(ArenaAlloc)]
/// enum List {
///     Nil,
///     Cons(u32, ArcSingle<List>),
/// }
///
/// arena!(static LISTS: List, 256);
/// arena!(static BYTES: u8, 256);
///
/// assert!(LISTS.with(|arena| arena.is_acyclic()));
/// assert!(!BYTES.with(|arena| arena.is_acyclic()));
/// let list = LISTS.alloc_value(List::Cons(1, LISTS.alloc_value(List::Nil)));
/// assert!(matches!(&*list, List::Cons(1, tail) if matches!(**tail, List::Nil)));
/// ```
#[proc_macro]
pub fn arena(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as parse::ArenaInput);
    expansion::arena_macro(input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
