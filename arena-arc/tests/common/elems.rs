//! Element types for the tests and the ledger that records their drops.
//!
//! Every element is made from an id (0, 1, 2, ... per program). Types that
//! track ids record each drop in the ledger, so a test can check that an
//! element was dropped exactly once, and not while a handle to it lives.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use arena_arc::{ArcSingle, ArcSlice, ArenaLinks, IndexType, Links};

/// Ids a program may make (the ledger allocates nothing, so that it does
/// not blur the counting allocator's figures). Fewer under Miri, which
/// retags the whole table (every element, each an `UnsafeCell`) at each
/// access to it: at 65,536 that was nine tenths of a tree test's time.
pub const MAX_IDS: usize = if cfg!(miri) { 1 << 12 } else { 1 << 16 };
static DROPS: [AtomicU8; MAX_IDS] = [const { AtomicU8::new(0) }; MAX_IDS];
static MADE: AtomicUsize = AtomicUsize::new(0);
static DROPPED: AtomicUsize = AtomicUsize::new(0);
/// One past the largest id recorded since the last reset.
static HIGH: AtomicUsize = AtomicUsize::new(0);

/// Makes the tracked payloads of one test, with ids in order from 0 (the
/// field is how many were made).
pub struct Ids(pub u32);

impl Ids {
    /// The next payload.
    pub fn next(&mut self) -> Tracked {
        self.0 += 1;
        Tracked::make(self.0 - 1)
    }
}

/// Forgets every record; call at the start of a program.
pub fn reset() {
    for slot in &DROPS[..HIGH.swap(0, Ordering::SeqCst)] {
        slot.store(0, Ordering::SeqCst);
    }
    MADE.store(0, Ordering::SeqCst);
    DROPPED.store(0, Ordering::SeqCst);
}

fn record_made(id: u32) {
    MADE.fetch_add(1, Ordering::SeqCst);
    let id = id as usize;
    assert!(id < MAX_IDS, "model: the program makes too many elements");
    HIGH.fetch_max(id + 1, Ordering::SeqCst);
}

fn record_drop(id: u32) {
    DROPPED.fetch_add(1, Ordering::SeqCst);
    let _ =
        DROPS[id as usize].fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_add(1));
}

/// How many times the element with `id` was dropped.
pub fn drops_of(id: u32) -> u8 {
    DROPS[id as usize].load(Ordering::SeqCst)
}

/// (elements made, element drops) since [`reset`], for every type with `Drop`.
pub fn made_and_dropped() -> (usize, usize) {
    (MADE.load(Ordering::SeqCst), DROPPED.load(Ordering::SeqCst))
}

/// Asserts that each of the `count` ids made was dropped exactly once.
#[track_caller]
pub fn assert_each_dropped_once(count: u32) {
    for id in 0..count {
        let n = drops_of(id);
        assert_eq!(n, 1, "element {id} was dropped {n} times, not once");
    }
}

/// An element type of the model tests.
pub trait Elem: Send + Sync + Sized + 'static {
    /// Whether drops are recorded per id (else only counted, or not at all).
    const TRACKS_IDS: bool;
    /// Whether the type has drop glue at all.
    const DROPS: bool;
    fn make(id: u32) -> Self;
    /// What `make(id).key()` returns.
    fn key_of(id: u32) -> u32;
    /// The element's key; panics if the element is not alive and well.
    fn key(&self) -> u32;
}

const ALIVE: u32 = 0xA11C_E5ED;
const DEAD: u32 = 0xDEAD_DEAD;

/// A `Drop` type with a heap allocation (so a double drop is a double free
/// and a missing drop a leak) and a canary (so a read after drop shows).
pub struct Tracked {
    id: u32,
    canary: u32,
    heap: Box<u32>,
}

impl Elem for Tracked {
    const TRACKS_IDS: bool = true;
    const DROPS: bool = true;
    fn make(id: u32) -> Self {
        record_made(id);
        Tracked {
            id,
            canary: ALIVE,
            heap: Box::new(id),
        }
    }
    fn key_of(id: u32) -> u32 {
        id
    }
    fn key(&self) -> u32 {
        assert_eq!(
            self.canary, ALIVE,
            "element {} read after its drop",
            self.id
        );
        assert_eq!(*self.heap, self.id, "element {} corrupted", self.id);
        self.id
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        assert_eq!(self.canary, ALIVE, "element {} dropped twice", self.id);
        self.canary = DEAD;
        record_drop(self.id);
    }
}

/// A node whose `visit_links` panics when told to, after reporting its
/// link: `ArenaLinks`' contract allows it ("not unsound, but leaks the
/// value and its chunk"). `acyclic.rs` commits one with `alloc_linked`,
/// `split_off.rs` a tail of them with `alloc_split_off`.
pub enum Touchy {
    Leaf(Tracked),
    Node(ArcSingle<Touchy>, Tracked, bool),
}

// SAFETY: the one handle is owned by value and reported once; `Touchy` has
// no `Drop` impl. (The panic after the report is allowed.)
unsafe impl ArenaLinks for Touchy {
    fn visit_links(&self, links: &mut Links<Self>) {
        if let Touchy::Node(child, _, panics) = self {
            links.single(child);
            if *panics {
                panic!("{}: visit_links", super::INJECTED);
            }
        }
    }
}

impl Touchy {
    /// The keys of a chain, this node's first.
    pub fn keys(&self) -> Vec<u32> {
        match self {
            Touchy::Leaf(payload) => vec![payload.key()],
            Touchy::Node(child, payload, _) => {
                let mut keys = vec![payload.key()];
                keys.extend(child.keys());
                keys
            }
        }
    }
}

/// A zero-sized type with `Drop`: only counted.
pub struct Zst;

impl Elem for Zst {
    const TRACKS_IDS: bool = false;
    const DROPS: bool = true;
    fn make(_id: u32) -> Self {
        MADE.fetch_add(1, Ordering::SeqCst);
        Zst
    }
    fn key_of(_id: u32) -> u32 {
        0
    }
    fn key(&self) -> u32 {
        0
    }
}

impl Drop for Zst {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

/// An over-aligned `Drop` type; reading it checks its address.
#[repr(align(64))]
pub struct Aligned {
    id: u32,
    canary: u32,
}

impl Elem for Aligned {
    const TRACKS_IDS: bool = true;
    const DROPS: bool = true;
    fn make(id: u32) -> Self {
        record_made(id);
        Aligned { id, canary: ALIVE }
    }
    fn key_of(id: u32) -> u32 {
        id
    }
    fn key(&self) -> u32 {
        assert_eq!(
            (self as *const Self as usize) % 64,
            0,
            "element {} is misaligned",
            self.id
        );
        assert_eq!(
            self.canary, ALIVE,
            "element {} read after its drop",
            self.id
        );
        self.id
    }
}

impl Drop for Aligned {
    fn drop(&mut self) {
        assert_eq!(self.canary, ALIVE, "element {} dropped twice", self.id);
        self.canary = DEAD;
        record_drop(self.id);
    }
}

/// Plain bytes: no drop glue.
impl Elem for u8 {
    const TRACKS_IDS: bool = false;
    const DROPS: bool = false;
    fn make(id: u32) -> Self {
        id as u8
    }
    fn key_of(id: u32) -> u32 {
        id & 0xff
    }
    fn key(&self) -> u32 {
        u32::from(*self)
    }
}

/// A recursive element: a tracked payload plus links to other elements of
/// its own arena (a child list and one extra link), so that programs build
/// trees and DAGs whose chunks hold handles into themselves and into each
/// other. Its arena is acyclic ([`arena_arc::Allocator::new_acyclic`]): the
/// end-of-program checks (every element dropped once, every byte freed)
/// then prove that no chunk kept itself or another alive.
pub struct Rec<L: IndexType> {
    payload: Tracked,
    kids: ArcSlice<Rec<L>, L>,
    extra: Option<ArcSingle<Rec<L>, L>>,
}

impl<L: IndexType> Rec<L> {
    /// Links the element to `kids` and `extra` (clones of live handles).
    pub fn adopt(&mut self, kids: ArcSlice<Rec<L>, L>, extra: Option<ArcSingle<Rec<L>, L>>) {
        self.kids = kids;
        self.extra = extra;
    }
}

// SAFETY: both handle fields are owned by value and reported once; `Rec`
// has no `Drop` impl (its payload's holds no handle).
unsafe impl<L: IndexType> ArenaLinks<L> for Rec<L> {
    fn visit_links(&self, links: &mut Links<Self, L>) {
        links.slice(&self.kids);
        links.visit(&self.extra);
    }
}

impl<L: IndexType> Elem for Rec<L> {
    const TRACKS_IDS: bool = true;
    const DROPS: bool = true;
    fn make(id: u32) -> Self {
        Rec {
            payload: Tracked::make(id),
            kids: ArcSlice::new(),
            extra: None,
        }
    }
    fn key_of(id: u32) -> u32 {
        id
    }
    /// Also reads the linked elements (one level), which must be alive.
    fn key(&self) -> u32 {
        for kid in self.kids.iter() {
            kid.payload.key();
        }
        if let Some(extra) = &self.extra {
            extra.payload.key();
        }
        self.payload.key()
    }
}
