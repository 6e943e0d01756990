//! The weak collections' tests, one module per subject, in one test binary: checklist
//! sections 10-14 in both flavors (`behaviour`), nothing dropped under a collection's lock on
//! any panic path (`drop_after_lock`, in child processes), a time-bounded stress test
//! (`stress`), and a key dying in its own `Eq` (`unwind`).
//!
//! A binary of their own, beside `tests/integration/`, so that the two compile in parallel.

mod behaviour;
mod drop_after_lock;
mod stress;
mod unwind;
