//! `bytes` interop (feature `bytes`): an `ArcSlice<u8>` or `ArcStr` becomes
//! a `bytes::Bytes` that points into the arena chunk, and the chunk is freed
//! when the last clone of the `Bytes` goes, on whichever thread.

mod common;

use arena_arc::{Allocator, ArcSlice, ArcStr};
use bytes::Bytes;
use common::counting::{self, Snapshot};

#[test]
fn bytes_point_into_the_chunk() {
    let arena: Allocator<u8, u32, 64> = Allocator::new();
    let message: ArcSlice<u8> = arena.alloc_slice_copy(b"POST /items");
    let path = message.slice(5..);
    let text: ArcStr = arena.alloc_str("héllo");
    let (message_at, path_at, text_at) = (message.as_ptr(), path.as_ptr(), text.as_ptr());

    let message = Bytes::from(message);
    let path = Bytes::from(path);
    let text = Bytes::from(text);
    assert_eq!(message.as_ptr(), message_at);
    assert_eq!(path.as_ptr(), path_at);
    assert_eq!(text.as_ptr(), text_at);
    assert_eq!(message, &b"POST /items"[..]);
    assert_eq!(path, &b"/items"[..]);
    assert_eq!(text, "héllo".as_bytes());
    // A `Bytes` cut from it still points into the chunk.
    assert_eq!(message.slice(5..).as_ptr(), path_at);
    // All three are in the allocator's one chunk.
    assert_eq!(arena.stats().chunks_created, 1);
    assert_eq!(arena.stats().chunks_alive, 1);

    assert!(Bytes::from(ArcSlice::<u8>::new()).is_empty());
    assert!(Bytes::from(ArcStr::new()).is_empty());
}

#[test]
fn the_chunk_is_freed_with_the_last_bytes_clone_on_another_thread() {
    let _serial = common::serial();
    let start = Snapshot::now();
    counting::enroll(true);
    let (bytes, at) = {
        let arena: Allocator<u8, u32, 4096> = Allocator::new();
        let message = arena.alloc_slice_copy(b"a parsed message");
        let at = message.as_ptr() as usize;
        (Bytes::from(message), at)
        // The allocator goes here; its chunk stays for the handle.
    };
    assert!(
        Snapshot::now().live_bytes - start.live_bytes >= 4096,
        "the chunk lives"
    );
    let kept = bytes.clone();
    let worker = counting::spawn(move || {
        assert_eq!(bytes.as_ptr() as usize, at);
        assert_eq!(bytes, &b"a parsed message"[..]);
        bytes.slice(2..8) // a clone cut from it, back to this thread
    });
    let cut = counting::join(worker).unwrap();
    assert_eq!(cut, &b"parsed"[..]);
    drop(kept);
    assert!(
        start.live_blocks_since() > 0,
        "one clone left: the chunk lives"
    );
    // The last clone goes on another thread, and takes the chunk with it.
    counting::join(counting::spawn(move || drop(cut))).unwrap();
    counting::enroll(false);
    start.assert_all_freed("an ArcSlice in a Bytes");
}
