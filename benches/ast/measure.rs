//! What the tree benchmarks (`ast`, W8, and `trees`) measure with: a
//! counting global allocator, a wall or thread-CPU clock, the process's
//! resident memory, a one-shot hand-off between two threads, and medians.
//! Shared through `#[path]`; each bench uses what it needs.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

// ----- the counting global allocator -----------------------------------------

pub mod heap {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    pub static COUNTING: AtomicBool = AtomicBool::new(false);
    static IN_USE: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);

    #[inline]
    pub fn grew(size: usize) {
        if COUNTING.load(Ordering::Relaxed) {
            let now = IN_USE.fetch_add(size, Ordering::Relaxed) + size;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
    }

    #[inline]
    pub fn shrank(size: usize) {
        if COUNTING.load(Ordering::Relaxed) {
            IN_USE.fetch_sub(size, Ordering::Relaxed);
        }
    }

    pub fn in_use() -> usize {
        IN_USE.load(Ordering::Relaxed)
    }
    pub fn peak() -> usize {
        PEAK.load(Ordering::Relaxed)
    }
    pub fn reset_peak() {
        PEAK.store(in_use(), Ordering::Relaxed);
    }
}

/// Counts the bytes in use and their peak, when `heap::COUNTING` is on (set
/// once, before the run; a block counted when freed was counted when made).
struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments and
// only adds bookkeeping on plain atomics.
unsafe impl GlobalAlloc for Counting {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's promise.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            heap::grew(layout.size());
        }
        p
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's promise.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            heap::grew(layout.size());
        }
        p
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's promise.
        unsafe { System.dealloc(ptr, layout) };
        heap::shrank(layout.size());
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's promise.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            heap::shrank(layout.size());
            heap::grew(new_size);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Whether phases are timed in CPU time of the thread that runs them
/// (`--clock cpu`) rather than wall time (the default). On a machine shared
/// with other work, CPU time leaves out the time the thread waited for a
/// core; it still counts the kernel's work for the thread (page faults).
pub static CPU_CLOCK: AtomicBool = AtomicBool::new(false);

/// A point in time on the chosen clock.
#[derive(Clone, Copy)]
pub enum Stamp {
    Wall(Instant),
    Cpu(u64),
}

fn thread_cpu_ns() -> u64 {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    unsafe extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `ts` is a valid `struct timespec` (two `long`s on 64-bit Linux).
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.sec as u64 * 1_000_000_000 + ts.nsec as u64
}

impl Stamp {
    pub fn now() -> Self {
        if CPU_CLOCK.load(Ordering::Relaxed) {
            Stamp::Cpu(thread_cpu_ns())
        } else {
            Stamp::Wall(Instant::now())
        }
    }
    /// Nanoseconds since `self`, on the same thread.
    pub fn ns(self) -> u64 {
        match self {
            Stamp::Wall(t) => t.elapsed().as_nanos() as u64,
            Stamp::Cpu(t) => thread_cpu_ns() - t,
        }
    }
}

/// Resident set size and its high-water mark, in bytes, from
/// `/proc/self/status`.
pub fn rss() -> (usize, usize) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the process's resident high-water mark to its current RSS.
pub fn reset_rss_peak() {
    // Writing 5 to clear_refs resets VmHWM (Linux >= 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// What was in use, and the resident memory, when the run started.
pub struct Start {
    heap: usize,
    rss: usize,
}

impl Start {
    pub fn now() -> Self {
        reset_rss_peak();
        heap::reset_peak();
        Start {
            heap: heap::in_use(),
            rss: rss().0,
        }
    }
    pub fn left(&self) -> usize {
        heap::in_use().saturating_sub(self.heap)
    }
    /// The peak of the heap in use since `now`, above what was in use then.
    pub fn heap_peak(&self) -> usize {
        heap::peak().saturating_sub(self.heap)
    }
    /// The resident memory now, above the RSS at `now`.
    pub fn rss_now(&self) -> usize {
        rss().0.saturating_sub(self.rss)
    }
    /// The resident high-water mark since `now`, above the RSS then.
    pub fn rss_peak(&self) -> usize {
        rss().1.saturating_sub(self.rss)
    }
}

/// A one-shot slot one thread fills and another waits on.
pub struct Handoff<T> {
    slot: Mutex<Option<T>>,
    filled: Condvar,
}

impl<T> Default for Handoff<T> {
    fn default() -> Self {
        Handoff {
            slot: Mutex::new(None),
            filled: Condvar::new(),
        }
    }
}

impl<T> Handoff<T> {
    pub fn put(&self, value: T) {
        *self.slot.lock().unwrap() = Some(value);
        self.filled.notify_one();
    }
    pub fn take(&self) -> T {
        let mut slot = self.slot.lock().unwrap();
        loop {
            if let Some(value) = slot.take() {
                return value;
            }
            slot = self.filled.wait(slot).unwrap();
        }
    }
}

/// The median of `v` (NaN when empty).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// A time or ratio for a table: three significant figures at most, empty
/// for NaN (a phase a contestant does not have).
pub fn fmt(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}
