//! [`IndexType`]: the integer width stored in handles.

use core::fmt::{Debug, Display};
use core::hash::Hash;

mod sealed {
    pub trait Sealed {}
}

/// An unsigned integer type that bounds slice lengths and chunk capacities and
/// is the width a handle stores its length and chunk offset in.
///
/// Implemented for `u8`, `u16`, `u32`, `u64`, `u128` and `usize`. The trait is
/// sealed: the allocator's memory safety rests on [`to_usize`](Self::to_usize)
/// undoing [`from_usize`](Self::from_usize) exactly, so only these types may
/// implement it.
///
/// A narrower type makes handles smaller (`ArcSlice<T, u32>` is 16 bytes on a
/// 64-bit target, `ArcSlice<T, u64>` 24) at the price of a lower limit on
/// slice length: [`MAX`](Self::MAX).
///
/// ```
/// use arena_arc::IndexType;
///
/// assert_eq!(<u16 as IndexType>::MAX, 65_535);
/// assert_eq!(<u32 as IndexType>::from_usize(7).to_usize(), 7);
/// ```
pub trait IndexType:
    Copy
    + TryFrom<usize, Error: Debug>
    + TryInto<usize, Error: Debug>
    + PartialEq
    + Eq
    + PartialOrd
    + Ord
    + Hash
    + Debug
    + Display
    + Default
    + Send
    + Sync
    + 'static
    + sealed::Sealed
{
    /// The largest length (and chunk capacity) this type can describe, as a
    /// `usize` (saturated to `usize::MAX` for types wider than `usize`).
    const MAX: usize;

    /// Zero.
    const ZERO: Self;

    /// One.
    const ONE: Self;

    /// The type's name, used in panic messages.
    const NAME: &'static str;

    /// Converts `n` to this type.
    ///
    /// `n` must be at most [`MAX`](Self::MAX); the allocator checks this
    /// before it calls. A larger `n` is truncated (and asserts in debug
    /// builds); it never causes undefined behaviour on its own.
    fn from_usize(n: usize) -> Self;

    /// Converts back to `usize`: a plain zero-extension, no check.
    fn to_usize(self) -> usize;
}

macro_rules! impl_index_type {
    ($($ty:ident),*) => {$(
        impl sealed::Sealed for $ty {}
        impl IndexType for $ty {
            const MAX: usize = if (<$ty>::MAX as u128) < (usize::MAX as u128) {
                <$ty>::MAX as usize
            } else {
                usize::MAX
            };
            const ZERO: Self = 0;
            const ONE: Self = 1;
            const NAME: &'static str = stringify!($ty);

            #[inline(always)]
            fn from_usize(n: usize) -> Self {
                debug_assert!(n <= <Self as IndexType>::MAX);
                n as $ty
            }

            #[inline(always)]
            fn to_usize(self) -> usize {
                // Every value stored in a handle came from `from_usize`, so it
                // fits; the cast is a zero-extension or identity.
                self as usize
            }
        }
    )*};
}

impl_index_type!(u8, u16, u32, u64, u128, usize);

#[cfg(test)]
mod tests {
    use super::IndexType;

    #[test]
    fn max_is_the_type_max_saturated_to_usize() {
        assert_eq!(<u8 as IndexType>::MAX, 255);
        assert_eq!(<u16 as IndexType>::MAX, 65_535);
        assert_eq!(<u32 as IndexType>::MAX, u32::MAX as usize);
        assert_eq!(<usize as IndexType>::MAX, usize::MAX);
        assert_eq!(<u128 as IndexType>::MAX, usize::MAX);
    }

    #[test]
    fn round_trips() {
        for n in [0usize, 1, 200, 255] {
            assert_eq!(u8::from_usize(n).to_usize(), n);
            assert_eq!(u64::from_usize(n).to_usize(), n);
        }
    }
}
