//! Compile-time guarantees: handle sizes, niches and auto traits.

use std::cell::Cell;
use std::mem::size_of;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use arena_arc::{Allocator, ArcSingle, ArcSlice};
use static_assertions::{assert_impl_all, assert_not_impl_any, const_assert, const_assert_eq};

// Sizes: a slice handle is no larger than `Arc<[T]>`, a single no larger than 16.
const_assert!(size_of::<ArcSlice<u64>>() <= size_of::<Arc<[u64]>>());
const_assert!(size_of::<ArcSlice<String>>() <= size_of::<Arc<[String]>>());
const_assert!(size_of::<ArcSingle<u64>>() <= 16);
const_assert!(size_of::<ArcSingle<u8, u8>>() <= 16);
// A single is packed to 4-byte alignment: a pointer and a `u32` slot take
// 12 bytes, and a node of a tag and two of them 32, not 40.
#[cfg(target_pointer_width = "64")]
const_assert_eq!(size_of::<ArcSingle<u64>>(), 12);
#[cfg(target_pointer_width = "64")]
const_assert_eq!(std::mem::align_of::<ArcSingle<u64>>(), 4);
#[cfg(target_pointer_width = "64")]
const_assert_eq!(size_of::<ArcSingle<u64, u64>>(), 16);
#[cfg(target_pointer_width = "64")]
const _: () = {
    #[allow(dead_code)]
    enum Expr {
        Num(i64),
        Add(ArcSingle<Expr>, ArcSingle<Expr>),
        Call(ArcSlice<Expr>),
    }
    assert!(size_of::<Expr>() == 32);
};
#[cfg(target_pointer_width = "64")]
const_assert_eq!(size_of::<ArcSlice<u64>>(), 16);
#[cfg(target_pointer_width = "64")]
const_assert_eq!(size_of::<ArcSlice<u64, u16>>(), 16);
#[cfg(target_pointer_width = "64")]
const_assert_eq!(size_of::<ArcSlice<u64, u64>>(), 24);

// `Option` uses the pointer's niche.
const_assert_eq!(
    size_of::<Option<ArcSlice<u64>>>(),
    size_of::<ArcSlice<u64>>()
);
const_assert_eq!(
    size_of::<Option<ArcSingle<u64>>>(),
    size_of::<ArcSingle<u64>>()
);
const_assert_eq!(
    size_of::<Option<ArcSlice<(), u8>>>(),
    size_of::<ArcSlice<(), u8>>()
);

// Send + Sync exactly when T: Send + Sync, like Arc.
assert_impl_all!(ArcSlice<u64>: Send, Sync, Clone, Default);
assert_impl_all!(ArcSingle<String>: Send, Sync, Clone);
assert_impl_all!(ArcSlice<Mutex<u8>>: Send, Sync);
assert_not_impl_any!(ArcSlice<Rc<u8>>: Send, Sync);
assert_not_impl_any!(ArcSingle<Rc<u8>>: Send, Sync);
assert_not_impl_any!(ArcSlice<Cell<u8>>: Send, Sync); // Send but not Sync
assert_not_impl_any!(ArcSingle<Cell<u8>>: Send, Sync);
assert_not_impl_any!(ArcSlice<std::sync::MutexGuard<'static, u8>>: Send); // Sync but not Send

// The allocator is Send (not Sync) when T: Send + Sync.
assert_impl_all!(Allocator<u64>: Send, Default);
assert_not_impl_any!(Allocator<u64>: Sync);
assert_not_impl_any!(Allocator<Cell<u8>>: Send, Sync);
assert_not_impl_any!(Allocator<Rc<u8>>: Send);

// Debug everywhere.
assert_impl_all!(Allocator<u8>: std::fmt::Debug);
assert_impl_all!(ArcSlice<u8>: std::fmt::Debug, std::hash::Hash, Ord);
assert_impl_all!(ArcSingle<u8>: std::fmt::Debug, std::fmt::Display, std::fmt::Pointer, Ord);
assert_impl_all!(arena_arc::ArenaStats: std::fmt::Debug, Copy);
assert_impl_all!(arena_arc::AllocError: std::error::Error, Send, Sync);

#[test]
fn sizes_on_this_target() {
    // The same facts at run time, so a test report shows them.
    println!("ArcSlice<u64>   = {} bytes", size_of::<ArcSlice<u64>>());
    println!("ArcSingle<u64>  = {} bytes", size_of::<ArcSingle<u64>>());
    println!("Arc<[u64]>      = {} bytes", size_of::<Arc<[u64]>>());
    assert!(size_of::<ArcSlice<u64>>() <= size_of::<Arc<[u64]>>());
}
