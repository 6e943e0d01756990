//! Checklist sections 1-3 and 6 (weak references, their callbacks, hash/eq/repr, counting),
//! each test run against both flavors: `sync` (the crate root) and `unsync`.

/// The thread-safe flavor.
mod sync {
    use weakref_core as wr;

    include!("flavored/support.rs");
    include!("flavored/creation.rs");
    include!("flavored/callbacks.rs");
    include!("flavored/deaths.rs");
    include!("flavored/panics.rs");
    include!("flavored/hash_eq_repr.rs");
    include!("flavored/count.rs");
}

/// The single-threaded flavor.
// The shared code uses `Arc` so that its callbacks are `Send` for the thread-safe flavor; here
// the weak references inside are not `Send`, which that lint points out.
#[allow(clippy::arc_with_non_send_sync)]
mod unsync {
    use weakref_core::unsync as wr;

    include!("flavored/support.rs");
    include!("flavored/creation.rs");
    include!("flavored/callbacks.rs");
    include!("flavored/deaths.rs");
    include!("flavored/panics.rs");
    include!("flavored/hash_eq_repr.rs");
    include!("flavored/count.rs");
}
