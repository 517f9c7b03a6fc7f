"""Safe parsing, and the exact source position of every element, attribute and text node.

lxml gives the tree but only a line per element; libxml2's grammar errors often carry no
usable line at all. So after lxml has accepted the document as well formed, one scan over the
decoded source finds every start tag (in document order, which is lxml's element order) and the
span of each attribute inside it. Diagnostics then point at the smallest construct at fault.
"""

from __future__ import annotations

import bisect
import codecs
import re
from dataclasses import dataclass
import threading
from functools import cached_property
from itertools import accumulate

from lxml import etree

from .diagnostics import Span

XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"

# Parsing is safe by construction: no entity expansion, no DTD, no network, no XInclude
# (lxml only processes XInclude on request), and libxml2's default depth and size limits.
_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
)

_PARSERS = threading.local()


def _parser() -> etree.XMLParser:
    """This thread's parser: lxml sets a parser up on its first document, so reusing one is faster."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.XMLParser(**_PARSER_OPTIONS)
    return parser


# Each BOM with the codec of the text after it (the BOM stays in the file's bytes, never in the text).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Without a byte-order mark, a UTF-16 or UTF-32 document shows its encoding by how "<?" (or "<") is
# written: the XML specification's appendix F, which libxml2 follows (it reads UTF-32 from "<" alone).
_BOMLESS = (
    (b"<\0\0\0", "utf-32-le"),
    (b"\0\0\0<", "utf-32-be"),
    (b"<\0?\0", "utf-16-le"),
    (b"\0<\0?", "utf-16-be"),
)
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")

# A document type declaration: quoted literals and the internal subset's comments, processing
# instructions and literals may hold "]" and ">" (no alternative can start where another does).
DOCTYPE_PATTERN = (
    r"""<!DOCTYPE(?:[^\["'>]|"[^"]*"|'[^']*'"""
    r"""|\[(?:[^\]"'<]|"[^"]*"|'[^']*'|<!--.*?-->|<\?.*?\?>|<(?!!--|\?))*\])*>"""
)
# Markup that is not a start tag, and the "<" that opens one. The document is already known to be
# well formed when this runs, so a start tag is any "<" not consumed by the other alternatives.
_MARKUP = re.compile(rf"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|{DOCTYPE_PATTERN}|</[^>]*>|<", re.S)
_TAG_NAME = re.compile(r"<([^\s/>]+)")
_ATTRIBUTE = re.compile(r"""\s*([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")
# _MARKUP with whole start tags (name, attributes, end) read in the same pass.
_SCAN = re.compile(
    rf"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|{DOCTYPE_PATTERN}|</[^>]*>"
    r"""|<([^\s/>]+)(?:\s*[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(/?)>|<""",
    re.S,
)


class Source:
    """Decoded source text with line/column arithmetic (1-based, columns in characters)."""

    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        self.text, self.encoding = decode(data)

    @cached_property
    def _line_starts(self) -> list[int]:
        """Where each line begins: computed on first use, since a clean file needs no position."""
        if "\r" not in self.text:  # the usual case, at a fraction of the cost
            return list(accumulate([len(line) + 1 for line in self.text.split("\n")][:-1], initial=0))
        return [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", self.text)]

    def detached(self) -> Source:
        """The text alone, without a parsed tree: what a report keeps of a file (and can pickle)."""
        plain = Source.__new__(Source)
        plain.path, plain.text, plain.encoding = self.path, self.text, self.encoding
        return plain

    def span(self, start: int, end: int) -> Span:
        """The Span of the character offsets [start, end)."""
        line, column = self._line_column(start)
        end_line, end_column = self._line_column(end)
        return Span(line, column, end_line, end_column)

    def line_text(self, line: int) -> str:
        """The source line (1-based) without its line break."""
        if not 1 <= line <= len(self._line_starts):
            return ""
        start = self._line_starts[line - 1]
        end = self._line_starts[line] if line < len(self._line_starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def line_count(self) -> int:
        return len(self._line_starts)

    def offset(self, line: int, column: int) -> int:
        """The character offset of a 1-based line and column."""
        return self._line_starts[line - 1] + column - 1

    def _line_column(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1


class XmlSyntaxError(Exception):
    """The document is not well formed; carries the parser's message and position."""

    def __init__(self, message: str, span: Span, source: Source) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.source = source


class _StartTag:
    """A start tag's offsets; its attributes are read from the text when first asked for."""

    __slots__ = ("start", "end", "name_end", "self_closing", "content_end", "_text", "_attributes")

    def __init__(self, text: str, start: int, end: int, name_end: int, self_closing: bool) -> None:
        self.start = start
        self.end = end  # just after ">"
        self.name_end = name_end
        self.self_closing = self_closing
        self.content_end = end  # where the first markup after the start tag begins
        self._text = text
        self._attributes: dict[str, tuple[int, int]] | None = None

    @property
    def attributes(self) -> dict[str, tuple[int, int]]:
        """Raw name -> span (name through closing quote)."""
        if self._attributes is None:
            self._attributes, cursor = {}, self.name_end
            while (attribute := _ATTRIBUTE.match(self._text, cursor)) is not None:
                self._attributes[attribute.group(1)] = (attribute.start(1), attribute.end(2))
                cursor = attribute.end()
        return self._attributes


@dataclass
class _Scan:
    elements: list[etree._Element]  # document order
    tags: dict[etree._Element, _StartTag]  # empty when the scan and the tree disagree
    starts: list[int]
    at: dict[int, _StartTag]


def _bom(data: bytes) -> bytes:
    """The byte order mark the data starts with (b"" when none)."""
    return next((bom for bom, _ in _BOMS if data.startswith(bom)), b"")


_UNMARKED_UTF16 = "the file looks like UTF-16 without the byte-order mark XML requires: save it with one, or as UTF-8"


def _unmarked_utf16(data: bytes) -> bool:
    """UTF-16 with neither byte-order mark nor declaration, which XML does not allow: libxml2 reads
    it as UTF-8 and stops at the first NUL."""
    return data[:2] in (b"<\0", b"\0<") and not data.startswith(tuple(start for start, _ in _BOMLESS))


def decode(data: bytes) -> tuple[str, str]:
    """Decode as the XML parser does: BOM first, then the byte order of an unmarked UTF-16 or
    UTF-32 start, then the declared encoding, else UTF-8.

    Returns the text (without the BOM) and the codec of the bytes after the BOM. A declared name
    that is no text codec, or that cannot decode ('undefined', 'idna'), reads as UTF-8: the parser
    then reports the encoding it does not support.
    """
    if data[:1] == b"<" and data[1:2] != b"\0" and not data.startswith(b"<?xml"):  # the usual case: no BOM, no declaration
        return data.decode("utf-8", errors="replace"), "utf-8"
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace"), encoding
    for start, encoding in _BOMLESS:
        if data.startswith(start):
            return data.decode(encoding, errors="replace"), encoding
    if _unmarked_utf16(data):  # not XML, but shown as what it is
        encoding = "utf-16-le" if data[:1] == b"<" else "utf-16-be"
        return data.decode(encoding, errors="replace"), encoding
    declared = _DECLARED_ENCODING.match(data)
    encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        return data.decode(encoding, errors="replace"), encoding
    except (LookupError, UnicodeError):
        return data.decode("utf-8", errors="replace"), "utf-8"


def splice(data: bytes, edits: list[tuple[int, int, str]]) -> bytes | None:
    """`data` with edits of its decoded text made in the bytes themselves: every byte outside the
    edits stays as it is (BOM, declaration, line ends), the new text is written in the file's own
    encoding. `edits` are (start, end, new text) in character offsets, sorted and apart.

    None when that cannot be done exactly: the codec cannot write the new text, or an edit falls
    inside the encoding of a character (UTF-7's base64 runs), so the result would not decode to
    the edited text.
    """
    text, encoding = decode(data)
    bounds = sorted({offset for start, end, _ in edits for offset in (start, end)})
    at = _byte_positions(data, text, encoding, bounds)
    pieces, expected, cursor, text_cursor = [], [], 0, 0
    try:
        for start, end, new_text in edits:
            if start not in at or end not in at:
                return None
            pieces += [data[cursor : at[start]], new_text.encode(encoding)]
            expected += [text[text_cursor:start], new_text]
            cursor, text_cursor = at[end], end
    except UnicodeError:
        return None
    spliced = b"".join([*pieces, data[cursor:]])
    return spliced if decode(spliced) == ("".join([*expected, text[text_cursor:]]), encoding) else None


def _byte_positions(data: bytes, text: str, encoding: str, offsets: list[int]) -> dict[int, int]:
    """Where each character offset (sorted) of the decoded text begins in the data; an offset
    that stands at no byte boundary is left out.

    Usually the stretches of text between the offsets encode back to exactly the data; otherwise
    (a codec with several spellings of a character, like UTF-7) the data is decoded byte by byte,
    and an offset is placed only where the decoder holds nothing back.
    """
    bom = _bom(data)
    stretches = [text[start:end] for start, end in zip([0, *offsets], [*offsets, len(text)])]
    try:
        encoded = [stretch.encode(encoding) for stretch in stretches]
    except UnicodeError:
        encoded = []
    if bom + b"".join(encoded) == data:
        return dict(zip(offsets, list(accumulate((len(piece) for piece in encoded[:-1]), initial=len(bom)))[1:]))
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    clean, positions, characters = decoder.getstate(), {}, 0
    pending = iter(offsets)
    wanted = next(pending, None)
    for position in range(len(bom), len(data) + 1):
        while wanted is not None and (wanted < characters or wanted == characters and decoder.getstate() == clean):
            if wanted == characters:
                positions[wanted] = position
            wanted = next(pending, None)
        if wanted is None or position == len(data):
            break
        characters += len(decoder.decode(data[position : position + 1]))
    return positions


class Document(Source):
    """A parsed document: the lxml tree, its source text, and where each node stands in it."""

    def __init__(self, path: str, data: bytes) -> None:
        super().__init__(path, data)
        try:
            self.root: etree._Element = etree.fromstring(data, _parser())
        except etree.XMLSyntaxError as error:
            message = _syntax_message(error)
            if _unmarked_utf16(data):
                message = f"{message.rstrip()}; {_UNMARKED_UTF16}"
            raise XmlSyntaxError(message, self._syntax_span(error), self.detached()) from None

    @cached_property
    def _scan(self) -> _Scan:
        """Where every start tag stands: scanned on first use, since a clean file needs no position."""
        elements = list(self.root.iter(etree.Element))  # elements only: no comments, PIs or entities
        tags = _scan_start_tags(self.text)
        if len(tags) != len(elements):
            return _Scan(elements, {}, [], {})
        return _Scan(elements, dict(zip(elements, tags)), [tag.start for tag in tags], {tag.start: tag for tag in tags})

    @property
    def _tags(self) -> dict[etree._Element, _StartTag]:
        return self._scan.tags

    @property
    def _elements(self) -> list[etree._Element]:
        return self._scan.elements

    @property
    def _tag_starts(self) -> list[int]:
        return self._scan.starts

    @property
    def _tag_at(self) -> dict[int, _StartTag]:
        return self._scan.at

    # Regions -------------------------------------------------------------------------------------

    def attribute_offsets(self, element: etree._Element, key: str) -> tuple[int, int] | None:
        """Character offsets of an attribute, name through closing quote; None if unknown."""
        tag = self._tags.get(element)
        if tag is None:
            return None
        return next((span for raw, span in tag.attributes.items() if _qualified_key(element, raw) == key), None)

    def name_end(self, element: etree._Element) -> int | None:
        """The offset just after "<name" of the start tag."""
        tag = self._tags.get(element)
        return tag.name_end if tag else None

    def element_extent(self, element: etree._Element) -> tuple[int, int] | None:
        """Offsets of the whole element, from "<" of its start tag through ">" of its end tag."""
        tag = self._tags.get(element)
        if tag is None:
            return None
        if tag.self_closing:
            return tag.start, tag.end
        depth, position = 1, tag.end
        while depth:
            match = _MARKUP.search(self.text, position)
            if match is None:
                return None
            if match.group().startswith("</"):
                depth -= 1
            elif match.group() == "<" and match.start() in self._tag_at:
                inner = self._tag_at[match.start()]
                depth += 0 if inner.self_closing else 1
                position = inner.end
                continue
            position = match.end()
        return tag.start, position

    def start_tag_around(self, offset: int) -> tuple[int, int] | None:
        """The offsets of the start tag that holds `offset` ("<" through ">"), or None."""
        index = bisect.bisect_right(self._tag_starts, offset) - 1
        if index < 0:
            return None
        tag = self._tag_at[self._tag_starts[index]]
        return (tag.start, tag.end) if offset < tag.end else None

    def next_element(self, offset: int) -> tuple[etree._Element, int] | None:
        """The first element whose start tag begins at or after `offset`, with that position."""
        index = bisect.bisect_left(self._tag_starts, offset)
        if index == len(self._tag_starts):
            return None
        return self._elements[index], self._tag_starts[index]

    def subtree_end(self, element: etree._Element) -> int:
        """Where the element's subtree ends: the start tag of the next element that is not a
        descendant (nothing a diagnostic points at lies between), or the end of the text.
        That element is the next sibling of the element or of its nearest ancestor that has one."""
        node: etree._Element | None = element
        while node is not None:
            following = next(node.itersiblings(etree.Element), None)
            if following is not None:
                tag = self._tags.get(following)
                return tag.start if tag is not None else len(self.text)
            node = node.getparent()
        return len(self.text)

    def element_span(self, element: etree._Element) -> Span:
        """The start tag of an element, from "<" through ">"."""
        tag = self._tags.get(element)
        if tag is None:
            return self._line_fallback(element)
        return self.span(tag.start, tag.end)

    def element_name_span(self, element: etree._Element) -> Span:
        """Just "<name" of the start tag: short enough to underline on a long tag."""
        tag = self._tags.get(element)
        if tag is None:
            return self._line_fallback(element)
        return self.span(tag.start, tag.name_end)

    def attribute_span(self, element: etree._Element, key: str) -> Span:
        """An attribute from its name through the closing quote; `key` is lxml's `{ns}name`."""
        tag = self._tags.get(element)
        if tag is not None:
            for raw, (start, end) in tag.attributes.items():
                if _qualified_key(element, raw) == key:
                    return self.span(start, end)
        return self.element_span(element)

    def text_span(self, element: etree._Element) -> Span:
        """The element's own text without surrounding blanks; the start tag when it has none."""
        tag = self._tags.get(element)
        if tag is None or tag.self_closing:
            return self.element_span(element)
        raw = self.text[tag.end : tag.content_end]
        stripped = raw.strip()
        if not stripped:
            return self.element_span(element)
        start = tag.end + raw.index(stripped)
        return self.span(start, start + len(stripped))

    def tail_span(self, element: etree._Element) -> Span:
        """The text after an element (its tail) without surrounding blanks, up to the next markup;
        the parent's start tag when it cannot be placed."""
        extent = self.element_extent(element)
        parent = element.getparent()
        if extent is None:
            return self.element_span(parent if parent is not None else element)
        following = _MARKUP.search(self.text, extent[1])
        raw = self.text[extent[1] : following.start() if following else len(self.text)]
        stripped = raw.strip()
        if not stripped:
            return self.element_span(parent if parent is not None else element)
        start = extent[1] + raw.index(stripped)
        return self.span(start, start + len(stripped))

    def _line_fallback(self, element: etree._Element) -> Span:
        line = element.sourceline or 1
        return Span(line, 1, line, len(self.line_text(line)) + 1)

    def _syntax_span(self, error: etree.XMLSyntaxError) -> Span:
        line, column = error.position if error.position else (1, 1)
        line = max(1, min(line, self.line_count()))
        width = len(self.line_text(line))
        column = max(1, min(column, width + 1))
        end = column + 1 if column <= width else column
        return Span(line, column, line, end)


def _syntax_message(error: etree.XMLSyntaxError) -> str:
    """libxml2's message without its trailing ", line L, column C" (the position says that)."""
    message = re.sub(r", line \d+, column \d+$", "", error.msg or "malformed XML")
    return f"the document is not well-formed XML: {message}"


def _qualified_key(element: etree._Element, raw: str) -> str:
    prefix, _, local = raw.rpartition(":")
    if not prefix:
        return raw
    namespace = XML_NAMESPACE if prefix == "xml" else element.nsmap.get(prefix, "")
    return f"{{{namespace}}}{local}"


def _scan_start_tags(text: str) -> list[_StartTag]:
    """Every start tag of a well-formed document, in document order (one pass of one expression;
    a start tag it cannot read ends the scan, as if the text ended there)."""
    tags: list[_StartTag] = []
    previous: _StartTag | None = None
    for match in _SCAN.finditer(text):
        if previous is not None:
            previous.content_end = match.start()
            previous = None
        name_end = match.end(1)
        if name_end < 0:  # not a start tag
            if match.group() == "<" and _TAG_NAME.match(text, match.start()):
                break  # a start tag whose attributes or end cannot be read
            continue
        tag = _StartTag(text, match.start(), match.end(), name_end, bool(match.group(2)))
        tags.append(tag)
        if not tag.self_closing:
            previous = tag
    return tags
