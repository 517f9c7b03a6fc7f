"""`domlint lsp`: a language server on stdio (pygls), a thin adapter over the engine.

Diagnostics come from `engine.lint` with the configuration of the document's folder
(`config.Resolver`), exactly as `domlint check` finds them; only the positions are converted
(`lsp_text`): the engine counts 1-based lines and characters, LSP counts 0-based lines and UTF-16
code units (or UTF-32, when the client offers it: then units are characters). Hover and
completion come from the grammar (`hints.py`). Quick fixes are the `fix` that a diagnostic carries.

The server keeps its own copy of each open document's text and applies edits with LSP's line
breaks (\\r\\n, \\r, \\n), so its positions agree with the engine's for every character.
Nothing here may stop the server: a malformed document is an `xml-syntax` diagnostic, and an
exception in a handler is logged (standard error and window/logMessage) and the server goes on.
A lint runs in one worker thread, never on the event loop, so requests are answered while a large
document is linted; a lint of a text that has changed since is skipped (or its result dropped),
so only the newest version is published. A lint that fails publishes one diagnostic saying so:
the diagnostics before it are about another text. The JSON-RPC rules are in `lsp_protocol`.

This module imports pygls; only the `lsp` command imports this module, so `domlint check`
never pays for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import re
import sys
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from . import config, engine, hints
from .diagnostics import Diagnostic, Fix, Severity
from .docs import rule_url
from .lsp_protocol import Protocol
from .lsp_text import UTF16, Text, engine_bytes
from .rules import drivers_label, lookup

logger = logging.getLogger("domlint.lsp")

DEBOUNCE_SECONDS = 0.15  # a burst of edits closer together than this is linted once
SEVERITIES = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
}
_HEADING = re.compile(r"#{1,6} +(.*?) *#*")


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


def linting_failed(error: Exception) -> lsp.Diagnostic:
    """What stands instead of the diagnostics when linting failed: the old ones are about another text."""
    return lsp.Diagnostic(
        range=lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0)),
        message=f"domlint could not lint this document: internal error ({type(error).__name__}: {error}); the details are in the log",
        severity=lsp.DiagnosticSeverity.Error,
        source="domlint",
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
    """An open document: its text, the diagnostics of the text last linted, and the lint under way."""

    text: Text
    version: int | None
    diagnostics: list[Diagnostic] | None = None
    linted_text: Text | None = None  # the text `diagnostics` are about
    pending: asyncio.TimerHandle | None = field(default=None, repr=False)  # the debounce of the last change
    linting: asyncio.Task[None] | None = field(default=None, repr=False)  # the lint of `linting_text`, while it runs
    linting_text: Text | None = None


class DomlintServer(LanguageServer):
    """The server's state: the open documents (text, version, last diagnostics, pending lint)."""

    def __init__(self) -> None:
        super().__init__("domlint", _version(), protocol_cls=Protocol)
        self.encoding: str = UTF16
        self.documents: dict[str, OpenDocument] = {}
        self._reported_config_errors: set[str] = set()
        # One thread lints, one document after another, so that no lint holds up a request; a queued
        # lint whose text has changed since is skipped, so only the newest version is linted.
        self._linter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="domlint-lint")

    def shutdown(self) -> None:
        """Stop as pygls does, and drop the lints not yet started (the one under way ends on its own)."""
        self._linter.shutdown(wait=False, cancel_futures=True)
        super().shutdown()

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

    def lint(self, uri: str) -> asyncio.Task[None] | None:
        """Lint the document's current text in the linting thread and publish its diagnostics (the task that does)."""
        document = self.documents.get(uri)
        if document is None:
            return None
        if document.pending is not None:
            document.pending.cancel()
            document.pending = None
        if document.linting is None or document.linting_text is not document.text:
            document.linting_text = document.text
            document.linting = asyncio.ensure_future(self._lint(uri, document, document.text))
        return document.linting

    def lint_soon(self, uri: str) -> None:
        """Lint after DEBOUNCE_SECONDS without further change."""
        document = self.documents.get(uri)
        if document is None:
            return
        if document.pending is not None:
            document.pending.cancel()
        document.pending = asyncio.get_running_loop().call_later(DEBOUNCE_SECONDS, self.lint, uri)

    async def _lint(self, uri: str, document: OpenDocument, text: Text) -> None:
        """Lint `text` and publish, unless the document has changed or closed meanwhile (a newer lint publishes).

        An internal error is logged and replaces the diagnostics: the old ones are about another text.
        """
        try:
            options = self.options_for(uri)
            found = await asyncio.get_running_loop().run_in_executor(self._linter, self._lint_if_newest, uri, document, text, options)
            published = None if found is None else [to_lsp_diagnostic(d, text) for d in found]
        except Exception as error:  # noqa: BLE001 - the server keeps serving
            self.report(f"linting {uri}", error)
            found, published = [], [linting_failed(error)]
        finally:
            if document.linting_text is text:
                document.linting = document.linting_text = None
        if published is None or self.documents.get(uri) is not document or document.text is not text:
            return
        document.diagnostics, document.linted_text = found, text
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, published, document.version))

    def _lint_if_newest(self, uri: str, document: OpenDocument, text: Text, options: engine.Options) -> list[Diagnostic] | None:
        """In the linting thread: the diagnostics of `text`, or None when it is no longer the document's text."""
        if self.documents.get(uri) is not document or document.text is not text:
            return None
        path = path_of(uri)
        return engine.lint(engine_bytes(text.text), path if path is not None else uri, options).diagnostics

    async def current(self, uri: str) -> tuple[list[Diagnostic], Text] | None:
        """The diagnostics of the document's current text, and that text: waits for its lint if need be."""
        while (document := self.documents.get(uri)) is not None:
            if document.diagnostics is not None and document.linted_text is document.text:
                return document.diagnostics, document.text
            linting = self.lint(uri)
            if linting is not None:
                await asyncio.shield(linting)  # a cancelled request does not cancel the lint that others wait for
        return None

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
    """A handler (plain or async) that logs its exceptions and answers `default` instead of failing."""

    def wrap(handler: Handler) -> Handler:
        def failed(ls: DomlintServer, error: Exception) -> Any:
            ls.report(f"handling {handler.__name__}", error)
            return default

        @functools.wraps(handler)
        def run(ls: DomlintServer, params: Any) -> Any:
            try:
                return handler(ls, params)
            except Exception as error:  # noqa: BLE001 - the server keeps serving
                return failed(ls, error)

        @functools.wraps(handler)
        async def run_async(ls: DomlintServer, params: Any) -> Any:
            try:
                return await handler(ls, params)
            except Exception as error:  # noqa: BLE001 - the server keeps serving
                return failed(ls, error)

        return run_async if inspect.iscoroutinefunction(handler) else run  # type: ignore[return-value]

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
    async def code_action(ls: DomlintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        only = params.context.only
        if only and not any(lsp.CodeActionKind.QuickFix.value.startswith(kind) for kind in only):
            return []
        found = await ls.current(params.text_document.uri)
        if found is None:
            return []
        diagnostics, text = found
        return quick_fixes(params.text_document.uri, diagnostics, text, params.range)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    @guarded()
    async def hover(ls: DomlintServer, params: lsp.HoverParams) -> lsp.Hover | None:
        found = await ls.current(params.text_document.uri)
        if found is None:
            return None
        diagnostics, text = found
        here = text.offset(params.position)
        parts = []
        for diagnostic in diagnostics:
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
    """Serve on standard input and output until the client says exit; 1 unless it said shutdown first."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(levelname)s: %(message)s")
    server = create_server()
    server.start_io()
    sys.exit(server.protocol.exit_code)
