//! [`NotUtf8`]: the error of `ArcStr::try_from(ArcSlice<u8>)`.

use core::fmt;
use core::str::Utf8Error;

use crate::index::IndexType;
use crate::slice::ArcSlice;

/// The error of [`ArcStr::from_utf8`](crate::ArcStr::from_utf8) and
/// `ArcStr::try_from(bytes)` when the bytes are not UTF-8: it gives the
/// handle back, with the [`Utf8Error`] that says where the bytes go wrong.
///
/// ```
/// use arena_arc::{Allocator, ArcStr};
///
/// let arena: Allocator<u8> = Allocator::new();
/// let err = ArcStr::try_from(arena.alloc_slice_copy(b"ok\xff")).unwrap_err();
/// assert_eq!(err.utf8_error().valid_up_to(), 2);
/// assert!(err.to_string().starts_with("arena-arc: the bytes are not UTF-8"));
/// let bytes = err.into_bytes(); // the same handle, not a copy
/// assert_eq!(bytes.len(), 3);
/// ```
pub struct NotUtf8<L: IndexType = u32> {
    bytes: ArcSlice<u8, L>,
    error: Utf8Error,
}

impl<L: IndexType> NotUtf8<L> {
    pub(super) fn new(bytes: ArcSlice<u8, L>, error: Utf8Error) -> Self {
        NotUtf8 { bytes, error }
    }

    /// Where and how the bytes fail to be UTF-8.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcStr};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let err = ArcStr::from_utf8(arena.alloc_slice_copy(&[0xc3])).unwrap_err();
    /// assert_eq!(err.utf8_error().error_len(), None); // truncated, not invalid
    /// ```
    pub fn utf8_error(&self) -> Utf8Error {
        self.error
    }

    /// The handle that could not be converted.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSlice, ArcStr};
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let bytes = arena.alloc_slice_copy(&[0xff]);
    /// let back = ArcStr::from_utf8(bytes.clone()).unwrap_err().into_bytes();
    /// assert!(ArcSlice::ptr_eq(&back, &bytes));
    /// ```
    pub fn into_bytes(self) -> ArcSlice<u8, L> {
        self.bytes
    }
}

impl<L: IndexType> fmt::Debug for NotUtf8<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotUtf8")
            .field("len", &self.bytes.len())
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<L: IndexType> fmt::Display for NotUtf8<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "arena-arc: the bytes are not UTF-8: {}", self.error)
    }
}

impl<L: IndexType> core::error::Error for NotUtf8<L> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.error)
    }
}
