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
#[cfg(feature = "derive")]
use common::multi;
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

    #[cfg(feature = "derive")]
    fn build(&mut self, depth: u32) -> multi::Build {
        let b = self.byte();
        let flags = self.byte();
        let mut nested = Vec::new();
        if depth > 0 {
            for _ in 0..(self.byte() % 3) {
                let at = usize::from(self.byte());
                nested.push((at, self.build(depth - 1)));
            }
        }
        multi::Build {
            kind: multi::KINDS[usize::from(b) % multi::KINDS.len()],
            how: [
                multi::BuildHow::Fill,
                multi::BuildHow::Fill,
                multi::BuildHow::FromIter,
                multi::BuildHow::Value,
                multi::BuildHow::Single,
            ][usize::from(b >> 3) % 5],
            len: usize::from(flags & 15),
            fail: (flags & 16 == 16).then(|| (usize::from(b >> 5), flags & 32 == 32)),
            nested,
            keep_nested: flags & 64 == 0,
        }
    }

    /// A multi-type program (see `tests/common/multi.rs`) and how many
    /// handles it hands back.
    #[cfg(feature = "derive")]
    fn multi_program(&mut self) -> (Vec<multi::MOp>, usize) {
        use multi::MOp;
        let hand_back = usize::from(self.byte() % 4);
        let mut ops = Vec::new();
        while !self.is_empty() && ops.len() < 48 {
            let h = usize::from(self.byte());
            ops.push(match self.byte() % 12 {
                0..=3 => MOp::Build(self.build(2)),
                4 => MOp::Clone { h },
                5 => MOp::SubSlice {
                    h,
                    a: usize::from(self.byte()),
                    b: usize::from(self.byte()),
                },
                6 | 7 => MOp::Drop { h },
                8 => MOp::Dig {
                    h,
                    k: usize::from(self.byte()),
                },
                9 => match h % 3 {
                    0 => MOp::Send {
                        count: h % 5,
                        back: h & 8 == 8,
                    },
                    1 => MOp::Join,
                    _ => MOp::TrimThread,
                },
                10 => MOp::Trim {
                    kind: multi::KINDS[h % multi::KINDS.len()],
                },
                _ => MOp::Stream {
                    docs: 1 + h % 5,
                    size: usize::from(self.byte() % 8),
                    keep_latest: h & 8 == 8,
                    trim: h & 16 == 16,
                    link: h & 32 == 32,
                },
            });
        }
        (ops, hand_back)
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
    let selector = bytes.byte();
    // Several node types linking to each other in per-thread arenas.
    #[cfg(feature = "derive")]
    if selector % 16 >= 12 {
        let (ops, hand_back) = bytes.multi_program();
        multi::run(&ops, hand_back);
        return;
    }
    match selector % 12 {
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
