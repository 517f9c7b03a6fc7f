"""Hostile and broken input: one clear diagnostic or message, the documented exit code, no
traceback, no file read or connection made on the document's behalf, within 2 s and 200 MB.

Every input is generated here; each case runs the installed command in its own process.
"""

from __future__ import annotations

import codecs
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

DOMLINT = (
    [str(Path(sys.executable).parent / "domlint")]
    if (Path(sys.executable).parent / "domlint").exists()
    else [sys.executable, "-m", "domlint"]
)
MARKER = "DOMLINT-SECRET-MARKER-7f3a"
VALID = "<domain type='kvm'><name>v</name><os><type>hvm</type><kernel>/boot/vmlinuz</kernel><cmdline>caf\u00e9</cmdline></os></domain>\n"
LAUGHS = (
    "<?xml version='1.0'?>\n<!DOCTYPE domain [\n <!ENTITY l0 'lol'>\n"
    + "".join(f" <!ENTITY l{i} '{('&l' + str(i - 1) + ';') * 10}'>\n" for i in range(1, 10))
    + "]>\n<domain><name>&l9;</name></domain>\n"
)
QUADRATIC = (
    "<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY a '" + "x" * 100_000 + "'>]><domain><name>" + "&a;" * 20_000 + "</name></domain>"
)


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[int, list[int]]]:
    """A local socket that counts connections: none may ever arrive."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    connections: list[int] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            connections.append(1)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join()
    server.close()


def _run(arguments: list[str], stdin: bytes | None = b"", close_stdin: bool = False) -> tuple[int, str, str, float, int]:
    """Exit code, stdout, stderr, seconds and peak memory (KiB) of one domlint process."""
    probe = (
        "import resource, subprocess, sys, json\n"
        "kw = {'preexec_fn': lambda: __import__('os').close(0)} if sys.argv[1] == 'close' else {'input': sys.stdin.buffer.read()}\n"
        "r = subprocess.run(sys.argv[2:], capture_output=True, **kw)\n"
        "print(json.dumps([r.returncode, r.stdout.decode('utf-8', 'replace'), r.stderr.decode('utf-8', 'replace'),"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))\n"
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", probe, "close" if close_stdin else "keep", *DOMLINT, *arguments],
        input=stdin,
        capture_output=True,
        check=True,
        timeout=60,
    )
    code, out, err, peak = json.loads(result.stdout)
    return code, out, err, time.monotonic() - started, peak


def _check(path: Path) -> tuple[int, list[dict[str, object]], str]:
    code, out, err, seconds, peak = _run(["check", "--format", "json", str(path)])
    assert seconds < 2.0, f"{path.name} took {seconds:.2f} s"
    assert peak < 200 * 1024, f"{path.name} peaked at {peak} KiB"
    assert "Traceback" not in err
    assert MARKER not in out + err
    return code, json.loads(out) if out.strip() else [], err


def _names(diagnostics: list[dict[str, object]]) -> list[object]:
    return [d["name"] for d in diagnostics]


CASES = {
    "billion-laughs": (LAUGHS.encode(), 1, ["xml-syntax"]),
    "quadratic-blowup": (QUADRATIC.encode(), 1, ["xml-syntax"]),
    "deep-nesting": (("<domain>" + "<a>" * 100_000 + "</a>" * 100_000 + "</domain>").encode(), 1, ["xml-syntax"]),
    "binary-and-nul": (b"\x00\x01\xff\xfe<domain>\x00</domain>", 1, ["xml-syntax"]),
    "invalid-utf8": (b"<domain><name>\xc3\x28</name></domain>", 1, ["xml-syntax"]),
    "utf16-with-bom": (codecs.BOM_UTF16_LE + VALID.encode("utf-16-le"), 0, []),
    "latin1-declared": (("<?xml version='1.0' encoding='ISO-8859-1'?>\n" + VALID).encode("latin-1"), 0, []),
    "empty": (b"", 1, ["xml-syntax"]),
    "whitespace-only": (b"  \n\t\n", 1, ["xml-syntax"]),
    "bom-then-nothing": (codecs.BOM_UTF8, 1, ["xml-syntax"]),
    "xinclude": (
        b"<domain type='kvm' xmlns:xi='http://www.w3.org/2001/XInclude'><name>v</name><os><type>hvm</type></os>"
        b"<xi:include href='MARKERFILE' parse='text'/></domain>",
        0,
        ["xml-feature-ignored"],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_document(tmp_path: Path, name: str) -> None:
    data, expected_code, expected_names = CASES[name]
    marker = tmp_path / "marker.txt"
    marker.write_text(MARKER)
    path = tmp_path / f"{name}.xml"
    path.write_bytes(data.replace(b"MARKERFILE", str(marker).encode()))
    code, diagnostics, _ = _check(path)
    assert (code, _names(diagnostics)) == (expected_code, expected_names)


@pytest.mark.parametrize(
    "template",
    [
        "<!DOCTYPE domain [<!ENTITY x SYSTEM 'file://{marker}'>]><domain type='kvm'><name>&x;</name><os><type>hvm</type></os></domain>",
        "<!DOCTYPE domain [<!ENTITY x SYSTEM 'http://127.0.0.1:{port}/x'>]>"
        "<domain type='kvm'><name>&x;</name><os><type>hvm</type></os></domain>",
        "<!DOCTYPE domain SYSTEM 'http://127.0.0.1:{port}/domain.dtd'><domain type='kvm'><name>v</name><os><type>hvm</type></os></domain>",
        "<!DOCTYPE domain [<!ENTITY % p SYSTEM 'http://127.0.0.1:{port}/p.ent'> %p;]>"
        "<domain type='kvm'><name>v</name><os><type>hvm</type></os></domain>",
    ],
    ids=["external-entity-file", "external-entity-url", "external-dtd", "parameter-entity"],
)
def test_nothing_is_fetched(tmp_path: Path, listener: tuple[int, list[int]], template: str) -> None:
    port, connections = listener
    marker = tmp_path / "marker.txt"
    marker.write_text(MARKER)
    path = tmp_path / "doc.xml"
    path.write_text("<?xml version='1.0'?>\n" + template.format(marker=marker, port=port))
    code, diagnostics, _ = _check(path)
    assert (code, _names(diagnostics)) == (0, ["xml-feature-ignored"])
    time.sleep(0.3)
    assert connections == []


def test_a_100_mb_document_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "huge.xml"
    with path.open("wb") as handle:
        handle.write(b"<domain><devices>")
        chunk = b"<x a='1'>text</x>" * 60_000
        while handle.tell() < 100 * 1024 * 1024:
            handle.write(chunk)
        handle.write(b"</devices></domain>")
    code, diagnostics, _ = _check(path)
    assert (code, _names(diagnostics)) == (1, ["document-too-large"])


def test_a_directory_named_like_a_file_is_walked(tmp_path: Path) -> None:
    (tmp_path / "x.xml").mkdir()
    code, out, err, _, _ = _run(["check", str(tmp_path / "x.xml")])
    assert (code, out, err) == (0, "0 files, 0 errors, 0 warnings, 0 skipped\n", "")


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)
    code, _, err, seconds, _ = _run(["check", str(tmp_path)])
    assert (code, err) == (2, f"domlint: error: {fifo}: not a regular file\n")
    assert seconds < 2.0


def test_a_file_gone_during_the_walk(tmp_path: Path) -> None:
    (tmp_path / "gone.xml").symlink_to(tmp_path / "removed.xml")
    code, _, err, _, _ = _run(["check", str(tmp_path)])
    assert (code, err) == (2, f"domlint: error: {tmp_path / 'gone.xml'}: no such file or directory\n")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.xml"
    path.write_text(VALID)
    path.chmod(0)
    code, _, err, _, _ = _run(["check", str(path)])
    assert code == 2 and err.startswith(f"domlint: error: {path}: cannot read")


def test_a_symlink_loop_while_walking(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    (tmp_path / "a" / "v.xml").write_text(VALID)
    code, out, _, seconds, _ = _run(["check", str(tmp_path)])
    assert (code, out) == (0, "1 file, 0 errors, 0 warnings, 0 skipped\n")
    assert seconds < 2.0


def test_closed_stdin(tmp_path: Path) -> None:
    code, _, err, _, _ = _run(["check", "-"], close_stdin=True)
    assert (code, err) == (2, "domlint: error: <stdin>: standard input is closed\n")


def test_oversized_stdin_is_refused(tmp_path: Path) -> None:
    code, out, _, seconds, _ = _run(["check", "--format", "json", "-"], stdin=b"<domain>" + b" " * (11 * 1024 * 1024) + b"</domain>")
    assert (code, _names(json.loads(out))) == (1, ["document-too-large"])
    assert seconds < 2.0


GRAMMARS = {
    "include.rng": (
        "<grammar xmlns='http://relaxng.org/ns/structure/1.0'><include href='http://127.0.0.1:{port}/x.rng'/>"
        "<start><element name='a'><empty/></element></start></grammar>"
    ),
    "external-ref.rng": (
        "<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start><externalRef href='http://127.0.0.1:{port}/y.rng'/></start></grammar>"
    ),
    "include-10.xsd": (
        "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'><xs:include schemaLocation='http://127.0.0.1:{port}/x.xsd'/>"
        "<xs:element name='a'/></xs:schema>"
    ),
    "include-11.xsd": (
        "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema' xmlns:vc='http://www.w3.org/2007/XMLSchema-versioning'"
        " vc:minVersion='1.1'><xs:include schemaLocation='http://127.0.0.1:{port}/x.xsd'/><xs:element name='a'/></xs:schema>"
    ),
}


@pytest.mark.parametrize("name", sorted(GRAMMARS))
def test_a_grammar_never_fetches_its_includes(tmp_path: Path, listener: tuple[int, list[int]], name: str) -> None:
    port, connections = listener
    (tmp_path / name).write_text(GRAMMARS[name].format(port=port))
    (tmp_path / "a.xml").write_text("<a/>")
    code, out, err, _, _ = _run(["validate", "--schema", str(tmp_path / name), str(tmp_path / "a.xml")])
    assert (code, out) == (2, "")
    assert err.startswith(f"domlint: error: {tmp_path / name}: the grammar does not compile") and "Traceback" not in err
    time.sleep(0.3)
    assert connections == []


def test_a_grammar_with_an_external_entity_reads_nothing(tmp_path: Path, listener: tuple[int, list[int]]) -> None:
    port, connections = listener
    (tmp_path / "g.rng").write_text(
        f"<!DOCTYPE g [<!ENTITY e SYSTEM 'http://127.0.0.1:{port}/e'>]>"
        "<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start><element name='a'>&e;<empty/></element></start></grammar>"
    )
    (tmp_path / "a.xml").write_text("<a/>")
    code, _, err, _, _ = _run(["validate", "--schema", str(tmp_path / "g.rng"), str(tmp_path / "a.xml")])
    assert code == 0 and "Traceback" not in err
    time.sleep(0.3)
    assert connections == []
