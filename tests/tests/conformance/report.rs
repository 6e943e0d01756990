//! Comparing two traces, and the report of a divergence: the program, then both traces side by
//! side, aligned by step, up to and a little past the first step where they differ.

use std::fmt::Write as _;

use super::program::Op;

/// The first step whose records differ, if any (a missing record counts as different).
pub fn first_divergence(rust: &[Vec<String>], python: &[Vec<String>]) -> Option<usize> {
    (0..rust.len().max(python.len())).find(|&i| rust.get(i) != python.get(i))
}

/// Steps shown after the first divergent one.
const AFTER: usize = 2;
/// Width of the Rust column.
const COLUMN: usize = 58;

/// The report of a divergence at step `at` (the index of the teardown step is
/// `program.len()`).
pub fn render(
    flavor: &str,
    program: &[Op],
    rust: &[Vec<String>],
    python: &[Vec<String>],
    at: usize,
    python_version: &str,
    request: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{flavor} flavor and {python_version} diverge at step {at} of this (shrunk) program:\n"
    );
    let mark = |i: usize| if i == at { ">>" } else { "  " };
    for (i, op) in program.iter().enumerate() {
        let _ = writeln!(out, "{} {i:>3}  {op}", mark(i));
    }
    let teardown = program.len();
    let _ = writeln!(
        out,
        "{} {teardown:>3}  (teardown: drop every slot)",
        mark(teardown)
    );
    let _ = writeln!(
        out,
        "\nTraces side by side (each step: its events, `= result`, then the state after it):\n"
    );
    let _ = writeln!(
        out,
        "      {:<COLUMN$} | CPython",
        format!("Rust ({flavor})")
    );
    let last = (at + AFTER).min(rust.len().max(python.len()).saturating_sub(1));
    let empty = Vec::new();
    for i in 0..=last {
        let (r, p) = (
            rust.get(i).unwrap_or(&empty),
            python.get(i).unwrap_or(&empty),
        );
        let title = program
            .get(i)
            .map_or_else(|| "teardown".to_owned(), ToString::to_string);
        let _ = writeln!(out, "  --- step {i}: {title}");
        for line in 0..r.len().max(p.len()) {
            let left = r.get(line).map_or("", String::as_str);
            let right = p.get(line).map_or("", String::as_str);
            let mark = if left == right { "  " } else { "!!" };
            let _ = writeln!(out, "  {mark}  {left:<COLUMN$} | {right}");
        }
    }
    let _ = writeln!(
        out,
        "\nReplay the CPython side (from the `tests` directory):\n  \
         echo '{request}' | python3 conformance/cpython_trace.py --one"
    );
    let _ = writeln!(out, "\nThe program as Rust values:\n  {program:?}");
    out
}
