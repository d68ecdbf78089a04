//! Code written for `arena-arc` 0.1.2, compiled against this crate (issue
//! 12, defect 5: the README claimed it all kept compiling, and a length of
//! type `L` did not).
//!
//! The 0.1.2 README's quick start compiles unchanged. The typical 0.1.2
//! program below compiles with exactly the changes the README's "Migrating
//! from 0.1" section lists, each marked `// 0.1.2:` with the original line;
//! the originals that no longer compile are `compile_fail` doc tests with
//! their error codes in `src/lib.rs` (`Migrating01`).
// 0.1.2 allocated through `&mut self`, so its programs say `let mut`; that is
// a warning now, not an error.
#![allow(unused_mut)]

use std::sync::atomic::{AtomicUsize, Ordering};

use arena_arc::{Allocator, ArcSingle, ArcSlice, IndexType};

/// The 0.1.2 README's quick start, verbatim.
#[test]
fn the_0_1_2_readme_quick_start_compiles_unchanged() {
    use arena_arc::Allocator;

    let mut allocator: Allocator<u32, u32, 16> = Allocator::new();
    let handle = allocator.alloc(4, |i| (i * 2) as u32);
    assert_eq!(handle.get(), &[0, 2, 4, 6]);
}

// ----- a typical 0.1.2 program ------------------------------------------

/// A mesh whose index lists are `u16`-indexed arena slices.
struct Mesh {
    name: ArcSingle<String, u16>,
    faces: Vec<ArcSlice<u32, u16>>,
}

/// Generic over the index type, with the length given as an `L`, as 0.1.2's
/// `alloc(len: L, ..)` invited.
fn ramp<L: IndexType, const N: usize>(
    arena: &mut Allocator<u32, L, N>,
    len: L,
) -> ArcSlice<u32, L> {
    // 0.1.2: arena.alloc(len, |i| i as u32)
    arena.alloc(len.try_into().unwrap(), |i| i as u32)
}

/// A length bound from the index type's `TryFrom<usize>`, as 0.1.2 code
/// wrote it.
fn checked_len<L: IndexType>(n: usize) -> L {
    L::try_from(n).expect("fits")
}

fn load_mesh(
    names: &mut Allocator<String, u16, 8>,
    indices: &mut Allocator<u32, u16, 64>,
    sides: &[u16],
) -> Result<Mesh, String> {
    let name = names.alloc_single(|| "cube".to_string());
    let mut faces = Vec::new();
    for &n in sides {
        // 0.1.2: indices.try_alloc(n, |i| ...)
        let face =
            indices.try_alloc(n as usize, |i| u32::try_from(i).map_err(|e| e.to_string()))?;
        faces.push(face);
    }
    Ok(Mesh { name, faces })
}

#[test]
fn a_typical_0_1_2_program_compiles_with_the_documented_changes() {
    let mut names: Allocator<String, u16, 8> = Allocator::new();
    let mut indices: Allocator<u32, u16, 64> = Allocator::default();
    let mesh = load_mesh(&mut names, &mut indices, &[4, 4, 3]).unwrap();
    assert_eq!(*mesh.name.get(), "cube");
    assert_eq!(mesh.name.len(), 4, "String::len through Deref");
    assert_eq!(mesh.faces[2].get(), &[0, 1, 2]);
    assert_eq!(mesh.faces.iter().map(|f| f.len()).sum::<usize>(), 11);

    // A length of type `L`.
    let n: u16 = 5;
    // 0.1.2: indices.alloc(n, |i| i as u32 * 10)
    let tens = indices.alloc(n as usize, |i| i as u32 * 10);
    assert_eq!(&tens[..], &[0, 10, 20, 30, 40]);
    let mut generic: Allocator<u32, u64, 16> = Allocator::new();
    assert_eq!(ramp(&mut generic, checked_len::<u64>(3)).get(), &[0, 1, 2]);

    // Singles, values, conversions, empties.
    let mut values: Allocator<u64> = Allocator::new();
    let one = values.alloc_value(7);
    let two = values.try_alloc_single(|| Ok::<u64, ()>(8)).unwrap();
    assert_eq!(*one + *two, 15);
    let slice: ArcSlice<u64> = ArcSlice::from(two.clone());
    let back = ArcSingle::from_slice(slice.clone());
    assert_eq!(*back.get(), 8);
    assert!(ArcSingle::try_from(values.alloc(2, |_| 0)).is_err());
    let single: ArcSingle<u64> = ArcSingle::try_from(slice).unwrap();
    assert_eq!(*single, 8);
    let failed: Result<ArcSlice<u64>, &str> = values.try_alloc(3, |_| Err("no"));
    assert_eq!(failed.err(), Some("no"));
    assert!(ArcSlice::<u64>::empty().get().is_empty());
    assert!(Allocator::<u64>::alloc_empty().is_empty());
    assert!(values.alloc(0, |_| unreachable!()).is_empty());

    // Handles are shared with other threads.
    let shared = indices.alloc(3, |i| i as u32);
    let sum = std::thread::spawn({
        let shared = shared.clone();
        move || shared.iter().sum::<u32>()
    });
    assert_eq!(sum.join().unwrap(), 3);
    assert!(format!("{indices:?}").contains("Allocator"));
}

/// 0.1.2's own test of drops across chunks and a large allocation,
/// verbatim: it compiles unchanged and passes.
#[test]
fn the_0_1_2_multiple_chunks_test_passes_unchanged() {
    #[derive(Debug)]
    struct DropCounter<'a> {
        #[allow(dead_code)]
        value: usize,
        drops: &'a AtomicUsize,
    }

    impl<'a> Drop for DropCounter<'a> {
        fn drop(&mut self) {
            self.drops.fetch_add(1, Ordering::SeqCst);
        }
    }

    static DROPS: AtomicUsize = AtomicUsize::new(0);

    {
        let mut allocator: Allocator<DropCounter, u32, 4> = Allocator::new();
        let h1 = allocator.alloc(3, |i| DropCounter {
            value: i,
            drops: &DROPS,
        });
        let h2 = allocator.alloc(2, |i| DropCounter {
            value: i + 3,
            drops: &DROPS,
        });
        let h3 = allocator.alloc(10, |i| DropCounter {
            value: i + 5,
            drops: &DROPS,
        });

        assert_eq!(h1.get().len(), 3);
        assert_eq!(h2.get().len(), 2);
        assert_eq!(h3.get().len(), 10);
        let _ = (h1, h2, h3);
    }

    // 3 + 2 + 10 items dropped exactly once.
    assert_eq!(DROPS.load(Ordering::SeqCst), 15);
}
