//! A fast chunk arena whose allocations are cheap, thread-safe,
//! reference-counted, zero-copy handles.
//!
//! An [`Allocator<T, L, N>`](Allocator) carves slices of `T` out of chunks of
//! `N` elements and returns them as [`ArcSlice<T, L>`](ArcSlice) (a slice) or
//! [`ArcSingle<T, L>`](ArcSingle) (one value). Many handles share one chunk;
//! the chunk, and every element in it, is dropped with its last handle.
//! Handles outlive the allocator, move between threads and clone with one
//! atomic increment. A recursive type in its own acyclic arena (see
//! [Cycles](#cycles-and-trees-that-free-themselves)) is freed with its last
//! outside handle.
//!
//! ```
//! use arena_arc::{Allocator, ArcSlice};
//!
//! let arena: Allocator<u32> = Allocator::new();
//! let children: ArcSlice<u32> = arena.alloc(3, |i| i as u32 + 1);
//! let root = arena.alloc_value(0);
//!
//! let shared = children.clone();
//! std::thread::spawn(move || assert_eq!(shared.iter().sum::<u32>(), 6))
//!     .join()
//!     .unwrap();
//! assert_eq!(*root, 0);
//! ```
//!
//! # Why
//!
//! | | one allocation per slice | shared ownership | handle size (64-bit) |
//! |---|---|---|---|
//! | `Arc<[T]>` | yes | yes | 16 |
//! | `bumpalo`, `typed-arena` | no | no (lifetimes) | 16 (`&[T]`) |
//! | `arena-arc` 0.1 | no | yes | 24 |
//! | **`arena-arc` 0.2** | **no** | **yes** | **16** ([`ArcThin`]: 8) |
//!
//! # The chunk model
//!
//! See [`Allocator`] for the details. In short:
//!
//! - An allocation that fits the current chunk bumps an index: no atomic
//!   operation, no call to the global allocator. Reference counts of the
//!   handles handed out are settled with the chunk in one atomic operation
//!   when the chunk is retired.
//! - A request longer than `N` (or one that would waste more of the current
//!   chunk than a fresh one) gets a chunk of its own, exactly sized.
//! - A retired chunk whose handles are all gone is reused, so a churn loop
//!   stops calling the global allocator after warm-up.
//! - [`Allocator::alloc_thin`] returns an 8-byte [`ArcThin`] instead of a
//!   12-byte `ArcSingle`: from its first call the allocator puts its chunks
//!   at [`THIN_WINDOW`] (64 KiB) boundaries, and a chunk must fit in one
//!   ([`thin_capacity`] elements fill it; a derived arena takes that size
//!   from `#[arena(chunk = thin)]`).
//! - Elements are dropped when their chunk is released, all together
//!   (*deferred drops*). A slice whose handles are gone stays allocated while
//!   other slices of its chunk live (a *zombie*); [`ArenaStats`] shows it.
//!
//! # Guarantees
//!
//! - Handles are `Send + Sync` exactly when `T: Send + Sync`, like `Arc`;
//!   the [`Allocator`] is `Send` (not `Sync`) under the same bound.
//! - A handle never creates a reference covering memory outside its own
//!   elements: a `&[T]` from a handle stays valid while later slices are
//!   written into the same chunk, on this thread or another.
//! - Bad input never causes undefined behaviour, a leak of made elements or
//!   a double drop: a length over `L::MAX`, a size overflow or a byte limit
//!   panics (or returns [`AllocError`] from the `checked_` methods) before
//!   anything is written; an `init` that panics or fails has the elements it
//!   made dropped at once, exactly once. An element whose `Drop` panics
//!   during a chunk's release does not stop the others from being dropped
//!   nor the chunk from being freed.
//! - Allocation takes `&self`, so `init` may allocate from the same
//!   allocator (nested allocation, as when building trees).
//! - A chain of chunks frees without recursion: a chunk's free that releases
//!   another (a list or tree spanning thousands of chunks or generations)
//!   queues it on the thread, and the outermost free runs the queue before
//!   it returns, so dropping the head of a million-node list needs the
//!   stack of one free (with the `std` feature; without it, frees nest).
//!
//! # Per-type arenas
//!
//! With the `derive` feature (on by default), types get per-thread arenas
//! and never hold an [`Allocator`] by hand: [`arena!`](macro@arena) declares
//! one for any type, [`#[derive(ArenaAlloc)]`](derive@ArenaAlloc) gives a
//! struct or enum its own (and a struct a typed builder), and the
//! [`ArenaAlloc`] trait has the allocation methods (`Foo::alloc(len, init)`,
//! `Foo::alloc_value(v)`).
//!
//! ```
//! # #[cfg(feature = "derive")] {
//! use arena_arc::{ArcSlice, ArenaAlloc, arena};
//!
//! arena!(static IDENTS: u8, 65536);
//!
//! #[derive(ArenaAlloc)]
//! struct Call {
//!     #[arena(shared = IDENTS)]
//!     callee: ArcSlice<u8>,
//!     args: ArcSlice<i64>,
//! }
//!
//! let call = Call::builder().callee(&b"max"[..]).args([1, 7]).build_arc();
//! assert_eq!(call.args.iter().max(), Some(&7));
//! # }
//! ```
//!
//! # Text
//!
//! [`ArcStr`] is a `str` in a byte chunk: 16 bytes, cloned and dropped like
//! an `ArcSlice<u8>`, compared and hashed like a `str`, cut with a zero-copy
//! [`slice`](ArcStr::slice). With `std`, `ArcStr::from("main")` copies into
//! [`TEXT_ARENA`], a per-thread arena of [`TEXT_CHUNK`]-byte (16 KiB) chunks.
//!
//! ```
//! # #[cfg(feature = "std")] {
//! use std::collections::HashMap;
//!
//! use arena_arc::ArcStr;
//!
//! let line: ArcStr = "fn main() {}".into();
//! let name = line.slice(3..7); // shares line's chunk
//! let mut symbols: HashMap<ArcStr, usize> = HashMap::new();
//! symbols.insert(name, 3);
//! assert_eq!(symbols["main"], 3);
//! # }
//! ```
//!
//! A type with an arena also collects into it:
//! `iter.collect::<ArcSlice<Node>>()` allocates in `Node`'s own per-thread
//! arena (see [`ArenaAlloc`]).
//!
//! # Cycles, and trees that free themselves
//!
//! A chunk is freed when its last handle goes, so a chunk whose elements
//! hold a counted handle into the chunk itself would keep itself alive, like
//! a cycle of `Arc`s. That is the natural shape of an AST: a node holding
//! `ArcSlice<Node>`, written into the same chunk as its children.
//!
//! An *acyclic* allocator ([`Allocator::new_acyclic`], for a type that
//! implements [`ArenaLinks`]; [`#[derive(ArenaAlloc)]`](derive@ArenaAlloc)
//! does both for every struct or enum whose fields may hold links) removes
//! those cycles without an atomic operation per allocation: a committed
//! value's handles into its own chunk stop counting, and links only ever
//! point from a chunk into itself or into older chunks.
//!
//! The per-thread arenas go further, for trees of **several node types**:
//! all acyclic per-thread arenas of a thread share one *generation* of
//! chunks at a time (one current chunk per arena). Links within a
//! generation do not count, links only point into older generations, and a
//! generation is freed as a whole when no handle into any of its chunks is
//! left. Its count changes only when one of its chunks' counts reaches or
//! leaves zero, so a handle's clone and drop stay one atomic operation
//! each. A tree of derived types that point at each other (by value, in
//! `ArcSingle`, `ArcSlice`, `Option`, `Box`, `Vec`, arrays or tuples) is
//! freed when its last outside handle goes and the thread that built it
//! allocates again, calls [`trim_thread`] or ends. The rules and their
//! costs are in [`ArenaLinks`] and [`Allocator::new_acyclic`]. The derive
//! forbids `impl Drop` for a type whose fields may hold links that do not
//! count (put drop logic in a field's type); handles to a type with no
//! links of its own (`ArcSlice<Particle>`) always count, and their holder
//! may implement `Drop`. [`arena!`](macro@arena) of a type that reports its
//! links is acyclic too.
//!
//! ```
//! # #[cfg(feature = "derive")] {
//! use arena_arc::{ArcSingle, ArcSlice, ArcStr, ArenaAlloc};
//!
//! #[derive(ArenaAlloc)]
//! enum Value {
//!     Null,
//!     Number(f64),
//!     Array(ArcSlice<Value>),
//!     Object(ArcSlice<Member>),
//! }
//!
//! #[derive(ArenaAlloc)]
//! struct Member {
//!     key: ArcStr,
//!     value: Value,
//! }
//!
//! let items = Value::alloc(2, |i| Value::Number(i as f64));
//! let member = Member { key: "xs".into(), value: Value::Array(items) };
//! let members = Member::alloc_from_iter([member]);
//! let doc = Value::alloc_value(Value::Object(members));
//! // Values and members share chunks and point at each other, yet dropping
//! // `doc` frees them all (at this thread's next allocation, at
//! // `trim_thread()` or when it ends).
//! drop(doc);
//! arena_arc::trim_thread();
//! assert_eq!(Value::arena_stats().chunks_alive, 0);
//! assert_eq!(Member::arena_stats().chunks_alive, 0);
//! # }
//! ```
//!
//! **Streams of documents.** A thread that builds, uses and drops one
//! document after another keeps about one document live with no call: the
//! first allocation after a document's last handle is gone finds the open
//! generation unreachable and frees it, and keeps its chunks for the next
//! document, which then makes no new chunk. A thread
//! that builds the next document while it still holds the previous one
//! (*keep-latest*) calls [`recycle_thread`] (or [`trim_thread`], which gives
//! the memory back) once per document: otherwise each dead root stays in
//! the generation the next document starts in, and the documents chain.
//!
//! What can still leak, as with `Arc`, and its fix:
//!
//! - **handles behind interior mutability or a shared owner**
//!   (`RefCell<Option<ArcSingle<Node>>>` set after the fact, an
//!   `Rc<ArcSlice<Node>>`): they always count; build bottom-up, own links;
//! - **handles the derive cannot see**: inside `HashMap`, `BTreeMap` or your
//!   own generic containers, or in a type with a hand-written [`ArenaLinks`]
//!   held by value inside a derived type: use `ArcSlice`/`Vec` fields, or
//!   derive the inner type. An unreported handle into its own generation
//!   keeps the whole generation alive;
//! - **two threads' arenas pointing at each other**: each thread's
//!   generations are its own, and links between them count: build a tree on
//!   one thread;
//! - **a hand-held [`Allocator::new_acyclic`]** frees trees of its own type;
//!   links between two hand-held allocators count.
//!
//! # Features
//!
//! - `std` (default): per-thread arenas ([`LocalArena`], [`ThreadArena`],
//!   [`ArenaAlloc`]) and the builders' runtime. Without it the crate is
//!   `#![no_std]` + `alloc` and offers [`Allocator`], the handles, the stats
//!   and the errors; a reference count overflow then aborts by panicking
//!   twice instead of calling `std::process::abort`.
//! - `derive` (default, implies `std`): `#[derive(ArenaAlloc)]` and `arena!`.
//! - `prefault` (default): on Linux, a fresh chunk that will fill is mapped
//!   by one `madvise(MADV_POPULATE_WRITE)` when it is made, instead of a
//!   page fault per page as it is written; see the costs in [`Allocator`].
//!   No effect on other systems, or under Miri or loom.
//! - `serde` (off): `Serialize` and `Deserialize` for the handles, and
//!   `serde::DeserializeIn` to deserialize into a chosen [`Allocator`]; see
//!   the `arena_arc::serde` module.
//! - `bytes` (off): `From<ArcSlice<u8, L>>` and `From<ArcStr<L>>` for
//!   `bytes::Bytes`, zero-copy: the `Bytes` points into the chunk and owns
//!   the handle (`Bytes::from_owner`).
#![cfg_attr(not(feature = "std"), no_std)]
// docs.rs (`[package.metadata.docs.rs]`) builds with `--cfg docsrs` on
// nightly: each feature-gated item gets a badge naming its feature.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(
    missing_docs,
    missing_debug_implementations,
    clippy::undocumented_unsafe_blocks
)]

extern crate alloc;

mod allocator;
#[cfg(feature = "std")]
mod arena_alloc;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod builder;
mod cascade;
mod chunk;
mod clock;
#[cfg(feature = "std")]
mod collect;
mod error;
mod generation;
mod index;
mod links;
#[cfg(feature = "std")]
mod local_arena;
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
pub mod serde;
mod single;
mod slice;
mod stats;
mod sync;
mod text;
mod thin;
#[cfg(feature = "bytes")]
mod to_bytes;

pub use allocator::Allocator;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use arena_alloc::ArenaAlloc;
#[cfg(feature = "derive")]
#[cfg_attr(docsrs, doc(cfg(feature = "derive")))]
pub use arena_arc_derive::{ArenaAlloc, arena};
#[doc(hidden)]
#[cfg(feature = "std")]
pub use builder::__private;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use builder::{IntoArcSingle, IntoArcSlice};
#[cfg(feature = "std")]
pub use clock::{recycle_thread, trim_thread};
pub use error::AllocError;
pub use index::IndexType;
pub use links::{ArenaLinks, Link, Links};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use local_arena::{LocalArena, ThreadArena};
pub use single::{ArcSingle, NotSingle};
pub use slice::ArcSlice;
pub use stats::ArenaStats;
pub use text::{ArcStr, NotUtf8};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use text::{IntoArcStr, TEXT_ARENA, TEXT_CHUNK};
pub use thin::{ArcThin, THIN_WINDOW, thin_capacity};

/// The README's examples, compiled and run as doc tests.
#[cfg(all(doctest, feature = "derive"))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// The 0.1.2 code that no longer compiles, each case of the README's
/// "Migrating from 0.1" with its error code (`tests/compat_0_1.rs` compiles
/// the rest, and the changed lines).
///
/// A length of type `L`: `alloc` and `try_alloc` take a `usize`.
/// ```compile_fail,E0308
/// let arena: arena_arc::Allocator<u64, u32, 16> = arena_arc::Allocator::new();
/// let n: u32 = 4;
/// let _ = arena.alloc(n, |i| i as u64);
/// ```
/// The error of `ArcSingle::try_from` is a `NotSingle` (which gives the
/// slice back), not a `&'static str`.
/// ```compile_fail,E0308
/// use arena_arc::{Allocator, ArcSingle};
/// let arena: Allocator<u64> = Allocator::new();
/// let err: &'static str = ArcSingle::try_from(arena.alloc(2, |_| 0)).unwrap_err();
/// ```
/// `ArcSingle::as_ptr` is the value's address; 0.1.2 reached the value's
/// own `as_ptr` through `Deref`.
/// ```compile_fail,E0308
/// let arena: arena_arc::Allocator<String> = arena_arc::Allocator::new();
/// let name = arena.alloc_value("x".to_string());
/// let bytes: *const u8 = name.as_ptr();
/// ```
/// `IndexType` is sealed.
/// ```compile_fail,E0277
/// #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
/// struct Idx(u32);
/// impl arena_arc::IndexType for Idx {}
/// ```
/// A chunk capacity `N` that is 0 or does not fit `L` is refused at compile
/// time.
/// ```compile_fail,E0080
/// let arena: arena_arc::Allocator<u8, u8, 300> = arena_arc::Allocator::new();
/// ```
#[cfg(doctest)]
struct Migrating01;
