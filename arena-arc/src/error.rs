//! [`AllocError`]: why an allocation was refused.

use core::fmt;

/// Why an allocation was refused. The panicking methods
/// ([`Allocator::alloc`](crate::Allocator::alloc) and friends) panic with this
/// error's message; the `checked_` methods return it. In every case nothing
/// was written, `init` was not called, and the allocator stays usable.
///
/// ```
/// use arena_arc::{AllocError, Allocator};
///
/// let arena: Allocator<u8, u8> = Allocator::new();
/// let err = arena.checked_alloc(300, |_| 0).unwrap_err();
/// assert!(matches!(err, AllocError::LengthOverflow { len: 300, max: 255, .. }));
/// assert!(err.to_string().contains("u16"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AllocError {
    /// The length does not fit the allocator's index type `L`.
    LengthOverflow {
        /// The requested length.
        len: usize,
        /// The largest length `L` can hold.
        max: usize,
        /// The name of `L`.
        index_type: &'static str,
    },
    /// The chunk for this many elements would be larger than `isize::MAX` bytes.
    SizeOverflow {
        /// The requested length.
        len: usize,
        /// The size of one element in bytes.
        elem_size: usize,
    },
    /// A new chunk would take the allocator past its byte limit
    /// ([`Allocator::with_limit`](crate::Allocator::with_limit)).
    LimitExceeded {
        /// The limit in bytes.
        limit: usize,
        /// Bytes of chunks alive when the request came.
        in_use: usize,
        /// Bytes of the chunk the request needed.
        requested: usize,
    },
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AllocError::LengthOverflow {
                len,
                max,
                index_type,
            } => write!(
                f,
                "arena-arc: cannot allocate a slice of {len} elements: the index type `{index_type}` \
                 holds lengths up to {max}; use a wider index type `L` (e.g. `Allocator<T, {}>`)",
                wider(index_type)
            ),
            AllocError::SizeOverflow { len, elem_size } => write!(
                f,
                "arena-arc: cannot allocate a slice of {len} elements of {elem_size} bytes: \
                 the chunk would exceed isize::MAX bytes; allocate fewer elements"
            ),
            AllocError::LimitExceeded {
                limit,
                in_use,
                requested,
            } => write!(
                f,
                "arena-arc: allocation limit of {limit} bytes reached: {in_use} bytes of chunks \
                 are alive and the next chunk needs {requested}; drop handles to free chunks or \
                 raise the limit with `Allocator::set_limit`"
            ),
        }
    }
}

impl core::error::Error for AllocError {}

fn wider(index_type: &str) -> &'static str {
    match index_type {
        "u8" => "u16",
        "u16" => "u32",
        _ => "u64",
    }
}
