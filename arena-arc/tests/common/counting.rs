//! A global allocator that wraps `System` and counts blocks and bytes, so
//! that a test can check that everything it allocated (chunks included) was
//! freed.
//!
//! Only threads that [`enroll`] are counted: the test harness allocates on
//! its own threads at any time. A test enrolls its thread and the threads it
//! spawns, for the time they run test code (not `std`'s own spawn and join
//! bookkeeping, see [`spawn`]), so a handle freed on another thread counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::thread::JoinHandle;

pub struct Counting;

thread_local! {
    static ENROLLED: Cell<bool> = const { Cell::new(false) };
}

/// Counts this thread's allocations and frees from now on (or stops).
/// Returns the previous setting.
pub fn enroll(on: bool) -> bool {
    ENROLLED.with(|e| e.replace(on))
}

fn enrolled() -> bool {
    ENROLLED.try_with(Cell::get).unwrap_or(false)
}

/// `std::thread::spawn` that counts what `f` allocates and frees, but not
/// the spawn's own bookkeeping (which the new thread frees before `f` runs).
pub fn spawn<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> JoinHandle<R> {
    let was = enroll(false);
    let thread = std::thread::spawn(move || {
        enroll(was);
        let r = f();
        enroll(false);
        r
    });
    enroll(was);
    thread
}

/// Turns the counting on or off when the thread's locals are destroyed.
///
/// A test thread's per-thread arenas are dropped after its closure returns,
/// with its other thread-locals, which are destroyed in the reverse order of
/// their registration (their first use). In between, `std` frees the boxed
/// closure it allocated on the spawning thread, which must not be counted.
/// So a test thread counts while its closure runs ([`counted_thread`]),
/// stops when the closure returns, and counts again while its arenas are
/// destroyed: a [`Switch`] registered last (after every arena, so destroyed
/// first) turns counting on, one registered first (destroyed last) turns it
/// off.
struct Switch(bool);

impl Drop for Switch {
    fn drop(&mut self) {
        enroll(self.0);
    }
}

thread_local! {
    static OFF_AT_THE_END: Switch = const { Switch(false) };
    static ON_FOR_THE_ARENAS: Switch = const { Switch(true) };
}

/// Spawns a thread that runs `f` and then drops its thread-local arenas,
/// all counted (where [`spawn`] stops counting when `f` returns).
pub fn spawn_with_locals<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> std::thread::JoinHandle<R> {
    spawn_with_locals_on(std::thread::Builder::new(), f)
}

/// [`spawn_with_locals`] through `builder` (a small stack, say).
pub fn spawn_with_locals_on<R: Send + 'static>(
    builder: std::thread::Builder,
    f: impl FnOnce() -> R + Send + 'static,
) -> std::thread::JoinHandle<R> {
    let was = enroll(false);
    let thread = builder
        .spawn(move || {
            OFF_AT_THE_END.with(|_| ());
            enroll(true);
            let result = f();
            enroll(false);
            ON_FOR_THE_ARENAS.with(|_| ());
            result
        })
        .expect("the test thread could not be spawned");
    enroll(was);
    thread
}

/// `JoinHandle::join` without counting the join's own bookkeeping.
pub fn join<R>(thread: JoinHandle<R>) -> std::thread::Result<R> {
    let was = enroll(false);
    let r = thread.join();
    enroll(was);
    r
}

/// The block size [`watch`] records the addresses of (0: none).
static WATCHED_SIZE: AtomicUsize = AtomicUsize::new(0);
const WATCHED_MAX: usize = 256;
static ALLOCATED_AT: [AtomicUsize; WATCHED_MAX] = [const { AtomicUsize::new(0) }; WATCHED_MAX];
static ALLOCATED_LEN: AtomicUsize = AtomicUsize::new(0);
static FREED_AT: [AtomicUsize; WATCHED_MAX] = [const { AtomicUsize::new(0) }; WATCHED_MAX];
static FREED_LEN: AtomicUsize = AtomicUsize::new(0);

/// From now on, records the addresses of the blocks of `size` bytes that
/// enrolled threads allocate and free, in order (the first 256 of each);
/// `watch(0)` stops. Forgets what was recorded.
pub fn watch(size: usize) {
    WATCHED_SIZE.store(0, Ordering::SeqCst);
    ALLOCATED_LEN.store(0, Ordering::SeqCst);
    FREED_LEN.store(0, Ordering::SeqCst);
    WATCHED_SIZE.store(size, Ordering::SeqCst);
}

/// The addresses [`watch`] recorded: (allocated, freed), each in order.
pub fn watched() -> (Vec<usize>, Vec<usize>) {
    let read = |at: &[AtomicUsize], len: &AtomicUsize| {
        at[..len.load(Ordering::SeqCst).min(WATCHED_MAX)]
            .iter()
            .map(|a| a.load(Ordering::SeqCst))
            .collect()
    };
    (
        read(&ALLOCATED_AT, &ALLOCATED_LEN),
        read(&FREED_AT, &FREED_LEN),
    )
}

/// Whether blocks of `size` bytes are watched. Tested before [`record`] is
/// called: passing it a reference to a whole table makes Miri retag every
/// element of it, on every allocation.
fn watched_size(size: usize) -> bool {
    size == WATCHED_SIZE.load(Ordering::Relaxed)
}

fn record(ptr: *mut u8, at: &[AtomicUsize], len: &AtomicUsize) {
    let i = len.fetch_add(1, Ordering::SeqCst);
    if i < WATCHED_MAX {
        at[i].store(ptr as usize, Ordering::SeqCst);
    }
}

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static FREES: AtomicUsize = AtomicUsize::new(0);
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments and
// only adds counter updates, which allocate nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && enrolled() {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
            if watched_size(layout.size()) {
                record(p, &ALLOCATED_AT, &ALLOCATED_LEN);
            }
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && enrolled() {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if enrolled() {
            FREES.fetch_add(1, Ordering::Relaxed);
            LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
            if watched_size(layout.size()) {
                record(ptr, &FREED_AT, &FREED_LEN);
            }
        }
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && enrolled() {
            LIVE_BYTES.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        p
    }
}

/// A snapshot of the counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub allocs: usize,
    pub frees: usize,
    pub live_bytes: isize,
}

impl Snapshot {
    pub fn now() -> Self {
        Snapshot {
            allocs: ALLOCS.load(Ordering::SeqCst),
            frees: FREES.load(Ordering::SeqCst),
            live_bytes: LIVE_BYTES.load(Ordering::SeqCst),
        }
    }

    /// Blocks allocated since `self`.
    pub fn allocs_since(&self) -> usize {
        ALLOCS.load(Ordering::SeqCst) - self.allocs
    }

    /// Blocks allocated since `self` minus blocks freed since `self`.
    pub fn live_blocks_since(&self) -> isize {
        let now = Snapshot::now();
        (now.allocs - self.allocs) as isize - (now.frees - self.frees) as isize
    }

    /// Asserts that as many blocks and bytes were freed as allocated since
    /// `self`.
    #[track_caller]
    pub fn assert_all_freed(&self, what: &str) {
        let now = Snapshot::now();
        assert_eq!(
            (self.live_blocks_since(), now.live_bytes - self.live_bytes),
            (0, 0),
            "{what}: (blocks, bytes) allocated minus freed since the start: a leak (or a double free)"
        );
    }
}
