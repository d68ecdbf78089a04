//! [`OutLinks`]: the links a chunk's values hold into other chunks, tallied
//! by chunk as the values are committed, for element types whose only drop
//! glue is their links ([`ArenaLinks::DROP_ONLY_LINKS`](crate::ArenaLinks::DROP_ONLY_LINKS)).
//!
//! Releasing such a chunk then needs neither `drop_in_place` nor a visit of
//! its values: one `fetch_sub` per chunk in the tally gives back what the
//! values' drops would have (the links into the chunk itself never count
//! when it is released). A tree's chunk links into one or two older chunks;
//! past [`OUT_LINKS`] targets the tally *spills*, and the chunk's values are
//! visited instead (`links/release.rs`), as they are for a dedicated chunk,
//! whose values are committed without a scan.

use core::ptr::NonNull;

use super::RawChunk;

/// How many target chunks a chunk's tally holds before it spills. Three
/// fill the header's two cache lines exactly.
pub(crate) const OUT_LINKS: usize = 3;

/// See the module docs. Lives in the chunk's header: written by the
/// allocator while the chunk is current (each commit), read by whoever
/// releases the chunk, after the settle or the generation's free that
/// publishes it, as the elements are.
#[derive(Clone, Copy)]
pub(crate) struct OutLinks {
    /// `(target, links)`; only the first `len` are meaningful.
    targets: [(RawChunk, usize); OUT_LINKS],
    len: u8,
    /// More targets than fit, or a chunk whose commits are not scanned (a
    /// dedicated one): the tally is not the whole story. Never unset.
    spilled: bool,
}

impl OutLinks {
    /// No link out yet.
    pub(crate) const EMPTY: Self = OutLinks {
        // Placeholders, never read (`len` is 0).
        targets: [(RawChunk(NonNull::dangling()), 0); OUT_LINKS],
        len: 0,
        spilled: false,
    };

    /// One more link into `chunk`.
    #[inline]
    pub(crate) fn add(&mut self, chunk: RawChunk) {
        if self.spilled {
            return;
        }
        let len = usize::from(self.len);
        if let Some((_, count)) = self.targets[..len].iter_mut().find(|(c, _)| *c == chunk) {
            *count += 1;
        } else if len < OUT_LINKS {
            self.targets[len] = (chunk, 1);
            self.len += 1;
        } else {
            self.spilled = true;
        }
    }

    /// Gives up on the tally.
    pub(crate) fn spill(&mut self) {
        self.spilled = true;
    }

    /// Whether the tally spilled.
    pub(crate) fn spilled(&self) -> bool {
        self.spilled
    }

    /// The tallied `(chunk, links)` pairs.
    pub(crate) fn targets(&self) -> &[(RawChunk, usize)] {
        &self.targets[..usize::from(self.len)]
    }
}
