//! Shared helpers of the integration tests: a counting global allocator, a
//! ledger of element drops, element types that check they are used
//! correctly, and an interpreter of random "programs" of allocator
//! operations (used by `model.rs`, and by the fuzz target through `#[path]`).
//!
//! Each test binary that declares `mod common;` gets the counting global
//! allocator. Tests that check counts must hold [`serial`] while they run:
//! the counters and the ledger are process-wide.
#![allow(dead_code)]

pub mod counting;
pub mod elems;
#[cfg(feature = "derive")]
pub mod multi;
pub mod program;

use std::sync::{Mutex, MutexGuard, Once};

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

static SERIAL: Mutex<()> = Mutex::new(());

/// Serialises the tests of one binary that look at the process-wide
/// counters. Poisoning (a failed test) does not stop the others.
pub fn serial() -> MutexGuard<'static, ()> {
    setup();
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The prefix of every panic the tests inject on purpose.
pub const INJECTED: &str = "model: injected";

/// Installs a panic hook that keeps injected panics and the allocator's own
/// refusals quiet, and warms up what std allocates lazily and keeps (panic
/// machinery, thread spawning), so that later live-byte counts are exact.
pub fn setup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = panic_message(info.payload());
            if msg.starts_with(INJECTED) || msg.starts_with("arena-arc:") {
                return;
            }
            default(info);
        }));
        let _ = std::panic::catch_unwind(|| std::panic::panic_any(format!("{INJECTED} warm-up")));
        std::thread::spawn(|| std::thread::current().id())
            .join()
            .unwrap();
    });
}

/// The text of a panic payload (`&str` or `String`), or "" for others.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        String::new()
    }
}

/// Runs `f` and returns the message it panicked with.
#[track_caller]
pub fn panic_of<R>(f: impl FnOnce() -> R) -> String {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => panic_message(&*payload),
    }
}

/// How many proptest cases to run: `PROPTEST_CASES` if set, else `default`
/// (or `miri_default` under Miri, where the environment is only visible with
/// `-Zmiri-env-forward=PROPTEST_CASES`).
pub fn cases(default: u32, miri_default: u32) -> u32 {
    if let Some(n) = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return n;
    }
    if cfg!(miri) { miri_default } else { default }
}

/// Runs `build` (given the test's [`elems::Ids`]) on a fresh thread with a fresh ledger, counting what it
/// allocates and frees until its thread-local arenas are dropped (when it
/// ends). Then checks that each element made was dropped once and no byte
/// is left.
#[track_caller]
pub fn leaves_nothing(what: &str, build: impl FnOnce(&mut elems::Ids) + Send + 'static) {
    leaves_nothing_on(what, std::thread::Builder::new(), build);
}

/// [`leaves_nothing`] on a thread made by `builder` (a small stack, say).
#[track_caller]
pub fn leaves_nothing_on(
    what: &str,
    builder: std::thread::Builder,
    build: impl FnOnce(&mut elems::Ids) + Send + 'static,
) {
    let _serial = serial();
    elems::reset();
    let start = counting::Snapshot::now();
    let thread = counting::spawn_with_locals_on(builder, move || {
        let mut ids = elems::Ids(0);
        build(&mut ids);
        ids.0
    });
    let made = counting::join(thread).unwrap();
    elems::assert_each_dropped_once(made);
    assert_eq!(
        elems::made_and_dropped(),
        (made as usize, made as usize),
        "{what}"
    );
    start.assert_all_freed(what);
}
