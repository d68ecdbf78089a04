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
//! chunk or two and, if its nodes hold `ArcStr`s, a few text chunks: the
//! first [`OUT_LINKS`] targets are tallied in the header, the others in a
//! table on the heap, made for the chunk when the header is full (a large
//! chunk of a rare node type, which spans many text chunks). The tally
//! *spills*, and the chunk's values are visited instead
//! (`links/release.rs`), only for a dedicated chunk, whose values are
//! committed without a scan, or when that table cannot be had.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::ptr::NonNull;

use super::RawChunk;

/// How many target chunks a chunk's tally holds in its header. Nine fill
/// the header's third cache line: a chunk of a tree whose nodes hold names
/// links into a text chunk every few hundred names, besides the older
/// chunks of the tree (W9's 256-node chunks link into four to seven; its
/// 64 KiB `ArcThin` chunks into dozens of 4 KiB text chunks, in the table
/// past the header's, until `TEXT_CHUNK` became 16 KiB).
pub(crate) const OUT_LINKS: usize = 9;

/// See the module docs. Lives in the chunk's header: written by the
/// allocator while the chunk is current (each commit), read by whoever
/// releases the chunk, after the settle or the generation's free that
/// publishes it, as the elements are.
pub(crate) struct OutLinks {
    /// The target chunks; only the first `len` are meaningful.
    chunks: [RawChunk; OUT_LINKS],
    /// How many links into each of `chunks`. A count that would pass
    /// `u32::MAX` spills the tally (a chunk of four billion links).
    counts: [u32; OUT_LINKS],
    len: u8,
    /// A chunk whose commits are not scanned (a dedicated one), or a tally
    /// that could not grow: the tally is not the whole story. Never unset.
    spilled: bool,
    /// The targets past the first [`OUT_LINKS`], with their counts; `None`
    /// until the header's are all taken. Taken (and freed) with the tally
    /// by the release of the chunk's values ([`RawChunk::take_out`]).
    ///
    /// [`RawChunk::take_out`]: super::RawChunk::take_out
    // Boxed: one pointer in the header, which a `Vec` would outgrow.
    more: Option<Box<Tally>>,
}

impl OutLinks {
    /// No link out yet.
    pub(crate) const EMPTY: Self = OutLinks {
        // Placeholders, never read (`len` is 0).
        chunks: [RawChunk(NonNull::dangling()); OUT_LINKS],
        counts: [0; OUT_LINKS],
        len: 0,
        spilled: false,
        more: None,
    };

    /// One more link into `chunk`.
    ///
    /// The links of neighbouring values mostly go to the chunk added last
    /// (the current text chunk, say): that one is tested first, inline,
    /// and the rest is out of line. (A spilled tally's counts are never
    /// read, so the test need not look at `spilled`.)
    #[inline(always)]
    pub(crate) fn add(&mut self, chunk: RawChunk) {
        // `len - 1`, or past the end when the tally is empty.
        let last = usize::from(self.len).wrapping_sub(1);
        if last < OUT_LINKS && self.chunks[last] == chunk && self.counts[last] < u32::MAX {
            self.counts[last] += 1;
            return;
        }
        self.add_slow(chunk);
    }

    /// [`add`](Self::add) of a link into another chunk than the last one
    /// added (or of one whose count is full).
    #[inline(never)]
    fn add_slow(&mut self, chunk: RawChunk) {
        if self.spilled {
            return;
        }
        let len = usize::from(self.len);
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
            None => self.add_more(chunk),
        }
    }

    /// [`add`](Self::add) of a link into a target past the header's.
    #[cold]
    #[inline(never)]
    fn add_more(&mut self, chunk: RawChunk) {
        if !self
            .more
            .get_or_insert_with(Default::default)
            .try_add(chunk)
        {
            // No memory for the table: the release visits the values.
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

    /// The tallied `(chunk, links)` pairs of the header: the first `len`
    /// of the array.
    pub(crate) fn targets(&self) -> ([(RawChunk, usize); OUT_LINKS], usize) {
        let mut pairs = [(RawChunk(NonNull::dangling()), 0); OUT_LINKS];
        let len = usize::from(self.len);
        for (pair, (&chunk, &count)) in pairs.iter_mut().zip(self.chunks.iter().zip(&self.counts)) {
            *pair = (chunk, count as usize);
        }
        (pairs, len)
    }

    /// The table of the targets past the header's, if the tally needed one.
    pub(crate) fn take_more(&mut self) -> Option<Box<Tally>> {
        self.more.take()
    }
}

/// References by target chunk, on the heap: the table of an [`OutLinks`]
/// past its header's targets, and the tally of a release that visits its
/// values (`links/release.rs`).
#[derive(Default)]
pub(crate) struct Tally {
    counts: Vec<(RawChunk, usize)>,
}

impl Tally {
    /// The entry of `chunk`, if it has one. Links of neighbouring values
    /// mostly go to the same few chunks: look from the most recent entry.
    fn count_of(&mut self, chunk: RawChunk) -> Option<&mut usize> {
        self.counts
            .iter_mut()
            .rev()
            .find(|(c, _)| *c == chunk)
            .map(|(_, n)| n)
    }

    /// One more reference to `chunk`.
    #[inline]
    pub(crate) fn add(&mut self, chunk: RawChunk) {
        match self.count_of(chunk) {
            Some(n) => *n += 1,
            None => self.counts.push((chunk, 1)),
        }
    }

    /// [`add`](Self::add), but `false` (and nothing counted) when there is
    /// no memory for a new entry.
    pub(crate) fn try_add(&mut self, chunk: RawChunk) -> bool {
        if let Some(n) = self.count_of(chunk) {
            *n += 1;
        } else if self.counts.try_reserve(1).is_ok() {
            self.counts.push((chunk, 1));
        } else {
            return false;
        }
        true
    }

    /// The `(chunk, references)` pairs.
    pub(crate) fn into_counts(self) -> Vec<(RawChunk, usize)> {
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` distinct chunk addresses, never dereferenced: the tally only
    /// compares them.
    fn chunks(n: usize) -> Vec<RawChunk> {
        (1..=n)
            .map(|i| RawChunk(NonNull::new(core::ptr::without_provenance_mut(i * 4096)).unwrap()))
            .collect()
    }

    fn counts(out: &OutLinks) -> Vec<(RawChunk, usize)> {
        let (pairs, len) = out.targets();
        pairs[..len].to_vec()
    }

    #[test]
    fn repeated_and_alternating_targets_are_counted_once_each() {
        let c = chunks(3);
        let mut out = OutLinks::EMPTY;
        for chunk in [c[0], c[0], c[1], c[0], c[2], c[2], c[1]] {
            out.add(chunk);
        }
        assert!(counts(&out) == [(c[0], 3), (c[1], 2), (c[2], 2)]);
        assert!(!out.spilled() && out.take_more().is_none());
    }

    #[test]
    fn targets_past_the_header_go_to_the_table() {
        let c = chunks(OUT_LINKS + 2);
        let mut out = OutLinks::EMPTY;
        for &chunk in c.iter().chain(&c[OUT_LINKS..]) {
            out.add(chunk);
        }
        let header = counts(&out);
        assert_eq!(header.len(), OUT_LINKS);
        assert!(
            header
                .iter()
                .zip(&c)
                .all(|(&(t, n), &chunk)| t == chunk && n == 1)
        );
        let more = out
            .take_more()
            .expect("a table past the header")
            .into_counts();
        assert!(more == [(c[OUT_LINKS], 2), (c[OUT_LINKS + 1], 2)]);
    }

    #[test]
    fn a_count_that_would_overflow_spills_the_tally() {
        let c = chunks(1);
        let mut out = OutLinks::EMPTY;
        out.add(c[0]);
        out.counts[0] = u32::MAX - 1;
        out.add(c[0]);
        assert!(!out.spilled());
        assert_eq!(out.counts[0], u32::MAX);
        out.add(c[0]);
        assert!(out.spilled());
        assert_eq!(out.counts[0], u32::MAX);
    }
}
