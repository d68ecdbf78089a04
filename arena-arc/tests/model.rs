//! Model-based property tests: random programs of allocator operations
//! (see `common/program.rs`) over several element types and `L`/`N`
//! combinations, checked after every step against a plain `Vec` model and,
//! at the end, for exactly-once drops and no leaked byte.
//!
//! `cargo test -p arena-arc --test model` runs 1,000 cases per test; set
//! `PROPTEST_CASES` for a longer run (see `docs/testing.md`). Under Miri the
//! default is 2 cases of at most 10 steps per test (Miri interprets about a
//! million times slower), so that `cargo miri test -p arena-arc` stays within
//! the CI budget; `scripts/ci-soundness` runs more under Miri.

mod common;

use common::elems::{Aligned, Rec, Tracked, Zst};
use common::program::{Fail, Fill, How, Op, SingleHow, run};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn config() -> Config {
    let mut config = Config {
        cases: common::cases(1000, 2),
        max_shrink_iters: 10_000,
        ..Config::default()
    };
    if cfg!(miri) {
        config.failure_persistence = None;
    }
    config
}

/// Lengths: mostly short, sometimes past the chunk (a dedicated chunk), and
/// sometimes past `L::MAX` when that is small.
fn len(n: usize, l_max: usize) -> BoxedStrategy<usize> {
    let mut choices = vec![
        (6, (0..=3usize).boxed()),
        (3, (0..=n + 1).boxed()),
        (1, (0..=2 * n + 2).boxed()),
    ];
    if l_max < 1000 {
        choices.push((1, (l_max + 1..=l_max + 2).boxed()));
    }
    proptest::strategy::Union::new_weighted(choices).boxed()
}

fn fail() -> impl Strategy<Value = Option<Fail>> {
    proptest::option::weighted(
        0.6,
        (0..64usize, any::<bool>()).prop_map(|(at, panic)| Fail { at, panic }),
    )
}

fn fill(n: usize, l_max: usize, depth: u32) -> BoxedStrategy<Fill> {
    let nested = if depth == 0 {
        Just(Vec::new()).boxed()
    } else {
        proptest::collection::vec((0..64usize, fill(n, l_max, depth - 1)), 0..=2).boxed()
    };
    (len(n, l_max), fail(), nested, any::<bool>())
        .prop_map(|(len, fail, nested, keep_nested)| Fill {
            len,
            fail,
            nested,
            keep_nested,
        })
        .boxed()
}

fn op(n: usize, l_max: usize) -> impl Strategy<Value = Op> {
    let how = prop_oneof![
        Just(How::Alloc),
        Just(How::Checked),
        Just(How::FromIterExact),
        Just(How::FromIterFiltered)
    ];
    let single = prop_oneof![
        Just(SingleHow::AllocSingle),
        Just(SingleHow::AllocValue),
        Just(SingleHow::CheckedValue),
        Just(SingleHow::TrySingleErr),
        Just(SingleHow::FromSlice),
    ];
    let h = 0..64usize;
    prop_oneof![
        8 => (len(n, l_max), how).prop_map(|(len, how)| Op::Alloc { len, how }),
        4 => fill(n, l_max, 2).prop_map(Op::Fill),
        3 => single.prop_map(Op::Single),
        3 => h.clone().prop_map(|h| Op::Clone { h }),
        3 => (h.clone(), 0..64usize, 0..64usize).prop_map(|(h, a, b)| Op::SubSlice { h, a, b }),
        2 => h.clone().prop_map(|h| Op::ToSingle { h }),
        2 => h.clone().prop_map(|h| Op::ToSlice { h }),
        8 => h.prop_map(|h| Op::Drop { h }),
        1 => Just(Op::DropAllocator),
        1 => proptest::option::of(1..4u8).prop_map(|limit_chunks| Op::ReplaceAllocator { limit_chunks }),
        2 => (0..6usize, any::<bool>()).prop_map(|(count, back)| Op::Send { count, back }),
        1 => Just(Op::Join),
    ]
}

fn program(n: usize, l_max: usize) -> impl Strategy<Value = Vec<Op>> {
    let max_ops = if cfg!(miri) { miri_max_ops() } else { 48 };
    proptest::collection::vec(op(n, l_max), 0..max_ops)
}

/// Program length under Miri: `MODEL_MAX_OPS` (forwarded with
/// `-Zmiri-env-forward=MODEL_MAX_OPS`), else 10.
fn miri_max_ops() -> usize {
    std::env::var("MODEL_MAX_OPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
}

macro_rules! model_test {
    ($name:ident, $t:ty, $l:ty, $n:literal) => {
        #[test]
        fn $name() {
            let _serial = common::serial();
            proptest!(config(), |(ops in program($n, <$l as arena_arc::IndexType>::MAX))| {
                run::<$t, $l, $n>(&ops);
            });
        }
    };
}

model_test!(tracked_u32_n1, Tracked, u32, 1);
model_test!(tracked_u8_n2, Tracked, u8, 2);
model_test!(tracked_u16_n3, Tracked, u16, 3);
model_test!(tracked_u64_n16, Tracked, u64, 16);
model_test!(zst_u8_n2, Zst, u8, 2);
model_test!(zst_u32_n64, Zst, u32, 64);
model_test!(aligned_u16_n3, Aligned, u16, 3);
model_test!(aligned_usize_n8, Aligned, usize, 8);
model_test!(bytes_u8_n256, u8, u8, 256);
model_test!(bytes_u32_n1, u8, u32, 1);
// Recursive values in an acyclic arena: trees and DAGs of handles into the
// elements' own chunks, built by nested fills that fail or panic half-way.
model_test!(rec_u32_n1, Rec<u32>, u32, 1);
model_test!(rec_u16_n3, Rec<u16>, u16, 3);
model_test!(rec_u8_n8, Rec<u8>, u8, 8);
model_test!(rec_u64_n16, Rec<u64>, u64, 16);

/// A fixed program over every path at once, so that a plain run (and Miri)
/// always covers nested failures, threads and reuse whatever the seed.
#[test]
fn fixed_program_covers_the_hole_path() {
    let _serial = common::serial();
    let leaf = |len, fail: Option<(usize, bool)>| Fill {
        len,
        fail: fail.map(|(at, panic)| Fail { at, panic }),
        nested: Vec::new(),
        keep_nested: true,
    };
    let ops = vec![
        Op::Alloc {
            len: 2,
            how: How::Alloc,
        },
        Op::Fill(Fill {
            len: 3,
            fail: Some(Fail {
                at: 2,
                panic: false,
            }),
            nested: vec![(1, leaf(2, None)), (2, leaf(1, Some((0, true))))],
            keep_nested: true,
        }),
        Op::Send {
            count: 2,
            back: true,
        },
        Op::Fill(Fill {
            len: 4,
            fail: Some(Fail { at: 3, panic: true }),
            nested: vec![(0, leaf(3, None)), (1, leaf(5, None)), (2, leaf(1, None))],
            keep_nested: false,
        }),
        Op::Single(SingleHow::AllocValue),
        Op::SubSlice { h: 0, a: 1, b: 2 },
        Op::Drop { h: 1 },
        Op::Send {
            count: 3,
            back: false,
        },
        Op::Alloc {
            len: 9,
            how: How::FromIterFiltered,
        },
        Op::Alloc {
            len: 1,
            how: How::Checked,
        },
        Op::ToSingle { h: 3 },
        Op::Join,
        Op::DropAllocator,
        Op::Alloc {
            len: 3,
            how: How::FromIterExact,
        },
        Op::Join,
    ];
    run::<Tracked, u16, 4>(&ops);
    run::<Aligned, u8, 3>(&ops);
    run::<Zst, u32, 2>(&ops);
    run::<u8, u32, 1>(&ops);
}

/// Programs over several node types that link to each other (by value and
/// through handles) in the per-thread arenas of one thread: derived types,
/// `arena!` statics of them and a hand-written type given an arena by
/// `arena!` (see `common/multi.rs`). Each runs on a fresh thread and may
/// hand its last handles back to the test's thread, which drops them.
#[cfg(feature = "derive")]
mod multi {
    use super::common;
    use super::common::multi::{Build, BuildHow, KINDS, Kind, MOp, run};
    use super::config;
    use proptest::prelude::*;

    fn kind() -> impl Strategy<Value = Kind> {
        (0..KINDS.len()).prop_map(|k| KINDS[k])
    }

    fn build(depth: u32) -> BoxedStrategy<Build> {
        let nested = if depth == 0 {
            Just(Vec::new()).boxed()
        } else {
            proptest::collection::vec((0..16usize, build(depth - 1)), 0..=2).boxed()
        };
        let how = prop_oneof![
            6 => Just(BuildHow::Fill),
            2 => Just(BuildHow::FromIter),
            2 => Just(BuildHow::Value),
            1 => Just(BuildHow::Single),
        ];
        let len = prop_oneof![6 => 0..=4usize, 2 => 0..=10usize];
        let fail = proptest::option::weighted(0.4, (0..16usize, any::<bool>()));
        (kind(), how, len, fail, nested, any::<bool>())
            .prop_map(|(kind, how, len, fail, nested, keep_nested)| Build {
                kind,
                how,
                len,
                fail,
                nested,
                keep_nested,
            })
            .boxed()
    }

    /// `streams` weighs the stream loops up; `trims` the trims.
    fn op(streams: u32, trims: u32) -> impl Strategy<Value = MOp> {
        let h = 0..64usize;
        prop_oneof![
            10 => build(2).prop_map(MOp::Build),
            3 => h.clone().prop_map(|h| MOp::Clone { h }),
            2 => (h.clone(), 0..16usize, 0..16usize).prop_map(|(h, a, b)| MOp::SubSlice { h, a, b }),
            8 => h.clone().prop_map(|h| MOp::Drop { h }),
            4 => (h, 0..16usize).prop_map(|(h, k)| MOp::Dig { h, k }),
            2 => (0..5usize, any::<bool>()).prop_map(|(count, back)| MOp::Send { count, back }),
            1 => Just(MOp::Join),
            trims => Just(MOp::TrimThread),
            trims => kind().prop_map(|kind| MOp::Trim { kind }),
            streams => (1..6usize, 0..8usize, any::<bool>(), proptest::bool::weighted(0.3), any::<bool>())
                .prop_map(|(docs, size, keep_latest, trim, link)| MOp::Stream { docs, size, keep_latest, trim, link }),
        ]
    }

    fn program(streams: u32, trims: u32) -> impl Strategy<Value = (Vec<MOp>, usize)> {
        let max_ops = if cfg!(miri) {
            super::miri_max_ops()
        } else {
            40
        };
        (
            proptest::collection::vec(op(streams, trims), 0..max_ops),
            0..4usize,
        )
    }

    macro_rules! multi_test {
        ($name:ident, $streams:literal, $trims:literal) => {
            #[test]
            fn $name() {
                let _serial = common::serial();
                proptest!(config(), |((ops, hand_back) in program($streams, $trims))| {
                    run(&ops, hand_back);
                });
            }
        };
    }

    multi_test!(multi_types, 1, 1);
    multi_test!(multi_streams, 6, 1);
    multi_test!(multi_trims, 1, 4);
}
