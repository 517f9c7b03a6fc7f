"""`domlint lsp`: a language server on stdio (pygls), a thin adapter over the engine.

Diagnostics come from `engine.lint` with the configuration of the document's folder
(`config.Resolver`), exactly as `domlint check` finds them; only the positions are converted:
the engine counts 1-based lines and characters, LSP counts 0-based lines and UTF-16 code units
(or UTF-32, when the client offers it: then units are characters). Hover and completion come
from the grammar (`hints.py`). Quick fixes are the `fix` that a diagnostic carries.

The server keeps its own copy of each open document's text and applies edits with LSP's line
breaks (\\r\\n, \\r, \\n), so its positions agree with the engine's for every character.
Nothing here may stop the server: a malformed document is an `xml-syntax` diagnostic, and an
exception in a handler is logged (standard error and window/logMessage) and the server goes on.

This module imports pygls; only the `lsp` command imports this module, so `domlint check`
never pays for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from . import config, engine, hints
from .diagnostics import Diagnostic, Fix, Severity, Span
from .docs import rule_url
from .rules import drivers_label, lookup

logger = logging.getLogger("domlint.lsp")

DEBOUNCE_SECONDS = 0.15  # a burst of edits closer together than this is linted once
UTF16, UTF32 = lsp.PositionEncodingKind.Utf16, lsp.PositionEncodingKind.Utf32
SEVERITIES = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_HEADING = re.compile(r"#{1,6} +(.*?) *#*")
_DECLARED_ENCODING = re.compile(r"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")


# Positions ----------------------------------------------------------------------------------------


def units(text: str, encoding: str) -> int:
    """How many code units of the position encoding `text` takes (UTF-16: two per non-BMP character)."""
    if encoding == UTF32:
        return len(text)
    if encoding == lsp.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def character_index(line: str, count: int, encoding: str) -> int:
    """The character index in `line` that `count` code units reach (clamped; inside a pair: before it)."""
    if encoding == UTF32:
        return max(0, min(count, len(line)))
    seen = 0
    for index, char in enumerate(line):
        width = units(char, encoding)
        if seen + width > count:
            return index
        seen += width
    return len(line)


class Text:
    """A document's text with LSP line arithmetic in one position encoding."""

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
        # The engine never sees a byte-order mark (see `engine_bytes`): its first line is one character shorter.
        self._bom = 1 if text.startswith("\ufeff") else 0

    def line(self, index: int) -> str:
        """Line `index` (0-based) without its line break; '' past the end."""
        if not 0 <= index < len(self.starts):
            return ""
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[index] : end].rstrip("\r\n")

    def position(self, line: int, column: int) -> lsp.Position:
        """The LSP position of an engine position (1-based line, 1-based character column)."""
        if line > len(self.starts):
            last = len(self.starts) - 1
            return lsp.Position(last, units(self.line(last), self.encoding))
        index = max(0, line - 1)
        text = self.line(index)
        characters = max(0, column - 1 + (self._bom if index == 0 else 0))
        return lsp.Position(index, units(text[:characters], self.encoding))

    def range(self, span: Span) -> lsp.Range:
        return lsp.Range(self.position(span.line, span.column), self.position(span.end_line, span.end_column))

    def character(self, position: lsp.Position) -> tuple[int, int]:
        """The 0-based line and character index of an LSP position (clamped to the document)."""
        if position.line >= len(self.starts):
            last = len(self.starts) - 1
            return last, len(self.line(last))
        return position.line, character_index(self.line(position.line), position.character, self.encoding)

    def offset(self, position: lsp.Position) -> int:
        line, character = self.character(position)
        return self.starts[line] + character

    def lsp_position(self, line: int, character: int) -> lsp.Position:
        """The LSP position of a 0-based line and character index."""
        return lsp.Position(line, units(self.line(line)[:character], self.encoding))

    def span_offsets(self, span: Span) -> tuple[int, int]:
        """The offsets in the text of an engine span."""
        return self.offset(self.position(span.line, span.column)), self.offset(self.position(span.end_line, span.end_column))

    def apply(self, change: lsp.TextDocumentContentChangeEvent) -> Text:
        """The text after one didChange content change (incremental or whole)."""
        if isinstance(change, lsp.TextDocumentContentChangePartial):
            start, end = self.offset(change.range.start), self.offset(change.range.end)
            return Text(self.text[:start] + change.text + self.text[max(start, end) :], self.encoding)
        return Text(change.text, self.encoding)


def engine_bytes(text: str) -> bytes:
    """The bytes to lint: encoded as the XML declaration says, so the engine decodes the editor's text.

    Characters the declared encoding lacks become '?' (one for one, so columns stay); a
    byte-order mark is left out (`Text` shifts the first line back).
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    declared = _DECLARED_ENCODING.match(text)
    if declared:
        name = declared.group(1).lower().replace("_", "-")
        if name.startswith(("utf-16", "utf16", "utf-32", "utf32")):  # with a byte-order mark, which the engine reads first
            return text.encode("utf-16" if "16" in name else "utf-32", errors="surrogatepass")
        try:
            return text.encode(declared.group(1), errors="replace")
        except LookupError:
            pass  # the engine reports the unknown encoding
    return text.encode("utf-8", errors="surrogatepass")


def choose_encoding(capabilities: lsp.ClientCapabilities | None) -> str:
    """UTF-32 when the client offers it (units are characters then), else UTF-16, the LSP default."""
    general = capabilities.general if capabilities is not None else None
    offered = (general.position_encodings or []) if general is not None else []
    return UTF32 if UTF32 in offered else UTF16


# Conversions ----------------------------------------------------------------------------------------


def to_lsp_diagnostic(diagnostic: Diagnostic, text: Text) -> lsp.Diagnostic:
    """One engine diagnostic as LSP shows it: the message reads as in `check` ("name: message")."""
    data: dict[str, Any] = {"name": diagnostic.name}
    if diagnostic.help:
        data["help"] = diagnostic.help
    found = lookup(diagnostic.name)
    address = rule_url(found) if found else None
    return lsp.Diagnostic(
        range=text.range(diagnostic.span),
        message=f"{diagnostic.name}: {diagnostic.message}",
        severity=SEVERITIES[diagnostic.severity],
        code=diagnostic.code,
        code_description=lsp.CodeDescription(href=address) if address else None,
        source="domlint",
        data=data,
    )


def to_workspace_edit(uri: str, fix: Fix, text: Text) -> lsp.WorkspaceEdit:
    edits = [lsp.TextEdit(text.range(edit.span), edit.new_text) for edit in fix.edits]
    return lsp.WorkspaceEdit(changes={uri: edits})


def quick_fixes(uri: str, diagnostics: list[Diagnostic], text: Text, wanted: lsp.Range) -> list[lsp.CodeAction]:
    """A quick fix for each diagnostic that has a fix and touches the requested range."""
    low, high = text.offset(wanted.start), text.offset(wanted.end)
    actions = []
    for diagnostic in diagnostics:
        if diagnostic.fix is None:
            continue
        start, end = text.span_offsets(diagnostic.span)
        if start <= high and low <= end:
            actions.append(
                lsp.CodeAction(
                    title=diagnostic.fix.title,
                    kind=lsp.CodeActionKind.QuickFix,
                    diagnostics=[to_lsp_diagnostic(diagnostic, text)],
                    edit=to_workspace_edit(uri, diagnostic.fix, text),
                    is_preferred=True,
                )
            )
    return actions


def rule_hover(diagnostic: Diagnostic) -> str:
    """The hover text of a diagnostic: what was found, how to fix it, and the rule's documentation."""
    rule = lookup(diagnostic.name)
    head = f"**{diagnostic.code} {diagnostic.name}** ({diagnostic.severity.value})"
    parts = [head, diagnostic.message]
    if diagnostic.help:
        parts.append(f"Help: {diagnostic.help}")
    if rule is not None:
        parts.append(f"*{rule.summary}* Drivers: {drivers_label(rule)}.\n\n{_quiet_headings(rule.doc)}")
    return "\n\n".join(parts)


def _quiet_headings(markdown: str) -> str:
    """Headings as bold paragraphs (they are too loud in a hover); code blocks stay as they are."""
    lines, fenced = [], False
    for line in markdown.split("\n"):
        fenced ^= line.startswith("```")
        heading = None if fenced else _HEADING.fullmatch(line)
        lines.append(f"**{heading.group(1)}**\n" if heading else line)
    return "\n".join(lines)


def path_of(uri: str) -> str | None:
    """The file a `file:` URI names; None for other schemes (an unsaved buffer)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if sys.platform == "win32" and re.match(r"/[A-Za-z]:", path):
        path = path[1:]
    return path


# The server ---------------------------------------------------------------------------------------


@dataclass
class OpenDocument:
    text: Text
    version: int | None
    result: engine.Result | None = None
    linted_text: Text | None = None  # the text `result` is about
    pending: asyncio.TimerHandle | None = field(default=None, repr=False)


class Protocol(LanguageServerProtocol):
    """pygls' protocol, except that the position encoding is ours: UTF-32 when offered, else UTF-16."""

    @lsp_method(lsp.INITIALIZE)
    def lsp_initialize(self, params: lsp.InitializeParams):  # type: ignore[override]
        chosen = choose_encoding(params.capabilities)
        if params.capabilities.general is not None:
            params.capabilities.general.position_encodings = [chosen]
        self._server.encoding = chosen  # type: ignore[attr-defined]
        return (yield from super().lsp_initialize(params))


class DomlintServer(LanguageServer):
    """The server's state: the open documents (text, version, last result, pending lint)."""

    def __init__(self) -> None:
        super().__init__("domlint", _version(), protocol_cls=Protocol)
        self.encoding: str = UTF16
        self.documents: dict[str, OpenDocument] = {}
        self._reported_config_errors: set[str] = set()

    # Linting ----------------------------------------------------------------------------------

    def options_for(self, uri: str) -> engine.Options:
        """The configuration of the document's folder, read afresh (the files may have changed)."""
        try:
            return config.Resolver().options_for(path_of(uri))
        except config.ConfigError as error:
            message = f"domlint: {error}; linting with the default settings"
            if message not in self._reported_config_errors:
                self._reported_config_errors.add(message)
                self.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Warning, message))
            return engine.NO_OPTIONS

    def lint(self, uri: str) -> None:
        """Lint the document now and publish its diagnostics."""
        document = self.documents.get(uri)
        if document is None:
            return
        if document.pending is not None:
            document.pending.cancel()
            document.pending = None
        text = document.text
        path = path_of(uri)
        result = engine.lint(engine_bytes(text.text), path if path is not None else uri, self.options_for(uri))
        document.result, document.linted_text = result, text
        diagnostics = [to_lsp_diagnostic(d, text) for d in result.diagnostics]
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, diagnostics, document.version))

    def lint_soon(self, uri: str) -> None:
        """Lint after DEBOUNCE_SECONDS without further change."""
        document = self.documents.get(uri)
        if document is None:
            return
        if document.pending is not None:
            document.pending.cancel()
        document.pending = asyncio.get_running_loop().call_later(DEBOUNCE_SECONDS, self._lint_guarded, uri)

    def _lint_guarded(self, uri: str) -> None:
        try:
            self.lint(uri)
        except Exception as error:  # noqa: BLE001 - the server keeps serving
            self.report(f"linting {uri}", error)

    def current(self, uri: str) -> tuple[OpenDocument, engine.Result, Text] | None:
        """The document with diagnostics of its current text (linted now if an edit is pending)."""
        document = self.documents.get(uri)
        if document is None:
            return None
        if document.result is None or document.linted_text is not document.text:
            self.lint(uri)
        assert document.result is not None and document.linted_text is not None
        return document, document.result, document.linted_text

    def report(self, what: str, error: BaseException) -> None:
        """Log an internal error on standard error and in the client's log; never raise."""
        details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        logger.error("domlint: internal error while %s:\n%s", what, details)
        with contextlib.suppress(Exception):  # the client may be gone: standard error has it
            self.window_log_message(lsp.LogMessageParams(lsp.MessageType.Error, f"domlint: internal error while {what}: {details}"))

    # Capabilities of the client -----------------------------------------------------------------

    def _client(self, *names: str) -> Any:
        value: Any = self.client_capabilities
        for name in names:
            value = getattr(value, name, None)
            if value is None:
                return None
        return value

    def markdown(self) -> bool:
        formats = self._client("text_document", "hover", "content_format")
        return formats is None or lsp.MarkupKind.Markdown in formats

    def snippets(self) -> bool:
        return bool(self._client("text_document", "completion", "completion_item", "snippet_support"))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("domlint")
    except PackageNotFoundError:
        return "0"


Handler = TypeVar("Handler", bound=Callable[..., Any])


def guarded(default: Any = None) -> Callable[[Handler], Handler]:
    """A handler that logs its exceptions and answers `default` instead of failing."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(ls: DomlintServer, params: Any) -> Any:
            try:
                return handler(ls, params)
            except Exception as error:  # noqa: BLE001 - the server keeps serving
                ls.report(f"handling {handler.__name__}", error)
                return default

        return run  # type: ignore[return-value]

    return wrap


_COMPLETION_KINDS = {
    "element": lsp.CompletionItemKind.Class,
    "attribute": lsp.CompletionItemKind.Property,
    "value": lsp.CompletionItemKind.EnumMember,
}


def create_server() -> DomlintServer:
    server = DomlintServer()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    @guarded()
    def did_open(ls: DomlintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        ls.documents[item.uri] = OpenDocument(Text(item.text, ls.encoding), item.version)
        ls.lint(item.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    @guarded()
    def did_change(ls: DomlintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        document = ls.documents.get(params.text_document.uri)
        if document is None:
            return
        text = document.text
        for change in params.content_changes:
            text = text.apply(change)
        document.text, document.version = text, params.text_document.version
        ls.lint_soon(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=True))
    @guarded()
    def did_save(ls: DomlintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        document = ls.documents.get(params.text_document.uri)
        if document is None:
            return
        if params.text is not None and params.text != document.text.text:
            document.text = Text(params.text, ls.encoding)
        ls.lint(params.text_document.uri)  # now: the configuration may have changed too

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    @guarded()
    def did_close(ls: DomlintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        document = ls.documents.pop(params.text_document.uri, None)
        if document is not None and document.pending is not None:
            document.pending.cancel()
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(params.text_document.uri, []))

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
    @guarded(default=[])
    def code_action(ls: DomlintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        only = params.context.only
        if only and not any(lsp.CodeActionKind.QuickFix.value.startswith(kind) for kind in only):
            return []
        found = ls.current(params.text_document.uri)
        if found is None:
            return []
        _, result, text = found
        return quick_fixes(params.text_document.uri, result.diagnostics, text, params.range)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    @guarded()
    def hover(ls: DomlintServer, params: lsp.HoverParams) -> lsp.Hover | None:
        found = ls.current(params.text_document.uri)
        if found is None:
            return None
        _, result, text = found
        here = text.offset(params.position)
        parts = []
        for diagnostic in result.diagnostics:
            start, end = text.span_offsets(diagnostic.span)
            if start <= here <= end:
                parts.append(rule_hover(diagnostic))
        line, character = text.character(params.position)
        hint = hints.hover(text.text, line, character)
        if hint is not None:
            parts.append(hint.markdown)
        if not parts:
            return None
        kind = lsp.MarkupKind.Markdown if ls.markdown() else lsp.MarkupKind.PlainText
        where = lsp.Range(text.lsp_position(*hint.start), text.lsp_position(*hint.end)) if hint is not None else None
        return lsp.Hover(lsp.MarkupContent(kind, "\n\n---\n\n".join(parts)), where)

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["<", " ", "'", '"', "/"]))
    @guarded()
    def completion(ls: DomlintServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
        document = ls.documents.get(params.text_document.uri)
        if document is None:
            return None
        text = document.text
        line, character = text.character(params.position)
        snippets = ls.snippets()
        items = []
        for number, found in enumerate(hints.complete(text.text, line, character)):
            use_snippet = snippets and found.snippet is not None
            replaced = lsp.Range(text.lsp_position(line, found.start), text.lsp_position(line, character))
            documentation = lsp.MarkupContent(lsp.MarkupKind.Markdown, found.documentation) if found.documentation else None
            items.append(
                lsp.CompletionItem(
                    label=found.label,
                    kind=_COMPLETION_KINDS[found.kind],
                    detail=found.detail,
                    documentation=documentation,
                    sort_text=f"{number:04d}",
                    filter_text=found.label,
                    text_edit=lsp.TextEdit(replaced, found.snippet if use_snippet else found.insert),
                    insert_text_format=lsp.InsertTextFormat.Snippet if use_snippet else lsp.InsertTextFormat.PlainText,
                )
            )
        return lsp.CompletionList(is_incomplete=False, items=items)

    return server


def main() -> None:
    """Serve on standard input and output until the client says exit."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(levelname)s: %(message)s")
    create_server().start_io()
