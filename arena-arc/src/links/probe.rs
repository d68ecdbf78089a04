//! The probes the code [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc)
//! generates asks the type checker about each field: [`LinkField`] (what
//! holds links), [`Probe`] (report a field's links, or nothing), and
//! [`ConstProbe`] (the compile-time `Drop` check). Not public API.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::marker::PhantomData;

use super::{ArenaLinks, Links};
use crate::index::IndexType;
use crate::single::ArcSingle;
use crate::slice::ArcSlice;
use crate::thin::ArcThin;

/// What the code [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc)
/// generates reports for each field: the handles to types that report their
/// links (and `Option`, `Box`, `Vec`, slices and arrays of them), values
/// of derived types held by value, whose own links it reports, and
/// `ArcStr`s, as counted links ([`Links::counted`]). Fields of any other
/// type are skipped (see [`Probe`]). Not public API.
///
/// # Safety
/// As for [`ArenaLinks`]: `report_links` reports only handles that `self`
/// owns by value, each once, the same every time. And when
/// [`MAY_LINK`](Self::MAY_LINK) is `false` it reports no link that may stop
/// counting, only counted ones: the derive lets a type implement `Drop` on
/// the strength of that constant (see [`ConstProbe`]).
#[doc(hidden)]
pub unsafe trait LinkField {
    /// Whether `report_links` may report a link that stops counting:
    /// `false` for a handle to a type that cannot hold a link
    /// ([`ArenaLinks::__MAY_LINK`]), for an `ArcStr`, and for `Option`s,
    /// `Box`es, `Vec`s and arrays of such handles. A handle that is never
    /// reported, or reported as counted, always counts, so a `Drop` of its
    /// holder is harmless. `true` (the default) for a derived type held by
    /// value.
    const MAY_LINK: bool = true;

    /// Whether dropping a value of this type does nothing but drop the
    /// handles `report_links` reports (so a holder may promise
    /// [`ArenaLinks::DROP_ONLY_LINKS`]): `true` for a reported handle, an
    /// `Option` or array of such, and a derived type with that promise;
    /// `false` (the default) for anything that owns memory or may hold a
    /// handle it does not report.
    const DROP_IS_REPORT: bool = false;

    /// Reports the handles in `self`.
    fn report_links(&self, links: &mut Links<()>);
}

// SAFETY: reports the handle itself, once, and only when `MAY_LINK`.
unsafe impl<U: ArenaLinks<L>, L: IndexType> LinkField for ArcSlice<U, L> {
    const MAY_LINK: bool = U::__MAY_LINK;
    // Reported exactly when it may link; its drop is its reference.
    const DROP_IS_REPORT: bool = Self::MAY_LINK;

    #[inline(always)]
    fn report_links(&self, links: &mut Links<()>) {
        if Self::MAY_LINK {
            links.slice(self);
        }
    }
}

// SAFETY: reports the handle itself, once, and only when `MAY_LINK`.
unsafe impl<U: ArenaLinks<L>, L: IndexType> LinkField for ArcSingle<U, L> {
    const MAY_LINK: bool = U::__MAY_LINK;
    // Reported exactly when it may link; its drop is its reference.
    const DROP_IS_REPORT: bool = Self::MAY_LINK;

    #[inline(always)]
    fn report_links(&self, links: &mut Links<()>) {
        if Self::MAY_LINK {
            links.single(self);
        }
    }
}

// SAFETY: reports the handle itself, once, and only when `MAY_LINK`.
unsafe impl<U: ArenaLinks> LinkField for ArcThin<U> {
    const MAY_LINK: bool = U::__MAY_LINK;
    // Reported exactly when it may link; its drop is its reference.
    const DROP_IS_REPORT: bool = Self::MAY_LINK;

    #[inline(always)]
    fn report_links(&self, links: &mut Links<()>) {
        if Self::MAY_LINK {
            links.thin(self);
        }
    }
}

// SAFETY: reports the bytes as a counted link, once: it never stops
// counting (`MAY_LINK` is `false`, so a holder may implement `Drop`), and
// its drop is that one reference.
unsafe impl<L: IndexType> LinkField for crate::ArcStr<L> {
    const MAY_LINK: bool = false;
    const DROP_IS_REPORT: bool = true;

    #[inline(always)]
    fn report_links(&self, links: &mut Links<()>) {
        links.text(self);
    }
}

// SAFETY: an `Option` owns its contents and never hands them out by value
// through `&self`; it reports only through `X`, so nothing when `X` reports
// nothing.
unsafe impl<X: LinkField> LinkField for Option<X> {
    const MAY_LINK: bool = X::MAY_LINK;
    const DROP_IS_REPORT: bool = X::DROP_IS_REPORT;

    #[inline(always)]
    fn report_links(&self, links: &mut Links<()>) {
        if let Some(x) = self {
            x.report_links(links);
        }
    }
}

// SAFETY: as for `Option`.
unsafe impl<X: LinkField + ?Sized> LinkField for Box<X> {
    const MAY_LINK: bool = X::MAY_LINK;

    #[inline]
    fn report_links(&self, links: &mut Links<()>) {
        (**self).report_links(links);
    }
}

// SAFETY: as for `Option`: each element once.
unsafe impl<X: LinkField> LinkField for [X] {
    const MAY_LINK: bool = X::MAY_LINK;

    #[inline]
    fn report_links(&self, links: &mut Links<()>) {
        if X::MAY_LINK || X::DROP_IS_REPORT {
            for x in self {
                x.report_links(links);
            }
        }
    }
}

// SAFETY: as for slices.
unsafe impl<X: LinkField, const K: usize> LinkField for [X; K] {
    const MAY_LINK: bool = X::MAY_LINK;
    const DROP_IS_REPORT: bool = X::DROP_IS_REPORT;

    #[inline]
    fn report_links(&self, links: &mut Links<()>) {
        self[..].report_links(links);
    }
}

// SAFETY: as for slices.
unsafe impl<X: LinkField> LinkField for Vec<X> {
    const MAY_LINK: bool = X::MAY_LINK;

    #[inline]
    fn report_links(&self, links: &mut Links<()>) {
        self[..].report_links(links);
    }
}

/// Reports the links of a derived type's value held by value (what the
/// derive's `impl LinkField` calls). Not public API.
#[doc(hidden)]
#[inline(always)]
pub fn report_nested<U: ArenaLinks<L>, L: IndexType>(value: &U, links: &mut Links<()>) {
    links.nested(value);
}

/// The field the derive's generated `visit_links` looks at: its
/// `__report_links` method reports the field's links if its type is a
/// [`LinkField`] ([`ReportLinks`]) and does nothing otherwise
/// ([`ReportNothing`], found one auto-reference later). Not public API.
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct Probe<'a, X: ?Sized>(pub &'a X);

/// See [`Probe`]. Not public API.
#[doc(hidden)]
pub trait ReportLinks {
    /// Reports the field's links.
    fn __report_links(&self, links: &mut Links<()>);
}

impl<X: LinkField + ?Sized> ReportLinks for Probe<'_, X> {
    #[inline(always)]
    fn __report_links(&self, links: &mut Links<()>) {
        // The constant the derive's `Drop` check reads: a field it let
        // through reports no link that stops counting, whatever `X`'s impl
        // does. Its counted links (`Links::counted`: `ArcStr`) are
        // reported, for a release by links.
        if X::MAY_LINK || X::DROP_IS_REPORT {
            self.0.report_links(links);
        }
    }
}

/// See [`Probe`]. Not public API.
#[doc(hidden)]
pub trait ReportNothing {
    /// Does nothing: the field's type holds no link the arena can see.
    fn __report_links(&self, links: &mut Links<()>);
}

impl<X: ?Sized> ReportNothing for &Probe<'_, X> {
    #[inline(always)]
    fn __report_links(&self, _links: &mut Links<()>) {}
}

impl<T, L: IndexType> Links<T, L> {
    /// This visitor as the one [`LinkField`] takes. Not public API.
    #[doc(hidden)]
    #[inline(always)]
    pub fn __erase(&mut self) -> &mut Links<()> {
        self.cast()
    }
}

/// What the derive's generated constants ask of a type at compile time:
/// `ConstProbe::<T>::HAS_DROP` (whether `T` implements [`Drop`]) and
/// `ConstProbe::<T>::MAY_LINK` (whether `T` is a [`LinkField`] that may
/// report a link: [`LinkField::MAY_LINK`]). The inherent constants apply
/// when their bound holds; otherwise those of [`NoDrop`] and
/// [`NotLinkField`] (`false`) do. So a derived type that implements `Drop`
/// while a field may hold a link that does not count fails to compile, and
/// one whose fields hold only handles that always count (`ArcSlice<U>` of a
/// derived `U` with no links) compiles: the field's `Probe` uses the same
/// constant, so such a field is never reported. Not public API.
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct ConstProbe<T: ?Sized>(PhantomData<T>);

impl<T: LinkField + ?Sized> ConstProbe<T> {
    /// `T` is a [`LinkField`]: whether it may report a link.
    pub const MAY_LINK: bool = T::MAY_LINK;
    /// `T` is a [`LinkField`]: whether its drop glue is what it reports.
    pub const DROP_IS_REPORT: bool = T::DROP_IS_REPORT;
}

#[allow(drop_bounds)]
impl<T: Drop + ?Sized> ConstProbe<T> {
    /// `T` implements [`Drop`].
    pub const HAS_DROP: bool = true;
}

/// See [`ConstProbe`]. Not public API.
#[doc(hidden)]
pub trait NotLinkField {
    /// `false`: the type is not a [`LinkField`], so a field of it is never
    /// reported.
    const MAY_LINK: bool = false;
    /// Whether the type's drop glue is what a report gives back: for a
    /// type that reports nothing, whether it has no drop glue at all.
    const DROP_IS_REPORT: bool;
}

impl<T: ?Sized> NotLinkField for ConstProbe<T> {
    const DROP_IS_REPORT: bool = !core::mem::needs_drop::<T>();
}

/// See [`ConstProbe`]. Not public API.
#[doc(hidden)]
pub trait NoDrop {
    /// `false`: the type does not implement [`Drop`].
    const HAS_DROP: bool = false;
}

impl<T: ?Sized> NoDrop for ConstProbe<T> {}
