#!/usr/bin/env python3
"""How domlint's time grows with the document (issue 13): the ratio time(4N) / time(N).

    python bench/scale.py [--n 12500] [--rounds 3]

For each shape of large document, lints one of N and one of 4N repeated parts in this process
(the median of a few rounds each) and prints both times and their ratio: about 4 is linear,
about 16 quadratic. It reports figures only, never pass or fail: the machine is whatever it
is. tests/test_scale.py checks the outcomes on documents large enough that a quadratic step
could not finish.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from domlint import autofix, engine

HEAD = "<domain type='kvm'>\n  <name>big</name>\n  <memory>1024</memory>\n  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n"
DEVICES = ("hd", "cdrom", "network", "fd")


def boots(n: int) -> bytes:
    return (HEAD + "    <boot dev='hd'/>\n" * n + "  </os>\n</domain>\n").encode()


def boots_and_an_error(n: int) -> bytes:
    return (HEAD + "    <boot dev='hd'/>\n" * n + "    <bootmnu/>\n  </os>\n</domain>\n").encode()


def container_arguments(n: int) -> bytes:
    arguments = "".join(f"    <initarg>--option-{i}</initarg>\n" for i in range(n))
    return f"<domain type='lxc'><name>c</name><os><type>exe</type><init>/sbin/init</init>\n{arguments}</os></domain>\n".encode()


def a_late_error(n: int) -> bytes:
    items = "    <m:i n='1'/>\n" * n
    return f"{HEAD}  </os>\n  <metadata xmlns:m='urn:m'>\n{items}  </metadata>\n  <bootloader><x/></bootloader>\n</domain>\n".encode()


def suppressions(n: int) -> bytes:
    parts = "".join(f"    <!-- domlint: disable=too-many-boot-devices -->\n    <boot dev='{DEVICES[i % 4]}'/>\n" for i in range(n))
    return f"{HEAD}{parts}  </os>\n</domain>\n".encode()


def near_misses(n: int) -> bytes:
    return (HEAD + "    <bootmnu enable='yes'/>\n" * n + "  </os>\n</domain>\n").encode()


def lint(data: bytes) -> None:
    engine.lint(data, "big.xml")


def diff(data: bytes) -> None:
    autofix.diff(autofix.fix(data, "big.xml", engine.NO_OPTIONS), "big.xml")


CASES: list[tuple[str, Callable[[int], bytes], Callable[[bytes], None]]] = [
    ("check: <boot> entries in <os>", boots, lint),
    ("check: <boot> entries and one grammar error", boots_and_an_error, lint),
    ("check: container <initarg> entries", container_arguments, lint),
    ("check: an error after loose <metadata> items", a_late_error, lint),
    ("check: a suppression before every <boot>", suppressions, lint),
    ("--diff: a near-miss rename per element", near_misses, diff),
]


def median_time(run: Callable[[bytes], None], data: bytes, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=12_500, help="parts in the smaller document (the other has 4 times as many)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per document (the median is reported)")
    arguments = parser.parse_args()
    lint(boots(10))  # rules registered, grammar compiled: not part of any figure
    print(f"{'case':48} {'N':>8} {'t(N) s':>8} {'t(4N) s':>8} {'ratio':>6}")
    for title, make, run in CASES:
        small = median_time(run, make(arguments.n), arguments.rounds)
        large = median_time(run, make(4 * arguments.n), arguments.rounds)
        print(f"{title:48} {arguments.n:>8} {small:>8.2f} {large:>8.2f} {large / small:>6.1f}")


if __name__ == "__main__":
    main()
