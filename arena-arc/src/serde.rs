//! serde support (feature `serde`, off by default).
//!
//! - **Serialize**: [`ArcSlice<T, L>`](ArcSlice) as a sequence,
//!   [`ArcSingle<T, L>`](ArcSingle) as its value, [`ArcStr<L>`](ArcStr) as a
//!   string, for any `L`.
//! - **Deserialize** (with `std`, on by default): `ArcSlice<T, T::Index>` and
//!   `ArcSingle<T, T::Index>` for `T: ArenaAlloc + Deserialize`, into `T`'s
//!   per-thread arena, so a whole tree of derived types deserializes with
//!   `#[derive(Deserialize)]` on its nodes; `ArcStr` (index type `u32`)
//!   into the default text arena [`TEXT_ARENA`](crate::TEXT_ARENA).
//! - [`DeserializeIn`]: a [`DeserializeSeed`] that deserializes into an
//!   [`Allocator`] you choose (this works without `std` too).
//!
//! A sequence is read into a `Vec` first (serde formats rarely know a
//! length up front), then moved into the arena with one copy
//! ([`Allocator::checked_alloc_split_off`]): one temporary `Vec` per
//! slice. A length or byte limit the arena cannot meet (more elements than
//! `L` describes, [`Allocator::with_limit`]) is a deserialization error
//! carrying the [`AllocError`] message, not a panic; an
//! element that fails to deserialize is an error too, and the elements read
//! before it are dropped at once.
//!
//! ```
//! # #[cfg(feature = "derive")] {
//! use arena_arc::{ArcSlice, ArcStr, ArenaAlloc};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(ArenaAlloc, Serialize, Deserialize, Debug, PartialEq)]
//! struct Call {
//!     callee: ArcStr,
//!     args: ArcSlice<Arg>, // deserialized into Arg's arena
//! }
//!
//! #[derive(ArenaAlloc, Serialize, Deserialize, Debug, PartialEq)]
//! struct Arg(i64);
//!
//! let json = r#"{"callee":"max","args":[1,7]}"#;
//! let call: Call = serde_json::from_str(json).unwrap();
//! assert_eq!(call.callee, "max");
//! assert_eq!(call.args[1], Arg(7));
//! assert_eq!(serde_json::to_string(&call).unwrap(), json);
//! # }
//! ```

use core::fmt;
use core::marker::PhantomData;

use ::serde::de::{self, Deserialize, DeserializeSeed, Deserializer, Visitor};
use ::serde::ser::{Serialize, Serializer};
use alloc::vec::Vec;

use crate::allocator::Allocator;
use crate::error::AllocError;
use crate::index::IndexType;
use crate::single::ArcSingle;
use crate::slice::ArcSlice;
use crate::text::ArcStr;

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<T: Serialize, L: IndexType> Serialize for ArcSlice<T, L> {
    /// As a sequence of its elements.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<T: Serialize, L: IndexType> Serialize for ArcSingle<T, L> {
    /// As its value.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(serializer)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
impl<L: IndexType> Serialize for ArcStr<L> {
    /// As a string.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Reads a string (or UTF-8 bytes) and hands it to a function that makes
/// the `ArcStr`.
struct StrVisitor<F>(F);

impl<'de, L: IndexType, F: FnOnce(&str) -> Result<ArcStr<L>, AllocError>> Visitor<'de>
    for StrVisitor<F>
{
    type Value = ArcStr<L>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        (self.0)(v).map_err(E::custom)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        match core::str::from_utf8(v) {
            Ok(s) => self.visit_str(s),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(v), &self)),
        }
    }
}

#[cfg(feature = "std")]
mod per_thread {
    use super::*;
    use crate::arena_alloc::ArenaAlloc;
    use crate::text::checked_copy_to_text;

    #[cfg_attr(docsrs, doc(cfg(all(feature = "serde", feature = "std"))))]
    impl<'de, T: ArenaAlloc + Deserialize<'de>> Deserialize<'de> for ArcSlice<T, T::Index> {
        /// A sequence, moved into `T`'s per-thread arena.
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let mut items = Vec::<T>::deserialize(deserializer)?;
            // A refusal drops the items with `items`.
            T::checked_alloc_split_off(&mut items, 0).map_err(de::Error::custom)
        }
    }

    #[cfg_attr(docsrs, doc(cfg(all(feature = "serde", feature = "std"))))]
    impl<'de, T: ArenaAlloc + Deserialize<'de>> Deserialize<'de> for ArcSingle<T, T::Index> {
        /// A value, moved into `T`'s per-thread arena.
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let value = T::deserialize(deserializer)?;
            T::checked_alloc_value(value).map_err(de::Error::custom)
        }
    }

    #[cfg_attr(docsrs, doc(cfg(all(feature = "serde", feature = "std"))))]
    impl<'de> Deserialize<'de> for ArcStr {
        /// A string, copied into this thread's [`TEXT_ARENA`](crate::TEXT_ARENA).
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_str(StrVisitor(checked_copy_to_text))
        }
    }
}

/// A [`DeserializeSeed`] that deserializes a handle into an [`Allocator`]
/// you choose, rather than a type's per-thread arena: make it with
/// [`DeserializeIn::slice`], [`DeserializeIn::single`] or
/// [`DeserializeIn::str`]. The elements themselves deserialize with their
/// own `Deserialize` impls.
///
/// ```
/// use arena_arc::serde::DeserializeIn;
/// use arena_arc::{Allocator, ArcSlice, ArcStr};
/// use serde::de::DeserializeSeed;
///
/// let numbers: Allocator<u64, u32, 1024> = Allocator::new();
/// let text: Allocator<u8, u16, 4096> = Allocator::new();
///
/// let mut json = serde_json::Deserializer::from_str("[1, 2, 3]");
/// let slice: ArcSlice<u64> = DeserializeIn::slice(&numbers).deserialize(&mut json).unwrap();
/// let mut json = serde_json::Deserializer::from_str(r#""héllo""#);
/// let word: ArcStr<u16> = DeserializeIn::str(&text).deserialize(&mut json).unwrap();
///
/// assert_eq!(slice, [1, 2, 3]);
/// assert_eq!(word, "héllo");
/// assert_eq!(numbers.stats().chunks_created, 1);
/// ```
pub struct DeserializeIn<'a, A, V> {
    arena: &'a A,
    _value: PhantomData<fn() -> V>,
}

impl<'a, T, L: IndexType, const N: usize> DeserializeIn<'a, Allocator<T, L, N>, ArcSlice<T, L>> {
    /// A seed that reads a sequence of `T`s into `arena`.
    ///
    /// ```
    /// use arena_arc::serde::DeserializeIn;
    /// use arena_arc::{Allocator, ArcSlice};
    /// use serde::de::DeserializeSeed;
    ///
    /// let arena: Allocator<i32, u8> = Allocator::new();
    /// let mut ok = serde_json::Deserializer::from_str("[-1, 1]");
    /// let pair: ArcSlice<i32, u8> = DeserializeIn::slice(&arena).deserialize(&mut ok).unwrap();
    /// assert_eq!(pair, [-1, 1]);
    ///
    /// // 300 elements do not fit the index type u8: an error, not a panic.
    /// let long = format!("[{}0]", "0,".repeat(299));
    /// let mut too_long = serde_json::Deserializer::from_str(&long);
    /// let err = DeserializeIn::slice(&arena).deserialize(&mut too_long).unwrap_err();
    /// assert!(err.to_string().contains("cannot allocate a slice of 300 elements"));
    /// ```
    pub fn slice(arena: &'a Allocator<T, L, N>) -> Self {
        DeserializeIn {
            arena,
            _value: PhantomData,
        }
    }
}

impl<'a, T, L: IndexType, const N: usize> DeserializeIn<'a, Allocator<T, L, N>, ArcSingle<T, L>> {
    /// A seed that reads one `T` into `arena`.
    ///
    /// ```
    /// use arena_arc::serde::DeserializeIn;
    /// use arena_arc::{Allocator, ArcSingle};
    /// use serde::de::DeserializeSeed;
    ///
    /// let arena: Allocator<(u8, bool)> = Allocator::new();
    /// let mut json = serde_json::Deserializer::from_str("[7, true]");
    /// let pair: ArcSingle<(u8, bool)> = DeserializeIn::single(&arena).deserialize(&mut json).unwrap();
    /// assert_eq!(*pair, (7, true));
    /// ```
    pub fn single(arena: &'a Allocator<T, L, N>) -> Self {
        DeserializeIn {
            arena,
            _value: PhantomData,
        }
    }
}

impl<'a, L: IndexType, const N: usize> DeserializeIn<'a, Allocator<u8, L, N>, ArcStr<L>> {
    /// A seed that reads a string into `arena`, an arena of bytes.
    ///
    /// ```
    /// use arena_arc::serde::DeserializeIn;
    /// use arena_arc::{Allocator, ArcStr};
    /// use serde::de::DeserializeSeed;
    ///
    /// let names: Allocator<u8> = Allocator::new();
    /// let mut json = serde_json::Deserializer::from_str(r#""main""#);
    /// let name: ArcStr = DeserializeIn::str(&names).deserialize(&mut json).unwrap();
    /// assert_eq!(name, "main");
    /// ```
    pub fn str(arena: &'a Allocator<u8, L, N>) -> Self {
        DeserializeIn {
            arena,
            _value: PhantomData,
        }
    }
}

impl<'de, T: Deserialize<'de>, L: IndexType, const N: usize> DeserializeSeed<'de>
    for DeserializeIn<'_, Allocator<T, L, N>, ArcSlice<T, L>>
{
    type Value = ArcSlice<T, L>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let mut items = Vec::<T>::deserialize(deserializer)?;
        // A refusal drops the items with `items`.
        self.arena
            .checked_alloc_split_off(&mut items, 0)
            .map_err(de::Error::custom)
    }
}

impl<'de, T: Deserialize<'de>, L: IndexType, const N: usize> DeserializeSeed<'de>
    for DeserializeIn<'_, Allocator<T, L, N>, ArcSingle<T, L>>
{
    type Value = ArcSingle<T, L>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let value = T::deserialize(deserializer)?;
        self.arena
            .checked_alloc_value(value)
            .map_err(de::Error::custom)
    }
}

impl<'de, L: IndexType, const N: usize> DeserializeSeed<'de>
    for DeserializeIn<'_, Allocator<u8, L, N>, ArcStr<L>>
{
    type Value = ArcStr<L>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let arena = self.arena;
        deserializer.deserialize_str(StrVisitor(|s: &str| arena.checked_alloc_str(s)))
    }
}

impl<A, V> Clone for DeserializeIn<'_, A, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A, V> Copy for DeserializeIn<'_, A, V> {}

impl<A, V> fmt::Debug for DeserializeIn<'_, A, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeserializeIn")
            .field("arena", &core::any::type_name::<A>())
            .field("value", &core::any::type_name::<V>())
            .finish()
    }
}
