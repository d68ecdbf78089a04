//! Peak memory of W1 (1,000,000 live slices of 8 `u64`s, handles kept in a
//! `Vec`) and handle sizes, per contestant, printed as JSON.
//!
//! `cargo bench --bench peak_memory` (what `scripts/bench-report` runs). The
//! peak is what the global allocator was asked for at most while the slices
//! were alive, above what was in use before: the contestant's chunks or
//! allocations plus the 1,000,000-handle `Vec` (handle size × 1,000,000).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;

/// Counts the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(size: usize) {
    let now = IN_USE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments and
// only adds bookkeeping on plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's promise.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's promise.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's promise.
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's promise.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const MANY: usize = 1_000_000;

fn measure<C: Contestant>() -> String {
    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    {
        let arena = C::arena();
        let mut v = Vec::with_capacity(MANY);
        for _ in 0..MANY {
            v.push(C::slice(&arena, 8, |i| i as u64));
        }
        black_box(&v);
    }
    let peak = PEAK.load(Ordering::Relaxed) - base;
    format!(
        "  {{\"name\": \"{}\", \"slice_handle_bytes\": {}, \"single_handle_bytes\": {}, \"w1_peak_bytes\": {}}}",
        C::NAME,
        size_of::<C::Slice<'static>>(),
        size_of::<C::Single<'static>>(),
        peak
    )
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let rows = [
        measure::<Ours<4096>>(),
        measure::<Ours<65536>>(),
        measure::<Orig>(),
        measure::<StdArc>(),
        measure::<StdBox>(),
        measure::<StdRc>(),
        measure::<Triomphe>(),
        measure::<Multitude>(),
        measure::<Bumpalo>(),
        measure::<TypedArena>(),
    ];
    println!("[\n{}\n]", rows.join(",\n"));
}
