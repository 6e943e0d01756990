#!/usr/bin/env python3
"""CPython's side of the `collections` benchmark of weakref-benches.

Times, with `timeit`, the work the Rust benchmark groups `coll_get_hit`, `coll_insert_die`
and `coll_iterate` do on a `weakref.WeakValueDictionary`, and measures with `tracemalloc` the
bytes per entry of a WeakValueDictionary and of a plain dict holding the same values. Prints
one `name value` line per measurement and `#` comment lines for context:

    # CPython 3.11.7
    wvd_get_hit_ns 45.1
    ...

`--quick` runs every statement a few hundred times only: it checks that the script works.
The Rust benchmark runs this script itself; run it alone with
`python3 cpython_collections.py`.
"""

import platform
import sys
import timeit
import tracemalloc
import weakref


class C:
    """A small weakly referenceable object, the counterpart of the Rust `Payload`."""

    __slots__ = ("value", "__weakref__")

    def __init__(self, value):
        self.value = value


ENTRIES = 1000


def ns_per_op(stmt, setup_globals, quick, per=1):
    timer = timeit.Timer(stmt, globals=setup_globals)
    if quick:
        number, repeat = 300, 1
    else:
        number, _ = timer.autorange()
        repeat = 5
    best = min(timer.repeat(repeat=repeat, number=number))
    return best / number * 1e9 / per


def bytes_per_entry(n=10_000):
    values = [C(i) for i in range(n)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    wvd = weakref.WeakValueDictionary()
    for i, v in enumerate(values):
        wvd[i] = v
    wvd_bytes = tracemalloc.get_traced_memory()[0] - before
    before = tracemalloc.get_traced_memory()[0]
    plain = {}
    for i, v in enumerate(values):
        plain[i] = v
    dict_bytes = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del wvd, plain
    return wvd_bytes / n, dict_bytes / n


def main():
    quick = "--quick" in sys.argv[1:]
    print(f"# {platform.python_implementation()} {platform.python_version()}")
    objs = [C(i) for i in range(ENTRIES)]
    d = weakref.WeakValueDictionary((i, o) for i, o in enumerate(objs))
    names = {"d": d, "C": C}
    print(f"wvd_get_hit_ns {ns_per_op('d.get(500)', names, quick):.2f}")
    empty = weakref.WeakValueDictionary()
    names = {"d": empty, "C": C}
    insert_die = ns_per_op("o = C(1)\nd[7] = o\ndel o", names, quick)
    print(f"wvd_insert_die_ns {insert_die:.2f}")
    assert len(empty) == 0
    names = {"d": d}
    per_entry = ns_per_op("for k, v in d.items(): pass", names, quick, per=ENTRIES)
    print(f"wvd_iter_per_entry_ns {per_entry:.2f}")
    wvd, plain = bytes_per_entry()
    print(f"wvd_bytes_per_entry {wvd:.1f}")
    print(f"dict_bytes_per_entry {plain:.1f}")


if __name__ == "__main__":
    main()
