"""Bounded time and memory (issue 13): every check is linear in the document.

Each large case runs `domlint` in a subprocess under a memory limit and a generous timeout, on a
document big enough that a quadratic step takes minutes (the timeout then fails the test), and
checks the exact outcome. No wall clock decides anything finer: bench/scale.py reports the
ratios time(4N) / time(N).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from lxml import etree

from domlint import engine, schema

TIMEOUT = 60  # seconds; the linear code needs a fraction of it on a busy machine
MEMORY = 2 * 1024**3  # bytes of address space for the whole process (interpreter and lxml included)
HEAD = "<domain type='kvm'>\n  <name>big</name>\n  <memory>1024</memory>\n  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _domlint(tmp_path: Path, text: str, *options: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "big.xml"
    path.write_text(text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "domlint", "check", "--no-config", *options, path.name],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        preexec_fn=_limit_memory,
        cwd=tmp_path,
    )


def _found(run: subprocess.CompletedProcess[str]) -> list[tuple[int, int, str]]:
    return [(d["line"], d["column"], d["name"]) for d in json.loads(run.stdout)]


def _container(arguments: str) -> str:
    """A container domain whose <os> ends with `arguments` (its first one on line 6)."""
    return f"<domain type='lxc'>\n <name>c</name>\n <os>\n  <type>exe</type>\n  <init>/sbin/init</init>\n{arguments} </os>\n</domain>\n"


def test_an_os_of_250000_children_is_judged_in_linear_time(tmp_path: Path) -> None:
    """libxml2 checks an element's children in quadratic time (this took minutes)."""
    arguments = "".join(f"    <initarg>--option-{i}</initarg>\n" for i in range(250_000))
    run = _domlint(tmp_path, _container(arguments), "--format", "json")
    assert (run.returncode, _found(run), run.stderr) == (0, [], "")


def test_an_error_in_an_os_of_150000_children_is_found_in_linear_time(tmp_path: Path) -> None:
    """A rejected document is judged whole: by the interpreter alone where libxml2 is quadratic."""
    arguments = "".join(f"  <initarg>--option-{i}</initarg>\n" for i in range(150_000))
    run = _domlint(tmp_path, _container(arguments + "  <initarg bad='1'>--last</initarg>\n"), "--format", "json")
    assert (run.returncode, _found(run), run.stderr) == (1, [(150_006, 12, "unknown-attribute")], "")


def test_100000_suppressions_are_applied_in_linear_time(tmp_path: Path) -> None:
    """Each directive's scope and each diagnostic's silencing no longer scan all the others."""
    devices = ("hd", "cdrom", "network", "fd")
    boots = "".join(f"    <!-- domlint: disable=too-many-boot-devices -->\n    <boot dev='{devices[i % 4]}'/>\n" for i in range(100_000))
    run = _domlint(tmp_path, f"{HEAD}{boots}  </os>\n</domain>\n", "--format", "json")
    unused = [(6 + 2 * i, 5, "unused-suppression") for i in range(4)]  # the first four boots are kept: nothing to silence
    assert (run.returncode, _found(run), run.stderr) == (0, unused, "")


def test_a_run_of_20000_directives_before_one_element_is_read_once(tmp_path: Path) -> None:
    """Each directive of the run reaches the element through the next one (each scanned the rest)."""
    kept = "".join(f"    <boot dev='{dev}'/>\n" for dev in ("hd", "cdrom", "network", "fd"))
    run_of_directives = "    <!-- domlint: disable=too-many-boot-devices -->\n" * 20_000
    run = _domlint(tmp_path, f"{HEAD}{kept}{run_of_directives}    <boot dev='hd'/>\n  </os>\n</domain>\n", "--format", "json")
    assert (run.returncode, _found(run), run.stderr) == (0, [], "")


def test_60000_fixes_are_applied_in_linear_time(tmp_path: Path) -> None:
    """`--diff` applies every near-miss rename in one round, without comparing each edit with all others."""
    count = 60_000
    run = _domlint(tmp_path, HEAD + "    <bootmnu enable='yes'/>\n" * count + "  </os>\n</domain>\n", "--diff")
    expected = (
        f"--- big.xml\t\n+++ big.xml\t\n@@ -3,{count + 5} +3,{count + 5} @@\n"
        "   <memory>1024</memory>\n   <os>\n     <type arch='x86_64' machine='pc'>hvm</type>\n"
        + "-    <bootmnu enable='yes'/>\n" * count
        + "+    <bootmenu enable='yes'/>\n" * count
        + "   </os>\n </domain>\n"
    )
    assert (run.returncode, run.stdout == expected, run.stderr) == (1, True, "")


CROWDED = 1 + schema.CROWDED_CHILDREN
CROWDED_DOCUMENTS = {
    "valid": HEAD + "<boot dev='hd'/>" * CROWDED + "</os></domain>",
    "unknown element": HEAD + "<boot dev='hd'/>" * CROWDED + "<bootmnu/></os></domain>",
    "invalid value": HEAD + "<boot dev='hd'/>" * CROWDED + "<boot dev='usb'/></os></domain>",
    "repeated type": HEAD + "<boot dev='hd'/>" * CROWDED + "<type>hvm</type></os></domain>",
    "exe": "<domain><os><type>exe</type><init>/i</init>" + "<initarg>a</initarg>" * CROWDED + "</os></domain>",
    "exe without init": "<domain><os><type>exe</type>" + "<initenv name='A'>1</initenv>" * CROWDED + "<boot dev='hd'/></os></domain>",
    "bare os": "<os><type>hvm</type>" + "<boot dev='fd'/>" * CROWDED + "</os>",
    "crowded loose part": "<domain><os><type>hvm</type></os><devices>" + "<disk/>" * CROWDED + "</devices>text</domain>",
}


@pytest.mark.parametrize("name", sorted(CROWDED_DOCUMENTS))
def test_the_linear_verdict_on_crowded_elements_agrees_with_lxml(name: str) -> None:
    """Where the interpreter gives the verdict instead of lxml, both say the same."""
    root = etree.fromstring(CROWDED_DOCUMENTS[name])
    lxml_valid = bool(schema.bundled_relaxng().validate(root))
    document = engine.Document("x.xml", CROWDED_DOCUMENTS[name].encode())
    assert (schema.bundled_valid(root), not schema.bundled_schema().validate(document)) == (lxml_valid, lxml_valid)


def _domain_with_cmdline(number: int, length: int) -> bytes:
    cmdline = f"console=ttyS0 id={number} " + "x" * length
    return f"<domain type='kvm'><name>v</name><os><type>hvm</type><kernel>/k</kernel><cmdline>{cmdline}</cmdline></os></domain>".encode()


def test_the_os_verdict_cache_keeps_no_large_os() -> None:
    """40 distinct <os> of 100 KB each: the cache kept all their texts (4 MB here, 167 MB in the issue)."""
    engine.lint(_domain_with_cmdline(-1, 10), "warm.xml")  # rules registered, grammar compiled
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    results = [engine.lint(_domain_with_cmdline(number, 100_000), "x.xml").diagnostics for number in range(40)]
    retained = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert results == [[]] * 40
    assert retained < 200_000


def test_the_os_verdict_cache_is_bounded_by_bytes() -> None:
    verdicts = schema._Verdicts(longest=10, total=25)
    verdicts.put(b"0123456789a", True)  # longer than `longest`: not kept
    for text in (b"<os>1</os>", b"<os>2</os>", b"<os>3</os>"):  # 10 bytes each: the third starts afresh
        verdicts.put(text, text != b"<os>2</os>")
    assert (verdicts.verdicts, verdicts.size) == ({b"<os>3</os>": True}, 10)
    assert (verdicts.get(b"<os>3</os>"), verdicts.get(b"<os>1</os>"), verdicts.get(b"0123456789a")) == (True, None, None)


def test_an_identical_os_is_judged_once_and_rightly() -> None:
    valid = b"<domain><name>a</name><os><type>hvm</type><boot dev='hd'/></os></domain>"
    invalid = b"<domain><name>a</name><os><type>hvm</type><boot dev='hdd'/></os></domain>"
    verdicts = [schema.bundled_valid(etree.fromstring(data)) for data in (valid, invalid, valid, invalid)]
    assert verdicts == [True, False, True, False]
    assert schema.OS_VERDICTS.get(b'<os><type>hvm</type><boot dev="hd"/></os>') is True
