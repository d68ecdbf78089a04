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
        label: "this crate, `Allocator::new_acyclic()`",
        run: on_worker::<ours::Build<true>>,
    },
    // The lead adds two more here, once `#[derive(ArenaAlloc)]` has landed:
    // this crate through the derive on a struct ("ours-derive-struct") and
    // on an enum ("ours-derive-enum"). Each is a module below with its own
    // node type (deriving `ArenaAlloc`), an `ExprNode` impl for it (one
    // `match` into `tree::View`), and a `Builder` impl (not `ExprAlloc`,
    // since the node is not `tree::Expr`); it builds `on_worker`.
];

/// Experiments, run only when named with `--only`: not contestants.
pub const EXTRA: &[Entry] = &[Entry {
    name: "bumpalo-fat",
    label: "bumpalo with 16-byte links (a 40-byte node, as ours)",
    run: bump_fat::run,
}];

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
/// 16 bytes, as `ArcSingle` is, so the node is 40 bytes, as ours is.
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

mod ours {
    use super::*;
    use arena_arc::{Allocator, ArcSingle, ArcSlice, ArenaLinks, Links};

    pub struct F;
    impl Family for F {
        type One = ArcSingle<Expr<F>>;
        type Many = ArcSlice<Expr<F>>;
    }

    // SAFETY: every handle of every variant is a field owned by value and
    // reported once; `Expr` has no `Drop` impl.
    unsafe impl ArenaLinks for Expr<F> {
        #[inline]
        fn visit_links(&self, links: &mut Links<Self>) {
            match self {
                Expr::Num(_) => {}
                Expr::Neg(a) => links.single(a),
                Expr::Add(a, b) | Expr::Mul(a, b) => {
                    links.single(a);
                    links.single(b);
                }
                Expr::Call(args) => links.slice(args),
            }
        }
    }

    /// By hand through `Allocator` (default chunk capacity, 256 nodes):
    /// `ACYCLIC` picks `new_acyclic()` (frees the tree) or `new()` (the
    /// 0.2 build before acyclic arenas, which leaks it; kept to measure
    /// what the acyclic bookkeeping costs).
    pub struct Build<const ACYCLIC: bool>(Allocator<Expr<F>>);
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
            self.0.alloc_value(node)
        }
        #[inline]
        fn many(&self, args: impl ExactSizeIterator<Item = Expr<F>>) -> ArcSlice<Expr<F>> {
            self.0.alloc_from_iter(args)
        }
        fn share(root: &ArcSingle<Expr<F>>) -> Option<ArcSingle<Expr<F>>> {
            Some(root.clone())
        }
    }
}
