//! Compile-fail tests: each file under `tests/ui/` must fail to build with the error recorded
//! next to it in a `.stderr` file.
//!
//! They live in this package, the one with the fewest dependencies, because trybuild compiles
//! every dependency of the package that holds them once more.

#![cfg(not(loom))]

#[test]
#[cfg_attr(miri, ignore = "trybuild runs rustc, which Miri cannot")]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
