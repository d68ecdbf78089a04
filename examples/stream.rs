//! A stream of documents on a thread that stays alive: build, walk and drop
//! 40 generated JSON-like documents, and watch the live heap.
//!
//! Run with `cargo run --example stream`.
//!
//! The document model is two derived types pointing at each other, written
//! the natural way, with no attribute:
//!
//! ```ignore
//! #[derive(ArenaAlloc)] enum Value { Null, Bool(bool), Number(f64), String(ArcStr), Array(ArcSlice<Value>), Object(ArcSlice<Member>) }
//! #[derive(ArenaAlloc)] struct Member { key: ArcStr, value: Value }
//! ```
//!
//! Each type has its own per-thread arena; the arenas of one thread share
//! one *generation*, so a document frees itself with its last handle.
//!
//! - **Drop-before-next** (build, walk, drop, then the next): the live heap
//!   stays flat with no call. What a dropped document still holds in the
//!   arenas' current chunks goes at the thread's next allocation.
//! - **Keep-latest** (build the next while the previous lives, then replace
//!   it): the next document's first values share chunks with the previous
//!   one's root, which chains the documents together, so the heap grows
//!   with every document; one `arena_arc::trim_thread()` per document
//!   (after the replacement) keeps it bounded, and so does one
//!   `arena_arc::recycle_thread()`, which keeps the dead document's chunks
//!   for the next one instead of giving them back.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use arena_arc::{ArcSlice, ArcStr, ArenaAlloc};

const DOCUMENTS: usize = 40;
/// Values per document (members are counted apart).
const VALUES: usize = 10_000;

#[derive(ArenaAlloc)]
enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(ArcStr),
    Array(ArcSlice<Value>),
    Object(ArcSlice<Member>),
}

#[derive(ArenaAlloc)]
struct Member {
    key: ArcStr,
    value: Value,
}

// ----- generating a document (deterministic xorshift) ---------------------------

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

const KEYS: [&str; 8] = [
    "id",
    "name",
    "text",
    "user",
    "created_at",
    "count",
    "tags",
    "x",
];

/// A value made of exactly `n` values, children before their parent, as a
/// parser makes them. Objects' members and arrays' items go into their
/// types' arenas in one slice each.
fn value(rng: &mut Rng, n: usize) -> Value {
    if n == 1 {
        return match rng.below(10) {
            0..=3 => Value::String(ArcStr::from(KEYS[rng.below(8)].repeat(1 + rng.below(6)))),
            4..=7 => Value::Number(rng.below(1 << 20) as f64 / 4.0),
            8 => Value::Bool(rng.below(2) == 0),
            _ => Value::Null,
        };
    }
    let k = 1 + rng.below(12.min(n - 1));
    let mut extra = n - 1 - k;
    let mut sizes: Vec<usize> = (0..k)
        .map(|_| {
            let more = rng.below(extra + 1);
            extra -= more;
            1 + more
        })
        .collect();
    sizes[k - 1] += extra;
    let children: Vec<Value> = sizes.into_iter().map(|n| value(rng, n)).collect();
    if rng.below(10) < 6 {
        Value::Object(Member::alloc_from_iter(children.into_iter().map(|value| {
            let key = ArcStr::from(KEYS[rng.below(8)]);
            Member { key, value }
        })))
    } else {
        Value::Array(Value::alloc_from_iter(children))
    }
}

/// Document `i`: an object of `VALUES` values.
fn document(i: usize) -> Value {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
    value(&mut rng, VALUES)
}

/// What the walk reads: every value, every string and key, every number.
#[derive(Default)]
struct Walk {
    values: usize,
    bytes: usize,
    trues: usize,
    sum: f64,
}

fn walk(v: &Value, w: &mut Walk) {
    w.values += 1;
    match v {
        Value::Null => {}
        Value::Bool(b) => w.trues += usize::from(*b),
        Value::Number(x) => w.sum += x,
        Value::String(s) => w.bytes += s.len(),
        Value::Array(items) => items.iter().for_each(|v| walk(v, w)),
        Value::Object(members) => members.iter().for_each(|m| {
            w.bytes += m.key.len();
            walk(&m.value, w);
        }),
    }
}

// ----- measuring ------------------------------------------------------------------

/// The global allocator, counting the bytes in use.
struct Counting;
static HEAP: AtomicUsize = AtomicUsize::new(0);
// SAFETY: every call is forwarded to `System` unchanged; we only count.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HEAP.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: our caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HEAP.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: our caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

fn kib(bytes: usize) -> String {
    format!("{:>5} KiB", bytes.div_ceil(1024))
}

/// Runs one stream on a new thread, which stays alive until the stream and
/// its last measurements are done. Prints the live heap after documents 1,
/// 10, 20, 30 and 40 (with the latest alive in keep-latest), then with no
/// document alive, after one `trim_thread()`, and once the thread ended.
/// `each` is called after every document.
fn stream(title: &str, keep: bool, each: fn()) -> f64 {
    println!("\n{title}");
    let base = HEAP.load(Ordering::Relaxed);
    let live = move || HEAP.load(Ordering::Relaxed).saturating_sub(base);
    let (first, last) = std::thread::spawn(move || {
        let mut latest = None;
        let mut line = Vec::new();
        let (mut first, mut last) = (0, 0);
        for i in 0..DOCUMENTS {
            let doc = document(i);
            let mut w = Walk::default();
            walk(&doc, &mut w);
            assert!(w.values == VALUES && w.bytes > 0 && w.trues > 0 && w.sum > 0.0);
            if keep {
                latest = Some(doc); // the previous document goes now
            } else {
                drop(doc);
            }
            each();
            let now = live();
            if i == 0 || (i + 1) % 10 == 0 {
                line.push(format!("{}: {}", i + 1, kib(now).trim_start()));
            }
            (first, last) = (if i == 0 { now } else { first }, now);
        }
        println!("  live heap after document {}", line.join(",  "));
        drop(latest);
        let idle = live();
        // One more allocation sees that no handle into the thread's open
        // generation is left, and trims the thread's arenas.
        drop(Value::alloc_value(Value::Null));
        let next = live();
        arena_arc::trim_thread();
        println!(
            "  no document alive: {}; after one more allocation: {}; after trim_thread(): {}",
            kib(idle).trim_start(),
            kib(next).trim_start(),
            kib(live()).trim_start()
        );
        (first, last)
    })
    .join()
    .unwrap();
    let growth = last as f64 / first as f64;
    println!(
        "  thread ended: {} bytes left; after the last document / after the first: {growth:.1}x",
        live(),
    );
    growth
}

fn main() {
    // The first thread spawn allocates a few bytes of std state for good.
    std::thread::spawn(|| ()).join().unwrap();
    println!(
        "{DOCUMENTS} JSON-like documents of {VALUES} values each, built, walked and dropped on one live thread."
    );
    let flat = |growth: f64| {
        if growth < 2.0 {
            "stays bounded"
        } else {
            "GROWS"
        }
    };
    let drop_first = stream(
        "1. drop-before-next (build, walk, drop, then the next):",
        false,
        || (),
    );
    let keep = stream(
        "2. keep-latest (build the next while the previous lives, then replace it):",
        true,
        || (),
    );
    let keep_trim = stream(
        "3. keep-latest with one arena_arc::trim_thread() per document, after the replacement:",
        true,
        arena_arc::trim_thread,
    );
    let keep_recycle = stream(
        "4. keep-latest with one arena_arc::recycle_thread() per document (keeps the dead one's chunks):",
        true,
        arena_arc::recycle_thread,
    );
    println!(
        "\nDrop-before-next {} with no call. Keep-latest {} without a call: the next\n\
         document's first values share chunks with the previous root, which chains the\n\
         documents; with one trim_thread() per document it {}, and with one\n\
         recycle_thread() it {} (holding the dead document's chunks for the next one).\n\
         Once no document is alive, the thread's next allocation (or trim_thread()) frees\n\
         the chain; what is left are chunks kept for the next document, which trim_thread()\n\
         or the thread's end gives back.",
        flat(drop_first),
        flat(keep).to_lowercase(),
        flat(keep_trim),
        flat(keep_recycle),
    );
}
