//! [`ArcStr`] with per-thread arenas (feature `std`): the default text
//! arena [`TEXT_ARENA`] behind `ArcStr::from(&str)`,
//! [`LocalArena::alloc_str`], and [`IntoArcStr`], what a derived builder's
//! `ArcStr` setter takes.

use alloc::string::String;

use super::ArcStr;
use crate::allocator::Allocator;
use crate::index::IndexType;
use crate::local_arena::{LocalArena, ThreadArena};

/// The chunk capacity of [`TEXT_ARENA`], in bytes: 16384, four pages. A
/// string longer than that gets a chunk of its own.
///
/// Four pages rather than one: a tree whose nodes hold names links into a
/// text chunk every few hundred names, and each text chunk a node chunk
/// links into is one more target in the tally its release is made from
/// (`DROP_ONLY_LINKS`). With 4096 bytes, the five-type AST of
/// `benches/trees.rs` (W9) took 3 % more instructions to build, its node
/// chunks' tallies outgrew their headers, and each chunk of text was one
/// more `malloc`. Its heap, and the streams' and the JSON documents', were
/// the same within 1.5 %. What it costs: a string kept alive keeps up to
/// 16 KiB of other, dead strings with it, where it kept 4 KiB; an arena of
/// your own (`arena!(static NAMES: u8, 4096)`) keeps smaller chunks.
///
/// ```
/// use arena_arc::{TEXT_ARENA, TEXT_CHUNK};
///
/// assert_eq!(TEXT_ARENA.chunk_capacity(), TEXT_CHUNK);
/// ```
pub const TEXT_CHUNK: usize = 16384;

std::thread_local! {
    static TEXT: Allocator<u8, u32, TEXT_CHUNK> = const {
        // SAFETY: the initial value of a `thread_local!`.
        unsafe { Allocator::new().__per_thread() }
    };
}

/// The default text arena (feature `std`): one
/// [`Allocator<u8, u32, TEXT_CHUNK>`](Allocator) per thread, where
/// `ArcStr::from(&str)`, `From<String>`, `From<&String>` and serde's
/// `ArcStr` deserialization copy their bytes. Chunks are [`TEXT_CHUNK`]
/// (16384) bytes.
///
/// Strings are freed chunk by chunk, as every arena's slices are: a
/// chunk of small strings is released with the last of them. Use it as a
/// derive's `#[arena(shared = arena_arc::TEXT_ARENA)]` to put a field's
/// strings there too, or declare your own with
/// [`arena!(static NAMES: u8, 65536)`](crate::arena) to keep some text apart.
///
/// ```
/// use arena_arc::{ArcStr, TEXT_ARENA};
///
/// let a: ArcStr = "main".into();
/// let b = TEXT_ARENA.alloc_str("init");
/// assert_eq!((a.as_str(), b.as_str()), ("main", "init"));
/// assert!(TEXT_ARENA.stats().chunks_alive >= 1);
/// ```
pub static TEXT_ARENA: LocalArena<u8, u32, TEXT_CHUNK> = LocalArena::new(&TEXT);

/// `TEXT_ARENA.alloc_str(s)`, compiled in this crate and never inlined: what
/// `ArcStr::from` calls.
///
/// `TEXT_ARENA` is a `static` of this crate. In the caller's crate its
/// contents are unknown to the compiler, so an inlined `alloc_str` loaded
/// the `LocalKey` from it and called the key's accessor through a function
/// pointer: about a dozen instructions, and an indirect call, per string.
/// Here the key and its accessor are known, and the thread-local is reached
/// from the thread pointer, inline. (W9, 352,060 strings: see
/// docs/benchmarks.md, "The second session of 2026-12-07".)
#[inline(never)]
#[track_caller]
pub(crate) fn copy_to_text(s: &str) -> ArcStr {
    TEXT_ARENA.with(
        #[inline(always)]
        |arena| arena.alloc_str(s),
    )
}

/// [`copy_to_text`] with the refusal of
/// [`Allocator::checked_alloc_str`]: what serde's `ArcStr` deserialization
/// calls, out of line for the same reason.
#[cfg(feature = "serde")]
#[inline(never)]
pub(crate) fn checked_copy_to_text(s: &str) -> Result<ArcStr, crate::AllocError> {
    TEXT_ARENA.with(|arena| arena.checked_alloc_str(s))
}

#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl From<&str> for ArcStr {
    /// Copies `s` into this thread's [`TEXT_ARENA`].
    ///
    /// ```
    /// use arena_arc::ArcStr;
    ///
    /// let name: ArcStr = "main".into();
    /// assert_eq!(name, "main");
    /// ```
    #[inline]
    fn from(s: &str) -> Self {
        copy_to_text(s)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl From<&String> for ArcStr {
    /// Copies `s` into this thread's [`TEXT_ARENA`].
    ///
    /// ```
    /// use arena_arc::ArcStr;
    ///
    /// let owned = String::from("x");
    /// assert_eq!(ArcStr::from(&owned), owned);
    /// ```
    #[inline]
    fn from(s: &String) -> Self {
        copy_to_text(s)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl From<String> for ArcStr {
    /// Copies `s` into this thread's [`TEXT_ARENA`] and frees the `String`.
    ///
    /// ```
    /// use arena_arc::ArcStr;
    ///
    /// let text: ArcStr = format!("{}-{}", "a", 1).into();
    /// assert_eq!(text, "a-1");
    /// ```
    #[inline]
    fn from(s: String) -> Self {
        copy_to_text(&s)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl<L: IndexType, const N: usize> LocalArena<u8, L, N> {
    /// [`Allocator::alloc_str`] on this thread's allocator.
    ///
    /// ```
    /// # #[cfg(feature = "derive")] {
    /// use arena_arc::{ArcStr, arena};
    ///
    /// arena!(static NAMES: u8, 4096);
    /// let name: ArcStr = NAMES.alloc_str("main");
    /// assert_eq!(name, "main");
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_str(&self, s: &str) -> ArcStr<L> {
        self.with(|a| a.alloc_str(s))
    }
}

/// What a derived builder's setter for an `ArcStr<L>` field accepts: an
/// existing `ArcStr<L>` (moved in, no copy) or text to copy into the
/// field's arena: `&str`, `&String` or `String`.
///
/// ```
/// # #[cfg(feature = "derive")] {
/// use arena_arc::{ArcStr, IntoArcStr, arena};
///
/// arena!(static NAMES: u8, 1024);
///
/// let copied: ArcStr = "abc".into_arc_str(&NAMES);
/// let same: ArcStr = copied.clone().into_arc_str(&NAMES);
/// assert!(ArcStr::ptr_eq(&copied, &same));
/// assert_eq!(String::from("x").into_arc_str(&NAMES), "x");
/// # }
/// ```
pub trait IntoArcStr<L: IndexType> {
    /// Returns the handle, copying into `arena` if the text is not one yet.
    ///
    /// ```
    /// use arena_arc::{ArcStr, IntoArcStr, TEXT_ARENA};
    ///
    /// let word: ArcStr = "word".into_arc_str(&TEXT_ARENA);
    /// assert_eq!(word, "word");
    /// ```
    fn into_arc_str<A: ThreadArena<u8, L>>(self, arena: &A) -> ArcStr<L>;
}

impl<L: IndexType> IntoArcStr<L> for ArcStr<L> {
    #[inline]
    fn into_arc_str<A: ThreadArena<u8, L>>(self, _arena: &A) -> ArcStr<L> {
        self
    }
}

impl<L: IndexType> IntoArcStr<L> for &str {
    #[inline]
    fn into_arc_str<A: ThreadArena<u8, L>>(self, arena: &A) -> ArcStr<L> {
        // UTF-8: the bytes of a `&str`, copied whole.
        ArcStr {
            bytes: arena.alloc_slice_copy(self.as_bytes()),
        }
    }
}

impl<L: IndexType> IntoArcStr<L> for &String {
    #[inline]
    fn into_arc_str<A: ThreadArena<u8, L>>(self, arena: &A) -> ArcStr<L> {
        self.as_str().into_arc_str(arena)
    }
}

impl<L: IndexType> IntoArcStr<L> for String {
    #[inline]
    fn into_arc_str<A: ThreadArena<u8, L>>(self, arena: &A) -> ArcStr<L> {
        self.as_str().into_arc_str(arena)
    }
}
