//! The operation language of the model tests and the fuzz target, and its
//! interpreter: it runs a program against a real [`Allocator`] and checks,
//! after every step, that each live handle reads exactly what a plain `Vec`
//! model says; at the end, that every element was dropped exactly once and
//! every byte allocated (chunks included) was freed.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::thread::JoinHandle;

use arena_arc::{AllocError, Allocator, ArcSingle, ArcSlice, IndexType};

use super::counting::{self, Snapshot};
use super::elems::{self, Aligned, Elem, Rec, Tracked, Zst};
use super::{INJECTED, panic_message};

/// One step of a program. Handle numbers are taken modulo the number of
/// live handles (a step on no handle does nothing), so every program is
/// valid and shrinks well.
#[derive(Clone, Debug)]
pub enum Op {
    /// Allocates `len` elements in one of the ways below.
    Alloc { len: usize, how: How },
    /// `try_alloc` with failures and nested allocations.
    Fill(Fill),
    /// One element.
    Single(SingleHow),
    /// Clones handle `h`.
    Clone { h: usize },
    /// Takes `h[a..b]` (bounds taken modulo `len + 1` and ordered).
    SubSlice { h: usize, a: usize, b: usize },
    /// `ArcSingle::try_from` (a slice of another length comes back intact).
    ToSingle { h: usize },
    /// `ArcSlice::from(single)`.
    ToSlice { h: usize },
    /// Drops handle `h`.
    Drop { h: usize },
    /// Drops the allocator; the next allocation makes a new one.
    DropAllocator,
    /// Replaces the allocator by a new one, with a limit of about
    /// `limit_chunks` chunks if set.
    ReplaceAllocator { limit_chunks: Option<u8> },
    /// Moves the last `count` handles to a new thread, which reads, clones
    /// and drops clones of them while this thread goes on, then drops them
    /// (or, with `back`, sends them back at the join).
    Send { count: usize, back: bool },
    /// Joins the oldest thread.
    Join,
}

#[derive(Clone, Copy, Debug)]
pub enum How {
    Alloc,
    Checked,
    /// `alloc_from_iter` over an exact-size iterator.
    FromIterExact,
    /// `alloc_from_iter` over an iterator without an exact size.
    FromIterFiltered,
}

#[derive(Clone, Copy, Debug)]
pub enum SingleHow {
    AllocSingle,
    AllocValue,
    CheckedValue,
    /// `try_alloc_single` returning `Err`.
    TrySingleErr,
    /// `alloc(1, ..)` then `ArcSingle::from_slice`.
    FromSlice,
}

/// A `try_alloc` of `len` elements. Before element `at` of each `nested`
/// entry it runs that nested fill from the same allocator (keeping the
/// handle, or dropping it at once); at element `fail.at` it returns `Err` or
/// panics.
#[derive(Clone, Debug)]
pub struct Fill {
    pub len: usize,
    pub fail: Option<Fail>,
    pub nested: Vec<(usize, Fill)>,
    pub keep_nested: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct Fail {
    pub at: usize,
    pub panic: bool,
}

enum Handle<T, L: IndexType> {
    Slice(ArcSlice<T, L>),
    Single(ArcSingle<T, L>),
}

/// A live handle and the ids of the elements it must read.
pub struct Entry<T, L: IndexType> {
    handle: Handle<T, L>,
    ids: Vec<u32>,
}

impl<T: Elem, L: IndexType> Entry<T, L> {
    fn elems(&self) -> &[T] {
        match &self.handle {
            Handle::Slice(s) => s.get(),
            Handle::Single(s) => std::slice::from_ref(s.get()),
        }
    }

    #[track_caller]
    fn check(&self, what: &str) {
        let got: Vec<u32> = self.elems().iter().map(T::key).collect();
        let want: Vec<u32> = self.ids.iter().map(|&id| T::key_of(id)).collect();
        assert_eq!(
            got, want,
            "{what}: a handle's contents differ from the model"
        );
        if let Handle::Single(_) = self.handle {
            assert_eq!(self.ids.len(), 1);
        }
    }

    fn clone_entry(&self) -> Self {
        Entry {
            handle: match &self.handle {
                Handle::Slice(s) => Handle::Slice(s.clone()),
                Handle::Single(s) => Handle::Single(s.clone()),
            },
            ids: self.ids.clone(),
        }
    }
}

/// How the interpreter makes an element type's allocator, and whether its
/// elements link to other elements of their arena.
pub trait Arena<L: IndexType>: Elem {
    /// A fresh allocator for this type: acyclic for a linking type.
    fn allocator<const N: usize>() -> Allocator<Self, L, N>;
    /// Links a new element to clones of `slice` and `single`, live handles
    /// of the program (for a type that links; others ignore them).
    fn link(&mut self, slice: Option<&ArcSlice<Self, L>>, single: Option<&ArcSingle<Self, L>>) {
        let _ = (slice, single);
    }
}

macro_rules! plain_arena {
    ($($t:ty),*) => {$(
        impl<L: IndexType> Arena<L> for $t {
            fn allocator<const N: usize>() -> Allocator<Self, L, N> {
                Allocator::new()
            }
        }
    )*};
}
plain_arena!(Tracked, Zst, Aligned, u8);

impl<L: IndexType> Arena<L> for Rec<L> {
    fn allocator<const N: usize>() -> Allocator<Self, L, N> {
        Allocator::new_acyclic()
    }
    fn link(&mut self, slice: Option<&ArcSlice<Self, L>>, single: Option<&ArcSingle<Self, L>>) {
        self.adopt(slice.cloned().unwrap_or_default(), single.cloned());
    }
}

/// The interpreter's state.
pub struct Runner<T: Arena<L>, L: IndexType, const N: usize> {
    arena: Option<Allocator<T, L, N>>,
    limited: bool,
    handles: Vec<Entry<T, L>>,
    threads: VecDeque<JoinHandle<Vec<Entry<T, L>>>>,
    next_id: Cell<u32>,
    /// Ids of elements made by failed fills: dropped at once.
    failed: RefCell<Vec<u32>>,
    /// Handles made by nested fills during the current step.
    nested_out: RefCell<Vec<Entry<T, L>>>,
}

const MAX_THREADS: usize = 3;

/// Runs `ops` and checks the model after every step and at the end.
pub fn run<T: Arena<L>, L: IndexType, const N: usize>(ops: &[Op]) {
    super::setup();
    elems::reset();
    struct Unenroll;
    impl Drop for Unenroll {
        fn drop(&mut self) {
            counting::enroll(false);
        }
    }
    let _unenroll = Unenroll;
    counting::enroll(true);
    let before = Snapshot::now();
    let made = {
        let mut runner = Runner::<T, L, N> {
            arena: None,
            limited: false,
            handles: Vec::new(),
            threads: VecDeque::new(),
            next_id: Cell::new(0),
            failed: RefCell::new(Vec::new()),
            nested_out: RefCell::new(Vec::new()),
        };
        for (step, op) in ops.iter().enumerate() {
            runner.step(op);
            runner.check(&format!("after step {step} ({op:?})"));
        }
        runner.finish()
    };
    if T::TRACKS_IDS {
        elems::assert_each_dropped_once(made);
    }
    if T::DROPS {
        let (m, d) = elems::made_and_dropped();
        assert_eq!(m, d, "elements made != elements dropped");
        assert_eq!(m, made as usize);
    }
    before.assert_all_freed("after the program");
}

impl<T: Arena<L>, L: IndexType, const N: usize> Drop for Runner<T, L, N> {
    /// On a failure, joins the threads so that the next case starts clean.
    fn drop(&mut self) {
        for thread in self.threads.drain(..) {
            let _ = counting::join(thread);
        }
    }
}

impl<T: Arena<L>, L: IndexType, const N: usize> Runner<T, L, N> {
    fn arena(&mut self) -> &Allocator<T, L, N> {
        self.arena.get_or_insert_with(T::allocator)
    }

    /// Makes the next element. A linking type links it to live handles:
    /// the newest handle a nested fill of this step kept (a child made
    /// while its parent's reservation was open, possibly in a newer chunk)
    /// or else one of the program's handles, chosen by the id, so that
    /// programs build trees and DAGs (two thirds of the elements link).
    fn make(&self) -> (T, u32) {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let mut value = T::make(id);
        if id % 3 != 0 {
            let nested = self.nested_out.borrow();
            let entry = nested.last().or_else(|| {
                (!self.handles.is_empty())
                    .then(|| &self.handles[id as usize * 7 % self.handles.len()])
            });
            match entry.map(|e| &e.handle) {
                Some(Handle::Slice(s)) => value.link(Some(s), None),
                Some(Handle::Single(s)) => value.link(None, Some(s)),
                None => {}
            }
        }
        (value, id)
    }

    fn pick(&self, h: usize) -> Option<usize> {
        (!self.handles.is_empty()).then(|| h % self.handles.len())
    }

    fn step(&mut self, op: &Op) {
        match *op {
            Op::Alloc { len, how } => self.alloc(len, how),
            Op::Fill(ref fill) => {
                self.arena();
                let arena = self.arena.as_ref().unwrap();
                let result = panic::catch_unwind(AssertUnwindSafe(|| self.fill(arena, fill)));
                match result {
                    Ok(Some(entry)) => self.handles.push(entry),
                    Ok(None) => {}
                    Err(payload) => self.expect_panic(&*payload, fill_could_refuse::<L>(fill)),
                }
                let nested = std::mem::take(&mut *self.nested_out.borrow_mut());
                self.handles.extend(nested);
            }
            Op::Single(how) => self.single(how),
            Op::Clone { h } => {
                if let Some(i) = self.pick(h) {
                    let entry = self.handles[i].clone_entry();
                    self.handles.push(entry);
                }
            }
            Op::SubSlice { h, a, b } => {
                if let Some(i) = self.pick(h) {
                    let entry = &self.handles[i];
                    let len = entry.ids.len();
                    let (a, b) = (a % (len + 1), b % (len + 1));
                    let (a, b) = (a.min(b), a.max(b));
                    let slice = match &entry.handle {
                        Handle::Slice(s) => s.slice(a..b),
                        Handle::Single(s) => ArcSlice::from(s.clone()).slice(a..b),
                    };
                    assert_eq!(slice.is_empty(), a == b);
                    let ids = entry.ids[a..b].to_vec();
                    self.handles.push(Entry {
                        handle: Handle::Slice(slice),
                        ids,
                    });
                }
            }
            Op::ToSingle { h } => {
                if let Some(i) = self.pick(h) {
                    let entry = self.handles.swap_remove(i);
                    let handle = match entry.handle {
                        Handle::Slice(s) => match ArcSingle::try_from(s) {
                            Ok(single) => {
                                assert_eq!(
                                    entry.ids.len(),
                                    1,
                                    "try_from accepted a slice of another length"
                                );
                                Handle::Single(single)
                            }
                            Err(err) => {
                                assert_ne!(
                                    entry.ids.len(),
                                    1,
                                    "try_from refused a slice of length 1"
                                );
                                Handle::Slice(err.into_inner())
                            }
                        },
                        single => single,
                    };
                    self.handles.push(Entry {
                        handle,
                        ids: entry.ids,
                    });
                }
            }
            Op::ToSlice { h } => {
                if let Some(i) = self.pick(h) {
                    let entry = self.handles.swap_remove(i);
                    let handle = match entry.handle {
                        Handle::Single(s) => Handle::Slice(ArcSlice::from(s)),
                        slice => slice,
                    };
                    self.handles.push(Entry {
                        handle,
                        ids: entry.ids,
                    });
                }
            }
            Op::Drop { h } => {
                if let Some(i) = self.pick(h) {
                    drop(self.handles.swap_remove(i));
                }
            }
            Op::DropAllocator => self.arena = None,
            Op::ReplaceAllocator { limit_chunks } => {
                self.arena = None;
                self.limited = limit_chunks.is_some();
                let arena = T::allocator();
                arena.set_limit(
                    limit_chunks.map(|k| usize::from(k) * (192 + N * std::mem::size_of::<T>())),
                );
                self.arena = Some(arena);
            }
            Op::Send { count, back } => {
                if self.threads.len() >= MAX_THREADS {
                    self.join();
                }
                let count = count.min(self.handles.len());
                let moved = self.handles.split_off(self.handles.len() - count);
                let thread = counting::spawn(move || {
                    for entry in &moved {
                        entry.check("on another thread");
                        let clone = entry.clone_entry();
                        clone.check("a clone on another thread");
                    }
                    if back { moved } else { Vec::new() }
                });
                self.threads.push_back(thread);
            }
            Op::Join => self.join(),
        }
    }

    fn join(&mut self) {
        if let Some(thread) = self.threads.pop_front() {
            match counting::join(thread) {
                Ok(back) => self.handles.extend(back),
                Err(payload) => panic::resume_unwind(payload),
            }
        }
    }

    /// Checks a panic that escaped an allocation: injected, or a refusal
    /// the allocator was allowed to make.
    #[track_caller]
    fn expect_panic(&self, payload: &(dyn std::any::Any + Send), could_overflow: bool) {
        let msg = panic_message(payload);
        if msg.starts_with(INJECTED) {
            return;
        }
        if could_overflow && msg.starts_with("arena-arc: cannot allocate a slice of") {
            return;
        }
        if self.limited && msg.starts_with("arena-arc: allocation limit of") {
            return;
        }
        panic::resume_unwind(Box::new(format!("unexpected panic: {msg}")));
    }

    fn alloc(&mut self, len: usize, how: How) {
        self.arena();
        let arena = self.arena.as_ref().unwrap();
        let ids = RefCell::new(Vec::new());
        let init = |_: usize| {
            let (value, id) = self.make();
            ids.borrow_mut().push(id);
            value
        };
        let result = panic::catch_unwind(AssertUnwindSafe(|| match how {
            How::Alloc => Ok(arena.alloc(len, init)),
            How::Checked => arena.checked_alloc(len, init),
            How::FromIterExact => Ok(arena.alloc_from_iter((0..len).map(init))),
            How::FromIterFiltered => Ok(arena.alloc_from_iter((0..len).map(init).filter(|_| true))),
        }));
        let overflow = len > L::MAX;
        let ids = ids.into_inner();
        match result {
            Ok(Ok(slice)) => {
                assert!(!overflow, "a length over L::MAX was accepted");
                assert_eq!(slice.len(), len);
                assert_eq!(ids.len(), len);
                self.handles.push(Entry {
                    handle: Handle::Slice(slice),
                    ids,
                });
            }
            Ok(Err(err)) => {
                match err {
                    AllocError::LengthOverflow { len: l, max, .. } => {
                        assert!(overflow && l == len && max == L::MAX, "{err:?}");
                    }
                    AllocError::LimitExceeded { .. } => assert!(self.limited, "{err:?}"),
                    other => panic!("unexpected {other:?}"),
                }
                assert!(ids.is_empty(), "init ran for a refused allocation");
            }
            Err(payload) => {
                // `alloc_from_iter` over a filtered iterator makes the
                // elements before it asks for room: those are dropped.
                if !matches!(how, How::FromIterFiltered) {
                    assert!(ids.is_empty(), "init ran for a refused allocation");
                }
                self.failed.borrow_mut().extend(ids);
                self.expect_panic(&*payload, overflow);
            }
        }
    }

    fn single(&mut self, how: SingleHow) {
        self.arena();
        let arena = self.arena.as_ref().unwrap();
        let made = Cell::new(None);
        let make = || {
            let (value, id) = self.make();
            made.set(Some(id));
            value
        };
        let result = panic::catch_unwind(AssertUnwindSafe(|| match how {
            SingleHow::AllocSingle => Ok(Some(arena.alloc_single(make))),
            SingleHow::AllocValue => Ok(Some(arena.alloc_value(make()))),
            SingleHow::CheckedValue => arena.checked_alloc_value(make()).map(Some),
            SingleHow::TrySingleErr => {
                let r = arena.try_alloc_single(|| {
                    drop(make());
                    Err::<T, _>("no")
                });
                assert_eq!(r.err(), Some("no"));
                Ok(None)
            }
            SingleHow::FromSlice => Ok(Some(ArcSingle::from_slice(arena.alloc(1, |_| make())))),
        }));
        let id = made.get();
        match result {
            Ok(Ok(Some(single))) => self.handles.push(Entry {
                handle: Handle::Single(single),
                ids: vec![id.expect("made")],
            }),
            Ok(Ok(None)) => self.failed.borrow_mut().extend(id),
            Ok(Err(err)) => {
                assert!(
                    self.limited && matches!(err, AllocError::LimitExceeded { .. }),
                    "{err:?}"
                );
                self.failed.borrow_mut().extend(id);
            }
            Err(payload) => {
                self.failed.borrow_mut().extend(id);
                self.expect_panic(&*payload, false);
            }
        }
    }

    /// Runs a fill. Returns its handle, or `None` if it failed with `Err`;
    /// panics go on. Kept nested handles go to `nested_out`.
    fn fill(&self, arena: &Allocator<T, L, N>, fill: &Fill) -> Option<Entry<T, L>> {
        let ids = RefCell::new(Vec::new());
        // Record the ids made so far as failed if this fill does not finish.
        struct OnFail<'a>(&'a RefCell<Vec<u32>>, &'a RefCell<Vec<u32>>, bool);
        impl Drop for OnFail<'_> {
            fn drop(&mut self) {
                if !self.2 {
                    self.1.borrow_mut().extend(self.0.borrow_mut().drain(..));
                }
            }
        }
        let mut guard = OnFail(&ids, &self.failed, false);
        let fail_at = fill
            .fail
            .filter(|_| fill.len > 0)
            .map(|f| (f.at % fill.len, f.panic));
        let result = arena.try_alloc(fill.len, |i| {
            for (at, nested) in &fill.nested {
                if at % fill.len == i {
                    if let Some(entry) = self.fill(arena, nested) {
                        entry.check("a nested allocation");
                        if fill.keep_nested {
                            self.nested_out.borrow_mut().push(entry);
                        }
                    }
                }
            }
            match fail_at {
                Some((at, true)) if at == i => panic::panic_any(format!("{INJECTED} at {i}")),
                Some((at, false)) if at == i => return Err(i),
                _ => {}
            }
            let (value, id) = self.make();
            ids.borrow_mut().push(id);
            Ok(value)
        });
        match result {
            Ok(slice) => {
                assert_eq!(fail_at, None, "a fill that should fail succeeded");
                guard.2 = true;
                assert_eq!(slice.len(), fill.len);
                let entry = Entry {
                    handle: Handle::Slice(slice),
                    ids: ids.borrow_mut().split_off(0),
                };
                Some(entry)
            }
            Err(i) => {
                assert_eq!(fail_at, Some((i, false)));
                assert_eq!(ids.borrow().len(), i);
                None
            }
        }
    }

    /// The checks after every step.
    fn check(&self, what: &str) {
        for entry in &self.handles {
            entry.check(what);
            if T::TRACKS_IDS {
                for &id in &entry.ids {
                    assert_eq!(
                        elems::drops_of(id),
                        0,
                        "{what}: element {id} dropped while a handle to it lives"
                    );
                }
            }
        }
        if T::TRACKS_IDS {
            for &id in self.failed.borrow().iter() {
                assert_eq!(
                    elems::drops_of(id),
                    1,
                    "{what}: element {id} of a failed allocation was not dropped at once, exactly once"
                );
            }
        }
        self.failed.borrow_mut().clear();
    }

    /// Drops everything; returns how many elements were made.
    fn finish(mut self) -> u32 {
        while !self.threads.is_empty() {
            self.join();
        }
        self.handles.clear();
        self.arena = None;
        let made = self.next_id.get();
        drop(self);
        made
    }
}

/// Whether a fill (or a nested one) may be refused for its length.
fn fill_could_refuse<L: IndexType>(fill: &Fill) -> bool {
    fill.len > L::MAX || fill.nested.iter().any(|(_, f)| fill_could_refuse::<L>(f))
}
