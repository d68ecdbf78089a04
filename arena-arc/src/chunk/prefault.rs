//! Pre-faulting a fresh chunk: one `madvise(MADV_POPULATE_WRITE)` call maps
//! all of its pages at once, instead of one page fault per 4 KiB page as
//! the chunk fills.
//!
//! On a fresh heap most of a tree's build is the kernel's page faults (W9's
//! profile: as many samples as the allocator's own code). The allocator
//! knows, as `malloc` does not, that a chunk will be written from end to
//! end, so it asks for the pages up front. It does so only for chunks that
//! will fill: every chunk after an allocator's first (it filled one
//! already), and dedicated chunks (their one request fills them). A program
//! with many small arenas therefore keeps the resident memory that their
//! first chunk's touched pages make, as without pre-faulting. And only
//! while the allocator holds more bytes than it ever has
//! (`allocate_chunk`): memory that `malloc` hands out again is usually
//! resident, and below its peak an allocator's new chunks are mostly its
//! own freed ones. (Pre-faulting those cost a stream of documents, trimmed
//! after each, 5 % per document.)
//!
//! What it costs: one system call per such chunk, wasted if the pages were
//! resident after all (the call then finds them mapped and changes
//! nothing), and the resident memory of the chunk's unwritten tail. A chunk
//! spanning fewer than [`MIN_PAGES`] whole pages is left alone.
//!
//! Only on Linux, with the default feature `prefault`, and never under Miri
//! or loom. A kernel without `MADV_POPULATE_WRITE` (before 5.14) refuses the
//! first call; the refusal switches the pre-faulting off for the process.

/// Chunks that span fewer whole pages than this are not pre-faulted: the
/// call would cost about what the faults it saves do.
pub(crate) const MIN_PAGES: usize = 2;

#[cfg(all(feature = "prefault", target_os = "linux", not(miri), not(loom)))]
mod linux {
    use core::sync::atomic::{AtomicUsize, Ordering};

    use super::MIN_PAGES;

    /// The page size once known; `UNKNOWN` before the first call, `OFF`
    /// once the kernel refused (or the size could not be read).
    static PAGE: AtomicUsize = AtomicUsize::new(UNKNOWN);
    const UNKNOWN: usize = 0;
    const OFF: usize = 1;

    fn page_size() -> usize {
        match PAGE.load(Ordering::Relaxed) {
            UNKNOWN => {
                // SAFETY: `sysconf` only reads a system value.
                let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
                let size = usize::try_from(size)
                    .ok()
                    .filter(|s| s.is_power_of_two() && *s > OFF)
                    .unwrap_or(OFF);
                PAGE.store(size, Ordering::Relaxed);
                size
            }
            known => known,
        }
    }

    /// # Safety
    /// `start..start + size` is one live allocation that the caller owns.
    pub(crate) unsafe fn prefault(start: *mut u8, size: usize) {
        let page = page_size();
        if page == OFF {
            return;
        }
        let addr = start as usize;
        // The whole pages inside the allocation: never a byte of anyone
        // else's memory. (No overflow: the allocation ends below
        // `usize::MAX`.)
        let first = (addr + page - 1) & !(page - 1);
        let end = (addr + size) & !(page - 1);
        if end < first + MIN_PAGES * page {
            return;
        }
        // SAFETY: `first..end` lies inside the caller's allocation (rounded
        // inwards to whole pages), so it is mapped and writable. The call
        // only maps those pages as if each were written; it reads and
        // writes no byte of them, so no value changes and nothing is
        // aliased. The pointer is `start` moved within its allocation.
        let refused = unsafe {
            libc::madvise(
                start.add(first - addr).cast::<libc::c_void>(),
                end - first,
                libc::MADV_POPULATE_WRITE,
            )
        } != 0;
        if refused {
            // An old kernel (`EINVAL`), or no memory to map now (`ENOMEM`,
            // `EFAULT`): the writes will fault the pages in, as without
            // this. Not asked again, so a kernel that lacks the call costs
            // one failed call per process.
            PAGE.store(OFF, Ordering::Relaxed);
        }
    }
}

#[cfg(all(feature = "prefault", target_os = "linux", not(miri), not(loom)))]
pub(crate) use linux::prefault;

/// Without Linux, the `prefault` feature, or under Miri or loom: nothing to
/// do, the writes fault the pages in.
///
/// # Safety
/// As for the Linux one: `start..start + size` is one live allocation that
/// the caller owns.
#[cfg(not(all(feature = "prefault", target_os = "linux", not(miri), not(loom))))]
#[inline(always)]
pub(crate) unsafe fn prefault(start: *mut u8, size: usize) {
    let _ = (start, size, MIN_PAGES);
}
