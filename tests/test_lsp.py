"""The language server (`domlint lsp`) end to end with a real LSP client over stdio (pytest-lsp),
and the pure parts below it: position conversion (linter/lsp.py) and grammar hints (linter/hints.py)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from domlint import engine, hints
from domlint.diagnostics import Diagnostic, Fix, Severity, Span, TextEdit

from .conftest import FIXTURES, ROOT

BROKEN = FIXTURES / "examples" / "xen-hvm-broken.xml"
HAVE_LSP = importlib.util.find_spec("pygls") is not None and importlib.util.find_spec("pytest_lsp") is not None
needs_lsp = pytest.mark.skipif(not HAVE_LSP, reason="pygls and pytest-lsp are missing (pip install '.[test]')")


def served(test):  # type: ignore[no-untyped-def]
    """An async test against the server over stdio."""
    return needs_lsp(pytest.mark.asyncio(test))


def _cursor(marked: str) -> tuple[str, int, int]:
    """The text without its '|' and the 0-based line and character of the '|'."""
    before, _, after = marked.partition("|")
    return before + after, before.count("\n"), len(before.split("\n")[-1])


# hints.py: completion and hover from the grammar, on half-typed text ---------------------------------


def _labels(marked: str) -> list[str]:
    return [completion.label for completion in hints.complete(*_cursor(marked))]


def test_completion_offers_the_attributes_of_the_start_tag_not_yet_written() -> None:
    assert _labels("<domain type='kvm'>\n  <os>\n    <loader |") == ["readonly", "secure", "type", "stateless", "format"]
    # Attributes written before and after the cursor are present already.
    assert _labels("<domain><os><loader readonly='yes' | type='pflash'>/x</loader></os></domain>") == ["secure", "stateless", "format"]
    # A partly typed name is replaced from its start (the client filters the list by it).
    completions = hints.complete(*_cursor("<os>\n<bios reb|"))
    assert [(c.label, c.start, c.snippet) for c in completions] == [
        ("useserial", 6, "useserial='$1'$0"),
        ("rebootTimeout", 6, "rebootTimeout='$1'$0"),
    ]


def test_completion_offers_enumerated_values_inside_and_after_an_attribute_value() -> None:
    assert _labels("<domain>\n<os>\n<boot dev='") == ["hd", "fd", "cdrom", "network"]
    inside = hints.complete(*_cursor("<domain><os><boot dev='cd|'/></os></domain>"))
    assert [(c.insert, c.start) for c in inside][2] == ("cdrom", 23)
    after_equals = hints.complete(*_cursor("<os><bootmenu enable=|"))
    assert [c.insert for c in after_equals] == ["'yes'", "'no'"]
    # Integer ranges have no values to offer.
    assert _labels("<os><bios rebootTimeout='|") == []


def test_completion_offers_the_child_elements_allowed_at_the_cursor() -> None:
    children = _labels("<domain type='kvm'>\n  <os>\n    <|\n  </os>\n</domain>")
    assert {"type", "loader", "nvram", "boot", "bootmenu", "bios", "smbios", "kernel", "init"} <= set(children)
    assert _labels("<domain><os><loader>/x</loader><nvram>/y</nvram><bo|") == children  # a partial name: same list
    assert [c.start for c in hints.complete(*_cursor("<os>\n  <bo|"))][0] == 3
    assert set(_labels("<domain>\n<|")) >= {"os", "bootloader", "bootloader_args"}
    assert _labels("<|") == ["os", "domain"]
    assert "source" in _labels("<os><nvram><|")
    # Enumerated text content, and the end tag of the open element.
    assert _labels("<os><type>h|</type></os>") == ["hvm", "xen", "linux", "xenpvh", "exe"]
    assert [c.insert for c in hints.complete(*_cursor("<domain><os><type>hvm</type></|"))] == ["os>"]


def test_completion_survives_broken_and_unrelated_text() -> None:
    assert _labels("<domain><!-- <os><loader |") == []  # inside a comment
    assert _labels("<domain><devices><disk |") == []  # outside what the grammar checks
    assert _labels("<project><build |") == []  # not a domain
    # An unfinished tag or an unclosed quote earlier on does not lose the place.
    assert "bootmenu" in _labels("<domain>\n<os>\n<loader readonly='yes\n<|")
    assert "bootmenu" in _labels("<domain>\n<os>\n<loader \n<|")
    assert "bootmenu" in _labels("<domain>\n<os>\n<loader readonly='yes' broken>/x</loader>\n<|")
    assert _labels("") == [] and _labels("<") == ["os", "domain"]


def test_hover_shows_documentation_allowed_values_and_since() -> None:
    text = BROKEN.read_text(encoding="utf-8")
    lines = text.split("\n")

    def hover_on(line: int, word: str) -> hints.Hint | None:
        return hints.hover(text, line, lines[line].index(word) + 1)

    bootmenu = hover_on(10, "bootmenu")
    assert bootmenu is not None
    assert bootmenu.markdown.splitlines()[0] == "**`<bootmenu>`** element in `<os>`"
    assert "interactive boot menu" in bootmenu.markdown and "Since libvirt 0.8.3" in bootmenu.markdown
    assert "`enable` (required), `timeout`" in bootmenu.markdown
    assert (bootmenu.start, bootmenu.end) == ((10, 5), (10, 13))

    reboot = hover_on(12, "rebootTimeout")
    assert reboot is not None
    assert "Allowed values: an integer from -1 to 65535" in reboot.markdown
    assert "Since libvirt 0.10.2" in reboot.markdown and (reboot.start, reboot.end) == ((12, 26), (12, 39))

    boot_value = hover_on(9, "dvd")
    assert boot_value is not None and "not an allowed value" in boot_value.markdown
    assert "'hd', 'fd', 'cdrom' or 'network'" in boot_value.markdown
    hd = hover_on(8, "hd")
    assert hd is not None and "Since libvirt 0.1.3" in hd.markdown
    os_type = hover_on(6, "hvm")
    assert os_type is not None and "content of `<type>`" in os_type.markdown
    closing = hints.hover(text, 13, lines[13].index("os"))  # the end tag </os>
    assert closing is not None and closing.markdown.startswith("**`<os>`** element in `<domain>`")
    assert hover_on(15, "disk") is None  # <devices> is not described by the grammar
    assert hover_on(0, "same") is None  # a comment


def test_hover_on_bootloader_and_on_half_typed_text() -> None:
    text, line, character = _cursor("<domain type='xen'>\n  <boot|loader>/usr/bin/pygrub</bootloader>\n</domain>")
    found = hints.hover(text, line, character)
    assert found is not None and "Full path of a boot loader program" in found.markdown and "Since libvirt 0.1.0" in found.markdown
    text, line, character = _cursor("<domain>\n<os>\n<loader secu|re='yes' \n<boot")
    found = hints.hover(text, line, character)
    assert found is not None and found.markdown.startswith("**`secure`** attribute of `<loader>`")
    assert "'yes' or 'no'" in found.markdown


# lsp.py: positions --------------------------------------------------------------------------------

if HAVE_LSP:
    from domlint import lsp as lsp_module
    from domlint import lsp_text


@needs_lsp
def test_columns_become_utf16_units_and_back_across_non_bmp_characters() -> None:
    from lsprotocol import types as t

    line = "<os>é𝄞<boot dev='dvd'/></os>"
    text = lsp_module.Text("<domain>\n" + line + "\n</domain>\n")
    column = line.index("dev") + 1  # 1-based characters, as the engine counts
    span = Span(2, column, 2, column + 9)
    assert (column - 1, lsp_text.units(line[: column - 1], "utf-16")) == (12, 13)  # 'é' is one unit, '𝄞' two
    assert text.range(span) == t.Range(t.Position(1, 13), t.Position(1, 22))
    assert text.character(t.Position(1, 13)) == (1, 12)
    assert text.character(t.Position(1, 6)) == (1, 5)  # the middle of the surrogate pair: before the character
    assert text.character(t.Position(1, 999)) == (1, len(line))
    wide = lsp_module.Text(text.text, "utf-32")
    assert wide.range(span) == t.Range(t.Position(1, 12), t.Position(1, 21))
    assert lsp_text.units("é𝄞", "utf-8") == 6
    # \r\n and lone \r are line breaks for LSP and for the engine alike; past the end clamps.
    mixed = lsp_module.Text("a\r\nb\rc𝄞")
    assert mixed.position(3, 3) == t.Position(2, 3) and mixed.position(9, 1) == t.Position(2, 3)


@needs_lsp
def test_incremental_changes_are_applied_in_utf16_units() -> None:
    from lsprotocol import types as t

    text = lsp_module.Text("<a>𝄞x</a>\n")
    change = t.TextDocumentContentChangePartial(range=t.Range(t.Position(0, 5), t.Position(0, 6)), text="yz")
    assert text.apply(change).text == "<a>𝄞yz</a>\n"
    assert text.apply(t.TextDocumentContentChangeWholeDocument(text="new")).text == "new"


@needs_lsp
def test_engine_bytes_follow_the_declared_encoding() -> None:
    latin = "<?xml version='1.0' encoding='ISO-8859-1'?>\n<os>é€</os>"
    data = lsp_module.engine_bytes(latin)
    assert data.endswith("<os>é?</os>".encode("latin-1"))  # one character for one: columns stay
    assert lsp_module.engine_bytes("\ufeff<os/>") == b"<os/>"
    assert lsp_module.engine_bytes("<os>𝄞</os>") == "<os>𝄞</os>".encode()


@needs_lsp
def test_a_hand_made_fix_becomes_a_quick_fix_with_a_workspace_edit() -> None:
    from lsprotocol import types as t

    text = lsp_module.Text("<os>\n  <bootmenu é𝄞='1' enabled='yes'/>\n</os>\n")
    fix = Fix("rename 'enabled' to 'enable'", (TextEdit(Span(2, 22, 2, 29), "enable"),))
    diagnostic = Diagnostic("x.xml", Span(2, 22, 2, 35), "OS003", "unknown-attribute", Severity.ERROR, "unknown attribute", "rename", fix)
    other = Diagnostic("x.xml", Span(1, 1, 1, 5), "OS005", "missing-element", Severity.ERROR, "missing")
    everywhere = t.Range(t.Position(0, 0), t.Position(3, 0))
    (action,) = lsp_module.quick_fixes("file:///x.xml", [diagnostic, other], text, everywhere)
    assert action.kind == t.CodeActionKind.QuickFix and action.title == "rename 'enabled' to 'enable'"
    assert action.edit.changes == {"file:///x.xml": [t.TextEdit(t.Range(t.Position(1, 22), t.Position(1, 29)), "enable")]}
    assert action.diagnostics[0].code == "OS003" and action.diagnostics[0].message == "unknown-attribute: unknown attribute"
    elsewhere = t.Range(t.Position(0, 1), t.Position(0, 2))
    assert lsp_module.quick_fixes("file:///x.xml", [diagnostic], text, elsewhere) == []


@needs_lsp
def test_a_handler_that_raises_is_logged_and_answers_the_default() -> None:
    server = lsp_module.create_server()
    reported: list[str] = []
    server.report = lambda what, error: reported.append(f"{what}: {error}")  # type: ignore[method-assign]

    @lsp_module.guarded(default=[])
    def broken(ls: object, params: object) -> list[str]:
        raise RuntimeError("boom")

    assert broken(server, None) == []
    assert reported == ["handling broken: boom"]


def test_check_never_imports_pygls() -> None:
    code = (
        "import sys\n"
        "from domlint.cli import main\n"
        "try:\n"
        f"    main(['check', '--quiet', {str(BROKEN)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol') or m in ('domlint.lsp', 'domlint.hints')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


# The server over stdio ------------------------------------------------------------------------------

if HAVE_LSP:
    import pytest_lsp
    from lsprotocol import types as t
    from pygls.protocol import default_converter
    from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

    def _recording_client() -> pytest_lsp.LanguageClient:
        """pytest-lsp's client that also keeps every publishDiagnostics (uri, version, diagnostics) in order."""
        client = pytest_lsp.LanguageClient(converter_factory=default_converter)
        client.published = []  # type: ignore[attr-defined]
        client.taken = set()  # type: ignore[attr-defined]  # indexes in `published` that a test has looked at

        def publish(client: pytest_lsp.LanguageClient, params: t.PublishDiagnosticsParams) -> None:
            client.diagnostics[params.uri] = params.diagnostics
            client.published.append(params)  # type: ignore[attr-defined]

        register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish})
        return client

    SERVER = pytest_lsp.ClientServerConfig(server_command=[sys.executable, "-m", "domlint", "lsp"], client_factory=_recording_client)

    def _capabilities(*encodings: str) -> t.ClientCapabilities:
        capabilities = pytest_lsp.client_capabilities("visual-studio-code")
        capabilities.general = t.GeneralClientCapabilities(position_encodings=list(encodings) or None)
        return capabilities

    @pytest_lsp.fixture(config=SERVER)
    async def client(lsp_client: pytest_lsp.LanguageClient):  # type: ignore[no-untyped-def]
        await lsp_client.initialize_session(t.InitializeParams(capabilities=_capabilities("utf-8", "utf-16")))
        yield
        await lsp_client.shutdown_session()

    @pytest_lsp.fixture(config=SERVER)
    async def client32(lsp_client: pytest_lsp.LanguageClient):  # type: ignore[no-untyped-def]
        response = await lsp_client.initialize_session(t.InitializeParams(capabilities=_capabilities("utf-16", "utf-32")))
        lsp_client.chosen_encoding = response.capabilities.position_encoding  # type: ignore[attr-defined]
        yield
        await lsp_client.shutdown_session()


async def _published(client, uri: str, version: int | None = None, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    """The first publication for `uri` (at `version`, when given) not yet taken, waiting for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for index, params in enumerate(client.published):
            if params.uri == uri and (version is None or params.version == version) and index not in client.taken:
                client.taken.add(index)
                return params
        await asyncio.sleep(0.01)
    raise AssertionError(f"no diagnostics published for {uri} version {version}: {[(p.uri, p.version) for p in client.published]}")


def _open(client, uri: str, text: str, version: int = 1) -> None:  # type: ignore[no-untyped-def]
    client.text_document_did_open(t.DidOpenTextDocumentParams(t.TextDocumentItem(uri=uri, language_id="xml", version=version, text=text)))


def _change(client, uri: str, version: int, *changes) -> None:  # type: ignore[no-untyped-def]
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(t.VersionedTextDocumentIdentifier(version=version, uri=uri), list(changes))
    )


def _edit(line: int, start: int, end: int, text: str):  # type: ignore[no-untyped-def]
    return t.TextDocumentContentChangePartial(range=t.Range(t.Position(line, start), t.Position(line, end)), text=text)


def _summary(diagnostics) -> list[tuple[tuple[int, int, int, int], str, str, int]]:  # type: ignore[no-untyped-def]
    return [
        ((d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character), d.code, d.message, d.severity)
        for d in diagnostics
    ]


def _expected(text: str, path: str) -> list[tuple[tuple[int, int, int, int], str, str, int]]:
    """What `check` finds, in LSP terms, for an ASCII document (characters are UTF-16 units there)."""
    severities = {"error": 1, "warning": 2, "info": 3}
    return [
        (
            (d.span.line - 1, d.span.column - 1, d.span.end_line - 1, d.span.end_column - 1),
            d.code,
            f"{d.name}: {d.message}",
            severities[d.severity],
        )
        for d in engine.lint(text.encode(), path).diagnostics
    ]


@served
async def test_open_publishes_the_diagnostics_of_check_at_the_exact_ranges(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uri = (tmp_path / "guest.xml").as_uri()
    text = BROKEN.read_text(encoding="utf-8")
    _open(client, uri, text)
    published = await _published(client, uri, 1)
    found = _summary(published.diagnostics)
    assert [(where, code) for where, code, _, _ in found] == [
        ((9, 10, 9, 19), "OS004"),
        ((10, 14, 10, 27), "OS003"),
        ((11, 12, 11, 26), "OS601"),
        ((12, 10, 12, 25), "OS101"),
        ((12, 26, 12, 47), "OS102"),
    ]
    assert found == _expected(text, str(tmp_path / "guest.xml"))
    assert found[4][2].startswith("reboot-timeout-range: rebootTimeout '70000' is out of range")
    first = published.diagnostics[1]
    assert first.source == "domlint" and first.data == {"name": "unknown-attribute", "help": "rename 'enabled' to 'enable'"}


@served
async def test_a_change_is_linted_again_and_a_burst_of_edits_once(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uri = (tmp_path / "guest.xml").as_uri()
    text = BROKEN.read_text(encoding="utf-8")
    _open(client, uri, text)
    await _published(client, uri, 1)

    # One edit: the boot device becomes valid, its diagnostic goes.
    _change(client, uri, 2, _edit(9, 15, 18, "cdrom"))
    text = text.replace("dev='dvd'", "dev='cdrom'")
    published = await _published(client, uri, 2)
    assert [d.code for d in published.diagnostics] == ["OS003", "OS601", "OS101", "OS102"]
    assert _summary(published.diagnostics) == _expected(text, "guest.xml")

    # Twenty edits in a burst: type a name character by character, then fix the timeout.
    start = len(client.published)
    name_end = text.split("\n")[3].index("</name>")
    timeout_at = text.split("\n")[12].index("70000")
    edits = [_edit(12, timeout_at, timeout_at + 5, "")]  # delete 70000
    edits += [_edit(3, name_end + i, name_end + i, "x") for i in range(18)]
    edits += [_edit(12, timeout_at, timeout_at, "5000")]
    for version, edit in enumerate(edits, start=3):
        _change(client, uri, version, edit)
    final = await _published(client, uri, 22)
    text = text.replace("70000", "5000").replace("xen-hvm-guest<", "xen-hvm-guest" + "x" * 18 + "<")
    assert _summary(final.diagnostics) == _expected(text, "guest.xml")
    assert [d.code for d in final.diagnostics] == ["OS003", "OS601", "OS101"]
    await asyncio.sleep(0.4)  # longer than the debounce: nothing else comes
    versions = [p.version for p in client.published[start:] if p.uri == uri]
    # Linted once, for the last version (a second lint only if the machine stalls the burst past the debounce).
    assert versions[-1] == 22 and len(versions) <= 2, versions


@served
async def test_save_lints_at_once_and_close_clears(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uri = (tmp_path / "guest.xml").as_uri()
    _open(client, uri, BROKEN.read_text(encoding="utf-8"))
    await _published(client, uri, 1)
    start = len(client.published)
    _change(client, uri, 2, _edit(9, 15, 18, "cdrom"))
    client.text_document_did_save(t.DidSaveTextDocumentParams(t.TextDocumentIdentifier(uri)))
    saved = await _published(client, uri, 2)
    assert "OS004" not in [d.code for d in saved.diagnostics]
    await asyncio.sleep(0.3)
    versions = [p.version for p in client.published[start:] if p.uri == uri]
    # The save's lint replaced the pending one (two only if the machine stalls past the debounce between the two messages).
    assert versions in ([2], [2, 2]), versions

    client.text_document_did_close(t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(uri)))
    cleared = await _published(client, uri)
    assert list(cleared.diagnostics) == []


@served
async def test_the_configuration_of_the_documents_folder_applies(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "domlint.toml").write_text('ignore = ["useserial-requires-serial"]\nseverity = { smbios-sysinfo-missing = "info" }\n')
    (tmp_path / "hosts").mkdir()
    uri = (tmp_path / "hosts" / "guest.xml").as_uri()
    _open(client, uri, BROKEN.read_text(encoding="utf-8"))
    published = await _published(client, uri, 1)
    assert [(d.code, d.severity) for d in published.diagnostics] == [("OS004", 1), ("OS003", 1), ("OS601", 3), ("OS102", 1)]

    # A broken configuration is said once; the document is linted with the defaults meanwhile.
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "domlint.toml").write_text('ignore = ["no-such-rule"]\n')
    for number in (1, 2):
        uri = (tmp_path / "broken" / f"guest{number}.xml").as_uri()
        _open(client, uri, BROKEN.read_text(encoding="utf-8"))
        assert len((await _published(client, uri, 1)).diagnostics) == 5
    (message,) = client.messages
    assert message.type == t.MessageType.Warning and "no rule is named or coded 'no-such-rule'" in message.message


@served
async def test_quick_fix_renames_the_near_miss_attribute(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uri = (tmp_path / "guest.xml").as_uri()
    text = BROKEN.read_text(encoding="utf-8")
    _open(client, uri, text)
    published = await _published(client, uri, 1)
    unknown = next(d for d in published.diagnostics if d.code == "OS003")
    at_cursor = t.Range(t.Position(10, 16), t.Position(10, 16))
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(t.TextDocumentIdentifier(uri), at_cursor, t.CodeActionContext(diagnostics=[unknown]))
    )
    assert [(a.title, a.kind) for a in actions] == [("rename 'enabled' to 'enable'", t.CodeActionKind.QuickFix)]
    (edit,) = actions[0].edit.changes[uri]
    assert (edit.range, edit.new_text) == (t.Range(t.Position(10, 14), t.Position(10, 21)), "enable")
    # Applied as a client does (a change of the document), the problem is gone and nothing replaces it.
    _change(client, uri, 2, t.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text))
    fixed = await _published(client, uri, 2)
    assert [d.code for d in fixed.diagnostics] == ["OS004", "OS601", "OS101", "OS102"]
    # No quick fix where no diagnostic has one, and none when only other kinds are wanted.
    elsewhere = t.Range(t.Position(12, 30), t.Position(12, 30))
    none = await client.text_document_code_action_async(
        t.CodeActionParams(t.TextDocumentIdentifier(uri), elsewhere, t.CodeActionContext([]))
    )
    refactor = t.CodeActionContext([], only=[t.CodeActionKind.Refactor])
    other_kind = await client.text_document_code_action_async(t.CodeActionParams(t.TextDocumentIdentifier(uri), at_cursor, refactor))
    assert list(none) == [] and list(other_kind) == []


@served
async def test_hover_shows_the_grammar_and_the_rule_documentation(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uri = (tmp_path / "guest.xml").as_uri()
    _open(client, uri, BROKEN.read_text(encoding="utf-8"))
    await _published(client, uri, 1)
    bootmenu = await client.text_document_hover_async(t.HoverParams(t.TextDocumentIdentifier(uri), t.Position(10, 7)))
    assert bootmenu.contents.kind == t.MarkupKind.Markdown
    assert bootmenu.contents.value.startswith("**`<bootmenu>`** element in `<os>`")
    assert "Since libvirt 0.8.3" in bootmenu.contents.value
    assert bootmenu.range == t.Range(t.Position(10, 5), t.Position(10, 13))

    reboot = await client.text_document_hover_async(t.HoverParams(t.TextDocumentIdentifier(uri), t.Position(12, 30)))
    value = reboot.contents.value
    assert value.startswith("**OS102 reboot-timeout-range** (error)")  # the diagnostic under the cursor and its rule's doc
    assert "Help: use a number of milliseconds up to 65535" in value and "Drivers: all" in value
    assert "**What it catches**" in value and "## What it catches" not in value  # the rule's doc, headings made quiet
    assert "**`rebootTimeout`** attribute of `<bios>`" in value
    assert "Allowed values: an integer from -1 to 65535" in value and "Since libvirt 0.10.2" in value

    nothing = await client.text_document_hover_async(t.HoverParams(t.TextDocumentIdentifier(uri), t.Position(16, 8)))
    assert nothing is None


@served
async def test_completion_of_attributes_and_values(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uri = (tmp_path / "half.xml").as_uri()
    text = "<domain type='kvm'>\n  <os>\n    <type>hvm</type>\n    <loader \n    <boot dev='\n  </os>\n</domain>\n"
    _open(client, uri, text)
    published = await _published(client, uri, 1)
    assert [d.code for d in published.diagnostics] == ["OS001"]  # half-typed: not well formed

    loader = await client.text_document_completion_async(t.CompletionParams(t.TextDocumentIdentifier(uri), t.Position(3, 12)))
    assert [item.label for item in loader.items] == ["readonly", "secure", "type", "stateless", "format"]
    readonly = loader.items[0]
    assert readonly.kind == t.CompletionItemKind.Property and readonly.insert_text_format == t.InsertTextFormat.Snippet
    assert readonly.text_edit == t.TextEdit(t.Range(t.Position(3, 12), t.Position(3, 12)), "readonly='$1'$0")
    assert readonly.detail == "since libvirt 1.2.8" and "read-only" in readonly.documentation.value

    dev = await client.text_document_completion_async(t.CompletionParams(t.TextDocumentIdentifier(uri), t.Position(4, 15)))
    assert [(item.label, item.kind) for item in dev.items] == [
        (v, t.CompletionItemKind.EnumMember) for v in ("hd", "fd", "cdrom", "network")
    ]
    assert dev.items[0].text_edit.range == t.Range(t.Position(4, 15), t.Position(4, 15))


@served
async def test_utf32_is_chosen_when_offered_and_positions_count_characters(client32, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert client32.chosen_encoding == "utf-32"
    uri = (tmp_path / "wide.xml").as_uri()
    text = "<domain type='kvm'>\n  <os><type>hvm</type><!-- é𝄞 --><boot dev='dvd'/></os>\n</domain>\n"
    _open(client32, uri, text)
    published = await _published(client32, uri, 1)
    column = text.split("\n")[1].index("dev=")
    assert _summary(published.diagnostics)[0][0] == (1, column, 1, column + 9)
    hover = await client32.text_document_hover_async(t.HoverParams(t.TextDocumentIdentifier(uri), t.Position(1, column + 1)))
    assert hover.contents.value.startswith("**OS004 invalid-value**") and hover.range.start.character == column


@served
async def test_utf16_positions_count_a_non_bmp_character_twice(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uri = (tmp_path / "wide.xml").as_uri()
    text = "<domain type='kvm'>\n  <os><type>hvm</type><!-- é𝄞 --><boot dev='dvd'/></os>\n</domain>\n"
    _open(client, uri, text)
    published = await _published(client, uri, 1)
    column = text.split("\n")[1].index("dev=") + 1  # '𝄞' is two UTF-16 units
    assert _summary(published.diagnostics)[0][0] == (1, column, 1, column + 9)
    _change(client, uri, 2, _edit(1, column + 5, column + 8, "hd"))  # replace 'dvd' by UTF-16 positions
    assert list((await _published(client, uri, 2)).diagnostics) == []


@served
async def test_malformed_documents_are_a_diagnostic_and_the_server_keeps_serving(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "unclosed.xml": ("<domain><os><type>hvm</type>", (0, 28, 0, 28)),
        "stray.xml": ("<domain>\n  <os>&</os>\n</domain>", (1, 7, 1, 8)),
        "nul.xml": ("<os>\x00</os>", None),
        "empty.xml": ("", None),
        "not-xml.xml": ('{"json": true}', None),
    }
    for name, (text, where) in cases.items():
        uri = (tmp_path / name).as_uri()
        _open(client, uri, text)
        published = await _published(client, uri, 1)
        assert [d.code for d in published.diagnostics] == ["OS001"], name
        if where is not None:
            assert _summary(published.diagnostics)[0][0] == _expected(text, name)[0][0], name
        # Requests anywhere, even past the end, are answered.
        for position in (t.Position(0, 0), t.Position(0, 3), t.Position(99, 99)):
            await client.text_document_hover_async(t.HoverParams(t.TextDocumentIdentifier(uri), position))
            await client.text_document_completion_async(t.CompletionParams(t.TextDocumentIdentifier(uri), position))
            await client.text_document_code_action_async(
                t.CodeActionParams(t.TextDocumentIdentifier(uri), t.Range(position, position), t.CodeActionContext([]))
            )
    # A document the server never saw: empty answers, no crash.
    unknown = t.TextDocumentIdentifier((tmp_path / "never-opened.xml").as_uri())
    assert await client.text_document_hover_async(t.HoverParams(unknown, t.Position(0, 0))) is None
    # And it still lints.
    uri = (tmp_path / "after.xml").as_uri()
    _open(client, uri, BROKEN.read_text(encoding="utf-8"))
    assert len((await _published(client, uri, 1)).diagnostics) == 5


def _large_domain(devices: int) -> str:
    disks = "".join(
        f"    <disk type='file' device='disk'><source file='/var/lib/images/disk{n}.img'/><target dev='vd{n}' bus='virtio'/></disk>\n"
        for n in range(devices)
    )
    return (
        "<domain type='kvm'>\n  <name>large</name>\n  <devices>\n"
        + disks
        + "  </devices>\n  <os>\n    <type>hvm</type>\n    <bios rebootTimeout='70000'/>\n  </os>\n</domain>\n"
    )


@served
async def test_a_very_large_document_is_answered(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uri = (tmp_path / "large.xml").as_uri()
    text = _large_domain(5000)
    _open(client, uri, text)
    published = await _published(client, uri, 1, timeout=20)
    assert _summary(published.diagnostics) == _expected(text, "large.xml")
    line = text.split("\n").index("    <bios rebootTimeout='70000'/>")
    assert published.diagnostics[0].range.start.line == line == 5006
    hover = await client.text_document_hover_async(t.HoverParams(t.TextDocumentIdentifier(uri), t.Position(line, 12)))
    assert "Allowed values: an integer from -1 to 65535" in hover.contents.value
    _change(client, uri, 2, _edit(line, 25, 30, "5000"))
    assert list((await _published(client, uri, 2, timeout=20)).diagnostics) == []


@needs_lsp
def test_the_lsp_command_starts_a_server_that_answers_initialize() -> None:
    """`domlint lsp` (the console script) speaks LSP on stdio: initialize, shutdown, exit."""
    domlint = Path(sys.executable).parent / "domlint"
    command = [str(domlint)] if domlint.exists() else [sys.executable, "-m", "domlint"]

    def message(payload: dict) -> bytes:
        body = json.dumps(payload).encode()
        return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)

    requests = (
        message({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}})
        + message({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        + message({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        + message({"jsonrpc": "2.0", "method": "exit"})
    )
    result = subprocess.run([*command, "lsp"], input=requests, capture_output=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr.decode()
    response = json.loads(result.stdout.split(b"\r\n\r\n", 1)[1].split(b"Content-Length")[0])
    capabilities = response["result"]["capabilities"]
    assert response["result"]["serverInfo"]["name"] == "domlint" and capabilities["positionEncoding"] == "utf-16"
    assert capabilities["hoverProvider"] and capabilities["codeActionProvider"] and capabilities["completionProvider"]


# The README's editor recipes, in the real editors (skipped where they are missing) ------------------


def _recipes(language: str) -> list[str]:
    """The code blocks of one language in README.md's "Language server" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Language server\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


def _editor_environment(home: Path) -> dict[str, str]:
    """The domlint of this interpreter first on PATH, and a scratch home (no user configuration)."""
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}", HOME=str(home))


NEOVIM_CHECKS = r"""
vim.api.nvim_create_autocmd("VimEnter", {
  callback = function()
    local out = {}
    local uri = vim.uri_from_bufnr(0)
    local function has(name)
      for _, d in ipairs(vim.diagnostic.get(0)) do
        if d.message:sub(1, #name + 1) == name .. ":" then return true end
      end
      return false
    end
    vim.wait(15000, function() return #vim.diagnostic.get(0) > 0 end, 20)
    local found = vim.diagnostic.get(0)
    table.sort(found, function(a, b) return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col) end)
    for _, d in ipairs(found) do
      table.insert(out, string.format("diagnostic %d:%d-%d:%d %s", d.lnum, d.col, d.end_lnum, d.end_col, d.message:match("^[^:]+")))
    end
    local function request(method, params)
      local answers = vim.lsp.buf_request_sync(0, method, params, 5000) or {}
      for _, answer in pairs(answers) do return answer.result end
    end
    local hover = request("textDocument/hover", { textDocument = { uri = uri }, position = { line = 12, character = 30 } })
    table.insert(out, "hover " .. vim.split(hover.contents.value, "\n")[1])
    local completion = request("textDocument/completion", { textDocument = { uri = uri }, position = { line = 9, character = 15 } })
    local labels = {}
    for _, item in ipairs(completion.items or completion) do table.insert(labels, item.label) end
    table.insert(out, "completion " .. table.concat(labels, ","))
    table.insert(out, "omnifunc " .. vim.bo.omnifunc)
    local here = { line = 10, character = 16 }
    local range = { start = here, ["end"] = here }
    local actions = request("textDocument/codeAction", { textDocument = { uri = uri }, range = range, context = { diagnostics = {} } })
    for _, action in ipairs(actions or {}) do
      table.insert(out, "action " .. action.title)
      vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
    end
    table.insert(out, "line " .. vim.api.nvim_buf_get_lines(0, 10, 11, false)[1])
    vim.wait(15000, function() return not has("unknown-attribute") end, 20)
    table.insert(out, "after " .. #vim.diagnostic.get(0) .. (has("unknown-attribute") and " unknown-attribute" or ""))
    vim.fn.writefile(out, os.getenv("DOMLINT_OUT"))
    vim.cmd("qa!")
  end,
})
"""


@needs_lsp
@pytest.mark.skipif(shutil.which("nvim") is None, reason="nvim is missing (apt-get install neovim)")
def test_neovim_recipe_shows_diagnostics_hover_completion_and_applies_a_quick_fix(tmp_path: Path) -> None:
    recipe, old_neovim = _recipes("lua")
    (tmp_path / "init.lua").write_text(old_neovim + recipe + NEOVIM_CHECKS)
    guest = tmp_path / "guest.xml"
    guest.write_text(BROKEN.read_text(encoding="utf-8"))
    environment = dict(_editor_environment(tmp_path), DOMLINT_OUT=str(tmp_path / "out.txt"))
    subprocess.run(
        ["nvim", "--headless", "-n", "-i", "NONE", "-u", str(tmp_path / "init.lua"), str(guest)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert (tmp_path / "out.txt").read_text().splitlines() == [
        "diagnostic 9:10-9:19 invalid-value",
        "diagnostic 10:14-10:27 unknown-attribute",
        "diagnostic 11:12-11:26 smbios-sysinfo-missing",
        "diagnostic 12:10-12:25 useserial-requires-serial",
        "diagnostic 12:26-12:47 reboot-timeout-range",
        "hover **OS102 reboot-timeout-range** (error)",
        "completion hd,fd,cdrom,network",
        "omnifunc v:lua.vim.lsp.omnifunc",
        "action rename 'enabled' to 'enable'",
        "line     <bootmenu enable='yes'/>",
        "after 4",
    ]


EMACS_CHECKS = r"""
(find-file (car command-line-args-left))
(run-hooks 'post-command-hook)  ; eglot-ensure connects after the command that opened the file
(let ((tries 0))
  (while (and (< tries 150) (null (flymake-diagnostics)))
    (setq tries (1+ tries))
    (when (and (eglot-current-server) (= (% tries 10) 0)) (flymake-start))
    (accept-process-output nil 0.1)))
(dolist (d (sort (flymake-diagnostics) (lambda (a b) (< (flymake-diagnostic-beg a) (flymake-diagnostic-beg b)))))
  (let ((beg (flymake-diagnostic-beg d)))
    (princ (format "%d:%d %s %s\n" (line-number-at-pos beg) (save-excursion (goto-char beg) (current-column))
                   (flymake-diagnostic-type d) (flymake-diagnostic-text d)))))
"""


def _emacs_has_eglot() -> bool:
    if shutil.which("emacs") is None:
        return False
    probe = subprocess.run(["emacs", "--batch", "-q", "--eval", "(require 'eglot)"], capture_output=True, timeout=60, check=False)
    return probe.returncode == 0


@needs_lsp
@pytest.mark.skipif(not _emacs_has_eglot(), reason="emacs with eglot is missing (Emacs 29, or apt-get install emacs-nox elpa-eglot)")
def test_emacs_eglot_recipe_shows_the_diagnostics_in_flymake(tmp_path: Path) -> None:
    (recipe,) = _recipes("elisp")
    (tmp_path / "run.el").write_text("(require 'eglot)\n" + recipe + EMACS_CHECKS)
    guest = tmp_path / "guest.xml"
    guest.write_text(BROKEN.read_text(encoding="utf-8"))
    result = subprocess.run(
        ["emacs", "--batch", "-q", "-l", str(tmp_path / "run.el"), str(guest)],
        cwd=tmp_path,
        env=_editor_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = [re.match(r"(\d+:\d+) eglot-(\w+) domlint \[(\w+)\]: ([\w-]+): ", line) for line in result.stdout.splitlines()]
    assert [m.groups() if m else None for m in found] == [
        ("10:10", "error", "OS004", "invalid-value"),
        ("11:14", "error", "OS003", "unknown-attribute"),
        ("12:12", "warning", "OS601", "smbios-sysinfo-missing"),
        ("13:10", "warning", "OS101", "useserial-requires-serial"),
        ("13:26", "error", "OS102", "reboot-timeout-range"),
    ], result.stdout + result.stderr
