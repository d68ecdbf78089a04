//! Frees that other frees start, run one after another instead of inside
//! each other, so that dropping a chain of chunks of any length takes no
//! deeper stack than dropping one.
//!
//! Freeing a chunk drops its values (or, for a `DROP_ONLY_LINKS` type,
//! gives back their tallied links: `links/release.rs`); their handles into
//! an older chunk may bring that chunk's count to zero, whose free drops its
//! values in turn, and so on down a list or a tree built over thousands of
//! chunks. Run as nested calls, each chunk of the chain took a few hundred
//! bytes of stack: a linked list of a million nodes in an acyclic allocator
//! (3,907 chunks of 256) overflowed a spawned thread's 2 MiB stack when its
//! head was dropped (`tests/deep_chains.rs`). A generation's free does the
//! same through the generations older than it.
//!
//! So a free that starts while another runs on the same thread is queued
//! on the thread instead, and the outermost one runs the queue before it
//! returns: by the time the first drop that started it all returns to its
//! caller, everything it released is freed, as before, and the stack never
//! holds more than one free. A panicking drop stops nothing: the queue is
//! still run (a second panic while unwinding aborts, as in `Vec`'s drop).
//!
//! The chunks outside the generations have their elements dropped in the
//! queue's order, newest first down a chain, but their memory is given back
//! at the end, oldest first, as the nested frees did. The order matters to
//! glibc's `free`: chunks given back newest first each join the top of the
//! heap, which it then trims, a system call every few chunks; W8's
//! hand-held drop took 5.0 ns per node that way against 2.8.
//!
//! The queue is a thread-local with no destructor, so it still works
//! while the thread's other thread-locals are destroyed: a list held by one
//! of them is freed then without nesting too. It owns no memory between
//! cascades (its buffers are given back when the outermost free ends), so
//! there is nothing for a destructor to do.
//!
//! Without `std` (no thread-locals), under loom (whose threads share the
//! OS thread's thread-locals), or when the queue cannot grow, a free runs
//! at once, nested, as before.

use core::ptr::NonNull;

use crate::chunk::RawChunk;
use crate::generation::Generation;

/// A free that may have to wait for the one running on this thread.
#[derive(Clone, Copy)]
pub(crate) enum Freeing {
    /// A chunk outside the thread's generations whose count reached zero
    /// ([`RawChunk::free`]).
    Chunk(RawChunk),
    /// A generation whose `alive` count reached zero ([`Generation::free`]).
    Generation(NonNull<Generation>),
}

impl Freeing {
    /// Runs the free.
    ///
    /// # Safety
    /// The caller owns what is freed, as `RawChunk::free` or
    /// `Generation::free` require, and gives it up.
    unsafe fn run(self) {
        match self {
            // SAFETY: the caller's promise.
            Freeing::Chunk(chunk) => unsafe { chunk.free() },
            // SAFETY: the caller's promise.
            Freeing::Generation(generation) => unsafe { Generation::free(generation) },
        }
    }
}

#[cfg(all(feature = "std", not(loom)))]
use self::queue::{Drain, QUEUE, note_emptied, queued};

/// The thread's queue of frees and what works it.
#[cfg(all(feature = "std", not(loom)))]
mod queue {
    use core::cell::{Cell, RefCell};
    use core::mem::ManuallyDrop;
    use std::vec::Vec;

    use super::Freeing;
    use crate::chunk::RawChunk;

    pub(super) struct Queue {
        /// Whether a free runs on this thread (then it runs `waiting` too).
        pub(super) running: Cell<bool>,
        waiting: RefCell<Vec<Freeing>>,
        /// Chunks whose elements were dropped, in that order, to be
        /// deallocated at the end, in the reverse order.
        emptied: RefCell<Vec<RawChunk>>,
    }

    std::thread_local! {
        /// In `ManuallyDrop`: a thread-local without drop glue has no
        /// destructor, so it is never destroyed, and a list dropped by
        /// another thread-local's destructor is still freed through it.
        /// Nothing leaks: its lists hold no memory between cascades
        /// ([`Drain`] gives it back), and a cascade ends on its thread
        /// before the thread does.
        pub(super) static QUEUE: ManuallyDrop<Queue> = const {
            ManuallyDrop::new(Queue {
                running: Cell::new(false),
                waiting: RefCell::new(Vec::new()),
                emptied: RefCell::new(Vec::new()),
            })
        };
    }

    /// Pushes `item` unless there is no memory for it. (The queue's lists
    /// are only borrowed here and in [`Drain`], never across a free: a free
    /// that starts another one finds them unborrowed.)
    fn try_push<T>(list: &RefCell<Vec<T>>, item: T) -> bool {
        let mut list = list.borrow_mut();
        if list.try_reserve(1).is_err() {
            return false;
        }
        list.push(item);
        true
    }

    /// Whether `freeing` was queued behind a running free. No room, no
    /// waiting: the free then runs nested, as without a queue.
    pub(super) fn queued(queue: &Queue, freeing: Freeing) -> bool {
        queue.running.get() && try_push(&queue.waiting, freeing)
    }

    /// Notes `chunk` for [`Drain`] to deallocate; `false` if there is no
    /// room to (then the caller frees it whole).
    pub(super) fn note_emptied(queue: &Queue, chunk: RawChunk) -> bool {
        try_push(&queue.emptied, chunk)
    }

    /// The outermost free's guard: runs what waits, deallocates the noted
    /// chunks, then marks the thread free of frees and gives the queue's
    /// memory back, also when a free panics.
    pub(super) struct Drain<'a>(pub(super) &'a Queue);

    impl Drop for Drain<'_> {
        fn drop(&mut self) {
            // Not `while let`: its scrutinee's borrow would last through the
            // body, and the free run there may queue another one.
            loop {
                let Some(freeing) = self.0.waiting.borrow_mut().pop() else {
                    break;
                };
                // If this free panics, `rest` runs the others while the
                // panic goes on (and a second one aborts).
                let rest = Drain(self.0);
                // SAFETY: queued by `free`, whose caller gave it up; run
                // once, since it was taken off the queue.
                unsafe { super::run(self.0, freeing) };
                core::mem::forget(rest);
            }
            // Nothing runs a drop from here on.
            let emptied = core::mem::take(&mut *self.0.emptied.borrow_mut());
            for &chunk in emptied.iter().rev() {
                // SAFETY: noted by `run` when it dropped the chunk's
                // elements (or began to, if a drop panicked: the others
                // were dropped all the same); the chunk is ours, and noted
                // once.
                unsafe { chunk.deallocate() };
            }
            self.0.running.set(false);
            // A queue is needed only while a cascade runs: keeping its
            // buffers would hold blocks for the thread's life, and the
            // thread-local, which is never dropped, would leak them.
            drop(core::mem::take(&mut *self.0.waiting.borrow_mut()));
        }
    }
}

/// Runs a free while `queue` is running: a chunk's memory is left to the
/// end (see the module docs), unless there is no room to note it.
///
/// # Safety
/// As for [`Freeing::run`].
#[cfg(all(feature = "std", not(loom)))]
unsafe fn run(queue: &queue::Queue, freeing: Freeing) {
    if let Freeing::Chunk(chunk) = freeing {
        if note_emptied(queue, chunk) {
            // SAFETY: the caller's promise; the memory is deallocated by
            // `Drain`, also if a drop panics.
            return unsafe { chunk.drop_before_free() };
        }
    }
    // SAFETY: the caller's promise.
    unsafe { freeing.run() }
}

/// Runs `freeing` now, or, if a free is running on this thread already,
/// once it is done (see the module docs).
///
/// # Safety
/// As for [`Freeing::run`]: the caller owns what is freed and gives it up;
/// no one else may touch it, so it can wait.
#[cfg(all(feature = "std", not(loom)))]
pub(crate) unsafe fn free(freeing: Freeing) {
    let outermost = QUEUE.try_with(|queue| {
        if queued(queue, freeing) {
            return None;
        }
        queue.running.set(true);
        Some(NonNull::from(queue))
    });
    match outermost {
        // Queued: the running free will run it.
        Ok(None) => {}
        Ok(Some(queue)) => {
            // SAFETY: the thread-local outlives this call: it has no
            // destructor, and lives until the thread ends, after every
            // call on the thread.
            let queue = unsafe { queue.as_ref() };
            let drain = Drain(queue);
            // SAFETY: the caller's promise.
            unsafe { run(queue, freeing) };
            drop(drain);
        }
        // Not expected (the thread-local has no destructor to have run),
        // but if its storage cannot be reached, run the free now.
        // SAFETY: the caller's promise.
        Err(_) => unsafe { freeing.run() },
    }
}

/// Without a thread-local queue: runs `freeing` at once (see the module
/// docs).
///
/// # Safety
/// As for [`Freeing::run`].
#[cfg(not(all(feature = "std", not(loom))))]
pub(crate) unsafe fn free(freeing: Freeing) {
    // SAFETY: the caller's promise.
    unsafe { freeing.run() }
}
