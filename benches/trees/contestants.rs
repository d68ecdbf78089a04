//! The contestants of `trees`: this crate's derived types, `Box`, `Arc` and
//! multitude, each one module with its links, its arena and, from
//! `model.rs`'s macros, the same builder and walk.

use crate::model::{AOp, AstSum, JOp, JsonSum, Program};

/// What a run needs of a contestant.
pub trait Contestant {
    /// Made on the building thread before the first node, dropped after
    /// the last measurement (this crate: trims the thread's arenas).
    type Arena: Default;
    /// A handle to the root of an AST.
    type Ast: Send;
    /// A document (its root value).
    type Doc;
    fn build_ast(a: &Self::Arena, p: &Program<AOp>) -> Self::Ast;
    fn walk_ast(root: &Self::Ast) -> AstSum;
    fn build_doc(a: &Self::Arena, p: &Program<JOp>) -> Self::Doc;
    fn walk_doc(doc: &Self::Doc) -> JsonSum;
    /// After each document of a stream (this crate with `trim`:
    /// `arena_arc::trim_thread()`).
    fn after_doc() {}
    /// `size_of` `Expr`, `Stmt` and `Value`.
    fn sizes() -> [usize; 3];
}

/// One contestant of the tables.
pub struct Entry {
    pub name: &'static str,
    pub label: &'static str,
    pub ast: fn(&Program<AOp>) -> crate::run::AstSample,
    pub stream: fn(&Program<JOp>, usize, bool) -> crate::run::StreamSample,
    /// Runs the AST workload (`ours-trim` only streams).
    pub in_ast: bool,
    /// Runs the streams of documents (`ours-thin`, whose documents are
    /// `ours`'s, only the AST).
    pub in_streams: bool,
}

macro_rules! entry {
    ($name:literal, $label:literal, $c:ty, $in_ast:literal) => {
        entry!($name, $label, $c, $in_ast, true)
    };
    ($name:literal, $label:literal, $c:ty, $in_ast:literal, $in_streams:literal) => {
        Entry {
            name: $name,
            label: $label,
            ast: crate::run::ast::<$c>,
            stream: crate::run::stream::<$c>,
            in_ast: $in_ast,
            in_streams: $in_streams,
        }
    };
}

pub const ALL: &[Entry] = &[
    entry!("ours", "this crate, `#[derive(ArenaAlloc)]`", ours::C, true),
    entry!(
        "ours-trim",
        "this crate, + `trim_thread()` per document",
        ours::Trim,
        false
    ),
    entry!(
        "ours-recycle",
        "this crate, + `recycle_thread()` per document",
        ours::Recycle,
        false
    ),
    entry!(
        "ours-thin",
        "this crate, `#[derive(ArenaAlloc)]`, 8-byte `ArcThin` singles",
        ours_thin::C,
        true,
        false
    ),
    entry!("Box", "`Box` (a tree: never shared)", std_box::C, true),
    entry!("Arc", "`Arc`", std_arc::C, true),
    entry!("multitude", "multitude 0.12.0 `Arc`", multi::C, true),
];

pub fn find(name: &str) -> Option<&'static Entry> {
    ALL.iter().find(|e| e.name == name)
}

// ----- this crate -----------------------------------------------------------------

/// The node types written as a user of the derive writes them: no
/// attribute, links in every direction, nodes held by value in `Stmt::Let`
/// and `Member`. Each type has its own per-thread arena, and the thread's
/// arenas share one generation, so the trees free themselves.
mod ours {
    use arena_arc::{ArcSingle, ArcSlice, ArcStr, ArenaAlloc};

    type One<T> = ArcSingle<T>;

    #[derive(ArenaAlloc)]
    pub struct Item {
        name: ArcStr,
        params: ArcSlice<Pat>,
        ret: Option<ArcSingle<Ty>>,
        body: ArcSlice<Stmt>,
    }

    #[derive(ArenaAlloc)]
    pub enum Stmt {
        Let { pat: Pat, init: Expr },
        Expr(Expr),
        Item(ArcSingle<Item>),
    }

    #[derive(ArenaAlloc)]
    pub enum Expr {
        Lit(i64),
        Var(ArcStr),
        Binary(u8, ArcSingle<Expr>, ArcSingle<Expr>),
        Call(ArcStr, ArcSlice<Expr>),
        Block(ArcSlice<Stmt>),
        Cast(ArcSingle<Expr>, ArcSingle<Ty>),
    }

    #[derive(ArenaAlloc)]
    pub enum Pat {
        Wild,
        Bind(ArcStr),
        Tuple(ArcSlice<Pat>),
        Typed(ArcSingle<Pat>, ArcSingle<Ty>),
    }

    #[derive(ArenaAlloc)]
    pub enum Ty {
        Int,
        Named(ArcStr),
        Tuple(ArcSlice<Ty>),
        Fn(ArcSlice<Ty>, ArcSingle<Ty>),
    }

    #[derive(ArenaAlloc)]
    pub enum Value {
        Null,
        Bool(bool),
        Number(f64),
        String(ArcStr),
        Array(ArcSlice<Value>),
        Object(ArcSlice<Member>),
    }

    #[derive(ArenaAlloc)]
    pub struct Member {
        pub(super) key: ArcStr,
        pub(super) value: Value,
    }

    /// Nothing to hold: the arenas are per thread. Its drop trims them, as
    /// W8's derived contestants do, so that the building thread's share of
    /// the drop is timed rather than left to the thread's end.
    #[derive(Default)]
    pub struct Arena;
    impl Drop for Arena {
        fn drop(&mut self) {
            arena_arc::trim_thread();
        }
    }
    impl Arena {
        #[inline(always)]
        fn one<T: ArenaAlloc<Index = u32>>(&self, value: T) -> ArcSingle<T> {
            T::alloc_value(value)
        }
        /// The last `k` items of `v`, moved into one slice with one copy
        /// (`alloc_split_off`).
        #[inline(always)]
        pub(super) fn tail<T: ArenaAlloc<Index = u32>>(
            &self,
            v: &mut Vec<T>,
            k: u32,
        ) -> ArcSlice<T> {
            T::alloc_split_off(v, v.len() - k as usize)
        }
        #[inline(always)]
        pub(super) fn string(&self, s: &str) -> ArcStr {
            ArcStr::from(s)
        }
    }

    crate::model::build_and_walk!();

    /// The same, with `arena_arc::trim_thread()` after each document of a
    /// stream.
    pub type Trim = After<false>;
    /// The same, with `arena_arc::recycle_thread()` after each document of
    /// a stream: the dead document is freed and its chunks kept for the
    /// next.
    pub type Recycle = After<true>;

    /// The same, with a call after each document of a stream:
    /// `recycle_thread()` if `KEEP`, `trim_thread()` otherwise.
    pub struct After<const KEEP: bool>;
    impl<const KEEP: bool> crate::contestants::Contestant for After<KEEP> {
        type Arena = Arena;
        type Ast = One<Item>;
        type Doc = Value;
        fn build_ast(a: &Arena, p: &Program<AOp>) -> One<Item> {
            build_ast(a, p)
        }
        fn walk_ast(root: &One<Item>) -> AstSum {
            walk_ast(root)
        }
        fn build_doc(a: &Arena, p: &Program<JOp>) -> Value {
            build_doc(a, p)
        }
        fn walk_doc(doc: &Value) -> JsonSum {
            walk_doc(doc)
        }
        fn after_doc() {
            if KEEP {
                arena_arc::recycle_thread();
            } else {
                arena_arc::trim_thread();
            }
        }
        fn sizes() -> [usize; 3] {
            <C as crate::contestants::Contestant>::sizes()
        }
    }
}

/// The same node types with 8-byte [`ArcThin`](arena_arc::ArcThin) singles
/// (`alloc_thin`), each type's chunks filling the 64 KiB window that
/// `ArcThin` needs (`#[arena(chunk = thin)]`: `thin_capacity` of the type). Slices and strings stay
/// 16-byte `ArcSlice`s and `ArcStr`s, so `Expr` (a call: a name and its
/// arguments) stays 40 bytes; `Stmt` goes from 72 (with 12-byte
/// `ArcSingle`s) to 64, `Pat` from 32 to 24.
mod ours_thin {
    use arena_arc::{ArcSlice, ArcStr, ArcThin, ArenaAlloc};

    type One<T> = ArcThin<T>;

    #[derive(ArenaAlloc)]
    #[arena(chunk = thin)]
    pub struct Item {
        name: ArcStr,
        params: ArcSlice<Pat>,
        ret: Option<ArcThin<Ty>>,
        body: ArcSlice<Stmt>,
    }

    #[derive(ArenaAlloc)]
    #[arena(chunk = thin)]
    pub enum Stmt {
        Let { pat: Pat, init: Expr },
        Expr(Expr),
        Item(ArcThin<Item>),
    }

    #[derive(ArenaAlloc)]
    #[arena(chunk = thin)]
    pub enum Expr {
        Lit(i64),
        Var(ArcStr),
        Binary(u8, ArcThin<Expr>, ArcThin<Expr>),
        Call(ArcStr, ArcSlice<Expr>),
        Block(ArcSlice<Stmt>),
        Cast(ArcThin<Expr>, ArcThin<Ty>),
    }

    #[derive(ArenaAlloc)]
    #[arena(chunk = thin)]
    pub enum Pat {
        Wild,
        Bind(ArcStr),
        Tuple(ArcSlice<Pat>),
        Typed(ArcThin<Pat>, ArcThin<Ty>),
    }

    #[derive(ArenaAlloc)]
    #[arena(chunk = thin)]
    pub enum Ty {
        Int,
        Named(ArcStr),
        Tuple(ArcSlice<Ty>),
        Fn(ArcSlice<Ty>, ArcThin<Ty>),
    }

    // The documents are `ours`'s (this contestant runs only the AST).
    use super::ours::{Member, Value};

    /// `ours`'s arena, whose drop trims the thread's arenas, with singles
    /// made by `alloc_thin`.
    #[derive(Default)]
    pub struct Arena(super::ours::Arena);
    impl std::ops::Deref for Arena {
        type Target = super::ours::Arena;
        fn deref(&self) -> &super::ours::Arena {
            &self.0
        }
    }
    impl Arena {
        #[inline(always)]
        fn one<T: ArenaAlloc<Index = u32>>(&self, value: T) -> ArcThin<T> {
            T::alloc_thin(value)
        }
    }

    crate::model::build_and_walk!();
}

// ----- std --------------------------------------------------------------------------

/// `Box<T>`, `Box<[T]>` and `Box<str>`: a tree is a tree, so `Box` can hold
/// every link of these documents (it only can't share them).
mod std_box {
    type One<T> = Box<T>;
    type Many<T> = Box<[T]>;
    type Str = Box<str>;

    crate::model::ast_types!();
    crate::model::json_types!();

    #[derive(Default)]
    pub struct Arena;
    impl Arena {
        #[inline(always)]
        fn one<T>(&self, value: T) -> Box<T> {
            Box::new(value)
        }
        /// The last `k` items of `v`, moved into one slice: `split_off`'s
        /// one copy into a `Vec` of that length, which becomes the box.
        #[inline(always)]
        fn tail<T>(&self, v: &mut Vec<T>, k: u32) -> Box<[T]> {
            v.split_off(v.len() - k as usize).into_boxed_slice()
        }
        #[inline(always)]
        fn string(&self, s: &str) -> Box<str> {
            Box::from(s)
        }
    }

    crate::model::build_and_walk!();
}

mod std_arc {
    use std::sync::Arc;

    type One<T> = Arc<T>;
    type Many<T> = Arc<[T]>;
    type Str = Arc<str>;

    crate::model::ast_types!();
    crate::model::json_types!();

    #[derive(Default)]
    pub struct Arena;
    impl Arena {
        #[inline(always)]
        fn one<T>(&self, value: T) -> Arc<T> {
            Arc::new(value)
        }
        /// The last `k` items of `v`, moved into one slice: collected
        /// from a `Drain` (one allocation; `Arc::from(v.split_off(..))`
        /// would make two).
        #[inline(always)]
        fn tail<T>(&self, v: &mut Vec<T>, k: u32) -> Arc<[T]> {
            let at = v.len() - k as usize;
            v.drain(at..).collect()
        }
        #[inline(always)]
        fn string(&self, s: &str) -> Arc<str> {
            Arc::from(s)
        }
    }

    crate::model::build_and_walk!();
}

// ----- multitude ----------------------------------------------------------------------

/// multitude's reference-counted `Arc`s from one `Arena` (as W8 uses it),
/// made on the building thread and dropped after the measurements.
mod multi {
    use multitude::Arc;

    type One<T> = Arc<T>;
    type Many<T> = Arc<[T]>;
    type Str = Arc<str>;

    crate::model::ast_types!();
    crate::model::json_types!();

    #[derive(Default)]
    pub struct Arena(multitude::Arena);
    impl Arena {
        #[inline(always)]
        fn one<T: Send + Sync>(&self, value: T) -> Arc<T> {
            self.0.alloc_arc(value)
        }
        /// The last `k` items of `v`, moved into one slice: multitude has
        /// no move from a `Vec`, so its fill takes them from a `Drain`.
        #[inline(always)]
        fn tail<T: Send + Sync>(&self, v: &mut Vec<T>, k: u32) -> Arc<[T]> {
            let at = v.len() - k as usize;
            let mut items = v.drain(at..);
            self.0
                .alloc_slice_fill_with_arc(items.len(), |_| items.next().unwrap())
        }
        #[inline(always)]
        fn string(&self, s: &str) -> Arc<str> {
            self.0.alloc_str_arc(s)
        }
    }

    crate::model::build_and_walk!();
}
