//! The contestants of `alloc_bench` and `peak_memory`, behind one small trait
//! so that every workload runs the same code for each of them.
//!
//! Each contestant is used the fastest way its documentation shows:
//! `Arc<[u64]>`, `Rc<[u64]>` and `Box<[u64]>` by collecting a `TrustedLen`
//! iterator (one allocation of the exact size, written in place; the 0.1.2
//! benchmark's `new_uninit_slice` + `Arc::get_mut` costs `Arc` an extra
//! atomic compare-exchange per slice), triomphe through `UniqueArc`, the
//! arenas through their fill-with-a-closure method.
#![allow(dead_code)]

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::ops::Deref;
use std::rc::Rc;
use std::sync::Arc;

/// One way to allocate `u64` slices and single values.
pub trait Contestant {
    /// The name used in benchmark IDs and in the report.
    const NAME: &'static str;
    /// The arena (`()` for the global allocator).
    type Arena: 'static;
    /// A slice handle.
    type Slice<'a>: Deref<Target = [u64]>
    where
        Self::Arena: 'a;
    /// A single-value handle.
    type Single<'a>: Deref<Target = u64>
    where
        Self::Arena: 'a;

    fn arena() -> Self::Arena;
    fn slice(arena: &Self::Arena, len: usize, init: impl FnMut(usize) -> u64) -> Self::Slice<'_>;
    fn single(arena: &Self::Arena, value: u64) -> Self::Single<'_>;
    /// Called between iterations of a churn loop after `RECYCLE_ELEMS` elements
    /// (0: never): only the arenas that free nothing per slice need it (they
    /// would otherwise grow without bound), and they reset in place.
    const RECYCLE_ELEMS: usize = 0;
    fn recycle(_arena: &mut Self::Arena) {}
}

// ----- this crate ------------------------------------------------------------

pub struct Ours<const N: usize>;

impl<const N: usize> Contestant for Ours<N> {
    const NAME: &'static str = if N == 4096 {
        "arena-arc-4k"
    } else {
        "arena-arc-64k"
    };
    type Arena = arena_arc::Allocator<u64, u32, N>;
    type Slice<'a> = arena_arc::ArcSlice<u64>;
    type Single<'a> = arena_arc::ArcSingle<u64>;

    fn arena() -> Self::Arena {
        arena_arc::Allocator::new()
    }
    #[inline]
    fn slice(arena: &Self::Arena, len: usize, init: impl FnMut(usize) -> u64) -> Self::Slice<'_> {
        arena.alloc(len, init)
    }
    #[inline]
    fn single(arena: &Self::Arena, value: u64) -> Self::Single<'_> {
        arena.alloc_value(value)
    }
}

// ----- arena-arc 0.1.2 -------------------------------------------------------

/// arena-arc 0.1.2, chunk capacity 65536 (the capacity of its own benchmark).
/// Its `alloc` takes `&mut self`; the cell only lets the trait hand it a
/// shared reference, and costs nothing.
pub struct Orig;

pub struct OrigArena(UnsafeCell<arena_arc_orig::Allocator<u64, u32, 65536>>);

impl OrigArena {
    #[inline]
    #[allow(clippy::mut_from_ref)]
    fn get(&self) -> &mut arena_arc_orig::Allocator<u64, u32, 65536> {
        // SAFETY: an `OrigArena` is used by one thread (it is `!Sync`), and
        // the closures passed to its `alloc` never touch it, so this is the
        // only reference to the allocator while it lives.
        unsafe { &mut *self.0.get() }
    }
}

impl Contestant for Orig {
    const NAME: &'static str = "arena-arc-0.1.2";
    type Arena = OrigArena;
    type Slice<'a> = arena_arc_orig::ArcSlice<u64>;
    type Single<'a> = arena_arc_orig::ArcSingle<u64>;

    fn arena() -> Self::Arena {
        OrigArena(UnsafeCell::new(arena_arc_orig::Allocator::new()))
    }
    #[inline]
    fn slice(arena: &Self::Arena, len: usize, init: impl FnMut(usize) -> u64) -> Self::Slice<'_> {
        arena.get().alloc(len as u32, init)
    }
    #[inline]
    fn single(arena: &Self::Arena, value: u64) -> Self::Single<'_> {
        arena.get().alloc_value(value)
    }
}

// ----- std -------------------------------------------------------------------

pub struct StdArc;

impl Contestant for StdArc {
    const NAME: &'static str = "Arc";
    type Arena = ();
    type Slice<'a> = Arc<[u64]>;
    type Single<'a> = Arc<u64>;

    fn arena() {}
    #[inline]
    fn slice(_: &(), len: usize, init: impl FnMut(usize) -> u64) -> Arc<[u64]> {
        // `Map<Range>` is `TrustedLen`: one allocation, written in place.
        (0..len).map(init).collect()
    }
    #[inline]
    fn single(_: &(), value: u64) -> Arc<u64> {
        Arc::new(value)
    }
}

pub struct StdRc;

impl Contestant for StdRc {
    const NAME: &'static str = "Rc";
    type Arena = ();
    type Slice<'a> = Rc<[u64]>;
    type Single<'a> = Rc<u64>;

    fn arena() {}
    #[inline]
    fn slice(_: &(), len: usize, init: impl FnMut(usize) -> u64) -> Rc<[u64]> {
        (0..len).map(init).collect()
    }
    #[inline]
    fn single(_: &(), value: u64) -> Rc<u64> {
        Rc::new(value)
    }
}

pub struct StdBox;

impl Contestant for StdBox {
    const NAME: &'static str = "Box";
    type Arena = ();
    type Slice<'a> = Box<[u64]>;
    type Single<'a> = Box<u64>;

    fn arena() {}
    #[inline]
    fn slice(_: &(), len: usize, init: impl FnMut(usize) -> u64) -> Box<[u64]> {
        (0..len).map(init).collect()
    }
    #[inline]
    fn single(_: &(), value: u64) -> Box<u64> {
        Box::new(value)
    }
}

// ----- triomphe --------------------------------------------------------------

pub struct Triomphe;

impl Contestant for Triomphe {
    const NAME: &'static str = "triomphe";
    type Arena = ();
    type Slice<'a> = triomphe::Arc<[u64]>;
    type Single<'a> = triomphe::Arc<u64>;

    fn arena() {}
    #[inline]
    fn slice(_: &(), len: usize, mut init: impl FnMut(usize) -> u64) -> triomphe::Arc<[u64]> {
        let mut u = triomphe::UniqueArc::<[MaybeUninit<u64>]>::new_uninit_slice(len);
        for (i, slot) in u.iter_mut().enumerate() {
            slot.write(init(i));
        }
        // SAFETY: every element was written above.
        unsafe { triomphe::UniqueArc::assume_init_slice(u) }.shareable()
    }
    #[inline]
    fn single(_: &(), value: u64) -> triomphe::Arc<u64> {
        triomphe::Arc::new(value)
    }
}

// ----- multitude -------------------------------------------------------------

pub struct Multitude;

impl Contestant for Multitude {
    const NAME: &'static str = "multitude";
    type Arena = multitude::Arena;
    type Slice<'a> = multitude::Arc<[u64]>;
    type Single<'a> = multitude::Arc<u64>;

    fn arena() -> multitude::Arena {
        multitude::Arena::new()
    }
    #[inline]
    fn slice(
        arena: &multitude::Arena,
        len: usize,
        init: impl FnMut(usize) -> u64,
    ) -> multitude::Arc<[u64]> {
        arena.alloc_slice_fill_with_arc(len, init)
    }
    #[inline]
    fn single(arena: &multitude::Arena, value: u64) -> multitude::Arc<u64> {
        arena.alloc_arc(value)
    }
}

// ----- arenas without shared ownership (the floor for allocation) ------------

pub struct Bumpalo;

impl Contestant for Bumpalo {
    const NAME: &'static str = "bumpalo";
    type Arena = bumpalo::Bump;
    type Slice<'a> = &'a [u64];
    type Single<'a> = &'a u64;

    fn arena() -> bumpalo::Bump {
        bumpalo::Bump::new()
    }
    #[inline]
    fn slice(arena: &bumpalo::Bump, len: usize, init: impl FnMut(usize) -> u64) -> &[u64] {
        arena.alloc_slice_fill_with(len, init)
    }
    #[inline]
    fn single(arena: &bumpalo::Bump, value: u64) -> &u64 {
        arena.alloc(value)
    }
    const RECYCLE_ELEMS: usize = 1 << 16;
    fn recycle(arena: &mut bumpalo::Bump) {
        arena.reset();
    }
}

pub struct TypedArena;

impl Contestant for TypedArena {
    const NAME: &'static str = "typed-arena";
    type Arena = typed_arena::Arena<u64>;
    type Slice<'a> = &'a [u64];
    type Single<'a> = &'a u64;

    fn arena() -> typed_arena::Arena<u64> {
        typed_arena::Arena::new()
    }
    #[inline]
    fn slice(
        arena: &typed_arena::Arena<u64>,
        len: usize,
        init: impl FnMut(usize) -> u64,
    ) -> &[u64] {
        arena.alloc_extend((0..len).map(init))
    }
    #[inline]
    fn single(arena: &typed_arena::Arena<u64>, value: u64) -> &u64 {
        arena.alloc(value)
    }
    // typed-arena has no reset: a churn loop replaces the arena.
    const RECYCLE_ELEMS: usize = 1 << 16;
    fn recycle(arena: &mut typed_arena::Arena<u64>) {
        *arena = typed_arena::Arena::new();
    }
}
