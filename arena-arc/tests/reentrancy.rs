//! The three re-entrancy leaks of issue 19, each with a regression test named
//! after it, on a plain allocator, a hand-held acyclic one and a derived
//! type's per-thread arena (in the thread's generations). Element drops that
//! allocate from the arena being released, `trim` inside an `init`, and
//! requests longer than a chunk: every element is dropped exactly once and
//! every byte is freed.

mod common;

use std::cell::Cell;

use arena_arc::{Allocator, ArcSingle, ArcSlice, ArenaAlloc, ArenaLinks, Links};
use common::counting::{self, Snapshot};
use common::elems::{self, Elem, Tracked};

/// Ids for one test's tracked payloads.
struct Ids(Cell<u32>);

impl Ids {
    fn next(&self) -> Tracked {
        let id = self.0.get();
        self.0.set(id + 1);
        Tracked::make(id)
    }
}

thread_local! {
    static IDS: Ids = const { Ids(Cell::new(0)) };
}

fn next_id() -> Tracked {
    IDS.with(Ids::next)
}

/// Runs `body` on a counted thread (its thread-locals included), then checks
/// that every payload made was dropped once and nothing is left.
#[track_caller]
fn leaves_nothing(what: &str, body: impl FnOnce() + Send + 'static) {
    let _serial = common::serial();
    elems::reset();
    let start = Snapshot::now();
    let made = counting::join(counting::spawn_with_locals(move || {
        body();
        IDS.with(|ids| ids.0.get())
    }))
    .unwrap();
    assert!(made > 0);
    elems::assert_each_dropped_once(made);
    start.assert_all_freed(what);
}

// ----- a derived type whose field's drop allocates from its own arena ------

/// A field whose drop allocates a node from `N`'s arena (once: the node it
/// makes does not allocate again).
struct AllocOnDrop(bool);

impl Drop for AllocOnDrop {
    fn drop(&mut self) {
        if self.0 {
            drop(N::alloc_value(N::builder().payload(next_id()).build()));
        }
    }
}

#[derive(ArenaAlloc)]
#[arena(chunk = 4)]
struct N {
    payload: Tracked,
    #[arena(default)]
    dropper: Option<Box<AllocOnDrop>>,
    #[arena(default)]
    kids: ArcSlice<N>,
}

fn noisy() -> N {
    N::builder()
        .payload(next_id())
        .dropper(Some(Box::new(AllocOnDrop(true))))
        .build()
}

/// Leak 1's shape on a derived type (see [`leak_1_shape_hand_held`]).
fn leak_1_shape_derived() {
    let oldest = N::alloc_value(noisy());
    drop(N::alloc(3, |_| N::builder().payload(next_id()).build()));
    let held: Vec<_> = (0..4)
        .map(|_| N::alloc(4, |_| N::builder().payload(next_id()).build()))
        .collect();
    drop(oldest);
    let long = N::alloc(5, |i| {
        let kids = match i {
            0 => N::alloc(1, |_| N::builder().payload(next_id()).build()),
            _ => ArcSlice::new(),
        };
        N::builder().payload(next_id()).kids(kids).build()
    });
    let root = N::alloc_value(N::builder().payload(next_id()).kids(long).build());
    assert_eq!(root.kids.len(), 5);
    drop(held);
    drop(root);
    arena_arc::trim_thread();
}

#[test]
fn reentrant_leak_1_the_dedicated_chunk_and_a_chunk_made_by_a_drop_hold_no_cycle_derived() {
    leaves_nothing("leak 1, derived arena", leak_1_shape_derived);
}

// ----- the same on a hand-held acyclic allocator (no generations) ---------

/// A node of a hand-held acyclic allocator in a thread-local.
struct HNode {
    _payload: Tracked,
    kids: ArcSlice<HNode>,
    _dropper: HDrop,
}

/// `HNode`'s drop logic, in a field type that holds no handle: it may
/// allocate a node from the allocator being released.
struct HDrop(bool);

impl Drop for HDrop {
    fn drop(&mut self) {
        if self.0 {
            HAND.with(|a| drop(a.alloc_value(hnode(false, ArcSlice::new()))));
        }
    }
}

// SAFETY: the one handle is owned by value and reported once; `HNode` has
// no `Drop` impl (`HDrop` holds no handle).
unsafe impl ArenaLinks for HNode {
    fn visit_links(&self, links: &mut Links<Self>) {
        links.slice(&self.kids);
    }
}

fn hnode(alloc_on_drop: bool, kids: ArcSlice<HNode>) -> HNode {
    HNode {
        _payload: next_id(),
        kids,
        _dropper: HDrop(alloc_on_drop),
    }
}

thread_local! {
    static HAND: Allocator<HNode, u32, 4> = const { Allocator::new_acyclic() };
}

/// The exact shape of leak 1 (chunks of 4, a retired list of 4): the
/// oldest retired chunk holds one node whose drop allocates, and no handle.
/// A request of 5 retires the current chunk, which evicts and frees that
/// chunk, whose drop installs a chunk X; the dedicated chunk is made after
/// X, its `init` allocates into X, and the node that holds it goes into X:
/// X and the dedicated chunk held each other.
fn leak_1_shape_hand_held() {
    HAND.with(|a| {
        let oldest = a.alloc_value(hnode(true, ArcSlice::new()));
        drop(a.alloc(3, |_| hnode(false, ArcSlice::new())));
        let held: Vec<_> = (0..4)
            .map(|_| a.alloc(4, |_| hnode(false, ArcSlice::new())))
            .collect();
        drop(oldest);
        let long = a.alloc(5, |i| {
            let kids = match i {
                0 => a.alloc(1, |_| hnode(false, ArcSlice::new())),
                _ => ArcSlice::new(),
            };
            hnode(false, kids)
        });
        let root = a.alloc_value(hnode(false, long));
        assert_eq!(root.kids.len(), 5);
        drop(held);
        drop(root);
        a.trim();
    });
}

#[test]
fn reentrant_leak_1_the_dedicated_chunk_and_a_chunk_made_by_a_drop_hold_no_cycle_hand_held() {
    leaves_nothing(
        "leak 1, hand-held acyclic allocator",
        leak_1_shape_hand_held,
    );
}

// ----- leak 2: `trim` inside an `init` -------------------------------------

#[test]
fn reentrant_leak_2_trim_inside_an_init_hand_held() {
    leaves_nothing("leak 2, hand-held acyclic allocator", || {
        HAND.with(|a| {
            let kids = a.alloc(3, |_| hnode(false, ArcSlice::new()));
            let pair = a.alloc(2, |i| {
                if i == 1 {
                    a.trim();
                }
                hnode(
                    false,
                    if i == 0 {
                        kids.clone()
                    } else {
                        ArcSlice::new()
                    },
                )
            });
            let root = a.alloc_value(hnode(false, pair));
            assert_eq!(root.kids[0].kids.len(), 3);
            drop((kids, root));
            a.trim();
        });
    });
}

#[test]
fn reentrant_leak_2_trim_inside_an_init_derived() {
    leaves_nothing("leak 2, derived arena", || {
        let kids = N::alloc(3, |_| N::builder().payload(next_id()).build());
        let pair = N::alloc(2, |i| {
            if i == 1 {
                N::trim_arena();
                arena_arc::trim_thread();
            }
            N::builder()
                .payload(next_id())
                .kids(if i == 0 {
                    kids.clone()
                } else {
                    ArcSlice::new()
                })
                .build()
        });
        let root = N::alloc_value(N::builder().payload(next_id()).kids(pair).build());
        assert_eq!(root.kids[0].kids.len(), 3);
        drop((kids, root));
    });
}

// ----- leak 3: a re-entrant second retire overwrote the current chunk -----

/// A plain allocator's element: its drop may allocate two nodes from the
/// allocator (kept in [`KEPT`]), and it may hold handles into the allocator.
struct PNode {
    _payload: Tracked,
    _dropper: PDrop,
    _hold: Vec<ArcSingle<PNode>>,
}

struct PDrop(bool);

impl Drop for PDrop {
    fn drop(&mut self) {
        if self.0 {
            let made = PLAIN.with(|a| [a.alloc_value(pnode(false)), a.alloc_value(pnode(false))]);
            KEPT.with(|kept| kept.borrow_mut().extend(made));
        }
    }
}

thread_local! {
    static PLAIN: Allocator<PNode, u32, 4> = const { Allocator::new() };
    static KEPT: std::cell::RefCell<Vec<ArcSingle<PNode>>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn pnode(noisy: bool) -> PNode {
    PNode {
        _payload: next_id(),
        _dropper: PDrop(noisy),
        _hold: Vec::new(),
    }
}

/// Four single values of a plain allocator with chunks of 4: one chunk.
fn chunk_of(a: &Allocator<PNode, u32, 4>, noisy: bool) -> Vec<ArcSingle<PNode>> {
    (0..4).map(|_| a.alloc_value(pnode(noisy))).collect()
}

/// The exact shape of leak 3. The retired list is `[R1, R2, R3, R4]` and
/// the current chunk K is full, with no handle; K's nodes allocate when
/// dropped, and K's last node holds R3's handles. The next allocation
/// retires K (evicting R4, which is held) and reuses K: K's drops fill a
/// chunk X and install X2, and its last drop leaves R3 with only the list's
/// reference. The second retire, of X2, evicts and frees R3, whose drops
/// install yet another chunk, which the slow path used to overwrite with K,
/// never settling it.
#[test]
fn reentrant_leak_3_a_second_retire_does_not_overwrite_a_chunk_made_by_a_drop() {
    leaves_nothing("leak 3, plain allocator", || {
        PLAIN.with(|a| {
            let r4 = chunk_of(a, false);
            let r3 = chunk_of(a, true);
            let r2 = chunk_of(a, false);
            let r1 = chunk_of(a, false);
            let mut k: Vec<_> = (0..3).map(|_| a.alloc_value(pnode(true))).collect();
            let mut last = pnode(true);
            last._hold = r3;
            k.push(a.alloc_value(last));
            drop(k);
            let next = a.alloc_value(pnode(false));
            drop((r4, r2, r1, next));
            KEPT.with(|kept| kept.borrow_mut().clear());
            a.trim();
            KEPT.with(|kept| kept.borrow_mut().clear());
            a.trim();
        });
    });
}

// ----- `trim_thread` while a per-thread arena is being destroyed ----------

/// A field whose drop calls `trim_thread()`.
struct TrimOnDrop;

impl Drop for TrimOnDrop {
    fn drop(&mut self) {
        arena_arc::trim_thread();
    }
}

#[derive(ArenaAlloc)]
#[arena(chunk = 8)]
struct Trimmer {
    payload: Tracked,
    #[arena(default)]
    trim: Option<TrimOnDrop>,
}

/// At the thread's end the arena's destructor releases its current chunk,
/// whose elements' drops call `trim_thread()`: the arena being destroyed
/// took itself out of the thread's list first, so the trim does not reach
/// it (it would release the same chunk again). The thread's clock is made
/// before the arena, so that it is still there when the arena goes.
#[test]
fn trim_thread_from_a_drop_while_the_arena_is_destroyed() {
    leaves_nothing("trim_thread during the arena's destruction", || {
        arena_arc::trim_thread();
        let values: Vec<_> = (0..3)
            .map(|_| {
                Trimmer::alloc_value(
                    Trimmer::builder()
                        .payload(next_id())
                        .trim(Some(TrimOnDrop))
                        .build(),
                )
            })
            .collect();
        assert!(values.iter().all(|v| v.trim.is_some()));
        drop(values);
        assert_eq!(Trimmer::arena_stats().chunks_alive, 1);
    });
}
