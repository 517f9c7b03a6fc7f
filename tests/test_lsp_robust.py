"""The language server stays up and answers (issue 13): a lint never holds up a request and only the
newest version of a document is linted, memory stays bounded over a long session, every request gets
the answer JSON-RPC and LSP prescribe (also with invalid params, also after `shutdown`), `exit` ends
with the code the protocol says, an internal error replaces the diagnostics; and the columns of UTF-16
and UTF-32 documents are right, in the server in every position encoding and in `domlint check`."""

from __future__ import annotations

import asyncio
import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from domlint import engine
from domlint.cli import main
from domlint.diagnostics import Span

from .test_lsp import BROKEN, HAVE_LSP, _change, _edit, _open, _published, _summary, needs_lsp, served

if HAVE_LSP:
    import pytest_lsp
    from lsprotocol import types as t

    from domlint import lsp as lsp_module

    from .test_lsp import _capabilities, _recording_client, client  # noqa: F401  (the fixture)

SERVE = [sys.executable, "-m", "domlint", "lsp"]


class Wire:
    """`domlint lsp` driven by hand over standard input and output: for what a typed client will not send."""

    def __init__(self, stderr: Path, command: list[str] = SERVE) -> None:
        with stderr.open("wb") as errors:
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
        self.received: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while True:
            length = None
            while (header := self.process.stdout.readline()) not in (b"\r\n", b""):
                if header.lower().startswith(b"content-length:"):
                    length = int(header.split(b":")[1])
            if not header or length is None:
                self.received.put(None)
                return
            self.received.put(json.loads(self.process.stdout.read(length)))

    def send(self, method: str, params: Any = None, id: int | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, **({} if id is None else {"id": id})}
        if params is not None:
            message["params"] = params
        body = json.dumps(message).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def request(self, id: int, method: str, params: Any = None, timeout: float = 30) -> dict[str, Any]:
        """The response to the request (other messages are passed over)."""
        self.send(method, params, id)
        deadline = time.monotonic() + timeout
        while True:
            message = self.received.get(timeout=max(0.0, deadline - time.monotonic()))
            assert message is not None, "the server closed its output without answering"
            if message.get("id") == id and "method" not in message:
                return message

    def initialize(self) -> None:
        assert "result" in self.request(0, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        self.send("initialized", {})

    def exit_code(self) -> int:
        self.send("exit")
        return self.process.wait(timeout=30)

    def rss_kilobytes(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])


@pytest.fixture
def wire(tmp_path: Path):  # type: ignore[no-untyped-def]
    server = Wire(tmp_path / "stderr")
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


def _hover(uri: str, line: int = 0, character: int = 0) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


# JSON-RPC: every request is answered; exit codes -------------------------------------------------------


@needs_lsp
def test_a_request_with_invalid_params_is_answered_invalid_params(wire: Wire) -> None:
    wire.initialize()
    uri = "untitled:guest.xml"

    def error(id: int, method: str, params: Any) -> dict[str, Any]:
        return wire.request(id, method, params)["error"]

    assert error(1, "textDocument/hover", {"textDocument": {"uri": uri}}) == {
        "code": -32602,
        "message": "Invalid Params: required field missing @ $.params.position",
    }
    assert error(2, "textDocument/hover", _hover(uri, line=-1)) == {
        "code": -32602,
        "message": "Invalid Params: invalid value @ $.params.position",
    }
    assert error(3, "textDocument/completion", [1, 2]) == {
        "code": -32602,
        "message": "Invalid Params: invalid value for type, expected TextDocumentIdentifier @ $.params.text_document; "
        "invalid value for type, expected Position @ $.params.position",
    }
    # The server goes on: a valid request is answered (a document it never saw has no hover).
    assert wire.request(4, "textDocument/hover", _hover(uri)) == {"jsonrpc": "2.0", "id": 4, "result": None}


@needs_lsp
def test_requests_after_shutdown_are_answered_invalid_request_and_exit_then_ends_with_0(wire: Wire) -> None:
    wire.initialize()
    assert wire.request(1, "shutdown") == {"jsonrpc": "2.0", "id": 1, "result": None}
    after = wire.request(2, "textDocument/hover", _hover("untitled:guest.xml"))
    assert after == {"jsonrpc": "2.0", "id": 2, "error": {"code": -32600, "message": "the server is shut down: textDocument/hover"}}
    assert wire.request(3, "shutdown")["error"] == {"code": -32600, "message": "the server is shut down: shutdown"}
    assert wire.exit_code() == 0


@needs_lsp
def test_exit_without_shutdown_ends_with_1(wire: Wire) -> None:
    wire.initialize()
    assert wire.exit_code() == 1


# Memory and time ------------------------------------------------------------------------------------------


@needs_lsp
def test_ten_thousand_changes_leave_memory_bounded(wire: Wire) -> None:
    """pygls kept the future of every notification it handled: about 2 KB each, never let go."""
    wire.initialize()
    uri = "untitled:guest.xml"
    wire.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "xml", "version": 1, "text": "<domain><os/></domain>\n"}})

    def changes(first: int, count: int) -> None:
        for version in range(first, first + count):
            letter = "ab"[version % 2]  # the text keeps its size: only what the server keeps can grow
            change = {"range": {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 2}}, "text": letter}
            wire.send("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
        assert "result" in wire.request(first, "textDocument/hover", _hover(uri, 0, 3), timeout=300)  # all handled

    changes(2, 2000)  # warm up: every code path has run, every cache is filled
    before = wire.rss_kilobytes()
    changes(3000, 10_000)
    growth = wire.rss_kilobytes() - before
    assert growth < 10_000, f"{growth} KB more after 10,000 changes"


def _large_domain(megabytes: int) -> str:
    disk = "    <disk type='file' device='disk'><source file='/var/lib/images/disk{n}.img'/><target dev='vd{n}' bus='virtio'/></disk>\n"
    disks = "".join(disk.format(n=n) for n in range(megabytes * 8000))
    os = "  <os>\n    <type>hvm</type>\n    <bios rebootTimeout='70000'/>\n  </os>\n"
    return f"<domain type='kvm'>\n  <name>large</name>\n  <devices>\n{disks}  </devices>\n{os}</domain>\n"


@served
async def test_a_5_mb_document_is_linted_off_the_request_path_and_only_its_newest_version(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uri = (tmp_path / "large.xml").as_uri()
    text = _large_domain(5)
    assert len(text.encode()) > 5_000_000
    _open(client, uri, text)
    here = t.TextDocumentIdentifier(uri)
    completion = await client.text_document_completion_async(t.CompletionParams(here, t.Position(1, 3)))
    assert [item.label for item in completion.items][:2] == ["os", "bootloader"]
    assert client.published == []  # answered while the document is being linted

    # Three edits apart (each past the debounce), while the first lint still runs: only the last is linted.
    line = text.split("\n").index("    <bios rebootTimeout='70000'/>")
    for version, value in ((2, "70001"), (3, "70002"), (4, "70003")):
        _change(client, uri, version, _edit(line, 25, 30, value))
        await asyncio.sleep(0.3)
    hover = await client.text_document_hover_async(t.HoverParams(here, t.Position(line, 30)))
    assert hover.contents.value.startswith("**OS102 reboot-timeout-range** (error)")
    published = await _published(client, uri, 4, timeout=120)
    assert _summary(published.diagnostics)[0][:2] == ((line, 10, line, 31), "OS102")
    assert "rebootTimeout '70003' is out of range" in published.diagnostics[0].message
    assert [p.version for p in client.published] == [4]


# Internal errors ------------------------------------------------------------------------------------------

# The server with one fault put in: linting a text with this comment raises, as a bug in a rule would.
FAULTY_SERVER = """
import domlint.engine, domlint.lsp
lint = domlint.engine.lint
def faulty(data, *args):
    if b"<!-- lint-fails-here -->" in data:
        raise RuntimeError("injected")
    return lint(data, *args)
domlint.engine.lint = faulty
domlint.lsp.main()
"""

if HAVE_LSP:

    @pytest_lsp.fixture(
        config=pytest_lsp.ClientServerConfig(server_command=[sys.executable, "-c", FAULTY_SERVER], client_factory=_recording_client)
    )
    async def faulty(lsp_client: pytest_lsp.LanguageClient):  # type: ignore[no-untyped-def]
        await lsp_client.initialize_session(t.InitializeParams(capabilities=_capabilities("utf-16")))
        yield
        await lsp_client.shutdown_session()


@served
async def test_an_internal_error_replaces_the_diagnostics_and_is_logged(faulty, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uri = (tmp_path / "guest.xml").as_uri()
    text = BROKEN.read_text(encoding="utf-8")
    _open(faulty, uri, text)
    assert len((await _published(faulty, uri, 1)).diagnostics) == 5

    _change(faulty, uri, 2, t.TextDocumentContentChangeWholeDocument(text=text + "<!-- lint-fails-here -->\n"))
    (failed,) = (await _published(faulty, uri, 2)).diagnostics
    assert (failed.range, failed.severity, failed.source) == (
        t.Range(t.Position(0, 0), t.Position(0, 0)),
        t.DiagnosticSeverity.Error,
        "domlint",
    )
    assert failed.message == "domlint could not lint this document: internal error (RuntimeError: injected); the details are in the log"
    (logged,) = faulty.log_messages
    assert logged.type == t.MessageType.Error
    assert logged.message.startswith(f"domlint: internal error while linting {uri}: Traceback (most recent call last):")
    assert logged.message.endswith("RuntimeError: injected\n")
    # Requests are still answered, from the grammar; and the next good text is linted again.
    hover = await faulty.text_document_hover_async(t.HoverParams(t.TextDocumentIdentifier(uri), t.Position(10, 7)))
    assert hover.contents.value.startswith("**`<bootmenu>`** element in `<os>`")
    _change(faulty, uri, 3, t.TextDocumentContentChangeWholeDocument(text=text))
    assert len((await _published(faulty, uri, 3)).diagnostics) == 5


# UTF-16 and UTF-32 ----------------------------------------------------------------------------------------

WIDE_BODY = "<domain type='kvm'>\n  <os><type>hvm</type><!-- é𝄞 --><boot dev='dvd'/></os>\n</domain>\n"
DEV_COLUMN = WIDE_BODY.split("\n")[1].index("dev=")  # 0-based, in characters


@needs_lsp
@pytest.mark.parametrize("declared", ["UTF-16", "UTF-16BE", "UCS-2", "ISO-10646-UCS-2", "UTF-32", "UCS-4"])
def test_the_server_lints_text_declared_utf16_or_utf32_at_the_right_columns_in_every_position_encoding(declared: str) -> None:
    text = f"<?xml version='1.0' encoding='{declared}'?>\n{WIDE_BODY}"
    diagnostics = engine.lint(lsp_module.engine_bytes(text), "wide.xml").diagnostics
    assert [(d.code, d.span) for d in diagnostics] == [("OS004", Span(3, DEV_COLUMN + 1, 3, DEV_COLUMN + 10))]
    # 'é' is 2 UTF-8 units and 1 UTF-16 unit; '𝄞' is 4 UTF-8 units, 2 UTF-16 units, 1 UTF-32 unit.
    for encoding, extra in (("utf-8", 4), ("utf-16", 1), ("utf-32", 0)):
        start = DEV_COLUMN + extra
        assert lsp_module.Text(text, encoding).range(diagnostics[0].span) == t.Range(t.Position(2, start), t.Position(2, start + 9)), (
            encoding
        )


@served
async def test_a_document_declared_ucs2_is_published_at_utf16_columns(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uri = (tmp_path / "wide.xml").as_uri()
    _open(client, uri, f"<?xml version='1.0' encoding='UCS-2'?>\n{WIDE_BODY}")
    published = await _published(client, uri, 1)
    assert [(where, code) for where, code, _, _ in _summary(published.diagnostics)] == [((2, DEV_COLUMN + 1, 2, DEV_COLUMN + 10), "OS004")]


@pytest.mark.parametrize(
    ("codec", "declaration"),
    [
        ("utf-16-le", "<?xml version='1.0' encoding='UTF-16'?>\n"),
        ("utf-16-be", "<?xml version='1.0' encoding='UTF-16'?>\n"),
        ("utf-32-le", "<?xml version='1.0' encoding='UTF-32'?>\n"),
        ("utf-32-be", ""),
    ],
)
def test_check_reads_a_utf16_or_utf32_file_without_byte_order_mark(tmp_path: Path, codec: str, declaration: str) -> None:
    guest = tmp_path / "wide.xml"
    guest.write_bytes((declaration + WIDE_BODY).encode(codec))
    line = 3 if declaration else 2
    result = CliRunner().invoke(main, ["check", str(guest)])
    assert (result.exit_code, result.stdout) == (
        1,
        f"{guest}:{line}:{DEV_COLUMN + 1}: error OS004 invalid-value: invalid value 'dvd' for attribute 'dev' of <boot>: "
        "expected 'hd', 'fd', 'cdrom' or 'network'\n"
        "  |\n"
        f"{line} | {WIDE_BODY.split(chr(10))[1]}\n"
        f"  | {' ' * DEV_COLUMN}^^^^^^^^^\n"
        "1 file, 1 error, 0 warnings, 0 skipped\n",
    )


@needs_lsp
def test_a_declared_codec_that_cannot_write_the_text_leaves_it_utf8() -> None:
    """Python's idna codec raised UnicodeError here, and linting failed before the engine saw the text."""
    text = "<?xml version='1.0' encoding='idna'?>\n<os><type>hvm</type></os>\n"
    assert lsp_module.engine_bytes(text) == text.encode()


@pytest.mark.parametrize(("codec", "where"), [("utf-16-le", "1:2"), ("utf-16-be", "1:1")])
def test_check_says_a_utf16_file_without_byte_order_mark_or_declaration_needs_one(tmp_path: Path, codec: str, where: str) -> None:
    """XML requires the mark of UTF-16 without declaration: libxml2 reads UTF-8 and stops at a NUL."""
    guest = tmp_path / "wide.xml"
    guest.write_bytes(WIDE_BODY.encode(codec))
    result = CliRunner().invoke(main, ["check", str(guest)])
    first, *rest = result.stdout.split("\n")
    assert result.exit_code == 1 and first.startswith(f"{guest}:{where}: error OS001 xml-syntax: the document is not well-formed XML: ")
    assert first.endswith("; the file looks like UTF-16 without the byte-order mark XML requires: save it with one, or as UTF-8")
    assert rest[:2] == ["  |", "1 | <domain type='kvm'>"]
