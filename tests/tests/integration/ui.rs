//! Compile-fail tests: each file under `tests/tests/ui/` must fail to build with the error
//! recorded next to it in a `.stderr` file, the specification of every error a user can get
//! from the library at compile time.
//!
//! trybuild compiles them as a project of its own that depends on this package's
//! dependencies (weakref-core alone); the test runs in this binary, beside the other
//! integration tests, so that its compiling overlaps their running.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
