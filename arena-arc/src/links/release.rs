//! Releasing a chunk's values by their links, for element types whose only
//! drop glue is the handles they report ([`ArenaLinks::DROP_ONLY_LINKS`]).
//!
//! `drop_in_place` of a tree node gives back each of its handles with a
//! locked decrement, and in an acyclic arena most of them point into the
//! chunk being released, whose count no longer matters (it holds the bias:
//! see `RawChunk::free`, `recycle` and the generations' free).
//!
//! Usually no value is even visited: the commits tallied the links out of
//! the chunk in its header (`chunk/out_links.rs`), and each target chunk
//! gets its references back in one `fetch_sub` (the targets past the
//! header's nine from a table on the heap). When that tally spilled (a
//! dedicated chunk, or no memory for the table), the values are visited:
//! the links into the chunk itself and into the other chunks of its
//! generation, which stopped counting at the commit, are skipped; the
//! others (`ArcStr`s among them: `Links::counted`) are tallied here by
//! chunk and given back the same way once every value was visited. No user
//! code runs during the visits (the promise of `DROP_ONLY_LINKS`); the
//! releases, which may free other chunks and run their drops, come after,
//! and a panic in one does not stop the others.

use core::marker::PhantomData;
use core::mem;
use core::ptr::NonNull;

use super::{ArenaLinks, LinkScan, Links};
use crate::chunk::{Chunk, Header, RawChunk, Tally};
use crate::index::IndexType;

/// The `DropElems` of the chunks of an acyclic allocator of a `T` with
/// `DROP_ONLY_LINKS`: gives back the references that the values in slots
/// `start..start + len` of the chunk at `header` hold into other chunks,
/// and forgets the values.
///
/// # Safety
/// As for any `DropElems`: `header` is a chunk of `T`s whose slots
/// `start..start + len` hold initialised values that no one will use
/// again, and the chunk's count holds the bias (it is being freed or
/// recycled), so the links into it need no giving back.
pub(crate) unsafe fn release_links<T: ArenaLinks<L>, L: IndexType>(
    header: NonNull<Header>,
    start: usize,
    len: usize,
) {
    let target = RawChunk(header);
    // The links out were tallied as the values were committed: give them
    // back without visiting anything. (The first range of a chunk with
    // holes takes the whole tally; the others find it empty.)
    // SAFETY: the caller's promise: the chunk is being released.
    if let Some(mut out) = unsafe { target.take_out() } {
        let (pairs, len) = out.targets();
        match out.take_more() {
            // SAFETY: each entry is references that the chunk's values
            // held, given back once, here; the values are forgotten.
            None => unsafe { give_back_all(&pairs[..len]) },
            Some(more) => {
                // One list, so that a panic in one release (a freed
                // chunk's drops) does not stop the others.
                let mut counts = more.into_counts();
                counts.extend_from_slice(&pairs[..len]);
                // SAFETY: as above.
                unsafe { give_back_all(&counts) };
            }
        }
        return;
    }
    // SAFETY: the caller's promise: a chunk of `T`s.
    let chunk = unsafe { Chunk::<T>::from_raw(target) };
    let mut tally = Tally::default();
    // The links into the other chunks of `target`'s generation stopped
    // counting when they were committed: the visit skips them.
    // SAFETY: the caller's promise: the chunk is live, being released.
    let generation = unsafe { target.generation() };
    let mut links = Links::<T, L> {
        scan: LinkScan {
            target,
            generation,
            tally: Some(NonNull::from(&mut tally)),
            record: false,
            own: 0,
        },
        _types: PhantomData,
    };
    for slot in start..start + len {
        // SAFETY: the caller's promise: an initialised value no one uses.
        let value = unsafe { chunk.slot(slot).as_ref() };
        // Reports each handle once and runs no user code
        // (`DROP_ONLY_LINKS`): the tally stays ours throughout.
        value.visit_links(&mut links);
    }
    // The values are forgotten: their only drop glue was their handles,
    // whose references are given back here (those into `target` need none).
    let counts = tally.into_counts();
    // SAFETY: each entry is references that the visited handles owned, and
    // they are given back once, here.
    unsafe { give_back_all(&counts) };
}

/// Releases `n` references of each `(chunk, n)`, going on after a panic in
/// one (a freed chunk's drops): the rest are still released, and a second
/// panic aborts, as in `Vec`'s drop.
///
/// # Safety
/// The caller owns the references.
unsafe fn give_back_all(counts: &[(RawChunk, usize)]) {
    struct Rest<'a>(&'a [(RawChunk, usize)]);
    impl Drop for Rest<'_> {
        fn drop(&mut self) {
            // SAFETY: the references not yet released, still owned.
            unsafe { give_back_all(self.0) }
        }
    }
    for (i, &(chunk, n)) in counts.iter().enumerate() {
        let rest = Rest(&counts[i + 1..]);
        // SAFETY: the caller owns these `n` references to `chunk`.
        unsafe { chunk.release_n(n) };
        mem::forget(rest);
    }
}
