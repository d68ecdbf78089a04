//! Handing out [`ArcThin`]s: the allocator switches to chunks aligned to
//! [`THIN_WINDOW`] at its first `alloc_thin`, and never back.
//!
//! An `ArcThin` finds its chunk by rounding its address down to the window,
//! so the value must lie in the first `THIN_WINDOW` bytes of a chunk that
//! starts at a multiple of it. The allocator makes sure of that for every
//! value `alloc_thin` hands out:
//! - the whole chunk fits in the window (`fits_thin_window`, checked at
//!   compile time in `alloc_thin`), and a single value never goes to a
//!   dedicated chunk (`N >= 1`);
//! - from the first `alloc_thin` on, every new regular chunk is allocated
//!   with the window's alignment ([`thin_layout`]), a retired chunk becomes
//!   current again only if it is aligned ([`is_thin_aligned`]), and a chunk
//!   kept by the thread's generations only if its layout (alignment
//!   included) is the one asked for;
//! - the chunk that was current at the switch is left behind first.
//!
//! [`ArcThin::from_single_unchecked`] relies on that, and checks it with a
//! debug assertion, which every test (under Miri too) runs with. It was a
//! check at run time until the fifth session of 2026-12-06: eight
//! instructions per allocation, 4 % of W8's build (docs/benchmarks.md).

use core::alloc::Layout;
use core::mem::ManuallyDrop;

use super::Allocator;
use crate::chunk::RawChunk;
use crate::error::AllocError;
use crate::index::IndexType;
use crate::links::ArenaLinks;
use crate::single::ArcSingle;
use crate::thin::{ArcThin, THIN_WINDOW, fits_thin_window};

/// The layout of a regular chunk of a thin allocator: `layout` aligned to
/// the window (whose size it never exceeds: see `fits_thin_window`).
pub(super) fn thin_layout(layout: Layout) -> Layout {
    debug_assert!(layout.size() <= THIN_WINDOW);
    match layout.align_to(THIN_WINDOW) {
        Ok(aligned) => aligned,
        // `THIN_WINDOW` is a power of two far below `isize::MAX`.
        Err(_) => unreachable!("arena-arc: THIN_WINDOW is a valid alignment"),
    }
}

/// Whether `chunk` starts at a multiple of the window.
pub(super) fn is_thin_aligned(chunk: RawChunk) -> bool {
    chunk.0.addr().get() % THIN_WINDOW == 0
}

impl<T, L: IndexType, const N: usize> Allocator<T, L, N> {
    /// The compile-time check of [`alloc_thin`](Self::alloc_thin).
    const THIN_FITS: () = assert!(
        fits_thin_window::<T>(N),
        "arena-arc: ArcThin needs a chunk that fits in THIN_WINDOW (64 KiB): 192 + N * size_of::<T>() <= 65536 and N >= 1; give the allocator N = thin_capacity::<T>() (a derived arena: #[arena(chunk = thin)]), or use ArcSingle"
    );

    /// Moves `value` into the arena and returns it as an 8-byte
    /// [`ArcThin`]: [`alloc_value`](Self::alloc_value) without the slot in
    /// the handle.
    ///
    /// At the first call the allocator leaves its current chunk (its tail
    /// is not used) and from then on allocates its regular chunks aligned
    /// to [`THIN_WINDOW`] (64 KiB), for slices and singles alike; see
    /// [`ArcThin`] for what that costs.
    ///
    /// A chunk of `N` elements must fit in the window, `192 + N *
    /// size_of::<T>() <= 65536`: a larger `N` (or a zero `N`) is a compile
    /// error.
    ///
    /// # Panics
    /// As [`alloc_value`](Self::alloc_value): if a limit set with
    /// [`with_limit`](Self::with_limit) would be passed (`value` is
    /// dropped).
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcThin};
    ///
    /// let arena: Allocator<(u8, char)> = Allocator::new();
    /// let pair: ArcThin<(u8, char)> = arena.alloc_thin((1, 'a'));
    /// assert_eq!(pair.1, 'a');
    /// ```
    ///
    /// A chunk larger than the window does not compile:
    ///
    /// ```compile_fail
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<[u8; 1024], u32, 256> = Allocator::new();
    /// let _ = arena.alloc_thin([0; 1024]); // 256 KiB chunks
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_thin(&self, value: T) -> ArcThin<T> {
        #[allow(clippy::let_unit_value)]
        let () = Self::THIN_FITS;
        self.enter_thin();
        thin(self.alloc_value(value))
    }

    /// Like [`alloc_thin`](Self::alloc_thin), but returns an
    /// [`AllocError`] (dropping `value`) instead of panicking.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u64> = Allocator::with_limit(0);
    /// assert!(arena.checked_alloc_thin(1).is_err());
    /// ```
    #[inline]
    pub fn checked_alloc_thin(&self, value: T) -> Result<ArcThin<T>, AllocError> {
        #[allow(clippy::let_unit_value)]
        let () = Self::THIN_FITS;
        self.enter_thin();
        self.checked_alloc_value(value).map(thin)
    }

    /// Whether the allocator has handed out an [`ArcThin`], so that its
    /// regular chunks are aligned to [`THIN_WINDOW`].
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u32> = Allocator::new();
    /// assert!(!arena.is_thin());
    /// let _one = arena.alloc_thin(1);
    /// assert!(arena.is_thin());
    /// ```
    pub fn is_thin(&self) -> bool {
        self.thin.get()
    }

    /// Makes the allocator thin if it is not yet.
    #[inline(always)]
    fn enter_thin(&self) {
        if !self.thin.get() {
            self.become_thin();
        }
    }

    /// From now on, regular chunks are aligned to the window; the current
    /// chunk, made before, is left (parked in the thread's generations, or
    /// retired) so that the next value goes to an aligned one.
    #[cold]
    #[inline(never)]
    fn become_thin(&self) {
        self.thin.set(true);
        // Leaving runs user code (the drops of chunks it frees), which may
        // allocate from `self` and install a chunk: made after the switch,
        // that one is aligned, and `leave_full_chunk` retires it anyway.
        if self
            .current
            .get()
            .is_some_and(|chunk| !is_thin_aligned(chunk.erase()))
        {
            self.leave_full_chunk();
        }
    }
}

impl<T: ArenaLinks<L>, L: IndexType, const N: usize> Allocator<T, L, N> {
    /// [`alloc_thin`](Self::alloc_thin) through
    /// [`alloc_linked`](Self::alloc_linked): the scan for links into the
    /// value's chunk is inlined where the value is built.
    /// [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc) uses it for
    /// `Foo::alloc_thin`.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcThin, ArenaLinks, Links};
    ///
    /// enum Expr {
    ///     Num(i64),
    ///     Add(ArcThin<Expr>, ArcThin<Expr>),
    /// }
    ///
    /// // SAFETY: both handles are owned by value and reported once; no `Drop`.
    /// unsafe impl ArenaLinks for Expr {
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         if let Expr::Add(a, b) = self {
    ///             links.thin(a);
    ///             links.thin(b);
    ///         }
    ///     }
    /// }
    ///
    /// let arena: Allocator<Expr> = Allocator::new_acyclic();
    /// let one = arena.alloc_thin_linked(Expr::Num(1));
    /// let two = arena.alloc_thin_linked(Expr::Num(2));
    /// let sum = arena.alloc_thin_linked(Expr::Add(one, two));
    /// assert!(matches!(*sum, Expr::Add(..)));
    /// assert_eq!(size_of::<Expr>(), 16); // 32 with `ArcSingle` links
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_thin_linked(&self, value: T) -> ArcThin<T> {
        let value = ManuallyDrop::new(value);
        // SAFETY: `value` is ours and never used again.
        unsafe { self.move_thin_linked(&value) }
    }

    /// [`alloc_thin_linked`](Self::alloc_thin_linked) of a value read from
    /// where it lies (see [`move_linked`](Self::move_linked)).
    ///
    /// # Safety
    /// `*value` is moved out: the caller must not use or drop it afterwards.
    #[inline]
    #[track_caller]
    pub(crate) unsafe fn move_thin_linked(&self, value: &ManuallyDrop<T>) -> ArcThin<T> {
        #[allow(clippy::let_unit_value)]
        let () = Self::THIN_FITS;
        self.enter_thin();
        // SAFETY: the caller's promise.
        thin(unsafe { self.move_linked_or_refuse(value) })
    }
}

/// `single`, made by a thin allocator, as an [`ArcThin`].
#[inline(always)]
fn thin<T, L: IndexType>(single: ArcSingle<T, L>) -> ArcThin<T> {
    // SAFETY: `single` was just allocated by an allocator that is thin
    // (`enter_thin` ran first) and holds a single value: its chunk is
    // regular (one value never takes a dedicated chunk, `N >= 1`), made or
    // taken back since the switch, so aligned to `THIN_WINDOW`, and fits in
    // the window (`THIN_FITS`). See the module docs.
    unsafe { ArcThin::from_single_unchecked(single) }
}
