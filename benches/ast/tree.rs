//! The W8 tree: its shape (a postfix program made once from a fixed seed),
//! the builder every contestant implements, the interpreter that drives it,
//! and the evaluation every contestant shares.
//!
//! The shape is generated before anything is timed, as a postfix sequence of
//! [`Op`]s (children before their parent, as a parser produces them). The
//! build phase only interprets it: one `Op` read, one builder call per node,
//! the same for every contestant, so the time measured is the contestant's.

use std::ops::Deref;

/// One node of the postfix program. `Call(k)` takes the `k` nodes before it
/// as its arguments, in order.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    Num(i64),
    Neg,
    Add,
    Mul,
    Call(u32),
}

/// xorshift64*: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n >= 1`).
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
}

/// The seed of every W8 tree.
pub const SEED: u64 = 0x5EED_0AF7_1EE5_2026;

/// A tree of exactly `nodes` nodes (`Call` arguments count, they are nodes
/// too), in postfix order. About 45 % of the nodes are leaves (numbers and
/// zero-argument calls), 10 % negations, 15 % calls of 1 to 4 arguments, the
/// rest additions and multiplications; subtree sizes are split at random, so
/// the depth is a few dozen levels.
pub fn generate(nodes: usize, seed: u64) -> Vec<Op> {
    assert!(nodes >= 1);
    let mut ops = Vec::with_capacity(nodes);
    let mut rng = Rng(seed);
    subtree(&mut rng, nodes, &mut ops);
    assert_eq!(ops.len(), nodes);
    ops
}

fn subtree(rng: &mut Rng, n: usize, ops: &mut Vec<Op>) {
    if n == 1 {
        ops.push(if rng.below(10) == 0 {
            Op::Call(0)
        } else {
            Op::Num((rng.next() >> 8) as i64 - (1 << 55))
        });
        return;
    }
    let r = rng.below(100);
    if n == 2 || r < 10 {
        subtree(rng, n - 1, ops);
        ops.push(if n == 2 && r % 2 == 1 {
            Op::Call(1)
        } else {
            Op::Neg
        });
    } else if r < 30 {
        let k = (1 + rng.below(4)).min(n - 1);
        let mut extra = n - 1 - k;
        for i in 0..k {
            let more = if i + 1 == k {
                extra
            } else {
                rng.below(extra + 1)
            };
            extra -= more;
            subtree(rng, 1 + more, ops);
        }
        ops.push(Op::Call(k as u32));
    } else {
        let left = 1 + rng.below(n - 2);
        subtree(rng, left, ops);
        subtree(rng, n - 1 - left, ops);
        ops.push(if r < 65 { Op::Add } else { Op::Mul });
    }
}

/// What one node is, seen through shared references: what [`eval`] needs
/// from any contestant's node type.
pub enum View<'a, N> {
    Num(i64),
    Neg(&'a N),
    Add(&'a N, &'a N),
    Mul(&'a N, &'a N),
    Call(&'a [N]),
}

/// A node type [`eval`] can walk.
pub trait ExprNode: Sized {
    fn view(&self) -> View<'_, Self>;
}

/// Wrapping `i64` arithmetic; a call folds its arguments in order.
pub fn eval<N: ExprNode>(node: &N) -> i64 {
    match node.view() {
        View::Num(v) => v,
        View::Neg(a) => eval(a).wrapping_neg(),
        View::Add(a, b) => eval(a).wrapping_add(eval(b)),
        View::Mul(a, b) => eval(a).wrapping_mul(eval(b)),
        View::Call(args) => args.iter().fold(args.len() as i64, |acc, arg| {
            acc.wrapping_mul(31).wrapping_add(eval(arg))
        }),
    }
}

/// [`eval`] straight from the postfix program, without a tree: the value
/// every contestant must find.
pub fn eval_ops(ops: &[Op]) -> i64 {
    let mut stack: Vec<i64> = Vec::new();
    for op in ops {
        let v = match *op {
            Op::Num(v) => v,
            Op::Neg => stack.pop().unwrap().wrapping_neg(),
            Op::Add => {
                let b = stack.pop().unwrap();
                stack.pop().unwrap().wrapping_add(b)
            }
            Op::Mul => {
                let b = stack.pop().unwrap();
                stack.pop().unwrap().wrapping_mul(b)
            }
            Op::Call(k) => {
                let args = stack.split_off(stack.len() - k as usize);
                args.iter()
                    .fold(k as i64, |acc, &a| acc.wrapping_mul(31).wrapping_add(a))
            }
        };
        stack.push(v);
    }
    assert_eq!(stack.len(), 1);
    stack[0]
}

/// How a contestant makes the tree, bottom-up: node values, then a link to
/// a node (an allocation), and argument lists (an allocation of nodes).
pub trait Builder {
    /// A node, by value.
    type Node: ExprNode;
    /// A child link; the root is one too.
    type Link: Deref<Target = Self::Node>;

    fn num(&self, v: i64) -> Self::Node;
    fn neg(&self, a: Self::Link) -> Self::Node;
    fn add(&self, a: Self::Link, b: Self::Link) -> Self::Node;
    fn mul(&self, a: Self::Link, b: Self::Link) -> Self::Node;
    /// A call whose arguments are `args`, moved into one allocation.
    fn call(&self, args: impl ExactSizeIterator<Item = Self::Node>) -> Self::Node;
    /// A call whose arguments are `stack[at..]`, moved into one allocation
    /// and popped: [`call`](Self::call) of a `Drain`, unless the contestant
    /// has a better way to move the top of a stack.
    #[inline(always)]
    fn call_tail(&self, stack: &mut Vec<Self::Node>, at: usize) -> Self::Node {
        self.call(stack.drain(at..))
    }
    /// Moves `node` into its own allocation.
    fn link(&self, node: Self::Node) -> Self::Link;
    /// A second handle to the same tree (a handle clone), or `None` when the
    /// link is not shared (`Box`: a clone would copy the tree).
    fn share(root: &Self::Link) -> Option<Self::Link>;
}

/// Runs the postfix program through `b` and returns the root's link.
#[inline(never)]
pub fn build<B: Builder>(b: &B, ops: &[Op]) -> B::Link {
    let mut stack: Vec<B::Node> = Vec::with_capacity(256);
    for op in ops {
        let node = match *op {
            Op::Num(v) => b.num(v),
            Op::Neg => {
                let a = b.link(stack.pop().unwrap());
                b.neg(a)
            }
            Op::Add | Op::Mul => {
                let rhs = b.link(stack.pop().unwrap());
                let lhs = b.link(stack.pop().unwrap());
                if matches!(op, Op::Add) {
                    b.add(lhs, rhs)
                } else {
                    b.mul(lhs, rhs)
                }
            }
            Op::Call(k) => {
                let at = stack.len() - k as usize;
                b.call_tail(&mut stack, at)
            }
        };
        stack.push(node);
    }
    let root = stack.pop().unwrap();
    assert!(stack.is_empty());
    b.link(root)
}

// ----- the shared `Expr` enum of the hand-written contestants ---------------

/// The link types of one contestant.
pub trait Family: Sized {
    type One: Deref<Target = Expr<Self>>;
    type Many: Deref<Target = [Expr<Self>]>;
}

/// The expression enum every hand-written contestant uses, with its own
/// link types: `Box<Expr>` and `Box<[Expr]>`, `ArcSingle<Expr>` and
/// `ArcSlice<Expr>`, `&Expr` and `&[Expr]`...
pub enum Expr<F: Family> {
    Num(i64),
    Neg(F::One),
    Add(F::One, F::One),
    Mul(F::One, F::One),
    Call(F::Many),
}

impl<F: Family> ExprNode for Expr<F> {
    #[inline]
    fn view(&self) -> View<'_, Self> {
        match self {
            Expr::Num(v) => View::Num(*v),
            Expr::Neg(a) => View::Neg(a),
            Expr::Add(a, b) => View::Add(a, b),
            Expr::Mul(a, b) => View::Mul(a, b),
            Expr::Call(args) => View::Call(args),
        }
    }
}

/// What a hand-written contestant provides: its two allocations. The rest
/// of [`Builder`] follows.
pub trait ExprAlloc {
    type F: Family;
    fn one(&self, node: Expr<Self::F>) -> <Self::F as Family>::One;
    fn many(&self, args: impl ExactSizeIterator<Item = Expr<Self::F>>)
    -> <Self::F as Family>::Many;
    /// `stack[at..]`, moved into one allocation and popped: [`many`] of a
    /// `Drain` unless overridden.
    ///
    /// [`many`]: Self::many
    #[inline(always)]
    fn many_tail(&self, stack: &mut Vec<Expr<Self::F>>, at: usize) -> <Self::F as Family>::Many {
        self.many(stack.drain(at..))
    }
    fn share(root: &<Self::F as Family>::One) -> Option<<Self::F as Family>::One>;
}

impl<A: ExprAlloc> Builder for A {
    type Node = Expr<A::F>;
    type Link = <A::F as Family>::One;

    #[inline(always)]
    fn num(&self, v: i64) -> Self::Node {
        Expr::Num(v)
    }
    #[inline(always)]
    fn neg(&self, a: Self::Link) -> Self::Node {
        Expr::Neg(a)
    }
    #[inline(always)]
    fn add(&self, a: Self::Link, b: Self::Link) -> Self::Node {
        Expr::Add(a, b)
    }
    #[inline(always)]
    fn mul(&self, a: Self::Link, b: Self::Link) -> Self::Node {
        Expr::Mul(a, b)
    }
    #[inline(always)]
    fn call(&self, args: impl ExactSizeIterator<Item = Self::Node>) -> Self::Node {
        Expr::Call(self.many(args))
    }
    #[inline(always)]
    fn call_tail(&self, stack: &mut Vec<Self::Node>, at: usize) -> Self::Node {
        Expr::Call(self.many_tail(stack, at))
    }
    #[inline(always)]
    fn link(&self, node: Self::Node) -> Self::Link {
        self.one(node)
    }
    fn share(root: &Self::Link) -> Option<Self::Link> {
        A::share(root)
    }
}
