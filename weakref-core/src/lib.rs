#![doc = include_str!("../../README.md")]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod api;
mod flavor;
mod loom;
mod raw;
mod trashcan;
mod unraisable;
pub mod unsync;
mod weakrefable;

pub use unraisable::{Unraisable, UnraisableHook, set_unraisable_hook, take_unraisable_hook};
pub use weakref_derive::Weakrefable;
pub use weakrefable::Weakrefable;

api::flavor_api! {
    flavor: crate::flavor::Atomic,
    path: "weakref_core",
    std_rc: "Arc",
    callback: [Send +],
}
