//! Fresh chunks that will fill are mapped when they are made (feature
//! `prefault`, Linux): an allocator's second and later chunks and dedicated
//! chunks, not its first, and only while the allocator grows past the most
//! it has held. Checked with `mincore`, which reports the resident pages of
//! a range: the chunks here are 8 MiB, far above malloc's `mmap` threshold
//! (held at 128 KiB), so each is a fresh mapping with no resident page until
//! one is written or pre-faulted.
#![cfg(all(target_os = "linux", not(miri)))]

use std::cell::Cell;
use std::sync::Mutex;

use arena_arc::Allocator;

/// Elements per chunk: 8 MiB of `u64`s.
const N: usize = 1 << 20;

/// One test at a time: the dedicated one looks for its chunk among the
/// process's new mappings.
static ALONE: Mutex<()> = Mutex::new(());

/// Takes the lock, and has glibc `mmap` every large block: it otherwise
/// raises its threshold to the size of each mapped block freed, and the
/// next test's chunks would come from the heap, perhaps resident already.
fn alone() -> std::sync::MutexGuard<'static, ()> {
    let guard = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    #[cfg(target_env = "gnu")]
    {
        // SAFETY: sets a malloc parameter; no memory is touched.
        let set = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024) };
        assert_eq!(set, 1, "mallopt");
    }
    guard
}

fn page() -> usize {
    // SAFETY: `sysconf` only reads a system value.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).expect("a page size")
}

/// How many of the whole pages in `start..start + len` are resident, and
/// how many whole pages there are.
fn resident(start: *const u8, len: usize) -> (usize, usize) {
    let page = page();
    let addr = start as usize;
    let first = addr.next_multiple_of(page);
    let end = (addr + len) / page * page;
    let pages = (end - first) / page;
    let mut flags = vec![0u8; pages];
    // SAFETY: `first..end` is inside the caller's live allocation (whole
    // pages, rounded inwards), and `flags` has one byte per page.
    let rc = unsafe {
        libc::mincore(
            start.wrapping_add(first - addr).cast_mut().cast(),
            end - first,
            flags.as_mut_ptr(),
        )
    };
    assert_eq!(rc, 0, "mincore failed");
    (flags.iter().filter(|&&f| f & 1 != 0).count(), pages)
}

/// Asserts that the chunk whose first element `first` is has every whole
/// page mapped.
fn assert_mapped(first: &u64, which: &str) {
    let (mapped, pages) = resident((first as *const u64).cast(), N * 8);
    assert!(pages > 2000, "{pages} pages");
    assert_eq!(
        mapped, pages,
        "{which} chunk: {mapped} of {pages} pages mapped"
    );
}

/// Asserts that the chunk whose first element `first` is, with nothing
/// written but that element, is left to fault in: the page of the headers
/// and the element, perhaps the next.
fn assert_not_mapped(first: &u64, which: &str) {
    let (mapped, pages) = resident((first as *const u64).cast(), N * 8);
    assert!(pages > 2000, "{pages} pages");
    assert!(
        mapped <= 2,
        "{which} chunk: {mapped} of {pages} pages mapped"
    );
}

#[test]
fn a_second_chunk_is_mapped_when_made_and_a_first_is_not() {
    let _alone = alone();
    let arena: Allocator<u64, u32, N> = Allocator::new();
    let first = arena.alloc_value(1);
    assert_not_mapped(&first, "first");

    // Fill it, so that the next allocation makes a second chunk.
    let rest = arena.alloc(N - 1, |i| i as u64);
    assert_eq!(arena.stats().chunks_created, 1);
    let second = arena.alloc_value(2);
    assert_eq!(arena.stats().chunks_created, 2);
    assert_mapped(&second, "second");

    assert_eq!((*first, rest[N - 2], *second), (1, N as u64 - 2, 2));
}

#[test]
fn a_chunk_made_below_the_allocators_peak_is_left_to_fault_in() {
    let _alone = alone();
    let arena: Allocator<u64, u32, N> = Allocator::new();
    // Two full chunks: the allocator's peak is their bytes.
    let a = arena.alloc(N, |i| i as u64);
    let b = arena.alloc(N, |i| i as u64);
    assert_eq!(arena.stats().chunks_created, 2);
    // Free both (glibc unmaps them), then make a third: it is fresh
    // memory, but the allocator holds less than it once did, which is
    // when `malloc` usually hands back memory it freed, resident already.
    drop((a, b));
    arena.trim();
    assert_eq!(arena.stats().chunks_alive, 0);
    let c = arena.alloc_value(7);
    assert_eq!(arena.stats().chunks_created, 3);
    assert_not_mapped(&c, "third");
    // Back at the peak: still not pre-faulted.
    let rest = arena.alloc(N - 1, |i| i as u64);
    let d = arena.alloc_value(8);
    assert_not_mapped(&d, "fourth");
    // Past it: pre-faulted again.
    let e = arena.alloc(N - 1, |i| i as u64);
    let f = arena.alloc_value(9);
    assert_eq!(arena.stats().chunks_created, 5);
    assert_mapped(&f, "fifth");
    assert_eq!((*c, rest[0], *d, e[N - 2], *f), (7, 0, 8, N as u64 - 2, 9));
}

#[test]
fn a_dedicated_chunk_is_mapped_before_its_first_element_is_written() {
    let _alone = alone();
    let arena: Allocator<u64, u32, 16> = Allocator::new();
    let len = N;
    // The request is longer than a chunk, so it gets a chunk of its own.
    // Before the first element is written, find that chunk: the one new
    // mapping of its size in /proc/self/maps.
    let before = mappings();
    let seen = Cell::new(None);
    let slice = arena.alloc(len, |i| {
        if i == 0 {
            let new: Vec<_> = mappings()
                .into_iter()
                .map(|m| uncovered(m, &before))
                .filter(|m| m.1 - m.0 >= len * 8)
                .collect();
            assert_eq!(new.len(), 1, "new mappings: {new:x?}");
            let (lo, hi) = new[0];
            seen.set(Some(resident(lo as *const u8, hi - lo)));
        }
        i as u64
    });
    assert_eq!(arena.stats().dedicated_chunks, 1);
    let (mapped, pages) = seen.get().expect("init ran");
    // Every page of the mapping but the last, which the chunk shares with
    // nothing but fills only in part (pre-faulting maps whole pages of the
    // chunk only). Without pre-faulting: the one or two pages of the
    // headers.
    assert!(
        pages > 2000 && mapped + 1 >= pages,
        "{mapped} of {pages} pages"
    );
    assert_eq!((slice[0], slice[len - 1]), (0, len as u64 - 1));
}

/// The address ranges of the process's readable and writable mappings
/// (not, say, the reserved rest of a thread's malloc heap).
fn mappings() -> Vec<(usize, usize)> {
    std::fs::read_to_string("/proc/self/maps")
        .expect("/proc/self/maps")
        .lines()
        .filter(|line| {
            line.split_whitespace()
                .nth(1)
                .is_some_and(|p| p.starts_with("rw"))
        })
        .map(|line| {
            let range = line.split_whitespace().next().expect("a range");
            let (lo, hi) = range.split_once('-').expect("lo-hi");
            (
                usize::from_str_radix(lo, 16).expect("hex"),
                usize::from_str_radix(hi, 16).expect("hex"),
            )
        })
        .collect()
}

/// The largest part of `m` that no mapping of `before` covers: a new
/// mapping may have been merged with an old neighbour.
fn uncovered(m: (usize, usize), before: &[(usize, usize)]) -> (usize, usize) {
    let mut cuts: Vec<usize> = vec![m.0, m.1];
    for &(lo, hi) in before {
        if lo < m.1 && hi > m.0 {
            cuts.extend([lo.max(m.0), hi.min(m.1)]);
        }
    }
    cuts.sort_unstable();
    cuts.windows(2)
        .map(|w| (w[0], w[1]))
        .filter(|&(lo, hi)| !before.iter().any(|&(b, e)| b <= lo && hi <= e))
        .max_by_key(|&(lo, hi)| hi - lo)
        .unwrap_or((m.0, m.0))
}
