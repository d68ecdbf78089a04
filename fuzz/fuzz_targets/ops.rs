//! Interprets the fuzz input as a program of allocator operations (the
//! language of `arena-arc/tests/model.rs`) and checks the same invariants:
//! after every step each live handle reads what a `Vec` model says; at the
//! end every element was dropped exactly once and every block allocated
//! (chunks included) was freed.
//!
//! ```sh
//! cd fuzz && mkdir -p corpus-work && cargo +nightly fuzz run ops corpus-work corpus/ops -- -max_total_time=600
//! ```
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../arena-arc/tests/common/mod.rs"]
#[allow(dead_code, unused_imports)]
mod common;

use common::elems::{Aligned, Rec, Tracked, Zst};
use common::program::{Fail, Fill, How, Op, SingleHow, run};

/// Reads the input a byte at a time; past its end every byte is 0.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn bool(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// A length: mostly small, sometimes up to `2n + 2`, rarely past
    /// `l_max` when that is small.
    fn len(&mut self, n: usize, l_max: usize) -> usize {
        let b = self.byte();
        match b >> 6 {
            0 | 1 => usize::from(b & 3),
            2 => usize::from(b & 63) % (n + 2),
            _ if b == 0xff && l_max < 1000 => l_max + 1,
            _ => usize::from(b & 63) * (2 * n + 3) / 64,
        }
    }

    fn fill(&mut self, n: usize, l_max: usize, depth: u32) -> Fill {
        let len = self.len(n, l_max);
        let flags = self.byte();
        let fail = (flags & 1 == 1).then(|| Fail {
            at: usize::from(flags >> 2),
            panic: flags & 2 == 2,
        });
        let mut nested = Vec::new();
        if depth > 0 {
            for _ in 0..(self.byte() % 3) {
                let at = usize::from(self.byte());
                nested.push((at, self.fill(n, l_max, depth - 1)));
            }
        }
        Fill {
            len,
            fail,
            nested,
            keep_nested: flags & 0x80 == 0,
        }
    }

    fn op(&mut self, n: usize, l_max: usize) -> Op {
        let h = usize::from(self.byte());
        match self.byte() % 16 {
            0..=2 => Op::Alloc {
                len: self.len(n, l_max),
                how: [How::Alloc, How::Checked, How::FromIterExact, How::FromIterFiltered][h % 4],
            },
            3 | 4 => Op::Fill(self.fill(n, l_max, 2)),
            5 => Op::Single(
                [
                    SingleHow::AllocSingle,
                    SingleHow::AllocValue,
                    SingleHow::CheckedValue,
                    SingleHow::TrySingleErr,
                    SingleHow::FromSlice,
                ][h % 5],
            ),
            6 => Op::Clone { h },
            7 => Op::SubSlice {
                h,
                a: usize::from(self.byte()),
                b: usize::from(self.byte()),
            },
            8 => Op::ToSingle { h },
            9 => Op::ToSlice { h },
            10 | 11 => Op::Drop { h },
            12 => Op::DropAllocator,
            13 => Op::ReplaceAllocator {
                limit_chunks: (h % 4 != 0).then_some((h % 4) as u8),
            },
            14 => Op::Send {
                count: h % 6,
                back: self.bool(),
            },
            _ => Op::Join,
        }
    }

    fn program(&mut self, n: usize, l_max: usize) -> Vec<Op> {
        let mut ops = Vec::new();
        while !self.is_empty() && ops.len() < 64 {
            ops.push(self.op(n, l_max));
        }
        ops
    }
}

fn go<T: common::program::Arena<L>, L: arena_arc::IndexType, const N: usize>(
    bytes: &mut Bytes<'_>,
) {
    let ops = bytes.program(N, L::MAX);
    run::<T, L, N>(&ops);
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = Bytes(data);
    match bytes.byte() % 12 {
        0 => go::<Tracked, u32, 1>(&mut bytes),
        1 => go::<Tracked, u8, 2>(&mut bytes),
        2 => go::<Tracked, u16, 3>(&mut bytes),
        3 => go::<Tracked, u64, 16>(&mut bytes),
        4 => go::<Zst, u8, 2>(&mut bytes),
        5 => go::<Aligned, u16, 3>(&mut bytes),
        6 => go::<u8, u8, 256>(&mut bytes),
        // Recursive values in an acyclic arena (trees and DAGs).
        8 => go::<Rec<u32>, u32, 1>(&mut bytes),
        9 => go::<Rec<u16>, u16, 3>(&mut bytes),
        10 => go::<Rec<u8>, u8, 8>(&mut bytes),
        11 => go::<Rec<u64>, u64, 16>(&mut bytes),
        _ => go::<u8, usize, 1>(&mut bytes),
    }
});
