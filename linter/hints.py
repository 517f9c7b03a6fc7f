"""Hover and completion from the grammar, for the language server.

Pure functions over (document text, 0-based line, 0-based character index into that line's
text), so they work on half-typed documents and are tested without any LSP machinery; the
language server converts LSP positions (UTF-16 or UTF-32 units) to character indexes first.

What the cursor is in comes from a tolerant scan of the text before it (the document is often
not well formed while it is being typed): the open elements from the root, and whether the
cursor is in an element name, an attribute name, an attribute value or text. Element names map
to grammar patterns by that path from the root (domain/os/loader), taking the union over the
grammar's alternatives (all `<os>` variants), so every fact shown comes from the grammar file.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from . import grammar as g
from . import schema

# Line breaks as LSP counts them (and as the engine's Source does): \r\n, \r or \n.
LINE_BREAK = re.compile(r"\r\n|\r|\n")

_NAME = re.compile(r"[^\s<>/=\"'!?]+")
_NAME_CHAR = re.compile(r"[^\s<>/=\"'!?]")
_DONE_ATTRIBUTE = re.compile(r"""\s+([^\s<>/="']+)\s*=\s*("[^"]*"|'[^']*')""")
_TAG_END = re.compile(r"\s*(/?)>")
_IN_VALUE = re.compile(r"""\s+([^\s<>/="']+)\s*=\s*(["'])([^"'<]*)\Z""")
_BEFORE_VALUE = re.compile(r"""\s+([^\s<>/="']+)\s*=\s*\Z""")
_IN_ATTRIBUTE_NAME = re.compile(r"""\s+([^\s<>/="']*)\Z""")
_ATTRIBUTE_AFTER = re.compile(r"""([^\s<>/="']+)\s*=\s*(?:"[^"]*"|'[^']*')""")


# Where the cursor is ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What the cursor is in.

    `kind` is one of "element-name" (after `<`), "end-tag" (after `</`), "attribute-name" (in a
    start tag, where an attribute name goes), "attribute-value" (inside or right after `=`),
    "text" (element content) or "none" (a comment, CDATA, processing instruction, doctype).
    `parents` are the open elements from the root; `element` is the start tag being written
    (attribute contexts); `start` is the offset where the word or value being typed begins,
    so a completion replaces [start, cursor).
    """

    kind: str
    parents: tuple[str, ...] = ()
    start: int = 0
    element: str | None = None
    attribute: str | None = None
    quote: str | None = None
    present: frozenset[str] = frozenset()


def offset_of(text: str, line: int, character: int) -> int:
    """The offset in `text` of a 0-based line and character index (clamped to the line)."""
    starts = line_starts(text)
    if line >= len(starts):
        return len(text)
    start = starts[line]
    end = starts[line + 1] if line + 1 < len(starts) else len(text)
    length = len(text[start:end].rstrip("\r\n"))
    return start + max(0, min(character, length))


def line_starts(text: str) -> list[int]:
    """The offset of each line's first character."""
    return [0] + [m.end() for m in LINE_BREAK.finditer(text)]


def position_of(text: str, offset: int, starts: list[int] | None = None) -> tuple[int, int]:
    """The 0-based line and character index of an offset."""
    starts = starts if starts is not None else line_starts(text)
    line = bisect.bisect_right(starts, offset) - 1
    return line, offset - starts[line]


def scan(text: str, offset: int) -> Context:
    """What the cursor at `offset` is in, from a tolerant scan of the text before it."""
    stack: list[str] = []
    index = 0
    while True:
        lt = text.find("<", index, offset)
        if lt < 0:
            return Context("text", tuple(stack), start=index)
        skip = _skip_markup(text, lt, offset)
        if skip is not None:
            if skip < 0:
                return Context("none", tuple(stack))
            index = skip
            continue
        if text.startswith("</", lt):
            close = _end_of_tag(text, lt + 2, offset)
            if close is None:
                return Context("end-tag", tuple(stack), start=lt + 2)
            found = _NAME.match(text, lt + 2, close)
            if found and found.group() in stack:
                del stack[len(stack) - 1 - stack[::-1].index(found.group()) :]
            index = close + 1
            continue
        found = _NAME.match(text, lt + 1, offset)
        if found is None:
            if lt + 1 == offset:
                return Context("element-name", tuple(stack), start=offset)
            index = lt + 1  # a stray '<': text
            continue
        name, position = found.group(), found.end()
        if position == offset:
            return Context("element-name", tuple(stack), start=lt + 1)
        present: list[str] = []
        while (attribute := _DONE_ATTRIBUTE.match(text, position, offset)) is not None:
            present.append(attribute.group(1))
            position = attribute.end()
        end = _TAG_END.match(text, position, offset)
        if end is not None:
            if not end.group(1):
                stack.append(name)
            index = end.end()
            continue
        inside = _in_start_tag(text, position, offset, tuple(stack), name, present)
        if inside is not None:
            return inside
        # A broken tag before the cursor: up to its '>' if that comes before any '<', else abandoned.
        next_gt, next_lt = text.find(">", position, offset), text.find("<", position, offset)
        if next_gt >= 0 and (next_lt < 0 or next_gt < next_lt):
            if text[next_gt - 1] != "/":
                stack.append(name)
            index = next_gt + 1
        elif next_lt >= 0:
            index = next_lt
        else:
            return Context("none", tuple(stack))


def _skip_markup(text: str, lt: int, offset: int) -> int | None:
    """Past a comment, CDATA section, processing instruction or declaration at `lt`; -1 when the
    cursor is inside it; None when `lt` opens a tag."""
    for opener, closer in (("<!--", "-->"), ("<![CDATA[", "]]>"), ("<?", "?>"), ("<!", ">")):
        if text.startswith(opener, lt):
            end = text.find(closer, lt + len(opener))
            if end < 0 or end + len(closer) > offset:
                return -1
            return end + len(closer)
    return None


def _end_of_tag(text: str, start: int, offset: int) -> int | None:
    """The '>' that ends an end tag before the cursor, or None when the cursor is inside it."""
    close = text.find(">", start, offset)
    return close if close >= 0 else None


def _in_start_tag(text: str, position: int, offset: int, parents: tuple[str, ...], name: str, present: list[str]) -> Context | None:
    """The context when the cursor is inside the start tag `name` (after its complete attributes)."""
    rest = text[position:offset]
    after = _attributes_after(text, offset)
    if (value := _IN_VALUE.match(rest)) is not None:
        return Context(
            "attribute-value", parents, position + value.start(3), name, value.group(1), value.group(2), frozenset(present) | after
        )
    if (bare := _BEFORE_VALUE.match(rest)) is not None:
        return Context("attribute-value", parents, offset, name, bare.group(1), None, frozenset(present) | after)
    if (partial := _IN_ATTRIBUTE_NAME.match(rest)) is not None:
        return Context("attribute-name", parents, position + partial.start(1), name, None, None, frozenset(present) | after)
    return None


def _attributes_after(text: str, offset: int) -> frozenset[str]:
    """Attribute names written after the cursor in the same tag (they are present too)."""
    ends = [i for i in (text.find(">", offset), text.find("<", offset)) if i >= 0]
    end = min(ends) if ends else len(text)
    return frozenset(m.group(1) for m in _ATTRIBUTE_AFTER.finditer(text, offset, end))


# The grammar at a path ----------------------------------------------------------------------------


def _grammar() -> g.Grammar:
    return schema.bundled_schema().patterns


def _named(patterns: list, name: str) -> list:
    """The patterns with exactly this name, else those whose wildcard matches it."""
    exact = [p for p in patterns if p.name.name == name]
    return exact or [p for p in patterns if p.name.name is None and p.name.matches(name)]


def _unique(patterns: list) -> list:
    seen: set[int] = set()
    return [p for p in patterns if not (id(p) in seen or seen.add(id(p)))]


def _child_elements(parents: list[g.Element] | None) -> list[g.Element]:
    """The element patterns allowed as children (at the root when `parents` is None)."""
    if parents is None:
        start = _grammar().start
        return [] if start is None else _unique([e.pattern for a in schema.expand(start) for e in a.elements])
    return _unique([e.pattern for p in parents for a in schema.expand(p.content) for e in a.elements])


@lru_cache(maxsize=256)
def element_patterns(path: tuple[str, ...]) -> tuple[g.Element, ...]:
    """The grammar's patterns of the element at `path` from the root, over all alternatives."""
    current: list[g.Element] | None = None
    for name in path:
        current = _named(_child_elements(current), name)
        if not current:
            return ()
    return tuple(current or ())


def _attribute_patterns(elements: tuple[g.Element, ...]) -> dict[str, list[g.Attribute]]:
    """Attribute name -> its patterns, over all alternatives of the elements, in grammar order."""
    found: dict[str, list[g.Attribute]] = {}
    for element in elements:
        for alternative in schema.expand(element.content):
            for item in alternative.attributes:
                if item.pattern.name.name is not None:
                    found.setdefault(item.pattern.name.name, [])
                    if item.pattern not in found[item.pattern.name.name]:
                        found[item.pattern.name.name].append(item.pattern)
    return found


def _required_attributes(elements: tuple[g.Element, ...]) -> set[str]:
    """Attribute names every alternative requires."""
    required: set[str] | None = None
    for element in elements:
        for alternative in schema.expand(element.content):
            names = {item.pattern.name.name for item in alternative.attributes if item.required and item.pattern.name.name}
            required = names if required is None else required & names
    return required or set()


def _text_options(patterns: list[g.Pattern]) -> list[g.Pattern]:
    """The values, data and text the given value/content patterns allow, flattened."""
    options: list[g.Pattern] = []
    for pattern in patterns:
        for option in schema.text_options(pattern) or []:
            if option not in options:
                options.append(option)
    return options


def _content_options(elements: tuple[g.Element, ...]) -> list[g.Pattern]:
    """The text options of elements whose content is text only (e.g. `<type>`), else []."""
    options: list[g.Pattern] = []
    for element in elements:
        for alternative in schema.expand(element.content):
            options += [o for o in alternative.text if o not in options]
    return options


def _values(options: list[g.Pattern]) -> list[g.Value]:
    seen: set[str] = set()
    return [o for o in options if isinstance(o, g.Value) and not (o.text in seen or seen.add(o.text))]


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def _since(patterns: list) -> str | None:
    """The earliest `since` of the patterns (alternatives may introduce a name at different times)."""
    versions = [p.since for p in patterns if getattr(p, "since", None)]
    return min(versions, key=_version_key) if versions else None


def _docs(patterns: list) -> list[str]:
    docs: list[str] = []
    for pattern in patterns:
        if pattern.doc and pattern.doc not in docs:
            docs.append(pattern.doc)
    return docs


def _allowed(options: list[g.Pattern]) -> str | None:
    """What a list of text options accepts, in words; None when any text is fine."""
    if not options or any(isinstance(o, g.Text) for o in options):
        return None
    return schema.describe(options)


# Hover ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hint:
    """Hover text (markdown) for the text it is about: 0-based (line, character index) start and end."""

    markdown: str
    start: tuple[int, int]
    end: tuple[int, int]


def hover(text: str, line: int, character: int) -> Hint | None:
    """What the grammar says about the element name, attribute name or value under the cursor."""
    offset = offset_of(text, line, character)
    start, end = _word_around(text, offset)
    if start == end:
        return None
    word = text[start:end]
    context = scan(text, start)
    markdown = None
    if context.kind == "element-name":
        markdown = _element_hover(context.parents + (word,))
    elif context.kind == "end-tag":
        parents = context.parents
        path = parents[: len(parents) - parents[::-1].index(word)] if word in parents else parents + (word,)
        markdown = _element_hover(path)
    elif context.kind == "attribute-name" and context.element is not None:
        markdown = _attribute_hover(context.parents + (context.element,), word)
    elif context.kind == "attribute-value" and context.element is not None and context.attribute is not None:
        start, end = _value_around(text, context, offset)
        markdown = _value_hover(context.parents + (context.element,), context.attribute, text[start:end])
    elif context.kind == "text" and context.parents:
        start, end = _text_around(text, offset)
        markdown = _text_hover(context.parents, text[start:end])
    if markdown is None:
        return None
    starts = line_starts(text)
    return Hint(markdown, position_of(text, start, starts), position_of(text, end, starts))


def _word_around(text: str, offset: int) -> tuple[int, int]:
    start = offset
    while start > 0 and _NAME_CHAR.match(text[start - 1]):
        start -= 1
    end = offset
    while end < len(text) and _NAME_CHAR.match(text[end]):
        end += 1
    return start, end


def _value_around(text: str, context: Context, offset: int) -> tuple[int, int]:
    """The whole attribute value the cursor is in (up to the closing quote)."""
    if context.quote is None:
        return offset, offset
    end = text.find(context.quote, offset)
    return context.start, end if end >= 0 else offset


def _text_around(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind(">", 0, offset) + 1
    end = text.find("<", offset)
    end = len(text) if end < 0 else end
    content = text[start:end]
    stripped = content.strip()
    if not stripped:
        return offset, offset
    lead = len(content) - len(content.lstrip())
    return start + lead, start + lead + len(stripped)


def _element_hover(path: tuple[str, ...]) -> str | None:
    elements = tuple(p for p in element_patterns(path) if p.name.name == path[-1])  # not the loose "any element"
    docs, since = _docs(list(elements)), _since(list(elements))
    if not docs and since is None:
        return None
    parent = f" in `<{path[-2]}>`" if len(path) > 1 else ""
    lines = [f"**`<{path[-1]}>`** element{parent}", *docs]
    attributes = _attribute_patterns(elements)
    if attributes:
        required = _required_attributes(elements)
        lines.append("Attributes: " + ", ".join(f"`{name}`" + (" (required)" if name in required else "") for name in attributes))
    allowed = _allowed(_content_options(elements))
    if allowed:
        lines.append(f"Content: {allowed}")
    if since:
        lines.append(f"Since libvirt {since}")
    return "\n\n".join(lines)


def _attribute_hover(path: tuple[str, ...], name: str) -> str | None:
    attributes = _attribute_patterns(element_patterns(path)).get(name)
    if not attributes:
        return None
    lines = [f"**`{name}`** attribute of `<{path[-1]}>`", *_docs(attributes)]
    return "\n\n".join(lines + _allowed_and_since(_text_options([a.value for a in attributes]), attributes))


def _value_hover(path: tuple[str, ...], name: str, value: str) -> str | None:
    attributes = _attribute_patterns(element_patterns(path)).get(name)
    if not attributes or not value:
        return None
    return _describe_value(_text_options([a.value for a in attributes]), value, f"value of `{name}` on `<{path[-1]}>`")


def _text_hover(path: tuple[str, ...], value: str) -> str | None:
    if not value:
        return None
    return _describe_value(_content_options(element_patterns(path)), value, f"content of `<{path[-1]}>`")


def _describe_value(options: list[g.Pattern], value: str, what: str) -> str | None:
    values = _values(options)
    if not values:
        return None
    matching = [o for o in values if o.accepts(value)]
    allowed_here = matching or any(isinstance(o, g.Data) and o.accepts(value) for o in options)
    lines = [f"**`{value}`**: {what}" + ("" if allowed_here else " (not an allowed value)")]
    return "\n\n".join(lines + _allowed_and_since(options, matching))


def _allowed_and_since(options: list[g.Pattern], dated: list[g.Pattern]) -> list[str]:
    """The hover lines an attribute and a value share: the values allowed, and the release that dates `dated`."""
    lines = []
    allowed = _allowed(options)
    if allowed:
        lines.append(f"Allowed values: {allowed}")
    since = _since(dated)
    if since:
        lines.append(f"Since libvirt {since}")
    return lines


# Completion -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    """One completion: `insert` replaces [start, cursor) on the cursor's line (character indexes).

    `kind` is "element", "attribute" or "value". `snippet` is the insert text as an LSP snippet
    (for attributes: the quotes and the cursor between them), or None when it is plain.
    """

    label: str
    kind: str
    insert: str
    start: int
    detail: str | None = None
    documentation: str | None = None
    snippet: str | None = None


def complete(text: str, line: int, character: int) -> list[Completion]:
    """The element names, attribute names or values the grammar allows at the cursor."""
    offset = offset_of(text, line, character)
    context = scan(text, offset)
    starts = line_starts(text)
    line_start = starts[min(line, len(starts) - 1)]
    start = max(context.start, line_start) - line_start  # a replacement never spans lines
    if context.kind == "element-name":
        return _element_completions(context.parents, start)
    if context.kind == "end-tag" and context.parents:
        name = context.parents[-1]
        return [Completion(name, "element", name + ">", start, "close the open element")]
    if context.kind == "attribute-name" and context.element is not None:
        return _attribute_completions(context.parents + (context.element,), context.present, start)
    if context.kind == "attribute-value" and context.element is not None and context.attribute is not None:
        attributes = _attribute_patterns(element_patterns(context.parents + (context.element,))).get(context.attribute, [])
        values = _values(_text_options([a.value for a in attributes]))
        wrap = "" if context.quote else "'"
        return [Completion(v.text, "value", f"{wrap}{v.text}{wrap}", start, _since_label(v.since)) for v in values]
    if context.kind == "text" and context.parents:
        return _text_completions(text, offset, context, line_start)
    return []


def _since_label(since: str | None) -> str | None:
    return f"since libvirt {since}" if since else None


def _element_completions(parents: tuple[str, ...], start: int) -> list[Completion]:
    patterns = _child_elements(element_patterns(parents) if parents else None)
    if parents and not element_patterns(parents):
        return []
    by_name: dict[str, list[g.Element]] = {}
    for pattern in patterns:
        if pattern.name.name is not None:
            by_name.setdefault(pattern.name.name, []).append(pattern)
    return [
        Completion(name, "element", name, start, _since_label(_since(found)), "\n\n".join(_docs(found)) or None)
        for name, found in by_name.items()
    ]


def _attribute_completions(path: tuple[str, ...], present: frozenset[str], start: int) -> list[Completion]:
    elements = element_patterns(path)
    required = _required_attributes(elements)
    completions = []
    for name, found in _attribute_patterns(elements).items():
        if name in present:
            continue
        docs = "\n\n".join(_docs(found)) or None
        allowed = _allowed(_text_options([a.value for a in found]))
        if allowed:
            docs = (docs + "\n\n" if docs else "") + f"Allowed values: {allowed}"
        detail = ", ".join(part for part in ("required" if name in required else None, _since_label(_since(found))) if part) or None
        completions.append(Completion(name, "attribute", name, start, detail, docs, f"{name}='$1'$0"))
    return completions


def _text_completions(text: str, offset: int, context: Context, line_start: int) -> list[Completion]:
    """Enumerated text content (`<type>hvm</type>`), when the cursor is in such an element's text."""
    start = text.rfind(">", 0, offset) + 1
    typed = text[start:offset]
    if any(blank in typed.lstrip() for blank in " \t\r\n"):
        return []
    values = _values(_content_options(element_patterns(context.parents)))
    first = start + len(typed) - len(typed.lstrip())
    return [Completion(v.text, "value", v.text, max(first, line_start) - line_start, _since_label(v.since)) for v in values]
