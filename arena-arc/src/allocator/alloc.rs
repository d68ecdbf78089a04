//! The allocation methods: each reserves, writes and commits through
//! `fill.rs` and `commit.rs`.

use core::convert::Infallible;
use core::mem::{self, ManuallyDrop};
use core::ptr;
use core::ptr::NonNull;

use alloc::vec::Vec;

use super::Allocator;
use super::fill::{Failure, Reservation};
use crate::error::AllocError;
use crate::generation::Generation;
use crate::index::IndexType;
use crate::links::{ArenaLinks, scan_links_of};
use crate::single::ArcSingle;
use crate::slice::ArcSlice;

impl<T, L: IndexType, const N: usize> Allocator<T, L, N> {
    /// Allocates a slice of `len` elements; element `i` is `init(i)`, called
    /// in order from 0.
    ///
    /// `len == 0` allocates nothing and never calls `init`.
    ///
    /// # Panics
    /// - If `len` exceeds `L::MAX` or the chunk size would overflow (the
    ///   message names the limit and the fix), or a limit set with
    ///   [`with_limit`](Self::with_limit) would be passed. Nothing is written
    ///   and `init` is not called.
    /// - If `init` panics: the elements it already made are dropped at once,
    ///   exactly once, their space is reused, and the panic goes on. The
    ///   allocator stays usable.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<String> = Allocator::new();
    /// let names = arena.alloc(3, |i| format!("n{i}"));
    /// assert_eq!(names, ["n0", "n1", "n2"].map(String::from));
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc(&self, len: usize, mut init: impl FnMut(usize) -> T) -> ArcSlice<T, L> {
        match self.fill(len, |i| Ok::<T, Infallible>(init(i))) {
            Ok(slice) => slice,
            Err(Failure::Alloc(err)) => refuse(err),
            Err(Failure::Init(never)) => match never {},
        }
    }

    /// Allocates a slice of `len` elements from a fallible `init`.
    ///
    /// If `init` returns `Err` for some element, the elements already made
    /// are dropped at once, exactly once, their space is reused, and the
    /// error is returned. Panics as [`alloc`](Self::alloc) does.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u8> = Allocator::new();
    /// let parsed = arena.try_alloc(3, |i| "1x3".as_bytes()[i].is_ascii_digit().then_some(i as u8).ok_or(i));
    /// assert_eq!(parsed.unwrap_err(), 1);
    /// let ok = arena.try_alloc(2, |i| Ok::<u8, ()>(i as u8)).unwrap();
    /// assert_eq!(ok, [0, 1]);
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_alloc<E>(
        &self,
        len: usize,
        init: impl FnMut(usize) -> Result<T, E>,
    ) -> Result<ArcSlice<T, L>, E> {
        match self.fill(len, init) {
            Ok(slice) => Ok(slice),
            Err(Failure::Init(err)) => Err(err),
            Err(Failure::Alloc(err)) => refuse(err),
        }
    }

    /// Like [`alloc`](Self::alloc), but returns an [`AllocError`] instead of
    /// panicking when the length, the size or the limit is exceeded.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u8, u16> = Allocator::new();
    /// assert!(arena.checked_alloc(70_000, |_| 0).is_err());
    /// assert_eq!(arena.checked_alloc(2, |i| i as u8).unwrap(), [0, 1]);
    /// ```
    #[inline]
    pub fn checked_alloc(
        &self,
        len: usize,
        mut init: impl FnMut(usize) -> T,
    ) -> Result<ArcSlice<T, L>, AllocError> {
        match self.fill(len, |i| Ok::<T, Infallible>(init(i))) {
            Ok(slice) => Ok(slice),
            Err(Failure::Alloc(err)) => Err(err),
            Err(Failure::Init(never)) => match never {},
        }
    }

    /// Allocates one element made by `init` and returns it as an
    /// [`ArcSingle`]. `init` runs before anything is reserved, so it may
    /// allocate from this allocator and may panic freely.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<Vec<u8>> = Allocator::new();
    /// let v = arena.alloc_single(|| vec![1, 2]);
    /// assert_eq!(*v, [1, 2]);
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_single(&self, init: impl FnOnce() -> T) -> ArcSingle<T, L> {
        self.alloc_value(init())
    }

    /// Allocates one element from a fallible `init`; its error is returned
    /// as is.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u32> = Allocator::new();
    /// let n = arena.try_alloc_single(|| "42".parse::<u32>()).unwrap();
    /// assert_eq!(*n, 42);
    /// assert!(arena.try_alloc_single(|| "x".parse::<u32>()).is_err());
    /// ```
    #[inline]
    #[track_caller]
    pub fn try_alloc_single<E>(
        &self,
        init: impl FnOnce() -> Result<T, E>,
    ) -> Result<ArcSingle<T, L>, E> {
        init().map(|value| self.alloc_value(value))
    }

    /// Moves `value` into the arena and returns it as an [`ArcSingle`]: one
    /// slot, no slice conversion.
    ///
    /// # Panics
    /// If a limit set with [`with_limit`](Self::with_limit) would be passed
    /// (`value` is dropped).
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<(u8, char)> = Allocator::new();
    /// let pair = arena.alloc_value((1, 'a'));
    /// assert_eq!(pair.1, 'a');
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_value(&self, value: T) -> ArcSingle<T, L> {
        // A plain allocator's fast path returns the handle itself: taken
        // out of `checked_alloc_value`'s `Result`, the 12-byte handle (4-byte
        // aligned) was copied through the stack, four instructions more per
        // value (a loop of `alloc_value` and drop, `scripts/icount`: 31.1
        // against 27.1). Anything else, and a full chunk, goes through it.
        if self.links.is_none() {
            if let Some(res) = self.reserve_in_current_plain(1) {
                // SAFETY: the reservation was just made, in a plain
                // allocator, on its fast path: not dedicated.
                return unsafe { self.write_value_plain(res, value) };
            }
        }
        match self.checked_alloc_value(value) {
            Ok(single) => single,
            Err(err) => refuse(err),
        }
    }

    /// Like [`alloc_value`](Self::alloc_value), but returns an
    /// [`AllocError`] (dropping `value`) instead of panicking.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u64> = Allocator::with_limit(0);
    /// assert!(arena.checked_alloc_value(1).is_err());
    /// ```
    #[inline]
    pub fn checked_alloc_value(&self, value: T) -> Result<ArcSingle<T, L>, AllocError> {
        // The fast path makes no `Result` (see `reserve_in_current`), and its
        // reservation is never dedicated, which the commit then needs no
        // branch to know. A plain allocator's fast path is a copy of its
        // own (see `fill`): one test of `links`, and a commit with nothing
        // to do.
        if self.links.is_none() {
            return match self.reserve_in_current_plain(1) {
                // SAFETY: the reservation was just made, in a plain
                // allocator, on its fast path: not dedicated.
                Some(res) => Ok(unsafe { self.write_value_plain(res, value) }),
                None => self.alloc_value_slow(value),
            };
        }
        match self.reserve_in_current(1) {
            // SAFETY: the reservation was just made.
            Some(res) => Ok(unsafe { self.write_value(res, value) }),
            None => self.alloc_value_slow(value),
        }
    }

    /// [`write_value`](Self::write_value) for a plain allocator's
    /// reservation of a single, whose commit has nothing to do.
    ///
    /// # Safety
    /// As for `write_value`; and `links` is `None` and `res` not dedicated.
    #[inline(always)]
    unsafe fn write_value_plain(&self, res: Reservation<T>, value: T) -> ArcSingle<T, L> {
        debug_assert!(res.len == 1 && !res.dedicated && self.links.is_none());
        // SAFETY: the reservation is slot `start` of `chunk`, uninitialised
        // and ours (the caller's promise); committing it would do nothing.
        unsafe {
            res.chunk.slot(res.start).write(value);
            ArcSingle::from_raw_parts((res.chunk, res.start, 1))
        }
    }

    /// [`checked_alloc_value`](Self::checked_alloc_value) when the current
    /// chunk cannot take the value (no room, or a generation to leave).
    #[cold]
    #[inline(never)]
    fn alloc_value_slow(&self, value: T) -> Result<ArcSingle<T, L>, AllocError> {
        let res = self.reserve_slow(1)?;
        // SAFETY: the reservation was just made.
        Ok(unsafe { self.write_value(res, value) })
    }

    /// Writes `value` to the one slot of `res` and commits it.
    ///
    /// # Safety
    /// `res` is a reservation of one slot, just made: no user code ran since.
    #[inline(always)]
    unsafe fn write_value(&self, res: Reservation<T>, value: T) -> ArcSingle<T, L> {
        debug_assert_eq!(res.len, 1);
        // SAFETY: the reservation is slot `start` of `chunk`, uninitialised
        // and ours; no user code ran between the reservation and the write
        // (the caller's promise), so in the thread's generations it is in the
        // open one.
        unsafe {
            res.chunk.slot(res.start).write(value);
            ArcSingle::from_raw_parts(self.commit(res))
        }
    }

    /// Copies `src` into the arena with one `memcpy`.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let bytes: Allocator<u8> = Allocator::new();
    /// let name = bytes.alloc_slice_copy(b"ident");
    /// assert_eq!(name.get(), b"ident");
    /// ```
    // Always inlined: the text arena's out-of-line `copy_to_text` (what
    // `ArcStr::from` calls) is compiled in this crate, where `#[inline]`
    // alone left this as a call of its own (W9's build: 136.6M instructions
    // against 130.9M inlined, and 134.1M before `copy_to_text`).
    #[inline(always)]
    #[track_caller]
    pub fn alloc_slice_copy(&self, src: &[T]) -> ArcSlice<T, L>
    where
        T: Copy,
    {
        if src.is_empty() {
            return ArcSlice::new();
        }
        let res = match self.checked_reserve_in_current::<true>(src.len()) {
            Some(res) => res,
            None => self
                .checked_reserve_slow(src.len())
                .unwrap_or_else(|err| refuse(err)),
        };
        // SAFETY: a reservation of `src.len()` slots, just made.
        unsafe { self.copy_into(res, src) }
    }

    /// [`alloc_slice_copy`](Self::alloc_slice_copy), refusing with an
    /// [`AllocError`] instead of a panic (what
    /// [`checked_alloc_str`](Self::checked_alloc_str) copies with).
    ///
    /// `alloc_slice_copy` repeats its few lines rather than unwrapping this:
    /// through the `Result`, each `ArcStr::from` took about two instructions
    /// more (W9's build: 154.20M against 153.43M).
    #[inline]
    pub(crate) fn checked_alloc_slice_copy(&self, src: &[T]) -> Result<ArcSlice<T, L>, AllocError>
    where
        T: Copy,
    {
        if src.is_empty() {
            return Ok(ArcSlice::new());
        }
        let res = match self.checked_reserve_in_current::<true>(src.len()) {
            Some(res) => res,
            None => self.checked_reserve_slow(src.len())?,
        };
        // SAFETY: a reservation of `src.len()` slots, just made.
        Ok(unsafe { self.copy_into(res, src) })
    }

    /// Copies `src` into `res` with one `memcpy` and commits it.
    ///
    /// # Safety
    /// `res` is a reservation of `src.len()` slots, just made.
    #[inline(always)]
    unsafe fn copy_into(&self, res: Reservation<T>, src: &[T]) -> ArcSlice<T, L>
    where
        T: Copy,
    {
        debug_assert_eq!(res.len, src.len());
        // SAFETY: the reservation is `src.len()` uninitialised slots that are
        // ours (the caller's promise); `T: Copy` makes the bitwise copy a
        // valid `T`, and copying runs no user code, so the commit finds the
        // reservation where it was made.
        unsafe {
            ptr::copy_nonoverlapping(src.as_ptr(), res.chunk.slot(res.start).as_ptr(), src.len());
            ArcSlice::from_raw_parts(self.commit(res))
        }
    }

    /// Moves `vec[at..]` into the arena as one slice, with one `memcpy`,
    /// and leaves `vec` `at` elements long, its capacity unchanged:
    /// [`Vec::split_off`], with the tail going into the arena.
    ///
    /// It is how a parser or a tree builder that keeps the children of the
    /// node being built on a stack turns them into the node's slice: no
    /// iterator, no element moved one by one, the stack's memory kept for
    /// the next node. `at == vec.len()` allocates nothing.
    ///
    /// # Panics
    /// - If `at > vec.len()`; `vec` is left as it was.
    /// - As [`alloc`](Self::alloc) for the length `vec.len() - at` (past
    ///   `L`, the size, the limit): nothing is moved, `vec` keeps its
    ///   elements and the allocator stays usable.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<String> = Allocator::new();
    /// let mut stack: Vec<String> = ["f", "x", "y"].map(String::from).into();
    /// let args = arena.alloc_split_off(&mut stack, 1);
    /// assert_eq!(args, ["x", "y"].map(String::from));
    /// assert_eq!(stack, ["f"]);
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_split_off(&self, vec: &mut Vec<T>, at: usize) -> ArcSlice<T, L> {
        let len = split_off_len(vec, at);
        if len == 0 {
            return ArcSlice::new();
        }
        // Reserving may run user code (a freed chunk's drops) and may fail:
        // `vec` still owns every element until the copy.
        let res = match self.checked_reserve_in_current::<true>(len) {
            Some(res) => res,
            None => self
                .checked_reserve_slow(len)
                .unwrap_or_else(|err| refuse(err)),
        };
        // SAFETY: a reservation of `vec.len() - at` slots, just made.
        unsafe { self.move_tail(res, vec, at) }
    }

    /// Like [`alloc_split_off`](Self::alloc_split_off), but a length past
    /// `L`, a size overflow or the limit is refused with an [`AllocError`]:
    /// nothing is moved and `vec` keeps its elements. serde's `ArcSlice`
    /// deserialization moves the `Vec` it read with it.
    ///
    /// # Panics
    /// If `at > vec.len()`, as `Vec::split_off`.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let small: Allocator<u8, u8> = Allocator::new();
    /// let mut bytes = vec![7; 300];
    /// assert!(small.checked_alloc_split_off(&mut bytes, 0).is_err());
    /// assert_eq!(bytes.len(), 300);
    /// assert_eq!(small.checked_alloc_split_off(&mut bytes, 298).unwrap(), [7, 7]);
    /// ```
    #[inline]
    #[track_caller]
    pub fn checked_alloc_split_off(
        &self,
        vec: &mut Vec<T>,
        at: usize,
    ) -> Result<ArcSlice<T, L>, AllocError> {
        let len = split_off_len(vec, at);
        if len == 0 {
            return Ok(ArcSlice::new());
        }
        let res = match self.checked_reserve_in_current::<true>(len) {
            Some(res) => res,
            None => self.checked_reserve_slow(len)?,
        };
        // SAFETY: a reservation of `vec.len() - at` slots, just made.
        Ok(unsafe { self.move_tail(res, vec, at) })
    }

    /// Moves `vec[at..]` into `res` with one `memcpy`, shortens `vec` to
    /// `at` and commits.
    ///
    /// # Safety
    /// `res` is a reservation of `vec.len() - at` slots, just made.
    #[inline(always)]
    unsafe fn move_tail(&self, res: Reservation<T>, vec: &mut Vec<T>, at: usize) -> ArcSlice<T, L> {
        debug_assert_eq!(res.len, vec.len() - at);
        // SAFETY: `vec[at..]` is `res.len` initialised elements, and the
        // reservation is as many uninitialised slots that are ours, in
        // another allocation. Shortening `vec` to `at` right after the copy
        // makes the slots their only owner: `set_len` to a smaller length
        // drops nothing and runs no user code, nor does the copy, so the
        // commit finds the reservation where it was made (as `copy_into`
        // argues).
        unsafe {
            ptr::copy_nonoverlapping(
                vec.as_ptr().add(at),
                res.chunk.slot(res.start).as_ptr(),
                res.len,
            );
            vec.set_len(at);
            ArcSlice::from_raw_parts(self.commit(res))
        }
    }

    /// Clones every element of `src` into the arena. If a `clone` panics,
    /// the clones already made are dropped and the panic goes on.
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<String> = Allocator::new();
    /// let words = arena.alloc_slice_clone(&["a".to_string(), "b".to_string()]);
    /// assert_eq!(words, ["a", "b"].map(String::from));
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_slice_clone(&self, src: &[T]) -> ArcSlice<T, L>
    where
        T: Clone,
    {
        self.alloc(src.len(), |i| src[i].clone())
    }

    /// Moves the items of `iter` into the arena.
    ///
    /// An iterator whose `size_hint` is exact (every `ExactSizeIterator`,
    /// `Vec`, arrays, ranges, `map` over them...) and at most `N` is written
    /// straight into the arena. Any other is read into a `Vec` first, grown as
    /// items come: a hint is not trusted beyond one chunk, so that a lying
    /// one cannot make the arena (or the `Vec`) ask for memory the iterator
    /// never fills. An honest exact hint longer than `N` therefore costs one
    /// more move per item.
    ///
    /// # Panics
    /// As [`alloc`](Self::alloc) does, and if an iterator breaks its exact
    /// `size_hint`, however large the hint (the items already moved are
    /// dropped).
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// let arena: Allocator<u32> = Allocator::new();
    /// let squares = arena.alloc_from_iter((1..=4).map(|n| n * n));
    /// assert_eq!(squares, [1, 4, 9, 16]);
    /// let odd = arena.alloc_from_iter((1..10).filter(|n| n % 2 == 1)); // unknown length
    /// assert_eq!(odd, [1, 3, 5, 7, 9]);
    /// ```
    #[track_caller]
    pub fn alloc_from_iter(&self, iter: impl IntoIterator<Item = T>) -> ArcSlice<T, L> {
        let iter = iter.into_iter();
        match iter.size_hint() {
            (lower, Some(upper)) if lower == upper && lower <= N => self.alloc_exact(lower, iter),
            (lower, upper) => {
                let exact = upper.filter(|&upper| upper == lower);
                if let Some(len) = exact {
                    // What `alloc` would refuse for the claimed length (past
                    // `L`, the size, the limit) is refused before an item is
                    // read, as for a hint that fits a chunk.
                    if let Err(err) = self.check_dedicated(len) {
                        refuse(err);
                    }
                }
                let items = read_untrusted(iter, lower.min(N), exact);
                self.alloc_exact(items.len(), items.into_iter())
            }
        }
    }

    /// Whether `alloc` would refuse `len > N` elements (which get a
    /// dedicated chunk), without allocating.
    fn check_dedicated(&self, len: usize) -> Result<(), AllocError> {
        if len > L::MAX {
            return Err(AllocError::LengthOverflow {
                len,
                max: L::MAX,
                index_type: L::NAME,
            });
        }
        self.chunk_layout(len).map(drop)
    }

    /// Allocates the `len` items `iter` claims to have left, checking it.
    #[track_caller]
    fn alloc_exact(&self, len: usize, mut iter: impl Iterator<Item = T>) -> ArcSlice<T, L> {
        let slice = self.alloc(len, |_| {
            iter.next().unwrap_or_else(|| fewer_than_the_hint())
        });
        // Bound, not tested with `is_some`: a tested `Option` is a
        // temporary whose drop glue ran through an out-of-line
        // `drop_in_place` call on every slice, for the `None` it always is.
        if let Some(extra) = iter.next() {
            drop(extra);
            more_than_the_hint();
        }
        slice
    }

    /// A zero-length slice; allocates nothing. Same as [`ArcSlice::new`].
    ///
    /// ```
    /// use arena_arc::Allocator;
    ///
    /// assert!(Allocator::<u8>::alloc_empty().is_empty());
    /// ```
    pub const fn alloc_empty() -> ArcSlice<T, L> {
        ArcSlice::new()
    }
}

impl<T: ArenaLinks<L>, L: IndexType, const N: usize> Allocator<T, L, N> {
    /// [`alloc_value`](Self::alloc_value) for a type that reports its links,
    /// with the scan for links into the value's chunk inlined here instead
    /// of made through the function pointer an acyclic allocator keeps.
    ///
    /// It does what `alloc_value` does, but where the caller builds the
    /// value in place (`arena.alloc_linked(Expr::Add(a, b))`) the compiler
    /// knows the value's variant and reduces the scan to a comparison per
    /// handle, instead of an indirect call and a branch on the variant that a
    /// random tree mispredicts. [`#[derive(ArenaAlloc)]`](derive@crate::ArenaAlloc)
    /// uses it for `Foo::alloc_value`. On an allocator made by
    /// [`new`](Self::new) it is exactly `alloc_value`.
    ///
    /// # Panics
    /// As [`alloc_value`](Self::alloc_value).
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSingle, ArenaLinks, Links};
    ///
    /// enum Expr {
    ///     Num(i64),
    ///     Add(ArcSingle<Expr>, ArcSingle<Expr>),
    /// }
    ///
    /// // SAFETY: both handles are owned by value and reported once; no `Drop`.
    /// unsafe impl ArenaLinks for Expr {
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         if let Expr::Add(a, b) = self {
    ///             links.single(a);
    ///             links.single(b);
    ///         }
    ///     }
    /// }
    ///
    /// let arena: Allocator<Expr> = Allocator::new_acyclic();
    /// let one = arena.alloc_linked(Expr::Num(1));
    /// let two = arena.alloc_linked(Expr::Num(2));
    /// let sum = arena.alloc_linked(Expr::Add(one, two));
    /// assert!(matches!(*sum, Expr::Add(..)));
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_linked(&self, value: T) -> ArcSingle<T, L> {
        let value = ManuallyDrop::new(value);
        // SAFETY: `value` is ours and never used again.
        unsafe { self.move_linked_or_refuse(&value) }
    }

    /// Like [`alloc_linked`](Self::alloc_linked), but returns an
    /// [`AllocError`] (dropping `value`) instead of panicking.
    ///
    /// ```
    /// use arena_arc::{Allocator, ArcSlice, ArenaLinks, Links};
    ///
    /// struct Node(ArcSlice<Node>);
    ///
    /// // SAFETY: the one handle is owned by value and reported once; no `Drop`.
    /// unsafe impl ArenaLinks for Node {
    ///     fn visit_links(&self, links: &mut Links<Self>) {
    ///         links.slice(&self.0);
    ///     }
    /// }
    ///
    /// let arena: Allocator<Node> = Allocator::new_acyclic();
    /// arena.set_limit(Some(0));
    /// assert!(arena.checked_alloc_linked(Node(ArcSlice::new())).is_err());
    /// ```
    #[inline]
    pub fn checked_alloc_linked(&self, value: T) -> Result<ArcSingle<T, L>, AllocError> {
        // One test of `links`: a plain allocator has no links to scan.
        if self.links.is_none() {
            return self.alloc_linked_plain(value);
        }
        // The `ManuallyDrop` is made in each branch: one made before the
        // `match` would have its address passed to the slow path's call,
        // and the value would be copied to the stack on the fast path too.
        match self.reserve_linked_quick() {
            Some((res, generation)) => {
                let value = ManuallyDrop::new(value);
                // SAFETY: a fresh reservation of one slot in an acyclic
                // allocator and its chunk's generation, read since the last
                // user code; `value` is ours and never used again.
                Ok(unsafe { self.commit_linked(res, generation, &value) })
            }
            None => {
                let value = ManuallyDrop::new(value);
                // SAFETY: `value` is ours and never used again.
                unsafe { self.move_linked_slow(&value) }
            }
        }
    }

    /// [`checked_alloc_linked`](Self::checked_alloc_linked) in a plain
    /// allocator: [`checked_alloc_value`](Self::checked_alloc_value), out
    /// of line. (Called inline here, `checked_alloc_value` had one more
    /// caller and stopped being inlined into the others: W8's leaking build
    /// took 8 % more instructions.)
    #[inline(never)]
    fn alloc_linked_plain(&self, value: T) -> Result<ArcSingle<T, L>, AllocError> {
        self.checked_alloc_value(value)
    }

    /// [`checked_alloc_linked`](Self::checked_alloc_linked) of a value
    /// read from where it lies: the per-thread arenas pass the caller's
    /// value by reference through their `with`, so that it is copied once,
    /// into its slot, rather than into each closure on the way (W8's and
    /// W9's build, docs/benchmarks.md).
    ///
    /// # Safety
    /// `*value` is moved out: the caller must not use or drop it afterwards.
    #[inline]
    pub(crate) unsafe fn move_linked(
        &self,
        value: &ManuallyDrop<T>,
    ) -> Result<ArcSingle<T, L>, AllocError> {
        if self.links.is_none() {
            let res = match self.reserve_in_current_plain(1) {
                Some(res) => res,
                // SAFETY: the caller's promise for `value`.
                None => unsafe { self.reserve_slow_for(value) }?,
            };
            // SAFETY: a reservation of one slot, just made, in a plain
            // allocator: a single is never dedicated. The value is moved
            // out of `*value`, which the caller never uses again.
            return Ok(unsafe { self.write_value_plain(res, ptr::read(&**value)) });
        }
        // SAFETY: the caller's promise for `value`.
        unsafe { self.move_linked_acyclic(value) }
    }

    /// [`move_linked`](Self::move_linked), panicking where it would return
    /// an error: the one fast path of [`alloc_linked`](Self::alloc_linked),
    /// [`LocalArena::alloc_linked`] and
    /// [`alloc_thin_linked`](Self::alloc_thin_linked). Its fast paths
    /// return the handle itself; taken out of `move_linked`'s `Result`, the
    /// 12-byte handle (4-byte aligned) was copied through the stack (see
    /// [`alloc_value`](Self::alloc_value)).
    ///
    /// # Safety
    /// As for `move_linked`.
    ///
    /// [`LocalArena::alloc_linked`]: crate::LocalArena::alloc_linked
    #[inline]
    #[track_caller]
    pub(crate) unsafe fn move_linked_or_refuse(&self, value: &ManuallyDrop<T>) -> ArcSingle<T, L> {
        if self.links.is_none() {
            if let Some(res) = self.reserve_in_current_plain(1) {
                // SAFETY: a reservation of one slot, just made, in a plain
                // allocator: a single is never dedicated. The value is moved
                // out of `*value`, which the caller never uses again.
                return unsafe { self.write_value_plain(res, ptr::read(&**value)) };
            }
        } else if let Some((res, generation)) = self.reserve_linked_quick() {
            // SAFETY: a fresh reservation of one slot in an acyclic
            // allocator and its chunk's generation, read since the last
            // user code; the caller's promise for `value`.
            return unsafe { self.commit_linked(res, generation, value) };
        }
        // The fast path declined, changing nothing: `move_linked` takes the
        // same decision again and goes on to its slow path.
        // SAFETY: the caller's promise for `value`.
        match unsafe { self.move_linked(value) } {
            Ok(single) => single,
            Err(err) => refuse(err),
        }
    }

    /// [`move_linked`](Self::move_linked) in an acyclic allocator.
    ///
    /// # Safety
    /// As for `move_linked`; `links` is `Some`.
    #[inline(always)]
    unsafe fn move_linked_acyclic(
        &self,
        value: &ManuallyDrop<T>,
    ) -> Result<ArcSingle<T, L>, AllocError> {
        match self.reserve_linked_quick() {
            // SAFETY: a fresh reservation of one slot in an acyclic
            // allocator and its chunk's generation, read since the last
            // user code; the caller's promise for `value`.
            Some((res, generation)) => Ok(unsafe { self.commit_linked(res, generation, value) }),
            // SAFETY: the caller's promise for `value`.
            None => unsafe { self.move_linked_slow(value) },
        }
    }

    /// [`move_linked_acyclic`](Self::move_linked_acyclic) when the quick
    /// reservation declined: the full one, which may abandon the chunk, trim
    /// the thread's arenas or take the slow path. Out of line, so that the
    /// fast path makes no call of its own.
    ///
    /// # Safety
    /// As for [`move_linked_acyclic`](Self::move_linked_acyclic).
    #[cold]
    #[inline(never)]
    unsafe fn move_linked_slow(
        &self,
        value: &ManuallyDrop<T>,
    ) -> Result<ArcSingle<T, L>, AllocError> {
        let (res, generation) = match self.reserve_linked_in_current() {
            Some(found) => found,
            None => {
                // SAFETY: the caller's promise for `value`.
                let res = unsafe { self.reserve_slow_for(value) }?;
                let generation = self.open_generation_of(res.chunk);
                (res, generation)
            }
        };
        // SAFETY: as in `move_linked_acyclic`.
        Ok(unsafe { self.commit_linked(res, generation, value) })
    }

    /// The slow path's reservation of one slot for `*value`, which it drops
    /// if the slow path panics or fails (it may run user code: a freed
    /// chunk's drops).
    ///
    /// # Safety
    /// As for [`move_linked`](Self::move_linked): `*value` is the caller's
    /// to move out; on `Err` (or a panic) it has been dropped.
    #[cold]
    #[inline(never)]
    unsafe fn reserve_slow_for(
        &self,
        value: &ManuallyDrop<T>,
    ) -> Result<Reservation<T>, AllocError> {
        let guard = DropUnlessCommitted(value);
        let res = self.reserve_slow(1)?;
        mem::forget(guard);
        Ok(res)
    }

    /// Scans `value`'s links and moves it into the slot `res` reserved, in
    /// an acyclic allocator.
    ///
    /// # Safety
    /// `links` is `Some`; `res` is a reservation of one slot made by
    /// `reserve`, not yet written, and `generation` is its chunk's, read
    /// with no user code run since; `*value` is moved out: the caller must
    /// not use or drop it afterwards.
    #[inline(always)]
    unsafe fn commit_linked(
        &self,
        res: Reservation<T>,
        generation: Option<NonNull<Generation>>,
        value: &ManuallyDrop<T>,
    ) -> ArcSingle<T, L> {
        debug_assert!(
            !res.dedicated,
            "a single value never needs a dedicated chunk"
        );
        debug_assert!(self.links.is_some());
        debug_assert!(generation == self.open_generation_of(res.chunk));
        // The links are scanned in the caller's value, before the move.
        // Read back from the slot just written, they waited on the stores:
        // a node whose size is not a divisor of 64 has slots that straddle
        // a cache line, and the load of its first link then waited for
        // the line (a 56-byte node: a fifth of the allocation's samples,
        // docs/benchmarks.md). Scanning after the move would read a
        // moved-from value, whose `Box`es no longer own what they point
        // to (Miri reports it). And a value passed by value to the scan was
        // held in registers across it: six callee-saved registers and four
        // spills per single. So the scan reads the value where the caller
        // keeps it.
        // If `visit_links` panics, some links may be given back already:
        // the value is then leaked, never written nor dropped (the trait's
        // contract), and so is the chunk, whose count keeps the
        // reservation's reference; its slot is never read.
        // SAFETY: `*value` is the caller's, a valid `T` until the move
        // below, and is committed to the chunk with no user code in between
        // but the visit. The chunk is current, and the generation, if any,
        // its own (the caller's promise), open (a reservation in a closed
        // one is never made) and this thread's.
        unsafe { scan_links_of(&**value, res.chunk, generation) };
        // SAFETY: the reservation is slot `start` of `chunk`, in bounds.
        let slot = unsafe { res.chunk.slot(res.start) };
        // SAFETY: the slot is uninitialised and ours alone (reserved, no
        // handle to it yet), so writing drops nothing and races nothing;
        // `ptr::read` moves the value out of `*value`, which the caller
        // never uses or drops again (its promise).
        unsafe { slot.write(ptr::read(&**value)) };
        // SAFETY: the slot is initialised and its reservation's reference
        // is the handle's. It is not dedicated, so `commit` would only give
        // back the links, which was done above.
        unsafe { ArcSingle::from_raw_parts((res.chunk, res.start, 1)) }
    }
}

/// Drops the value a [`move_linked`](Allocator::move_linked) was given
/// unless it is forgotten: the value had no slot.
struct DropUnlessCommitted<'a, T>(&'a ManuallyDrop<T>);

impl<T> Drop for DropUnlessCommitted<'_, T> {
    fn drop(&mut self) {
        // SAFETY: `move_linked`'s caller gave the value up, and the guard is
        // forgotten once it is moved elsewhere.
        drop(ManuallyDrop::into_inner(unsafe { ptr::read(self.0) }));
    }
}

/// Reads every item of `iter` into a `Vec` that starts with room for
/// `capacity` and grows as items come, whatever the iterator's hint. With a
/// claimed `exact` length, reads at most one item past it and panics if the
/// count differs.
#[track_caller]
fn read_untrusted<T>(
    iter: impl Iterator<Item = T>,
    capacity: usize,
    exact: Option<usize>,
) -> Vec<T> {
    let mut items = Vec::with_capacity(capacity);
    let limit = exact.map_or(usize::MAX, |n| n.saturating_add(1));
    // `push`, not `extend` or `collect`: those reserve by the hint.
    for item in iter.take(limit) {
        items.push(item);
    }
    match exact {
        Some(n) if items.len() < n => fewer_than_the_hint(),
        Some(n) if items.len() > n => more_than_the_hint(),
        _ => items,
    }
}

/// `vec.len() - at`, the length `alloc_split_off` moves; panics past the
/// end, as `Vec::split_off` does.
#[inline(always)]
#[track_caller]
fn split_off_len<T>(vec: &[T], at: usize) -> usize {
    match vec.len().checked_sub(at) {
        Some(len) => len,
        None => split_off_past_len(at, vec.len()),
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn split_off_past_len(at: usize, len: usize) -> ! {
    panic!("arena-arc: alloc_split_off: `at` (is {at}) should be <= the vector's len (is {len})")
}

#[cold]
#[inline(never)]
#[track_caller]
fn fewer_than_the_hint() -> ! {
    panic!("arena-arc: alloc_from_iter: the iterator yielded fewer items than its exact size_hint")
}

#[cold]
#[inline(never)]
#[track_caller]
fn more_than_the_hint() -> ! {
    panic!("arena-arc: alloc_from_iter: the iterator yielded more items than its exact size_hint")
}

#[cold]
#[inline(never)]
#[track_caller]
pub(crate) fn refuse(err: AllocError) -> ! {
    panic!("{err}")
}
