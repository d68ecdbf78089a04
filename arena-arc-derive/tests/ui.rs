//! Compile-time behaviour of the macros: every accepted form compiles
//! (`ui/pass`), every rejected one fails with the message and span in its
//! `.stderr` (`ui/fail`). Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p arena-arc-derive --test ui` and read
//! every changed one before committing.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
