"""Positions for `domlint lsp`: an open document's text with LSP's line and unit arithmetic, and the
bytes of it that the engine lints.

The engine counts 1-based lines and characters; LSP counts 0-based lines and code units of the
encoding agreed at initialize: UTF-16 (the default; two units for a character beyond the BMP),
UTF-32 (characters) or UTF-8 (bytes). Line breaks are LSP's: \\r\\n, \\r and \\n, as the engine's.
"""

from __future__ import annotations

import re

from lsprotocol import types as lsp

from .diagnostics import Span

UTF16, UTF32 = lsp.PositionEncodingKind.Utf16, lsp.PositionEncodingKind.Utf32
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# The declared names of UTF-16 and UTF-32 (libxml2 knows UCS-2 and UCS-4; Python's codecs do not).
_WIDE_ENCODINGS = (("utf-16", ("utf-16", "utf16", "ucs-2", "ucs2")), ("utf-32", ("utf-32", "utf32", "ucs-4", "ucs4")))
_DECLARED_ENCODING = re.compile(r"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")


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
        name = declared.group(1).lower().replace("_", "-").removeprefix("iso-10646-")
        for codec, names in _WIDE_ENCODINGS:
            if name.startswith(names):  # with a byte-order mark, which the engine reads first
                return text.encode(codec, errors="surrogatepass")
        try:
            return text.encode(declared.group(1), errors="replace")
        except (LookupError, UnicodeError):
            pass  # not a codec that writes text (the engine reports what it cannot read)
    return text.encode("utf-8", errors="surrogatepass")


def choose_encoding(capabilities: lsp.ClientCapabilities | None) -> str:
    """UTF-32 when the client offers it (units are characters then), else UTF-16, the LSP default."""
    general = capabilities.general if capabilities is not None else None
    offered = (general.position_encodings or []) if general is not None else []
    return UTF32 if UTF32 in offered else UTF16
