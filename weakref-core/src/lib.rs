//! weakref for Rust (crate docs come from the README).

mod weakrefable;

pub use weakref_derive::Weakrefable;
pub use weakrefable::Weakrefable;
