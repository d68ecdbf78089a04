//! The smallest tour: allocate, share across threads, sub-slice, inspect stats.
//!
//! Run with `cargo run --example quickstart`.

use arena_arc::{Allocator, ArcSingle, ArcSlice};

fn main() {
    let arena: Allocator<u64, u32, 1024> = Allocator::new();

    let squares: ArcSlice<u64> = arena.alloc(10, |i| (i * i) as u64);
    let answer: ArcSingle<u64> = arena.alloc_value(42);
    let middle = squares.slice(3..6);

    let worker = std::thread::spawn({
        let squares = squares.clone();
        move || squares.iter().sum::<u64>()
    });
    println!("sum of squares 0..10 = {}", worker.join().unwrap());
    println!("middle = {middle:?}, answer = {answer}");
    println!("{:#?}", arena.stats());
}
