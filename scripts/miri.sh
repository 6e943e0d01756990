#!/usr/bin/env bash
# Runs the runtime's tests under Miri, which checks every execution for undefined behaviour:
# use-after-free, data races, invalid aliasing (Stacked Borrows), and leaks.
#
#   bash scripts/miri.sh            # needs: rustup component add --toolchain nightly miri
#
# Extra flags, each for a reason:
#   -Zmiri-strict-provenance  pointers never round-trip through integers; the list lock's tag
#                             bit must be set with `map_addr`, which this checks.
# The compile-fail (trybuild) tests build with rustc itself and are not run under Miri.
# The slab tests of the weak collections take about a minute each under Miri; they run for
# the thread-safe flavor only (`unsync` shares their code, all but the lock word, which the
# other collection tests exercise).
set -euo pipefail
cd "$(dirname "$0")/.."

export MIRIFLAGS="${MIRIFLAGS:--Zmiri-strict-provenance}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/miri}"

cargo +nightly miri test --locked -p weakref-core --lib --tests
# The integration tests but those that start processes (`deep_chains`, `finalize_exit`; the
# scenarios of `collections_drop_after_lock` run in-process under Miri), leak an object on
# purpose (`trashcan`, `finalize_thread_end`: Miri's leak check would fail the whole run), or
# watch for a deadlock from a detached thread with a time limit (`collections_unwind`). Extra
# arguments are test filters.
integration() {
  cargo +nightly miri test --locked -p weakref-tests --test integration -- \
    --skip deep_chains:: --skip finalize_exit:: --skip finalize_thread_end:: --skip trashcan:: \
    --skip collections_unwind:: --skip collections::unsync::slab "$@"
}

# Miri interprets on one thread: built once, the tests run as two processes, one per core, the
# weak collections' module (about two thirds of the time) and the rest.
cargo +nightly miri test --locked -p weakref-tests --test integration --no-run
collections_log=$(mktemp)
integration collections:: >"${collections_log}" 2>&1 &
collections=$!
rest_status=0
integration --skip collections:: || rest_status=$?
collections_status=0
wait "${collections}" || collections_status=$?
echo "--- the weak collections' module under Miri:"
cat "${collections_log}"
rm -f "${collections_log}"
[ "${rest_status}" -eq 0 ] && [ "${collections_status}" -eq 0 ]
