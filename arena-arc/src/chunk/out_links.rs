//! [`OutLinks`]: the links a chunk's values hold into other chunks, tallied
//! by chunk as the values are committed, for element types whose only drop
//! glue is their links ([`ArenaLinks::DROP_ONLY_LINKS`](crate::ArenaLinks::DROP_ONLY_LINKS)).
//!
//! Releasing such a chunk then needs neither `drop_in_place` nor a visit of
//! its values: one `fetch_sub` per chunk in the tally gives back what the
//! values' drops would have (the links into the chunk itself never count
//! when it is released). Only links that count are tallied: not those into
//! the chunk itself, nor those into the other chunks of its generation,
//! which stopped counting at the commit. A tree's chunk links into an older
//! chunk or two and, if its nodes hold `ArcStr`s, a few text chunks; past
//! [`OUT_LINKS`] targets the tally *spills*, and the chunk's values are
//! visited instead (`links/release.rs`), as they are for a dedicated chunk,
//! whose values are committed without a scan.

use core::ptr::NonNull;

use super::RawChunk;

/// How many target chunks a chunk's tally holds before it spills. Nine
/// fill the header's third cache line: a chunk of a tree whose nodes hold
/// names links into a text chunk every few hundred names, besides the
/// older chunks of the tree (W9's chunks link into four to seven).
pub(crate) const OUT_LINKS: usize = 9;

/// See the module docs. Lives in the chunk's header: written by the
/// allocator while the chunk is current (each commit), read by whoever
/// releases the chunk, after the settle or the generation's free that
/// publishes it, as the elements are.
#[derive(Clone, Copy)]
pub(crate) struct OutLinks {
    /// The target chunks; only the first `len` are meaningful.
    chunks: [RawChunk; OUT_LINKS],
    /// How many links into each of `chunks`. A count that would pass
    /// `u32::MAX` spills the tally (a chunk of four billion links).
    counts: [u32; OUT_LINKS],
    len: u8,
    /// More targets than fit, or a chunk whose commits are not scanned (a
    /// dedicated one): the tally is not the whole story. Never unset.
    spilled: bool,
}

impl OutLinks {
    /// No link out yet.
    pub(crate) const EMPTY: Self = OutLinks {
        // Placeholders, never read (`len` is 0).
        chunks: [RawChunk(NonNull::dangling()); OUT_LINKS],
        counts: [0; OUT_LINKS],
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
        // The links of neighbouring values mostly go to the chunk added
        // last (the current text chunk, say): look from there.
        match self.chunks[..len].iter().rposition(|c| *c == chunk) {
            Some(i) => match self.counts[i].checked_add(1) {
                Some(count) => self.counts[i] = count,
                None => self.spilled = true,
            },
            None if len < OUT_LINKS => {
                self.chunks[len] = chunk;
                self.counts[len] = 1;
                self.len += 1;
            }
            None => self.spilled = true,
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

    /// The tallied `(chunk, links)` pairs: the first `len` of the array.
    pub(crate) fn targets(&self) -> ([(RawChunk, usize); OUT_LINKS], usize) {
        let mut pairs = [(RawChunk(NonNull::dangling()), 0); OUT_LINKS];
        let len = usize::from(self.len);
        for (pair, (&chunk, &count)) in pairs.iter_mut().zip(self.chunks.iter().zip(&self.counts)) {
            *pair = (chunk, count as usize);
        }
        (pairs, len)
    }
}
