//! [`ArcStr`]: a reference-counted string handle, a `str` in a byte chunk.
//!
//! # The invariant
//!
//! The bytes of every `ArcStr` are UTF-8. The field is private to this
//! module and its children, and everything here that makes an `ArcStr`
//! upholds it: from a `&str`'s bytes copied whole, from another `ArcStr`
//! cut at char boundaries, or from bytes checked by `str::from_utf8`.
//! [`ArcStr::as_str`] relies on it.

use core::borrow::Borrow;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::{Bound, Deref, RangeBounds};

use alloc::string::String;

use crate::allocator::Allocator;
use crate::error::AllocError;
use crate::index::IndexType;
use crate::slice::ArcSlice;

mod not_utf8;
#[cfg(feature = "std")]
mod per_thread;

pub use not_utf8::NotUtf8;
#[cfg(all(feature = "std", feature = "serde"))]
pub(crate) use per_thread::checked_copy_to_text;
#[cfg(feature = "std")]
pub use per_thread::{IntoArcStr, TEXT_ARENA, TEXT_CHUNK};

/// A shared, immutable string in an arena chunk: an [`ArcSlice<u8, L>`]
/// whose bytes are UTF-8 (16 bytes with the default `L = u32` on 64-bit
/// targets, like `Arc<str>`).
///
/// Cloning is one `Relaxed` atomic increment and dropping one `Release`
/// decrement, as for [`ArcSlice`]; [`slice`](Self::slice) is zero-copy. It
/// reads as a `str` (`Deref<Target = str>`), and compares and hashes as
/// one, so a `HashMap<ArcStr, V>` can be looked up with a `&str`.
///
/// Make one with [`Allocator::alloc_str`], [`LocalArena::alloc_str`]
/// (feature `std`) or, for `ArcStr<u32>`, `From<&str>`, which copies into
/// the per-thread default text arena [`TEXT_ARENA`] (feature `std`). An
/// empty `ArcStr` ([`new`](Self::new), [`empty`](Self::empty), [`Default`])
/// holds no chunk.
///
/// [`LocalArena::alloc_str`]: crate::LocalArena::alloc_str
/// [`TEXT_ARENA`]: crate::TEXT_ARENA
///
/// ```
/// use std::collections::HashMap;
///
/// use arena_arc::{Allocator, ArcStr};
///
/// let arena: Allocator<u8, u32, 4096> = Allocator::new();
/// let line: ArcStr = arena.alloc_str("let x = 1;");
/// let name = line.slice(4..5); // zero-copy, shares the chunk
/// assert_eq!(name, "x");
///
/// let mut scopes: HashMap<ArcStr, u32> = HashMap::new();
/// scopes.insert(name, 1);
/// assert_eq!(scopes.get("x"), Some(&1)); // looked up with a &str
/// assert_eq!(format!("{line} / {:?}", line.slice(..3)), "let x = 1; / \"let\"");
/// ```
#[derive(Clone)]
pub struct ArcStr<L: IndexType = u32> {
    /// UTF-8: see the module's invariant.
    bytes: ArcSlice<u8, L>,
}

/// `new` and `default` for the default index type only, as std's
/// `HashMap::new` exists only for the default hasher: so `ArcStr::new()` and
/// `ArcStr::default()` need no annotation. [`empty`](ArcStr::empty) and
/// `Default` are there for every `L`.
impl ArcStr {
    /// The empty string with the default index type `u32`. Allocates
    /// nothing. For another index type use [`empty`](Self::empty)
    /// (`ArcStr::<u16>::empty()`).
    ///
    /// ```
    /// use arena_arc::ArcStr;
    ///
    /// const EMPTY: ArcStr = ArcStr::new();
    /// assert_eq!(EMPTY, "");
    /// assert!(ArcStr::new().is_empty()); // no annotation needed
    /// ```
    pub const fn new() -> Self {
        Self::empty()
    }

    /// The empty string with the default index type `u32`, as
    /// [`Default::default`]; it lets a bare `ArcStr::default()` compile
    /// where nothing else fixes `L` (path resolution finds this inherent
    /// function before the trait's, which stays implemented for every `L`:
    /// `ArcStr::<u16>::default()` and `Default::default()` call it). For a
    /// field of type `ArcStr<u16>`, write `ArcStr::empty()` or
    /// `Default::default()`.
    ///
    /// ```
    /// use arena_arc::ArcStr;
    ///
    /// assert!(ArcStr::default() == "");
    /// let other: ArcStr<u16> = Default::default();
    /// assert_eq!(other, ArcStr::<u16>::default());
    /// ```
    #[allow(clippy::should_implement_trait)] // it is implemented, for every `L`
    pub const fn default() -> Self {
        Self::empty()
    }
}

impl<L: IndexType> ArcStr<L> {
    /// The empty string, for any index type. Allocates nothing.
    ///
    /// ```
    /// use arena_arc::ArcStr;
    ///
    /// let short: ArcStr<u8> = ArcStr::empty();
    /// assert_eq!(short, "");
    /// assert!(ArcStr::<u16>::empty().is_empty());
    /// ```
    pub const fn empty() -> Self {
        // UTF-8: no bytes.
        ArcStr {
            bytes: ArcSlice::new(),
        }
    }

    /// The string, zero-copy. Same as `&*self`.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcStr};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let word: ArcStr = arena.alloc_str("héllo");
    /// assert_eq!(word.as_str().chars().count(), 5);
    /// ```
    #[inline(always)]
    pub fn as_str(&self) -> &str {
        // SAFETY: the bytes of every `ArcStr` are UTF-8: the module's
        // invariant, which every constructor in `text` upholds (a `&str`
        // copied whole, a cut at char boundaries of an `ArcStr`, or bytes
        // that passed `str::from_utf8`), and the handle's bytes never change.
        unsafe { core::str::from_utf8_unchecked(self.bytes.get()) }
    }

    /// The string's bytes, zero-copy.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcStr};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// assert_eq!(arena.alloc_str("ab").as_bytes(), b"ab");
    /// ```
    #[inline(always)]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get()
    }

    /// The bytes as an [`ArcSlice<u8, L>`] handle, without a clone.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSlice, ArcStr};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let text: ArcStr = arena.alloc_str("abc");
    /// let bytes: ArcSlice<u8> = text.as_arc_slice().clone();
    /// assert_eq!(bytes, *b"abc");
    /// ```
    pub fn as_arc_slice(&self) -> &ArcSlice<u8, L> {
        &self.bytes
    }

    /// Checks that `bytes` are UTF-8 and keeps the handle (no copy); the
    /// error gives it back. Same as `ArcStr::try_from(bytes)`.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcStr};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let good = ArcStr::from_utf8(arena.alloc_slice_copy("ok".as_bytes())).unwrap();
    /// assert_eq!(good, "ok");
    ///
    /// let err = ArcStr::from_utf8(arena.alloc_slice_copy(&[b'a', 0xff])).unwrap_err();
    /// assert_eq!(err.utf8_error().valid_up_to(), 1);
    /// assert_eq!(err.into_bytes(), [b'a', 0xff]);
    /// ```
    pub fn from_utf8(bytes: ArcSlice<u8, L>) -> Result<Self, NotUtf8<L>> {
        match core::str::from_utf8(bytes.get()) {
            // UTF-8: just checked.
            Ok(_) => Ok(ArcStr { bytes }),
            Err(error) => Err(NotUtf8::new(bytes, error)),
        }
    }

    /// A handle to `range` (in bytes) of this string, sharing the chunk
    /// (one atomic increment, no copy). An empty range gives an empty
    /// string that holds no chunk.
    ///
    /// # Panics
    /// If the range is out of bounds or decreasing, or if either end is not
    /// on a char boundary (the message says which byte and which char), as
    /// `&s[range]` does. Nothing changes before the panic. Use
    /// [`try_slice`](Self::try_slice) to get `None` instead.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcStr};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let text: ArcStr = arena.alloc_str("né: 1");
    /// assert_eq!(text.slice(..3), "né");
    /// assert_eq!(text.slice(4..), " 1");
    /// assert!(ArcStr::ptr_eq(&text.slice(..), &text));
    /// ```
    ///
    /// ```should_panic
    /// use arena_arc::{Allocator, ArcStr};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let text: ArcStr = arena.alloc_str("né");
    /// let _ = text.slice(..2); // panics: byte 2 is inside 'é' (bytes 1..3)
    /// ```
    #[track_caller]
    pub fn slice(&self, range: impl RangeBounds<usize>) -> Self {
        let s = self.as_str();
        let (start, end) = match bounds(&range, s.len()) {
            Ok(bounds) => bounds,
            Err(Bad::Overflow) => panic!("arena-arc: ArcStr::slice: range bound overflows usize"),
            Err(Bad::Decreasing(start, end)) => {
                panic!("arena-arc: ArcStr::slice: range starts at {start} but ends at {end}")
            }
            Err(Bad::OutOfBounds(end)) => panic!(
                "arena-arc: ArcStr::slice: range end {end} is out of bounds for a string of {} bytes",
                s.len()
            ),
        };
        for index in [start, end] {
            if !s.is_char_boundary(index) {
                let (at, ch) = char_around(s, index);
                panic!(
                    "arena-arc: ArcStr::slice: byte index {index} is not on a char boundary: it is inside {ch:?} (bytes {at}..{})",
                    at + ch.len_utf8()
                );
            }
        }
        // UTF-8: both ends are char boundaries of a UTF-8 string.
        ArcStr {
            bytes: self.bytes.slice(start..end),
        }
    }

    /// Like [`slice`](Self::slice), but `None` where `slice` would panic.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcStr};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let text: ArcStr = arena.alloc_str("né");
    /// assert_eq!(text.try_slice(1..3).unwrap(), "é");
    /// assert!(text.try_slice(1..2).is_none()); // inside 'é'
    /// assert!(text.try_slice(..4).is_none()); // out of bounds
    /// ```
    pub fn try_slice(&self, range: impl RangeBounds<usize>) -> Option<Self> {
        let s = self.as_str();
        let (start, end) = bounds(&range, s.len()).ok()?;
        if !s.is_char_boundary(start) || !s.is_char_boundary(end) {
            return None;
        }
        // UTF-8: both ends are char boundaries of a UTF-8 string.
        Some(ArcStr {
            bytes: self.bytes.slice(start..end),
        })
    }

    /// Whether both handles are the same bytes of the same chunk (same
    /// start and length), rather than equal strings.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcStr};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let a: ArcStr = arena.alloc_str("x");
    /// let b: ArcStr = arena.alloc_str("x");
    /// assert!(ArcStr::ptr_eq(&a, &a.clone()));
    /// assert!(!ArcStr::ptr_eq(&a, &b));
    /// assert_eq!(a, b);
    /// ```
    pub fn ptr_eq(this: &Self, other: &Self) -> bool {
        ArcSlice::ptr_eq(&this.bytes, &other.bytes)
    }
}

/// Why a range cannot cut a string of a given length.
enum Bad {
    Overflow,
    Decreasing(usize, usize),
    OutOfBounds(usize),
}

/// `range` resolved against a length: `start <= end <= len`.
fn bounds(range: &impl RangeBounds<usize>, len: usize) -> Result<(usize, usize), Bad> {
    let start = match range.start_bound() {
        Bound::Included(&n) => n,
        Bound::Excluded(&n) => n.checked_add(1).ok_or(Bad::Overflow)?,
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(&n) => n.checked_add(1).ok_or(Bad::Overflow)?,
        Bound::Excluded(&n) => n,
        Bound::Unbounded => len,
    };
    if start > end {
        return Err(Bad::Decreasing(start, end));
    }
    if end > len {
        return Err(Bad::OutOfBounds(end));
    }
    Ok((start, end))
}

/// The char that byte `index` (not a boundary, so inside `s`) falls in, and
/// where it starts.
fn char_around(s: &str, index: usize) -> (usize, char) {
    let mut at = index;
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    let ch = s[at..]
        .chars()
        .next()
        .unwrap_or(char::REPLACEMENT_CHARACTER);
    (at, ch)
}

impl<L: IndexType, const N: usize> Allocator<u8, L, N> {
    /// Copies `s` into the arena as an [`ArcStr`].
    ///
    /// # Panics
    /// As [`alloc_slice_copy`](Self::alloc_slice_copy): if `s` is longer
    /// than `L` can describe (more than 255 bytes for `L = u8`), or over the
    /// allocator's byte limit.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcStr};
    ///
    /// let names: Allocator<u8, u32, 4096> = Allocator::new();
    /// let main: ArcStr = names.alloc_str("main");
    /// assert_eq!(main, "main");
    /// assert_eq!(names.stats().current_chunk_free, 4092);
    /// ```
    #[track_caller]
    pub fn alloc_str(&self, s: &str) -> ArcStr<L> {
        // UTF-8: the bytes of a `&str`, copied whole.
        ArcStr {
            bytes: self.alloc_slice_copy(s.as_bytes()),
        }
    }

    /// Like [`alloc_str`](Self::alloc_str), but a string longer than `L`
    /// can describe, or over the allocator's byte limit, is refused with an
    /// [`AllocError`] instead of a panic, with nothing written.
    ///
    /// ```
    /// use arena_arc::{AllocError, Allocator};
    ///
    /// let short: Allocator<u8, u8> = Allocator::new();
    /// assert_eq!(short.checked_alloc_str("ok").unwrap(), "ok");
    /// let err = short.checked_alloc_str(&"x".repeat(300)).unwrap_err();
    /// assert!(matches!(err, AllocError::LengthOverflow { len: 300, .. }));
    /// ```
    pub fn checked_alloc_str(&self, s: &str) -> Result<ArcStr<L>, AllocError> {
        // UTF-8: the bytes of a `&str`, copied whole with one `memcpy`, as
        // `alloc_str` does. (A fill through `checked_alloc(len, |i|
        // bytes[i])` took 20 rather than 15 ns per 16-byte string.)
        Ok(ArcStr {
            bytes: self.checked_alloc_slice_copy(s.as_bytes())?,
        })
    }
}

impl<L: IndexType> Deref for ArcStr<L> {
    type Target = str;

    #[inline(always)]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl<L: IndexType> Default for ArcStr<L> {
    /// The empty string; allocates nothing.
    fn default() -> Self {
        Self::empty()
    }
}

impl<L: IndexType> AsRef<str> for ArcStr<L> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl<L: IndexType> AsRef<[u8]> for ArcStr<L> {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl<L: IndexType> Borrow<str> for ArcStr<L> {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl<L: IndexType> fmt::Display for ArcStr<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl<L: IndexType> fmt::Debug for ArcStr<L> {
    /// Quoted and escaped, as `str`'s `Debug`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<L: IndexType> Hash for ArcStr<L> {
    /// Hashes as the `str` does, so `Borrow<str>` lookups work.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl<L: IndexType> PartialEq for ArcStr<L> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl<L: IndexType> Eq for ArcStr<L> {}

impl<L: IndexType> PartialOrd for ArcStr<L> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<L: IndexType> Ord for ArcStr<L> {
    /// The order of `str`: bytewise.
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// `ArcStr == X` and `X == ArcStr` for the string types `X`.
macro_rules! eq_both_ways {
    ($($(#[$doc:meta])* $other:ty => |$o:ident| $as_str:expr;)*) => {$(
        impl<L: IndexType> PartialEq<$other> for ArcStr<L> {
            fn eq(&self, $o: &$other) -> bool {
                self.as_str() == $as_str
            }
        }
        impl<L: IndexType> PartialEq<ArcStr<L>> for $other {
            fn eq(&self, other: &ArcStr<L>) -> bool {
                let $o = self;
                $as_str == other.as_str()
            }
        }
    )*};
}

eq_both_ways! {
    str => |o| o;
    &str => |o| *o;
    String => |o| o.as_str();
}

impl<L: IndexType> From<ArcStr<L>> for ArcSlice<u8, L> {
    /// The string's bytes, keeping its reference (no copy).
    fn from(text: ArcStr<L>) -> Self {
        text.bytes
    }
}

impl<L: IndexType> TryFrom<ArcSlice<u8, L>> for ArcStr<L> {
    type Error = NotUtf8<L>;

    /// Same as [`ArcStr::from_utf8`].
    fn try_from(bytes: ArcSlice<u8, L>) -> Result<Self, Self::Error> {
        ArcStr::from_utf8(bytes)
    }
}
