//! `ArcThin`, the 8-byte single-value handle: its size, its contents and
//! drops, the allocator's switch to window-aligned chunks (never reusing a
//! chunk made before it), trees of thin links that free themselves in a
//! hand-held acyclic arena and in a derived one, threads, limits and the
//! conversion into `ArcSingle`.

mod common;

use arena_arc::{Allocator, ArcSingle, ArcSlice, ArcThin, ArenaLinks, Links, THIN_WINDOW};
use common::counting;
use common::elems::{self, Elem, Ids, Tracked};

/// The header of a thin handle's chunk: its address rounded down to the
/// window, which the handle relies on.
fn window_of<T>(thin: &ArcThin<T>) -> usize {
    thin.as_ptr() as usize & !(THIN_WINDOW - 1)
}

#[test]
fn a_thin_handle_and_its_option_are_one_pointer() {
    assert_eq!(size_of::<ArcThin<u64>>(), size_of::<usize>());
    assert_eq!(size_of::<Option<ArcThin<u64>>>(), size_of::<usize>());
    // The node the expression tree uses: a tag and two operands.
    enum Expr {
        _Num(i64),
        _Add(ArcThin<Expr>, ArcThin<Expr>),
        _Call(ArcSlice<Expr>),
    }
    assert_eq!(size_of::<Expr>(), 24);
    assert_eq!(size_of::<ArcSingle<u64>>(), 12);
}

#[test]
fn values_are_read_back_and_dropped_once_with_their_last_handle() {
    common::leaves_nothing("thin values", |ids| {
        let arena: Allocator<Tracked, u32, 8> = Allocator::new();
        // 40 values over five chunks, one clone each.
        let handles: Vec<ArcThin<Tracked>> =
            (0..40).map(|_| arena.alloc_thin(ids.next())).collect();
        let clones: Vec<ArcThin<Tracked>> = handles.iter().map(ArcThin::clone).collect();
        for (i, (h, c)) in handles.iter().zip(&clones).enumerate() {
            assert_eq!(h.key(), i as u32);
            assert!(ArcThin::ptr_eq(h, c));
            // Every value's chunk starts at its window.
            assert_eq!(window_of(h) % THIN_WINDOW, 0);
        }
        assert_eq!(arena.stats().chunks_created, 5);
        drop(arena);
        drop(handles);
        assert_eq!(elems::made_and_dropped(), (40, 0), "clones keep them");
        drop(clones);
        assert_eq!(elems::made_and_dropped(), (40, 40));
    });
}

#[test]
fn the_first_thin_value_leaves_the_unaligned_chunk_and_never_reuses_one() {
    common::leaves_nothing("switch", |ids| {
        let arena: Allocator<Tracked, u32, 4> = Allocator::new();
        // Three chunks before the switch, all retired with no handle left,
        // so each would be reusable.
        let before: Vec<ArcSingle<Tracked>> =
            (0..10).map(|_| arena.alloc_value(ids.next())).collect();
        let kept = before[9].clone();
        // A chunk made before the switch may start at a multiple of the
        // window by chance (the global allocator placed it where a freed
        // aligned chunk was): such a chunk may come back, as it fits the
        // window. Its first value, slot 0, is then 192 bytes (the header)
        // past a multiple of the window. The third chunk is `kept`'s.
        let aligned_by_chance = [0, 4]
            .iter()
            .filter(|&&i| before[i].as_ptr() as usize % THIN_WINDOW == 192)
            .count();
        drop(before);
        assert!(!arena.is_thin());
        let created = arena.stats().chunks_created;
        let thin: Vec<ArcThin<Tracked>> = (0..12).map(|_| arena.alloc_thin(ids.next())).collect();
        assert!(arena.is_thin());
        // A fresh, aligned chunk for every four values: none of the older
        // chunks came back, but for one aligned by chance.
        assert_eq!(
            arena.stats().chunks_created,
            created + 3 - aligned_by_chance
        );
        assert!(
            thin.iter()
                .all(|t| t.as_ptr() as usize % THIN_WINDOW >= 192)
        );
        for (i, t) in thin.iter().enumerate() {
            assert_eq!(t.key(), 10 + i as u32);
        }
        // The value made before the switch is intact, and slices and
        // singles still come from the (now aligned) chunks.
        assert_eq!(kept.key(), 9);
        let single = arena.alloc_value(ids.next());
        let slice = arena.alloc(2, |_| ids.next());
        assert_eq!((single.key(), slice[1].key()), (22, 24));
        // Once their handles are gone, aligned chunks are reused.
        drop(thin);
        let reused = arena.stats().chunks_reused;
        let again: Vec<ArcThin<Tracked>> = (0..8).map(|_| arena.alloc_thin(ids.next())).collect();
        assert!(arena.stats().chunks_reused > reused);
        assert_eq!(again[7].key(), 32);
    });
}

/// An expression tree whose operands are thin links.
enum Expr {
    Num(Tracked),
    Neg(ArcThin<Expr>),
    Add(ArcThin<Expr>, ArcThin<Expr>),
    Call(ArcSlice<Expr>),
}

// SAFETY: every handle of every variant is owned by value and reported
// once; `Expr` has no `Drop` impl.
unsafe impl ArenaLinks for Expr {
    fn visit_links(&self, links: &mut Links<Self>) {
        match self {
            Expr::Num(_) => {}
            Expr::Neg(a) => links.thin(a),
            Expr::Add(a, b) => {
                links.thin(a);
                links.thin(b);
            }
            Expr::Call(args) => links.slice(args),
        }
    }
}

fn eval(e: &Expr) -> u64 {
    match e {
        Expr::Num(t) => u64::from(t.key()),
        Expr::Neg(a) => eval(a) * 2,
        Expr::Add(a, b) => eval(a) + eval(b),
        Expr::Call(args) => args.iter().map(eval).sum(),
    }
}

/// Builds `Add(Neg(Num), Call[Num, Num])` `n` times over, each level adding
/// the previous one, through `one` (either `alloc_thin` or
/// `alloc_thin_linked`). Returns the root and the value it must evaluate to.
fn chain(
    arena: &Allocator<Expr, u32, 8>,
    ids: &mut Ids,
    n: usize,
    one: fn(&Allocator<Expr, u32, 8>, Expr) -> ArcThin<Expr>,
) -> (ArcThin<Expr>, u64) {
    let first = ids.next();
    let mut want = u64::from(first.key());
    let mut root = one(arena, Expr::Num(first));
    for _ in 0..n {
        let a = ids.next();
        let neg = one(arena, Expr::Neg(one(arena, Expr::Num(a))));
        let args = arena.alloc(2, |_| Expr::Num(ids.next()));
        want += 2 * u64::from(neg_key(&neg)) + args.iter().map(eval).sum::<u64>();
        let call = one(arena, Expr::Call(args));
        let level = one(arena, Expr::Add(neg, call));
        root = one(arena, Expr::Add(root, level));
    }
    (root, want)
}

fn neg_key(neg: &Expr) -> u32 {
    match neg {
        Expr::Neg(inner) => match &**inner {
            Expr::Num(t) => t.key(),
            _ => unreachable!(),
        },
        _ => unreachable!(),
    }
}

/// Levels of [`chain`]: about 7 values each, so a few dozen chunks of 8
/// (fewer under Miri, where Stacked Borrows took 24 s for the two chains of
/// 50).
const LEVELS: usize = if cfg!(miri) { 20 } else { 50 };

#[test]
fn a_tree_of_thin_links_in_an_acyclic_arena_frees_itself() {
    common::leaves_nothing("acyclic, alloc_thin", |ids| {
        let arena: Allocator<Expr, u32, 8> = Allocator::new_acyclic();
        let (root, want) = chain(&arena, ids, LEVELS, |a, e| a.alloc_thin(e));
        assert_eq!(eval(&root), want);
        assert!(arena.stats().chunks_created > 10);
        drop(arena);
        assert_eq!(eval(&root), want);
        drop(root);
        // Nothing is left for the thread's end to free: the count is 0 here.
        let (made, dropped) = elems::made_and_dropped();
        assert_eq!(made, dropped);
    });
    common::leaves_nothing("acyclic, alloc_thin_linked", |ids| {
        let arena: Allocator<Expr, u32, 8> = Allocator::new_acyclic();
        let (root, want) = chain(&arena, ids, LEVELS, |a, e| a.alloc_thin_linked(e));
        drop(arena);
        assert_eq!(eval(&root), want);
    });
}

#[test]
fn a_thin_handle_dropped_on_another_thread_frees_the_chunk_there() {
    common::leaves_nothing("threads", |ids| {
        let arena: Allocator<Tracked, u32, 16> = Allocator::new();
        let handles: Vec<ArcThin<Tracked>> =
            (0..20).map(|_| arena.alloc_thin(ids.next())).collect();
        drop(arena);
        let sum = counting::join(counting::spawn(move || {
            let sum: u32 = handles.iter().map(|h| h.key()).sum();
            drop(handles);
            sum
        }))
        .unwrap();
        assert_eq!(sum, (0..20).sum());
        assert_eq!(elems::made_and_dropped(), (20, 20));
    });
}

#[test]
fn a_limit_refuses_a_thin_value_and_the_allocator_stays_usable() {
    common::leaves_nothing("limit", |ids| {
        let arena: Allocator<Tracked, u32, 8> = Allocator::with_limit(0);
        let Err(err) = arena.checked_alloc_thin(ids.next()) else {
            panic!("a limit of 0 let a value through");
        };
        assert!(err.to_string().contains("limit"), "{err}");
        // The refused value was dropped at once.
        assert_eq!(elems::made_and_dropped(), (1, 1));
        let message = common::panic_of(|| arena.alloc_thin(ids.next()));
        assert!(message.starts_with("arena-arc:"), "{message}");
        arena.set_limit(None);
        let ok = arena.alloc_thin(ids.next());
        assert_eq!(ok.key(), 2);
    });
}

#[test]
fn a_linked_value_refused_by_the_limit_is_dropped_once_in_either_kind_of_allocator() {
    // `alloc_thin_linked` and `checked_alloc_linked` take one path in a
    // plain allocator and another in an acyclic one; in each, a value that
    // the slow path refuses is dropped at once, exactly once, and the
    // allocator stays usable.
    for acyclic in [false, true] {
        common::leaves_nothing("linked, limit", move |ids| {
            let arena: Allocator<Expr, u32, 8> = if acyclic {
                Allocator::new_acyclic()
            } else {
                Allocator::new()
            };
            // A full chunk, so that the next value needs a new one.
            let kept: Vec<ArcThin<Expr>> = (0..8)
                .map(|_| arena.alloc_thin_linked(Expr::Num(ids.next())))
                .collect();
            arena.set_limit(Some(arena.stats().bytes_reserved));
            let before = elems::made_and_dropped();
            let Err(err) = arena.checked_alloc_linked(Expr::Num(ids.next())) else {
                panic!("the limit refused nothing (acyclic: {acyclic})");
            };
            assert!(err.to_string().contains("limit"), "{err}");
            let message = common::panic_of(|| arena.alloc_thin_linked(Expr::Num(ids.next())));
            assert!(message.contains("allocation limit of"), "{message}");
            // Both refused values were made and dropped; the kept ones live.
            assert_eq!(
                elems::made_and_dropped(),
                (before.0 + 2, before.1 + 2),
                "acyclic: {acyclic}"
            );
            arena.set_limit(None);
            let sum = arena.alloc_thin_linked(Expr::Add(kept[0].clone(), kept[7].clone()));
            assert_eq!(eval(&sum), eval(&kept[0]) + eval(&kept[7]));
        });
    }
}

#[test]
fn a_thin_handle_converts_into_a_single_of_the_same_value() {
    common::leaves_nothing("into_single", |ids| {
        let arena: Allocator<Tracked, u32, 300> = Allocator::new();
        let handles: Vec<ArcThin<Tracked>> =
            (0..300).map(|_| arena.alloc_thin(ids.next())).collect();
        let last = handles[299].clone();
        let address = last.as_ptr();
        // Slot 299 does not fit `u8`: the handle comes back.
        let Err(last) = last.into_single::<u8>() else {
            panic!("slot 299 fit u8");
        };
        let Ok(single) = last.into_single::<u32>() else {
            panic!("slot 299 did not fit u32");
        };
        assert_eq!((single.key(), single.as_ptr()), (299, address));
        let Ok(first) = handles[0].clone().into_single::<u8>() else {
            panic!("slot 0 did not fit u8");
        };
        assert_eq!(first.key(), 0);
        drop(arena);
        drop(handles);
        assert_eq!(single.key(), 299);
    });
}

#[test]
fn zero_sized_values_and_std_traits() {
    let units: Allocator<()> = Allocator::new();
    let (a, b) = (units.alloc_thin(()), units.alloc_thin(()));
    assert_eq!(a, b);
    assert_eq!(format!("{a:?}"), "()");

    let words: Allocator<&'static str> = Allocator::new();
    let (x, y) = (words.alloc_thin("a"), words.alloc_thin("b"));
    assert!(x < y);
    assert_eq!(format!("{x} {y:?}"), "a \"b\"");
    let mut set = std::collections::HashSet::new();
    set.insert(x.clone());
    assert!(set.contains(&x));
    assert!(!set.contains(&y));

    // Equality, hashing and order are the value's; identity is the
    // address's. (Found by cargo-mutants: `eq` made `true`, `hash` made to
    // hash nothing, `ptr_eq` made `true` and `{:p}` made empty all passed.)
    // (The shape of the helper in `tests/api.rs` and `tests/text.rs`, which
    // do not include `common`, so it is not shared from there.)
    fn hash_of<T: std::hash::Hash + ?Sized>(value: &T) -> u64 {
        use std::hash::Hasher;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        value.hash(&mut hasher);
        hasher.finish()
    }
    assert_ne!(x, y);
    assert_eq!(hash_of(&x), hash_of(&"a"));
    assert_ne!(hash_of(&x), hash_of(&y));
    let same = words.alloc_thin("a");
    assert_eq!(x, same);
    assert!(ArcThin::ptr_eq(&x, &x.clone()));
    assert!(!ArcThin::ptr_eq(&x, &same));
    assert_eq!(format!("{x:p}"), format!("{:p}", ArcThin::as_ptr(&x)));
}

#[cfg(feature = "derive")]
mod derived {
    use super::*;
    use arena_arc::ArenaAlloc;

    // Chunks of 64: the tree spans several (six under Miri).
    #[derive(ArenaAlloc)]
    #[arena(chunk = 64)]
    enum Term {
        Leaf(Tracked),
        Pair(ArcThin<Term>, ArcThin<Term>),
        Many(ArcSlice<Term>),
    }

    fn count(t: &Term) -> usize {
        match t {
            Term::Leaf(_) => 1,
            Term::Pair(a, b) => 1 + count(a) + count(b),
            Term::Many(items) => 1 + items.iter().map(count).sum::<usize>(),
        }
    }

    /// Rounds of six values (fewer under Miri, as for [`LEVELS`]).
    const ROUNDS: usize = if cfg!(miri) { 60 } else { 200 };

    #[test]
    fn a_derived_tree_of_thin_links_frees_itself() {
        assert!(Term::arena().with(|arena| arena.is_acyclic()));
        common::leaves_nothing("derived", |ids| {
            let mut root = Term::alloc_thin(Term::Leaf(ids.next()));
            for _ in 0..ROUNDS {
                let leaf = Term::alloc_thin(Term::Leaf(ids.next()));
                let many = Term::alloc_thin(Term::Many(Term::alloc(2, |_| Term::Leaf(ids.next()))));
                let pair = Term::alloc_thin(Term::Pair(leaf, many));
                root = Term::alloc_thin(Term::Pair(root, pair));
            }
            assert_eq!(count(&root), 1 + ROUNDS * 6);
            assert!(Term::arena().with(|arena| arena.is_thin()));
            drop(root);
            arena_arc::trim_thread();
            let (made, dropped) = elems::made_and_dropped();
            assert_eq!(made, dropped, "the tree is gone before the thread ends");
        });
    }

    /// `chunk = thin`: the chunks that fill the window, worked out by the
    /// runtime for the type, so no literal has to track its size.
    #[derive(ArenaAlloc)]
    #[arena(chunk = thin)]
    enum Node {
        Leaf(u32),
        Pair(ArcThin<Node>, ArcThin<Node>),
    }

    #[derive(ArenaAlloc)]
    #[arena(chunk = thin, index = u8)]
    struct Small {
        value: u16,
        next: Option<ArcThin<Small>>,
    }

    /// The same for a type the derive does not see into, and a static one.
    struct Word(u64);
    arena_arc::arena!(Word, thin);
    arena_arc::arena!(static WORDS: u64, thin, u16);

    #[test]
    fn chunk_thin_sizes_the_arena_to_fill_the_window() {
        use arena_arc::thin_capacity;
        assert_eq!(<Node as ArenaAlloc>::CHUNK, thin_capacity::<Node>());
        assert_eq!(
            <Node as ArenaAlloc>::CHUNK,
            (65536 - 80 - 192) / size_of::<Node>()
        );
        assert_eq!(<Word as ArenaAlloc>::CHUNK, thin_capacity::<Word>());
        // Clamped to the index type: `Small` (16 bytes) would take 4,079
        // values, and `u8` allows 256.
        assert_eq!(thin_capacity::<Small>(), 4079);
        assert_eq!(<Small as ArenaAlloc>::CHUNK, 256);
        // 8,157 `u64`s fit `u16`.
        assert_eq!(WORDS.chunk_capacity(), (65536 - 80 - 192) / 8);
    }

    #[test]
    fn a_chunk_thin_arena_fills_each_window_before_the_next() {
        let per_chunk = <Node as ArenaAlloc>::CHUNK;
        let before = Node::arena().stats().chunks_created;
        // One chunk's worth and one more: the last value opens the second
        // chunk, in a window of its own.
        let leaves: Vec<ArcThin<Node>> = (0..=per_chunk as u32)
            .map(|i| Node::alloc_thin(Node::Leaf(i)))
            .collect();
        assert_eq!(Node::arena().stats().chunks_created - before, 2);
        let first = window_of(&leaves[0]);
        assert!(leaves[..per_chunk].iter().all(|l| window_of(l) == first));
        assert_ne!(window_of(&leaves[per_chunk]), first);
        let pair = Node::alloc_thin(Node::Pair(leaves[1].clone(), leaves[per_chunk].clone()));
        let Node::Pair(a, b) = &*pair else {
            panic!("a pair")
        };
        assert!(matches!((&**a, &**b), (Node::Leaf(1), Node::Leaf(n)) if *n as usize == per_chunk));

        let small = Small::alloc_thin(Small::builder().value(7).next(None).build());
        let word = Word::alloc_thin(Word(9));
        let words = WORDS.alloc_thin(3);
        assert_eq!((small.value, word.0, *words), (7, 9, 3));
    }
}
