//! Compile-fail tests: each file under `tests/ui/` must fail to build with the error recorded
//! next to it in a `.stderr` file.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
