//! The atomics behind the chunk reference count, switched between
//! `core`/`alloc` (so they work without std) and
//! [`loom`](https://docs.rs/loom) by `--cfg loom` so that the hand-over of a
//! chunk between threads can be model-checked.

#[cfg(loom)]
pub(crate) use loom::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

#[cfg(not(loom))]
pub(crate) use alloc::sync::Arc;
#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{AtomicUsize, Ordering};
