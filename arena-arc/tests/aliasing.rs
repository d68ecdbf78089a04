//! Issue 6: borrows from handles stay valid while the allocator writes later
//! slices into the same chunk. Run under Miri with Stacked Borrows, Tree
//! Borrows and `-Zmiri-strict-provenance`.

use arena_arc::{Allocator, ArcSingle, ArcSlice};

#[test]
fn a_borrow_survives_later_allocations_in_the_same_chunk() {
    let arena: Allocator<u32, u32, 64> = Allocator::new();
    let first = arena.alloc(4, |i| i as u32);
    let view: &[u32] = first.get();
    let single = arena.alloc_value(9);
    let one: &u32 = single.get();
    let mut later = Vec::new();
    for k in 0..10 {
        later.push(arena.alloc(4, |i| (k * 10 + i) as u32));
        // Read the old borrows between writes into the same chunk.
        assert_eq!(view, [0, 1, 2, 3]);
        assert_eq!(*one, 9);
    }
    assert!(ArcSlice::shares_chunk(&first, &later[9]));
    assert_eq!(later[9], [90, 91, 92, 93]);
    assert_eq!(view.iter().sum::<u32>(), 6);
}

#[test]
fn borrows_survive_the_allocator_retiring_and_dropping() {
    let arena: Allocator<String, u32, 2> = Allocator::new();
    let a = arena.alloc_slice_clone(&["x".to_string(), "y".to_string()]);
    let view: &[String] = &a;
    let b = arena.alloc(2, |i| i.to_string()); // retires a's chunk
    let c = arena.alloc(2, |i| i.to_string());
    drop(arena);
    assert_eq!(view, ["x", "y"]);
    assert_eq!(b.len() + c.len(), 4);
}

#[test]
fn sub_slice_borrows_and_conversions_keep_their_provenance() {
    let arena: Allocator<u8, u16, 16> = Allocator::new();
    let all = arena.alloc(10, |i| i as u8);
    let tail = all.slice(7..);
    let tail_view = tail.get();
    let one = ArcSingle::from_slice(all.slice(3..4));
    let more = arena.alloc(6, |_| 0xFF);
    assert_eq!(tail_view, [7, 8, 9]);
    assert_eq!(*one, 3);
    let back: ArcSlice<u8, u16> = one.into();
    drop(all);
    assert_eq!(back, [3]);
    assert_eq!(more.len(), 6);
}

#[test]
fn reading_every_handle_after_filling_many_chunks() {
    let arena: Allocator<u64, u32, 7> = Allocator::new();
    let handles: Vec<_> = (0..50)
        .map(|k| arena.alloc(k % 5 + 1, |i| (k * 100 + i) as u64))
        .collect();
    let views: Vec<&[u64]> = handles.iter().map(|h| h.get()).collect();
    let _more: Vec<_> = (0..20).map(|k| arena.alloc_value(k)).collect();
    for (k, view) in views.iter().enumerate() {
        assert!(
            view.iter()
                .enumerate()
                .all(|(i, &x)| x == (k * 100 + i) as u64)
        );
    }
}
