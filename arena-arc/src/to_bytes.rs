//! `bytes` interop (feature `bytes`, off by default): an `ArcSlice<u8, L>`
//! or an `ArcStr<L>` becomes a [`bytes::Bytes`] without a copy, through
//! [`Bytes::from_owner`]: the `Bytes` reads the bytes in the arena chunk and
//! owns the handle, so the chunk lives while any clone of the `Bytes` does.

use ::bytes::Bytes;

use crate::index::IndexType;
use crate::slice::ArcSlice;
use crate::text::ArcStr;

#[cfg_attr(docsrs, doc(cfg(feature = "bytes")))]
impl<L: IndexType> From<ArcSlice<u8, L>> for Bytes {
    /// Wraps the handle in a `Bytes`, zero-copy (feature `bytes`): the
    /// `Bytes` points into the arena chunk, and its last clone drops the
    /// handle (one `Bytes::from_owner` allocation of the handle's box; none
    /// for an empty slice). Hand it to hyper, tokio or tonic as it is.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSlice};
    /// use bytes::Bytes;
    ///
    /// let arena: Allocator<u8, u32, 4096> = Allocator::new();
    /// let message: ArcSlice<u8> = arena.alloc_slice_copy(b"GET / HTTP/1.1");
    /// let at = message.as_ptr();
    /// let body = Bytes::from(message);
    /// assert_eq!(body.as_ptr(), at); // no copy
    /// assert_eq!(body.slice(4..5), "/");
    /// ```
    fn from(slice: ArcSlice<u8, L>) -> Bytes {
        if slice.is_empty() {
            return Bytes::new();
        }
        Bytes::from_owner(slice)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "bytes")))]
impl<L: IndexType> From<ArcStr<L>> for Bytes {
    /// The string's bytes in a `Bytes`, zero-copy, as for
    /// [`ArcSlice<u8, L>`](ArcSlice) (feature `bytes`).
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcStr};
    /// use bytes::Bytes;
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let name: ArcStr = arena.alloc_str("héllo");
    /// let at = name.as_ptr();
    /// let bytes = Bytes::from(name);
    /// assert_eq!(bytes.as_ptr(), at);
    /// assert_eq!(bytes, "héllo".as_bytes());
    /// ```
    fn from(text: ArcStr<L>) -> Bytes {
        Bytes::from(ArcSlice::from(text))
    }
}
