//! A chunk of the thread's generations whose tally of links out spilled:
//! its table past the header's nine targets could not grow (the global
//! allocator refused it), so its release visits its values. That visit
//! gives back every link that counts, the names' text chunks and a node of
//! an older generation: one missed leaves memory behind, which the counting
//! allocator sees. (It also skips the links into its own generation, which
//! stopped counting at their commit. Those chunks' counts are zero by then,
//! and they are freed with the generation whatever they read, so a
//! give-back too many there would show nowhere.)
//!
//! This is the only way a generation's chunk is released by a visit (a
//! dedicated chunk, the other spill, has no generation), and no other test
//! reaches it. It has its own binary: the refusing `#[global_allocator]`
//! below is process-wide.
#![cfg(feature = "derive")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use arena_arc::{ArcSingle, ArcStr, ArenaAlloc};

/// Counts the bytes in use on the thread that asks for it, and there refuses
/// the next request of one size, once.
struct Refusing;

std::thread_local! {
    /// Whether this thread's requests are counted.
    static COUNTED: Cell<bool> = const { Cell::new(false) };
    /// Bytes allocated minus bytes freed on this thread while counted.
    /// (Per thread: the test harness's own threads allocate meanwhile.)
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
    /// The size of the next request to refuse on this thread, if any.
    static REFUSE: Cell<Option<usize>> = const { Cell::new(None) };
    /// How many requests were refused on this thread.
    static REFUSED: Cell<usize> = const { Cell::new(0) };
}

/// Adds `bytes` to this thread's count, if it is counted.
fn count(bytes: isize) {
    // (`try_with`: a thread-local without drop glue is never destroyed,
    // but the allocator must not panic whatever happens.)
    if COUNTED.try_with(Cell::get).unwrap_or(false) {
        let _ = LIVE_BYTES.try_with(|live| live.set(live.get() + bytes));
    }
}

// SAFETY: every request goes to `System`, or gets a null pointer (a refusal
// the caller must handle); the counters are thread-locals without drop
// glue, which allocate nothing.
unsafe impl GlobalAlloc for Refusing {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let refuse = REFUSE
            .try_with(|r| {
                let hit = r.get() == Some(layout.size());
                if hit {
                    r.set(None);
                    REFUSED.with(|n| n.set(n.get() + 1));
                }
                hit
            })
            .unwrap_or(false);
        if refuse {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's promise, passed on.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            count(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: the caller's promise: `ptr` came from `alloc` above, so
        // from `System`, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Refusing = Refusing;

/// A node with a name and a link to the one before. Its only drop glue is
/// its links, so its chunks are released by their tally (or, spilled, by a
/// visit), never by dropping each node.
#[derive(ArenaAlloc)]
struct Named {
    name: ArcStr,
    next: Option<ArcSingle<Named>>,
}

/// The request that grows a tally's table from nothing: room for four
/// `(chunk, count)` pairs.
const TABLE_REQUEST: usize = 4 * 2 * std::mem::size_of::<usize>();

fn names(from: &Option<ArcSingle<Named>>) -> usize {
    let mut n = 0;
    let mut at = from.clone();
    while let Some(node) = at {
        n += 1;
        at = node.next.clone();
    }
    n
}

#[test]
fn a_spilled_chunk_of_a_generation_gives_back_exactly_the_links_that_count() {
    std::thread::spawn(|| {
        COUNTED.with(|c| c.set(true));
        // Warm up: the thread's arenas, its clock and its thread-local
        // destructors' list are made once and kept until the thread ends.
        drop(Named::alloc_value(Named {
            name: ArcStr::from("warm"),
            next: None,
        }));
        arena_arc::trim_thread();
        let before = LIVE_BYTES.with(Cell::get);

        // An older generation: a node kept by a handle across the close.
        let old = Named::alloc_value(Named {
            name: ArcStr::from("old"),
            next: None,
        });
        arena_arc::trim_thread();
        // The next document: long names, ten to a 16 KiB text chunk, so
        // that one node chunk links into more text chunks than its header
        // tallies; its first node links into the older generation.
        let mut last = Some(old);
        for i in 0..200 {
            let name = ArcStr::from(format!("{}{i:04}", "_".repeat(1496)).as_str());
            // Refuse the table's growth, and nothing else: armed only when
            // the node goes to the current chunk (no fresh chunk to make),
            // and the name is already made.
            let room = Named::arena().stats().current_chunk_free > 0;
            if room {
                REFUSE.with(|r| r.set(Some(TABLE_REQUEST)));
            }
            last = Some(Named::alloc_value(Named { name, next: last }));
            REFUSE.with(|r| r.set(None));
        }
        assert_eq!(
            REFUSED.with(Cell::get),
            1,
            "one table could not grow: a spilled tally"
        );
        assert_eq!(names(&last), 201);
        let head = last.as_ref().unwrap();
        assert_eq!(&head.name[1496..], "0199");
        drop(last);
        arena_arc::trim_thread();
        assert_eq!(
            LIVE_BYTES.with(Cell::get),
            before,
            "every chunk given back: the nodes', the names' and the older generation's"
        );
    })
    .join()
    .unwrap();
}
