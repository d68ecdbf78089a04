//! The W8 contestants. Each is one small module: its link types (a
//! [`Family`]), its allocations ([`ExprAlloc`], or a [`Builder`] of its own
//! for a node type of its own), and one line in [`ALL`] saying where it
//! builds.
//!
//! Every one is used as its documentation shows: `Box::new` and a collected
//! `Box<[Expr]>` (one allocation of the exact size, `Drain` being
//! `TrustedLen`), the same for `Rc` and `Arc`; the arenas through their
//! allocate-a-value and fill-a-slice-from-an-iterator methods.

use std::marker::PhantomData;

use crate::run::{Sample, on_main, on_worker};
use crate::tree::{Expr, ExprAlloc, Family, Op};

/// One contestant: a name for the command line and the JSON, a label for
/// the tables, and how to run it once.
pub struct Entry {
    pub name: &'static str,
    pub label: &'static str,
    pub run: fn(&[Op]) -> Sample,
}

/// Every contestant, in the order of the tables.
pub const ALL: &[Entry] = &[
    Entry {
        name: "Box",
        label: "`Box<Expr>` / `Box<[Expr]>`",
        run: on_worker::<std_box::Build>,
    },
    Entry {
        name: "Rc",
        label: "`Rc<Expr>` / `Rc<[Expr]>` (main thread)",
        run: std_rc::run,
    },
    Entry {
        name: "Arc",
        label: "`Arc<Expr>` / `Arc<[Expr]>`",
        run: on_worker::<std_arc::Build>,
    },
    Entry {
        name: "bumpalo",
        label: "bumpalo 3.20.4 `&Expr` (main thread)",
        run: bump::run,
    },
    Entry {
        name: "typed-arena",
        label: "typed-arena 2.0.2 `&Expr` (main thread)",
        run: typed::run,
    },
    Entry {
        name: "multitude",
        label: "multitude 0.12.0 `Arc`",
        run: on_worker::<multi::Build>,
    },
    Entry {
        name: "arena-arc-0.1.2",
        label: "arena-arc 0.1.2 (leaks the tree)",
        run: on_worker::<orig::Build>,
    },
    Entry {
        name: "ours-leaking",
        label: "this crate, `Allocator::new()` (leaks the tree)",
        run: on_worker::<ours::Build<false>>,
    },
    Entry {
        name: "ours",
        label: "this crate, `Allocator::new_acyclic()`, `alloc_linked`",
        run: on_worker::<ours::Build<true>>,
    },
    Entry {
        name: "ours-derive-enum",
        label: "this crate, `#[derive(ArenaAlloc)]` on the enum",
        run: on_worker::<derive_enum::Build>,
    },
    Entry {
        name: "ours-thin",
        label: "this crate, `Allocator::new_acyclic()`, 8-byte `ArcThin` links",
        run: on_worker::<ours_thin::Build>,
    },
    Entry {
        name: "ours-derive-thin",
        label: "this crate, `#[derive(ArenaAlloc)]` on the enum, 8-byte `ArcThin` links",
        run: on_worker::<derive_thin::Build>,
    },
    Entry {
        name: "ours-derive-struct",
        label: "this crate, `#[derive(ArenaAlloc)]` on a struct, through its builder",
        run: on_worker::<derive_struct::Build>,
    },
    Entry {
        name: "ours-derive-struct-thin",
        label: "this crate, `#[derive(ArenaAlloc)]` on a struct, through its builder, `Option<ArcThin>` operands",
        run: on_worker::<derive_struct_thin::Build>,
    },
];

/// Experiments, run only when named with `--only`: not contestants.
pub const EXTRA: &[Entry] = &[
    Entry {
        name: "multitude-struct",
        label: "multitude 0.12.0 `Arc`, the struct node of `ours-derive-struct`",
        run: on_worker::<multi_struct::Build>,
    },
    Entry {
        name: "bumpalo-fat",
        label: "bumpalo with 12-byte links (a 32-byte node, as ours)",
        run: bump_fat::run,
    },
    Entry {
        name: "ours-ctor-count",
        label: "`Allocator::new()` + a self-link count in the constructors (emulation)",
        run: on_worker::<ours::CtorCount>,
    },
    Entry {
        name: "ours-inline-count",
        label: "`Allocator::new()` + a self-link count inlined in the caller (emulation)",
        run: on_worker::<ours::InlineCount>,
    },
];

pub fn find(name: &str) -> Option<&'static Entry> {
    ALL.iter().chain(EXTRA).find(|e| e.name == name)
}

// ----- std -------------------------------------------------------------------

mod std_box {
    use super::*;

    pub struct F;
    impl Family for F {
        type One = Box<Expr<F>>;
        type Many = Box<[Expr<F>]>;
    }

    #[derive(Default)]
    pub struct Build;
    impl ExprAlloc for Build {
        type F = F;
        #[inline]
        fn one(&self, node: Expr<F>) -> Box<Expr<F>> {
            Box::new(node)
        }
        #[inline]
        fn many(&self, args: impl ExactSizeIterator<Item = Expr<F>>) -> Box<[Expr<F>]> {
            args.collect()
        }
        /// `split_off`'s one copy into a `Vec` of that length, which
        /// becomes the box.
        #[inline]
        fn many_tail(&self, stack: &mut Vec<Expr<F>>, at: usize) -> Box<[Expr<F>]> {
            stack.split_off(at).into_boxed_slice()
        }
        fn share(_: &Box<Expr<F>>) -> Option<Box<Expr<F>>> {
            None
        }
    }
}

mod std_rc {
    use super::*;
    use std::rc::Rc;

    pub struct F;
    impl Family for F {
        type One = Rc<Expr<F>>;
        type Many = Rc<[Expr<F>]>;
    }

    #[derive(Default)]
    pub struct Build;
    impl ExprAlloc for Build {
        type F = F;
        #[inline]
        fn one(&self, node: Expr<F>) -> Rc<Expr<F>> {
            Rc::new(node)
        }
        #[inline]
        fn many(&self, args: impl ExactSizeIterator<Item = Expr<F>>) -> Rc<[Expr<F>]> {
            args.collect()
        }
        fn share(root: &Rc<Expr<F>>) -> Option<Rc<Expr<F>>> {
            Some(Rc::clone(root))
        }
    }

    /// `Rc` is not `Send`: the tree can't leave the thread that builds it.
    pub fn run(ops: &[Op]) -> Sample {
        on_main!(ops, (), |_a| Build)
    }
}

mod std_arc {
    use super::*;
    use std::sync::Arc;

    pub struct F;
    impl Family for F {
        type One = Arc<Expr<F>>;
        type Many = Arc<[Expr<F>]>;
    }

    #[derive(Default)]
    pub struct Build;
    impl ExprAlloc for Build {
        type F = F;
        #[inline]
        fn one(&self, node: Expr<F>) -> Arc<Expr<F>> {
            Arc::new(node)
        }
        #[inline]
        fn many(&self, args: impl ExactSizeIterator<Item = Expr<F>>) -> Arc<[Expr<F>]> {
            args.collect()
        }
        fn share(root: &Arc<Expr<F>>) -> Option<Arc<Expr<F>>> {
            Some(Arc::clone(root))
        }
    }
}

// ----- arenas without shared ownership ----------------------------------------

mod bump {
    use super::*;
    use bumpalo::Bump;

    pub struct F<'a>(PhantomData<&'a ()>);
    impl<'a> Family for F<'a> {
        type One = &'a Expr<F<'a>>;
        type Many = &'a [Expr<F<'a>>];
    }

    pub struct Build<'a>(&'a Bump);
    impl<'a> ExprAlloc for Build<'a> {
        type F = F<'a>;
        #[inline]
        fn one(&self, node: Expr<F<'a>>) -> &'a Expr<F<'a>> {
            self.0.alloc(node)
        }
        #[inline]
        fn many(&self, args: impl ExactSizeIterator<Item = Expr<F<'a>>>) -> &'a [Expr<F<'a>>] {
            self.0.alloc_slice_fill_iter(args)
        }
        fn share(root: &&'a Expr<F<'a>>) -> Option<&'a Expr<F<'a>>> {
            Some(*root)
        }
    }

    /// The tree borrows the arena: it can't leave the thread that owns it.
    pub fn run(ops: &[Op]) -> Sample {
        on_main!(ops, Bump::new(), |a| Build(a))
    }
}

/// What the node size alone costs: bumpalo with each child link padded to
/// 12 bytes and packed to 4-byte alignment, as `ArcSingle` is, so the node
/// is 32 bytes, as ours is.
mod bump_fat {
    use super::*;
    use bumpalo::Bump;
    use std::ops::Deref;

    pub struct F<'a>(PhantomData<&'a ()>);
    impl<'a> Family for F<'a> {
        type One = Fat<'a>;
        type Many = &'a [Expr<F<'a>>];
    }

    #[derive(Clone, Copy)]
    #[repr(C, packed(4))]
    pub struct Fat<'a>(&'a Expr<F<'a>>, #[allow(dead_code)] u32);
    impl<'a> Deref for Fat<'a> {
        type Target = Expr<F<'a>>;
        #[inline]
        fn deref(&self) -> &Expr<F<'a>> {
            self.0
        }
    }

    pub struct Build<'a>(&'a Bump);
    impl<'a> ExprAlloc for Build<'a> {
        type F = F<'a>;
        #[inline]
        fn one(&self, node: Expr<F<'a>>) -> Fat<'a> {
            Fat(self.0.alloc(node), 0)
        }
        #[inline]
        fn many(&self, args: impl ExactSizeIterator<Item = Expr<F<'a>>>) -> &'a [Expr<F<'a>>] {
            self.0.alloc_slice_fill_iter(args)
        }
        fn share(root: &Fat<'a>) -> Option<Fat<'a>> {
            Some(*root)
        }
    }

    pub fn run(ops: &[Op]) -> Sample {
        on_main!(ops, Bump::new(), |a| Build(a))
    }
}

mod typed {
    use super::*;
    use typed_arena::Arena;

    pub struct F<'a>(PhantomData<&'a ()>);
    impl<'a> Family for F<'a> {
        type One = &'a Expr<F<'a>>;
        type Many = &'a [Expr<F<'a>>];
    }

    pub struct Build<'a>(&'a Arena<Expr<F<'a>>>);
    impl<'a> ExprAlloc for Build<'a> {
        type F = F<'a>;
        #[inline]
        fn one(&self, node: Expr<F<'a>>) -> &'a Expr<F<'a>> {
            self.0.alloc(node)
        }
        #[inline]
        fn many(&self, args: impl ExactSizeIterator<Item = Expr<F<'a>>>) -> &'a [Expr<F<'a>>] {
            self.0.alloc_extend(args)
        }
        fn share(root: &&'a Expr<F<'a>>) -> Option<&'a Expr<F<'a>>> {
            Some(*root)
        }
    }

    /// As bumpalo: the tree borrows the arena.
    pub fn run(ops: &[Op]) -> Sample {
        on_main!(ops, Arena::new(), |a| Build(a))
    }
}

// ----- multitude ---------------------------------------------------------------

mod multi {
    use super::*;
    use multitude::{Arc, Arena};

    pub struct F;
    impl Family for F {
        type One = Arc<Expr<F>>;
        type Many = Arc<[Expr<F>]>;
    }

    #[derive(Default)]
    pub struct Build(Arena);
    impl ExprAlloc for Build {
        type F = F;
        #[inline]
        fn one(&self, node: Expr<F>) -> Arc<Expr<F>> {
            self.0.alloc_arc(node)
        }
        #[inline]
        fn many(&self, mut args: impl ExactSizeIterator<Item = Expr<F>>) -> Arc<[Expr<F>]> {
            self.0
                .alloc_slice_fill_with_arc(args.len(), |_| args.next().unwrap())
        }
        fn share(root: &Arc<Expr<F>>) -> Option<Arc<Expr<F>>> {
            Some(Arc::clone(root))
        }
    }
}

/// The kind of a struct node (`ours-derive-struct`, `multitude-struct`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Num,
    Neg,
    Add,
    Mul,
    Call,
}

/// The [`View`](crate::tree::View) of a struct node, from its fields.
#[inline(always)]
fn struct_view<'a, N, A: std::ops::Deref<Target = N>>(
    kind: Kind,
    value: i64,
    a: &'a Option<A>,
    b: &'a Option<A>,
    args: &'a [N],
) -> crate::tree::View<'a, N> {
    use crate::tree::View;
    fn operand<N, A: std::ops::Deref<Target = N>>(link: &Option<A>) -> &N {
        link.as_deref().expect("an operand of an operator node")
    }
    match kind {
        Kind::Num => View::Num(value),
        Kind::Neg => View::Neg(operand(a)),
        Kind::Add => View::Add(operand(a), operand(b)),
        Kind::Mul => View::Mul(operand(a), operand(b)),
        Kind::Call => View::Call(args),
    }
}

/// multitude with the struct node of `ours-derive-struct`: a kind, a value,
/// two optional operands and an optional argument list side by side (48
/// bytes, as `ours-derive-struct-thin`'s), so that the struct rows have a
/// like-for-like reference as well as multitude's 24-byte enum.
mod multi_struct {
    use multitude::{Arc, Arena};

    use super::{Kind, struct_view};
    use crate::tree::{Builder, ExprNode, View};

    pub struct MNode {
        kind: Kind,
        value: i64,
        a: Option<Arc<MNode>>,
        b: Option<Arc<MNode>>,
        args: Option<Arc<[MNode]>>,
    }

    impl MNode {
        #[inline(always)]
        fn new(kind: Kind) -> Self {
            MNode {
                kind,
                value: 0,
                a: None,
                b: None,
                args: None,
            }
        }
        #[inline(always)]
        fn binary(kind: Kind, a: Arc<MNode>, b: Arc<MNode>) -> Self {
            MNode {
                a: Some(a),
                b: Some(b),
                ..MNode::new(kind)
            }
        }
    }

    impl ExprNode for MNode {
        #[inline(always)]
        fn view(&self) -> View<'_, Self> {
            let args = self.args.as_deref().unwrap_or(&[]);
            struct_view(self.kind, self.value, &self.a, &self.b, args)
        }
    }

    #[derive(Default)]
    pub struct Build(Arena);
    impl Builder for Build {
        type Node = MNode;
        type Link = Arc<MNode>;
        #[inline(always)]
        fn num(&self, v: i64) -> MNode {
            MNode {
                value: v,
                ..MNode::new(Kind::Num)
            }
        }
        #[inline(always)]
        fn neg(&self, a: Arc<MNode>) -> MNode {
            MNode {
                a: Some(a),
                ..MNode::new(Kind::Neg)
            }
        }
        #[inline(always)]
        fn add(&self, a: Arc<MNode>, b: Arc<MNode>) -> MNode {
            MNode::binary(Kind::Add, a, b)
        }
        #[inline(always)]
        fn mul(&self, a: Arc<MNode>, b: Arc<MNode>) -> MNode {
            MNode::binary(Kind::Mul, a, b)
        }
        #[inline(always)]
        fn call(&self, mut args: impl ExactSizeIterator<Item = MNode>) -> MNode {
            let args = self
                .0
                .alloc_slice_fill_with_arc(args.len(), |_| args.next().unwrap());
            MNode {
                args: Some(args),
                ..MNode::new(Kind::Call)
            }
        }
        #[inline(always)]
        fn link(&self, node: MNode) -> Arc<MNode> {
            self.0.alloc_arc(node)
        }
        fn share(root: &Arc<MNode>) -> Option<Arc<MNode>> {
            Some(Arc::clone(root))
        }
    }
}

// ----- arena-arc 0.1.2 -----------------------------------------------------------

mod orig {
    use super::*;
    use arena_arc_orig::{Allocator, ArcSingle, ArcSlice};
    use std::cell::UnsafeCell;

    pub struct F;
    impl Family for F {
        type One = ArcSingle<Expr<F>>;
        type Many = ArcSlice<Expr<F>>;
    }

    /// Its `alloc` takes `&mut self`; the cell lets the builder take `&self`.
    #[derive(Default)]
    pub struct Build(UnsafeCell<Allocator<Expr<F>>>);
    impl Build {
        #[inline]
        #[allow(clippy::mut_from_ref)]
        fn get(&self) -> &mut Allocator<Expr<F>> {
            // SAFETY: `Build` is `!Sync` and used by one thread; the
            // closures passed to `alloc` only read an iterator over the
            // builder's stack, never the allocator, so this is the only
            // reference to it while it lives.
            unsafe { &mut *self.0.get() }
        }
    }
    impl ExprAlloc for Build {
        type F = F;
        #[inline]
        fn one(&self, node: Expr<F>) -> ArcSingle<Expr<F>> {
            self.get().alloc_value(node)
        }
        #[inline]
        fn many(&self, mut args: impl ExactSizeIterator<Item = Expr<F>>) -> ArcSlice<Expr<F>> {
            self.get()
                .alloc(args.len() as u32, |_| args.next().unwrap())
        }
        fn share(root: &ArcSingle<Expr<F>>) -> Option<ArcSingle<Expr<F>>> {
            Some(root.clone())
        }
    }
}

// ----- this crate ------------------------------------------------------------------

/// `ArenaLinks` for the `Expr<F>` of one of this crate's families, whose
/// `One` is an `ArcSingle` or an `ArcThin` and whose `Many` an `ArcSlice`.
/// `visit_links` is `#[inline(always)]`, as the trait's docs advise and the
/// derive writes it. (With `#[inline]`, until 2026-12-07, the slices' scan
/// called it per element: 111.5M build instructions for `ours` against
/// 108.7M, and 98.3M against 95.5M for `ours-thin`; docs/benchmarks.md.)
macro_rules! expr_links {
    () => {
        // SAFETY: every handle of every variant is a field owned by value
        // and reported once; `Expr` has no `Drop` impl, the handles are its
        // only drop glue, and the visit cannot panic (`DROP_ONLY_LINKS`).
        unsafe impl arena_arc::ArenaLinks for Expr<F> {
            const DROP_ONLY_LINKS: bool = true;
            #[inline(always)]
            fn visit_links(&self, links: &mut arena_arc::Links<Self>) {
                match self {
                    Expr::Num(_) => {}
                    Expr::Neg(a) => links.visit(a),
                    Expr::Add(a, b) | Expr::Mul(a, b) => {
                        links.visit(a);
                        links.visit(b);
                    }
                    Expr::Call(args) => links.visit(args),
                }
            }
        }
    };
}

mod ours {
    use super::*;
    use arena_arc::{Allocator, ArcSingle, ArcSlice};

    pub struct F;
    impl Family for F {
        type One = ArcSingle<Expr<F>>;
        type Many = ArcSlice<Expr<F>>;
    }

    expr_links!();

    /// By hand through `Allocator`, with chunks of 1024 nodes (the derive's
    /// default; `Allocator`'s own, 256, is 0.1.2's):
    /// `ACYCLIC` picks `new_acyclic()` (frees the tree) or `new()` (the
    /// 0.2 build before acyclic arenas, which leaks it; kept to measure
    /// what the acyclic bookkeeping costs). The acyclic one allocates with
    /// `alloc_linked`, the documented fast path for a type that reports its
    /// links (the scan inlined, as the derive's `alloc_value` has it);
    /// through `alloc_value` its scan is an indirect call per node, 4 ns
    /// of build (docs/benchmarks.md).
    pub struct Build<const ACYCLIC: bool>(Allocator<Expr<F>, u32, 1024>);
    impl<const ACYCLIC: bool> Default for Build<ACYCLIC> {
        fn default() -> Self {
            Build(if ACYCLIC {
                Allocator::new_acyclic()
            } else {
                Allocator::new()
            })
        }
    }
    impl<const ACYCLIC: bool> ExprAlloc for Build<ACYCLIC> {
        type F = F;
        #[inline]
        fn one(&self, node: Expr<F>) -> ArcSingle<Expr<F>> {
            if ACYCLIC {
                self.0.alloc_linked(node)
            } else {
                self.0.alloc_value(node)
            }
        }
        #[inline]
        fn many(&self, args: impl ExactSizeIterator<Item = Expr<F>>) -> ArcSlice<Expr<F>> {
            self.0.alloc_from_iter(args)
        }
        /// One copy (`alloc_split_off`).
        #[inline]
        fn many_tail(&self, stack: &mut Vec<Expr<F>>, at: usize) -> ArcSlice<Expr<F>> {
            self.0.alloc_split_off(stack, at)
        }
        fn share(root: &ArcSingle<Expr<F>>) -> Option<ArcSingle<Expr<F>>> {
            Some(root.clone())
        }
    }

    /// An emulation, to price a statically dispatched self-link count
    /// before changing the runtime: the leaking allocator, plus, before each
    /// allocation, the work an inlined count would do (visit the value's
    /// links, compare each with the current chunk's slots, add up), on a
    /// value whose variant is not known at the call site, as in `build`.
    /// The allocator does not use the count: the tree leaks as with `new()`.
    #[derive(Default)]
    pub struct InlineCount {
        arena: Allocator<Expr<F>>,
        /// The last slot handed out: stands for the current chunk.
        last: core::cell::Cell<usize>,
        found: core::cell::Cell<usize>,
    }
    impl InlineCount {
        #[inline(always)]
        fn near(&self, p: *const Expr<F>) -> usize {
            let span = 256 * size_of::<Expr<F>>();
            usize::from(self.last.get().wrapping_sub(p as usize) < span)
        }
        #[inline(always)]
        fn count(&self, node: &Expr<F>) -> usize {
            match node {
                Expr::Num(_) => 0,
                Expr::Neg(a) => self.near(a.as_ptr()),
                Expr::Add(a, b) | Expr::Mul(a, b) => self.near(a.as_ptr()) + self.near(b.as_ptr()),
                Expr::Call(args) => self.near(args.as_ptr()),
            }
        }
    }
    impl Drop for InlineCount {
        fn drop(&mut self) {
            std::hint::black_box(self.found.get());
        }
    }
    impl ExprAlloc for InlineCount {
        type F = F;
        #[inline]
        fn one(&self, node: Expr<F>) -> ArcSingle<Expr<F>> {
            self.found.set(self.found.get() + self.count(&node));
            let handle = self.arena.alloc_value(node);
            self.last.set(handle.as_ptr() as usize);
            handle
        }
        #[inline]
        fn many(&self, mut args: impl ExactSizeIterator<Item = Expr<F>>) -> ArcSlice<Expr<F>> {
            self.arena.alloc(args.len(), |_| {
                let node = args.next().unwrap();
                self.found.set(self.found.get() + self.count(&node));
                node
            })
        }
        fn share(root: &ArcSingle<Expr<F>>) -> Option<ArcSingle<Expr<F>>> {
            Some(root.clone())
        }
    }

    /// The second emulation: count where the variant is known, in the
    /// constructors (`neg`, `add`, `mul` compare their link arguments with
    /// the current chunk), and visit only the values moved into a call's
    /// argument list, as a derive-generated constructor could. Leaks, as
    /// `new()` does.
    #[derive(Default)]
    pub struct CtorCount(InlineCount);
    impl crate::tree::Builder for CtorCount {
        type Node = Expr<F>;
        type Link = ArcSingle<Expr<F>>;
        #[inline(always)]
        fn num(&self, v: i64) -> Expr<F> {
            Expr::Num(v)
        }
        #[inline(always)]
        fn neg(&self, a: ArcSingle<Expr<F>>) -> Expr<F> {
            let c = &self.0;
            c.found.set(c.found.get() + c.near(a.as_ptr()));
            Expr::Neg(a)
        }
        #[inline(always)]
        fn add(&self, a: ArcSingle<Expr<F>>, b: ArcSingle<Expr<F>>) -> Expr<F> {
            let c = &self.0;
            c.found
                .set(c.found.get() + c.near(a.as_ptr()) + c.near(b.as_ptr()));
            Expr::Add(a, b)
        }
        #[inline(always)]
        fn mul(&self, a: ArcSingle<Expr<F>>, b: ArcSingle<Expr<F>>) -> Expr<F> {
            let c = &self.0;
            c.found
                .set(c.found.get() + c.near(a.as_ptr()) + c.near(b.as_ptr()));
            Expr::Mul(a, b)
        }
        #[inline(always)]
        fn call(&self, args: impl ExactSizeIterator<Item = Expr<F>>) -> Expr<F> {
            Expr::Call(self.0.many(args))
        }
        #[inline(always)]
        fn link(&self, node: Expr<F>) -> ArcSingle<Expr<F>> {
            let handle = self.0.arena.alloc_value(node);
            self.0.last.set(handle.as_ptr() as usize);
            handle
        }
        fn share(root: &ArcSingle<Expr<F>>) -> Option<ArcSingle<Expr<F>>> {
            Some(root.clone())
        }
    }
}

/// [`ours`] with 8-byte links: `Allocator::alloc_thin` makes `ArcThin`s,
/// so the node is 24 bytes, as `Box`'s and multitude's are.
mod ours_thin {
    use super::*;
    use arena_arc::{Allocator, ArcSlice, ArcThin};

    pub struct F;
    impl Family for F {
        type One = ArcThin<Expr<F>>;
        type Many = ArcSlice<Expr<F>>;
    }

    expr_links!();

    /// Chunks that fill the 64 KiB window (`thin_capacity`): 2719 nodes.
    pub struct Build(Allocator<Expr<F>, u32, { arena_arc::thin_capacity::<Expr<F>>() }>);
    impl Default for Build {
        fn default() -> Self {
            Build(Allocator::new_acyclic())
        }
    }
    impl ExprAlloc for Build {
        type F = F;
        /// `alloc_thin_linked`, as `ours` uses `alloc_linked`: the scan of
        /// the node's links is inlined here. (`alloc_thin`, through the
        /// allocator's general commit, took 138.3M instructions to build
        /// against 98.3M: callgrind, 2026-12-07.)
        #[inline]
        fn one(&self, node: Expr<F>) -> ArcThin<Expr<F>> {
            self.0.alloc_thin_linked(node)
        }
        #[inline]
        fn many(&self, args: impl ExactSizeIterator<Item = Expr<F>>) -> ArcSlice<Expr<F>> {
            self.0.alloc_from_iter(args)
        }
        /// One copy (`alloc_split_off`).
        #[inline]
        fn many_tail(&self, stack: &mut Vec<Expr<F>>, at: usize) -> ArcSlice<Expr<F>> {
            self.0.alloc_split_off(stack, at)
        }
        fn share(root: &ArcThin<Expr<F>>) -> Option<ArcThin<Expr<F>>> {
            Some(root.clone())
        }
    }
}

/// The `Build` of a derived contestant: the node-making methods given
/// (`num` to `call`), links made by `$Node::$alloc`, and a drop that trims
/// the type's arena. The worker drops it after the main thread dropped the
/// tree: its `trim` frees the tree (timed as the arena's drop, as the
/// hand-written contestants' `Allocator` drop is), instead of the untimed
/// thread-local destruction at the thread's end.
macro_rules! derived_build {
    ($Node:ident, $link:ident, $alloc:ident, { $($make:tt)* }) => {
        #[derive(Default)]
        pub struct Build;
        impl Drop for Build {
            fn drop(&mut self) {
                $Node::trim_arena();
            }
        }
        impl Builder for Build {
            type Node = $Node;
            type Link = $link<$Node>;
            $($make)*
            #[inline(always)]
            fn link(&self, node: $Node) -> $link<$Node> {
                $Node::$alloc(node)
            }
            fn share(root: &$link<$Node>) -> Option<$link<$Node>> {
                Some(root.clone())
            }
        }
    };
}
pub(crate) use derived_build;

/// A contestant through `#[derive(ArenaAlloc)]` on the expression enum,
/// with `$link` handles made by `$Node::$alloc` in chunks of `$chunk`: the
/// enum's own per-thread arena (acyclic, since its variants hold handles to
/// it) and `alloc_from_iter`. The thread-local arena goes with the worker
/// thread.
macro_rules! derived_enum {
    ($module:ident, $Node:ident, $link:ident, $alloc:ident, $chunk:tt) => {
        mod $module {
            use arena_arc::{ArcSlice, ArenaAlloc, $link};

            use crate::tree::{Builder, ExprNode, View};

            #[derive(ArenaAlloc)]
            #[arena(chunk = $chunk)]
            pub enum $Node {
                Num(i64),
                Neg($link<$Node>),
                Add($link<$Node>, $link<$Node>),
                Mul($link<$Node>, $link<$Node>),
                Call(ArcSlice<$Node>),
            }

            impl ExprNode for $Node {
                #[inline(always)]
                fn view(&self) -> View<'_, Self> {
                    match self {
                        $Node::Num(v) => View::Num(*v),
                        $Node::Neg(a) => View::Neg(a),
                        $Node::Add(a, b) => View::Add(a, b),
                        $Node::Mul(a, b) => View::Mul(a, b),
                        $Node::Call(args) => View::Call(args),
                    }
                }
            }

            crate::contestants::derived_build!($Node, $link, $alloc, {
                #[inline(always)]
                fn num(&self, v: i64) -> $Node {
                    $Node::Num(v)
                }
                #[inline(always)]
                fn neg(&self, a: $link<$Node>) -> $Node {
                    $Node::Neg(a)
                }
                #[inline(always)]
                fn add(&self, a: $link<$Node>, b: $link<$Node>) -> $Node {
                    $Node::Add(a, b)
                }
                #[inline(always)]
                fn mul(&self, a: $link<$Node>, b: $link<$Node>) -> $Node {
                    $Node::Mul(a, b)
                }
                #[inline(always)]
                fn call(&self, args: impl ExactSizeIterator<Item = $Node>) -> $Node {
                    $Node::Call($Node::alloc_from_iter(args))
                }
                #[inline(always)]
                fn call_tail(&self, stack: &mut Vec<$Node>, at: usize) -> $Node {
                    $Node::Call($Node::alloc_split_off(stack, at))
                }
            });
        }
    };
}

// `ArcSingle` links (`DExpr::alloc_value`), chunks of 1024 nodes: the
// derive's default, 40 KiB (multitude's chunks grow to 64 KiB). With 256
// nodes the total was 6 ns per node more (docs/benchmarks.md).
derived_enum!(derive_enum, DExpr, ArcSingle, alloc_value, 1024);
// 8-byte `ArcThin` links (`TExpr::alloc_thin`), in chunks that fill the
// 64 KiB window (`chunk = thin`: `thin_capacity::<TExpr>()`, 2719 nodes).
derived_enum!(derive_thin, TExpr, ArcThin, alloc_thin, thin);

/// A contestant through `#[derive(ArenaAlloc)]` on a struct, the shape a
/// derive user writes when every node has the same fields: a kind, a value,
/// two optional operands and an argument list, filled through the typed
/// builder (`SNode::builder()...build()`), with `SNode::alloc_value` for
/// links.
macro_rules! derived_struct {
    ($module:ident, $Node:ident, $link:ident, $alloc:ident, $chunk:tt) => {
        // The derive's other builder methods (`args(vec)`, `build_arc`...)
        // are not all used here; a macro's expansion reports them.
        #[allow(dead_code)]
        mod $module {
            use arena_arc::{ArcSlice, ArenaAlloc, $link};

            use crate::contestants::{Kind, struct_view};
            use crate::tree::{Builder, ExprNode, View};

            #[derive(ArenaAlloc)]
            #[arena(chunk = $chunk)]
            pub struct $Node {
                kind: Kind,
                #[arena(default)]
                value: i64,
                #[arena(default)]
                a: Option<$link<$Node>>,
                #[arena(default)]
                b: Option<$link<$Node>>,
                #[arena(default)]
                args: ArcSlice<$Node>,
            }

            impl ExprNode for $Node {
                #[inline(always)]
                fn view(&self) -> View<'_, Self> {
                    struct_view(self.kind, self.value, &self.a, &self.b, &self.args)
                }
            }

            crate::contestants::derived_build!($Node, $link, $alloc, {
                #[inline(always)]
                fn num(&self, v: i64) -> $Node {
                    $Node::builder().kind(Kind::Num).value(v).build()
                }
                #[inline(always)]
                fn neg(&self, a: $link<$Node>) -> $Node {
                    $Node::builder().kind(Kind::Neg).a(Some(a)).build()
                }
                #[inline(always)]
                fn add(&self, a: $link<$Node>, b: $link<$Node>) -> $Node {
                    $Node::builder()
                        .kind(Kind::Add)
                        .a(Some(a))
                        .b(Some(b))
                        .build()
                }
                #[inline(always)]
                fn mul(&self, a: $link<$Node>, b: $link<$Node>) -> $Node {
                    $Node::builder()
                        .kind(Kind::Mul)
                        .a(Some(a))
                        .b(Some(b))
                        .build()
                }
                #[inline(always)]
                fn call(&self, args: impl ExactSizeIterator<Item = $Node>) -> $Node {
                    $Node::builder()
                        .kind(Kind::Call)
                        .args_from_iter(args)
                        .build()
                }
                #[inline(always)]
                fn call_tail(&self, stack: &mut Vec<$Node>, at: usize) -> $Node {
                    $Node::builder()
                        .kind(Kind::Call)
                        .args($Node::alloc_split_off(stack, at))
                        .build()
                }
            });
        }
    };
}

// `Option<ArcSingle>` operands (`SNode::alloc_value`), chunks of 1024 nodes
// (the derive's default): a 56-byte node.
derived_struct!(derive_struct, SNode, ArcSingle, alloc_value, 1024);
// `Option<ArcThin>` operands (`TNode::alloc_thin`), a 48-byte node, in
// chunks that fill the 64 KiB window (`chunk = thin`: 1359 nodes).
derived_struct!(derive_struct_thin, TNode, ArcThin, alloc_thin, thin);
