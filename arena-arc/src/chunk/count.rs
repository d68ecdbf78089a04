//! [`Count`]: a chunk's reference count, kept as the count minus one.
//!
//! # Why minus one
//!
//! A clone increments the count, and has two rare cases to catch: a count
//! of zero (a chunk of a generation reached through a link that does not
//! count, see `generation.rs`, which the generation must count as alive
//! again) and an overflow. Kept as it is, telling `0` apart needs the old
//! value, so the increment is a `lock xadd` and a test of its result; W4
//! (a clone and a drop) took 1.16–1.22 × as long as 0.2.0's, whose clone had
//! only the overflow to catch and was a `lock inc` and a branch on its flags.
//!
//! Kept minus one, both rare cases are a negative old value: zero is `-1`,
//! and an overflow is past `isize::MAX`. x86 branches on the sign of the
//! increment's result, so the clone is a `lock inc` again. The last release
//! (one to zero) is an old value of `0`, also told by the sign of the
//! decrement's result; a decrement could see a negative old value otherwise
//! only past the overflow, which [`reached_zero`](Count::reached_zero)
//! checks for.
//!
//! The other operations (the allocator's bias, its settle, the generation's
//! checks) are rare and convert.

use crate::sync::{AtomicUsize, Ordering};

/// Above this many references a clone aborts, as `Arc::clone` does: the
/// count could otherwise overflow through leaked handles.
const MAX_REFCOUNT: usize = isize::MAX as usize;

/// A reference count, stored minus one (see the module docs). Every method
/// takes and returns counts, not the stored value.
pub(crate) struct Count(AtomicUsize);

/// What [`Count::increment`] found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Increment {
    /// The count was above zero: the common case.
    Counted,
    /// The count was zero and is now one.
    Revived,
}

impl Count {
    /// A count of `n`.
    pub(crate) fn new(n: usize) -> Self {
        Count(AtomicUsize::new(n.wrapping_sub(1)))
    }

    /// The count.
    #[inline(always)]
    pub(crate) fn load(&self, order: Ordering) -> usize {
        self.0.load(order).wrapping_add(1)
    }

    /// Sets the count to `n`.
    #[inline(always)]
    pub(crate) fn store(&self, n: usize, order: Ordering) {
        self.0.store(n.wrapping_sub(1), order);
    }

    /// Adds one, `Relaxed` (as `Arc::clone`: the caller's own reference, or
    /// the generation's, keeps the chunk alive). Aborts if the count passed
    /// `isize::MAX`.
    #[inline(always)]
    pub(crate) fn increment(&self) -> Increment {
        let old = self.0.fetch_add(1, Ordering::Relaxed);
        // A stored `-1` is a count of zero, and a stored value past
        // `isize::MAX` a count past it: one test of the sign for both, which
        // x86 takes from the flags of a `lock inc`. (A stored `isize::MAX`
        // passes, and the next increment aborts.)
        if (old as isize) < 0 {
            return self.increment_slow();
        }
        Increment::Counted
    }

    /// [`increment`](Self::increment)'s rare cases, told apart by the count
    /// now (see [`overflowed`](Self::overflowed)).
    #[cold]
    #[inline(never)]
    fn increment_slow(&self) -> Increment {
        if self.overflowed(Ordering::Relaxed) {
            super::abort_refcount_overflow();
        }
        Increment::Revived
    }

    /// Subtracts one, `Release`; whether the count may have reached zero.
    /// If so, the caller calls [`reached_zero`](Self::reached_zero) out of
    /// line before anything else.
    #[inline(always)]
    pub(crate) fn decrement(&self) -> bool {
        let old = self.0.fetch_sub(1, Ordering::Release);
        // An old stored `0` is a count of one, and the caller's: the last.
        // A negative one would be a count of zero, which the caller's own
        // reference rules out, or a count past the overflow, which
        // `reached_zero` tells apart. One test of the sign, which x86 takes
        // from the flags of a `lock dec`.
        (old as isize) <= 0
    }

    /// After a [`decrement`](Self::decrement) that returned `true`: makes
    /// every other release happen before the return, and aborts if the
    /// count was past the overflow rather than at one. (Not part of
    /// `decrement`, so that its caller's inline code is the decrement, a
    /// branch and one call, as it was before the count was kept minus one:
    /// a larger inline release changed the register allocation of W1's
    /// loop, which then spilled each handle and copied it with a 16-byte
    /// load from two 8-byte stores, a store-forwarding stall.)
    #[inline(always)]
    pub(crate) fn reached_zero(&self) {
        // Synchronise with every other release, so that their uses of the
        // elements happen before the drops and the free. An `Acquire` load
        // of the count does it as an `Acquire` fence would: it reads our own
        // decrement, or a later write, all of which are RMWs, in the
        // release sequence that every earlier `Release` decrement heads. (It
        // is what `std::sync::Arc` does under ThreadSanitizer, which does not
        // model fences; on x86 it is one plain load.) The same load tells
        // an overflow apart.
        if self.overflowed(Ordering::Acquire) {
            super::abort_refcount_overflow();
        }
    }

    /// In a slow path: whether the count is past the overflow rather than
    /// where a revival or a last release leaves it.
    ///
    /// After a revival the count is at least one (the caller's new
    /// reference) and after a last release zero, or more if a chunk of a
    /// generation was revived since; either way a handful. Past the
    /// overflow it is within a few of `isize::MAX`: the increment that
    /// aborts takes it at most three past, plus one per thread racing it,
    /// as for `Arc`. The two are half the range apart: a count could cross
    /// from one to the other only through some `2^62` operations while the
    /// slow path runs.
    #[inline(always)]
    fn overflowed(&self, order: Ordering) -> bool {
        self.load(order) > MAX_REFCOUNT / 2
    }

    /// Subtracts `n`, `order`; returns the count before.
    #[inline(always)]
    pub(crate) fn fetch_sub(&self, n: usize, order: Ordering) -> usize {
        self.0.fetch_sub(n, order).wrapping_add(1)
    }
}

impl core::fmt::Debug for Count {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Count")
            .field(&self.load(Ordering::Relaxed))
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn counts_round_trip_through_the_stored_value() {
        let count = Count::new(0);
        assert_eq!(count.load(Ordering::Relaxed), 0);
        assert_eq!(count.increment(), Increment::Revived);
        assert_eq!(count.increment(), Increment::Counted);
        assert_eq!(count.load(Ordering::Relaxed), 2);
        assert!(!count.decrement());
        assert!(count.decrement());
        count.reached_zero();
        assert_eq!(count.load(Ordering::Relaxed), 0);
        count.store(5, Ordering::Relaxed);
        assert_eq!(count.fetch_sub(2, Ordering::Relaxed), 5);
        assert_eq!(count.load(Ordering::Relaxed), 3);
        assert_eq!(alloc::format!("{count:?}"), "Count(3)");
    }

    #[test]
    fn the_slow_paths_tell_an_overflow_from_a_revival_and_a_last_release() {
        let count = Count::new(0);
        for small in [0, 1, 2, 1000] {
            count.store(small, Ordering::Relaxed);
            assert!(!count.overflowed(Ordering::Relaxed), "{small}");
        }
        for huge in [
            MAX_REFCOUNT + 1,
            MAX_REFCOUNT + 2,
            MAX_REFCOUNT + 64,
            usize::MAX,
        ] {
            count.store(huge, Ordering::Relaxed);
            assert!(count.overflowed(Ordering::Relaxed), "{huge}");
        }
    }

    /// The increments past `isize::MAX` abort the process, which only a
    /// child process can show: the test runs itself again with the
    /// variable set.
    #[test]
    #[cfg(all(feature = "std", not(miri)))]
    fn an_increment_past_the_maximum_aborts() {
        const CHILD: &str = "ARENA_ARC_COUNT_OVERFLOW_CHILD";
        if std::env::var_os(CHILD).is_some() {
            let count = Count::new(MAX_REFCOUNT);
            for _ in 0..4 {
                count.increment();
            }
            // Not reached: the process aborted.
            std::process::exit(0);
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "chunk::count::tests::an_increment_past_the_maximum_aborts",
            ])
            .args(["--test-threads", "1", "--nocapture"])
            .env(CHILD, "1")
            .output()
            .unwrap();
        assert!(!out.status.success(), "the child exited normally");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("reference count overflowed"),
            "no abort message in: {stderr}"
        );
    }

    #[test]
    fn a_large_count_is_not_mistaken_for_a_rare_case() {
        let count = Count::new(MAX_REFCOUNT);
        assert_eq!(count.increment(), Increment::Counted);
        assert!(!count.decrement());
        assert!(!count.decrement());
        assert_eq!(count.load(Ordering::Relaxed), MAX_REFCOUNT - 1);
    }
}
