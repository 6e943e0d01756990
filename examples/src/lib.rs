//! Runnable examples of `weakref-core`, in `examples/` (`cargo run -p weakref-examples
//! --example tour`). This library only runs the repository README's code as doc tests.

/// The repository README's examples, run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
