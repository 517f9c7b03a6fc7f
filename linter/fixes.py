"""Text edits for safe fixes, and applying them: formatting and comments elsewhere stay as they are.

Rules build edits with the helpers here (positions come from the document's own scan), the
language server offers them as quick fixes, and `domlint check --fix` applies them to files.
"""

from __future__ import annotations

import re

from lxml import etree

from .diagnostics import Fix, TextEdit
from .document import Document, splice

_LINE_INDENT = re.compile(r"[ \t]*\Z")


def _edit(document: Document, start: int, end: int, text: str) -> TextEdit:
    return TextEdit(document.span(start, end), text)


def delete_element(document: Document, element: etree._Element) -> TextEdit | None:
    """Remove an element; when it stands alone on its line, the whole line goes."""
    extent = document.element_extent(element)
    if extent is None:
        return None
    start, end = extent
    line_start = document.text.rfind("\n", 0, start) + 1
    line_end = document.text.find("\n", end)
    alone = _LINE_INDENT.match(document.text, line_start, start) and document.text[end : line_end if line_end >= 0 else None].strip() == ""
    if alone and line_end >= 0:
        return _edit(document, line_start, line_end + 1, "")
    return _edit(document, start, end, "")


def insert_attribute(document: Document, element: etree._Element, name: str, value: str) -> TextEdit | None:
    """Add `name='value'` right after the element's name; None when the element has it already
    (a second one would make the document malformed)."""
    position = document.name_end(element)
    if position is None or name in element.attrib:
        return None
    return _edit(document, position, position, f" {name}='{value}'")


def delete_attribute(document: Document, element: etree._Element, key: str) -> TextEdit | None:
    """Remove an attribute and the blanks before it."""
    offsets = document.attribute_offsets(element, key)
    if offsets is None:
        return None
    start, end = offsets
    while start > 0 and document.text[start - 1] in " \t\r\n":
        start -= 1
    return _edit(document, start, end, "")


def rename_attribute(document: Document, element: etree._Element, key: str, new_name: str) -> TextEdit | None:
    """Give an attribute another name, keeping its value and quotes; None when the element has an
    attribute of that name already (a duplicate would make the document malformed)."""
    offsets = document.attribute_offsets(element, key)
    if offsets is None or new_name in element.attrib:
        return None
    start = offsets[0]
    name_length = len(re.match(r"[^\s=]+", document.text[start:]).group())
    return _edit(document, start, start + name_length, new_name)


def rename_element(document: Document, element: etree._Element, new_name: str) -> list[TextEdit] | None:
    """Give an element another name, in its start tag and (if any) its end tag."""
    extent, name_end = document.element_extent(element), document.name_end(element)
    if extent is None or name_end is None:
        return None
    start, end = extent
    edits = [_edit(document, start + 1, name_end, new_name)]
    if document.text[end - 2] != "/":  # not self-closing: "</name>" (blanks allowed before ">")
        closing = document.text.rfind("</", start, end)
        edits.append(_edit(document, closing + 2, closing + 2 + (name_end - start - 1), new_name))
    return edits


def near_miss(document: Document, element: etree._Element, attribute: str | None, new_name: str) -> Fix | None:
    """The fix for an unknown element or attribute whose name nearly matches a known one."""
    if attribute is not None:
        return single(f"rename '{attribute}' to '{new_name}'", rename_attribute(document, element, attribute, new_name))
    edits = rename_element(document, element, new_name)
    return Fix(f"rename <{element.tag}> to <{new_name}>", tuple(edits)) if edits else None


def single(title: str, edit: TextEdit | None) -> Fix | None:
    """A fix of one edit, or None when the edit cannot be placed."""
    return Fix(title, (edit,)) if edit is not None else None


def apply(document: Document, data: bytes, fixes: list[Fix]) -> tuple[bytes | None, int]:
    """The document's bytes with every fix applied that touches no start tag or text another
    applied fix touches, and how many were applied; None for the bytes when the edits cannot be
    written in the file's encoding without changing other bytes.

    The others are left for the next run (as ruff does): two fixes of one start tag (renaming one
    attribute, adding another) could give it the same attribute twice, so they never go together.
    """
    claimed = _Claimed(len(document.text))
    chosen: list[tuple[int, int, str]] = []
    applied = 0
    for fix in fixes:
        edits = [
            (document.offset(e.span.line, e.span.column), document.offset(e.span.end_line, e.span.end_column), e.new_text)
            for e in fix.edits
        ]
        regions = [_region(document, start, end) for start, end, _ in edits]
        if any(claimed.conflicts(start, end) for start, end in regions):
            continue
        for start, end in regions:
            claimed.claim(start, end)
        chosen.extend(edits)
        applied += 1
    return splice(data, sorted(chosen)), applied


def _region(document: Document, start: int, end: int) -> tuple[int, int]:
    """What an edit touches: its text, widened to the start tags it begins or ends in."""
    first, last = document.start_tag_around(start), document.start_tag_around(max(start, end - 1))
    return min(start, first[0]) if first else start, max(end, last[1]) if last else end


class _Claimed:
    """Which characters the chosen edits replace and where they insert, so that checking a new
    edit against all chosen ones costs its own length, not the number of edits chosen so far.

    A range conflicts with a chosen edit that replaces one of its characters or inserts strictly
    inside it; an insertion, with a chosen edit that replaces the character at its position
    (the chosen range starts there or spans it) or inserts at the same position."""

    def __init__(self, length: int) -> None:
        self.replaced = bytearray(length + 1)
        self.inserted = bytearray(length + 1)

    def conflicts(self, start: int, end: int) -> bool:
        if start == end:
            return bool(self.replaced[start] or self.inserted[start])
        return any(self.replaced[start:end]) or any(self.inserted[start + 1 : end])

    def claim(self, start: int, end: int) -> None:
        if start == end:
            self.inserted[start] = 1
        else:
            self.replaced[start:end] = b"\x01" * (end - start)
