"""The RelaxNG grammar read into Python patterns, so errors can be explained node by node.

lxml's RelaxNG gives the verdict (valid or not). To say *which* node breaks *which* rule, in
words a user understands, this module reads the same grammar file into a small set of pattern
objects; `schema.py` interprets them. The grammar file stays the only source of truth: nothing
here knows about libvirt, and a test proves the interpreter and lxml agree on every document.

Supported patterns: grammar, start (with combine="choice"), define, ref, include, element, attribute, choice,
interleave, group, optional, zeroOrMore, oneOrMore, mixed, empty, text, value, data (with param),
anyName, except, name; annotations in the domlint namespace (`d:since`, `d:expect`, `d:parser-*`) and
`a:documentation`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Union

from lxml import etree

from .includes import Includes
from .paths import read_regular
from .integers import decimal

if TYPE_CHECKING:
    from . import regex

RNG = "http://relaxng.org/ns/structure/1.0"
ANNOTATIONS = "urn:domlint:annotations"
DOCUMENTATION = "{http://relaxng.org/ns/compatibility/annotations/1.0}documentation"
StrPath = Union[str, "os.PathLike[str]"]  # paths stay strings on the check path: pathlib costs every start


# Name classes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameClass:
    """One name (`name` set) or any name except some (`name` None)."""

    name: str | None
    excluded: frozenset[str] = frozenset()

    def matches(self, name: str) -> bool:
        if self.name is not None:
            return name == self.name
        return name not in self.excluded


# Patterns ----------------------------------------------------------------------------------------


@dataclass(eq=False)
class Element:
    name: NameClass
    content: Pattern = field(repr=False)
    since: str | None = None
    doc: str | None = None
    parser: dict[str, str] = field(default_factory=dict)  # d:parser-*: what libvirt's parser does with what its schema refuses


@dataclass(eq=False)
class Attribute:
    name: NameClass
    value: Pattern
    since: str | None = None
    doc: str | None = None
    parser: dict[str, str] = field(default_factory=dict)


@dataclass(eq=False)
class Value:
    """A fixed value; `token` values compare after collapsing whitespace, `string` exactly."""

    text: str
    type: str = "token"
    since: str | None = None

    def accepts(self, text: str) -> bool:
        if self.type == "string":
            return text == self.text
        return _collapse(text) == _collapse(self.text)


@dataclass(eq=False)
class Data:
    """A datatype from XML Schema with its facets."""

    type: str
    params: dict[str, str] = field(default_factory=dict)
    expect: str | None = None

    def accepts(self, text: str) -> bool:
        return check_datatype(self.type, self.params, text) is None


@dataclass(eq=False)
class Text:
    """Any text."""


@dataclass(eq=False)
class Empty:
    """Nothing (blank text is still allowed, as in RelaxNG)."""


@dataclass(eq=False)
class Combination:
    """choice, interleave, group, optional, zeroOrMore or oneOrMore over `items`."""

    kind: str
    items: list[Pattern]


@dataclass(eq=False)
class Ref:
    name: str
    grammar: Grammar = field(repr=False)

    @property
    def target(self) -> Pattern:
        return self.grammar.defines[self.name]


Pattern = Union[Element, Attribute, Value, Data, Text, Empty, Combination, Ref]


@dataclass(eq=False)
class Grammar:
    defines: dict[str, Pattern] = field(default_factory=dict)
    start: Pattern | None = None


# Datatypes ---------------------------------------------------------------------------------------

_INTEGER_RANGES = {
    "integer": (None, None),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "positiveInteger": (1, None),
    "nonNegativeInteger": (0, None),
}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_XML_BLANKS = re.compile(r"[ \t\r\n]+")  # XML's whitespace: str.split() would also take U+00A0 and the like


def _collapse(text: str) -> str:
    return _XML_BLANKS.sub(" ", text).strip(" ")


def integer_bounds(type_name: str, params: dict[str, str]) -> tuple[int | None, int | None]:
    """The inclusive range an integer datatype accepts, facets applied."""
    low, high = _INTEGER_RANGES[type_name]
    if "minInclusive" in params:
        low = decimal(params["minInclusive"])
    if "maxInclusive" in params:
        high = decimal(params["maxInclusive"])
    return low, high


def check_datatype(type_name: str, params: dict[str, str], text: str) -> str | None:
    """None when `text` is a valid `type_name` with `params`; else a short reason.

    libxml2 matches a number's pattern against the text as written, blanks included, and a
    string's or token's pattern against its value: ' 10' is an unsignedShort, not one of [0-9]+."""
    value = text if type_name == "string" else _collapse(text)
    if type_name in _INTEGER_RANGES:
        if not _INTEGER.fullmatch(value):
            return "not an integer"
        number = decimal(value)
        low, high = integer_bounds(type_name, params)
        if (low is not None and number < low) or (high is not None and number > high):
            return "out of range"
    elif type_name not in ("string", "token"):
        raise ValueError(f"datatype {type_name!r} is not supported by the grammar reader")
    if "pattern" in params and not _compile_pattern(params["pattern"]).fullmatch(text if type_name in _INTEGER_RANGES else value):
        return "does not match the pattern"
    if "minLength" in params and len(value) < int(params["minLength"]):
        return "too short"
    if "maxLength" in params and len(value) > int(params["maxLength"]):
        return "too long"
    return None


@cache
def _compile_pattern(pattern: str) -> regex.Pattern:
    """XML Schema regular expressions as used in the grammar are also Python ones (anchored),
    matched in linear time (a grammar's pattern may be hostile: see regex.py)."""
    from . import regex

    return regex.Pattern(pattern)


# Reading the grammar file ------------------------------------------------------------------------


def _rng(tag: str) -> str:
    return f"{{{RNG}}}{tag}"


def _children(node: etree._Element) -> list[etree._Element]:
    return [child for child in node if isinstance(child.tag, str) and child.tag.startswith(f"{{{RNG}}}")]


def _documentation(node: etree._Element) -> str | None:
    for child in node:
        if child.tag == DOCUMENTATION:
            return " ".join((child.text or "").split())
    return None


class _Reader:
    """Turns RelaxNG XML into patterns, following includes relative to the including file (only
    those `Includes` allows for the grammar's folder)."""

    def __init__(self, path: StrPath) -> None:
        self.grammar = Grammar()
        self.includes = Includes(str(path))

    def read_file(self, path: StrPath, data: bytes, overrides: etree._Element | None = None) -> None:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True), base_url=str(path))
        self.read_root(root, path, overrides)

    def read_root(self, root: etree._Element, path: StrPath, overrides: etree._Element | None = None) -> None:
        """Read a grammar element; includes are resolved relative to `path`."""
        _check_supported(root)
        overridden = {d.get("name") for d in _children(overrides) if d.tag == _rng("define")} if overrides is not None else set()
        has_start_override = overrides is not None and any(c.tag == _rng("start") for c in _children(overrides))
        if root.tag != _rng("grammar"):
            self.grammar.start = self.pattern(root)  # a grammar may be a single pattern
            return
        for node in _children(root):
            if node.tag == _rng("include"):
                self.read_file(*self.includes.read(node.get("href", ""), str(path)), node)
                self._read_grammar_items(node)
            elif node.tag == _rng("define") and node.get("combine"):
                raise ValueError("combining defines is not supported by the grammar reader")
            elif node.tag == _rng("define") and node.get("name") not in overridden:
                self.grammar.defines[node.get("name")] = self._group(node)
            elif node.tag == _rng("start") and not has_start_override:
                self._set_start(node)
            elif node.tag not in (_rng("define"), _rng("start")):
                raise ValueError(f"<{etree.QName(node).localname}> in a grammar is not supported by the grammar reader")

    def _read_grammar_items(self, container: etree._Element) -> None:
        for node in _children(container):
            if node.tag == _rng("define"):
                self.grammar.defines[node.get("name")] = self._group(node)
            elif node.tag == _rng("start"):
                self._set_start(node)

    def _set_start(self, node: etree._Element) -> None:
        """A start with combine="choice" adds an alternative to the one read before."""
        pattern = self._group(node)
        if node.get("combine") == "choice" and self.grammar.start is not None:
            pattern = Combination("choice", [self.grammar.start, pattern])
        self.grammar.start = pattern

    def _group(self, node: etree._Element) -> Pattern:
        """Several child patterns mean a group, as in RelaxNG's simplification."""
        items = [self.pattern(child) for child in _children(node) if child.tag not in (_rng("name"), _rng("anyName"))]
        return items[0] if len(items) == 1 else Combination("group", items)

    def pattern(self, node: etree._Element) -> Pattern:
        kind = etree.QName(node).localname
        since = node.get(f"{{{ANNOTATIONS}}}since")
        if kind == "element":
            return Element(self._name_class(node), self._group(node), since, _documentation(node), _parser_notes(node))
        if kind == "attribute":
            value = self._group(node) if _children(node) and not self._only_names(node) else Text()
            return Attribute(self._name_class(node), value, since, _documentation(node), _parser_notes(node))
        if kind == "value":
            return Value(node.text or "", node.get("type", "token"), since)
        if kind == "data":
            if node.get("type") not in SUPPORTED_DATATYPES:
                raise ValueError(f"datatype {node.get('type')!r} is not supported by the grammar reader")
            params = {p.get("name"): (p.text or "") for p in _children(node) if p.tag == _rng("param")}
            if "pattern" in params:
                _compile_pattern(params["pattern"])  # ValueError now for what the matcher cannot run
            return Data(node.get("type"), params, node.get(f"{{{ANNOTATIONS}}}expect"))
        if kind == "text":
            return Text()
        if kind == "empty":
            return Empty()
        if kind == "ref":
            return Ref(node.get("name"), self.grammar)
        if kind in ("choice", "interleave", "group", "optional", "zeroOrMore", "oneOrMore"):
            return Combination(kind, [self.pattern(child) for child in _children(node)])
        if kind == "mixed":  # RelaxNG defines it as an interleave with text
            return Combination("interleave", [self.pattern(child) for child in _children(node)] + [Text()])
        raise ValueError(f"RelaxNG pattern <{kind}> is not supported by the grammar reader")

    @staticmethod
    def _only_names(node: etree._Element) -> bool:
        return all(child.tag in (_rng("name"), _rng("anyName")) for child in _children(node))

    def _name_class(self, node: etree._Element) -> NameClass:
        if node.get("name") is not None:
            return NameClass(node.get("name"))
        for child in _children(node):
            if child.tag == _rng("name"):
                return NameClass((child.text or "").strip())
            if child.tag == _rng("anyName"):
                excluded = frozenset(
                    (name.text or "").strip() for exclusion in _children(child) for name in _children(exclusion) if name.tag == _rng("name")
                )
                return NameClass(None, excluded)
        raise ValueError("an element or attribute without a name")


SUPPORTED_DATATYPES = frozenset(_INTEGER_RANGES) | {"string", "token"}
_XSD_DATATYPES = "http://www.w3.org/2001/XMLSchema-datatypes"


def _check_supported(root: etree._Element) -> None:
    """Namespaced names and other datatype libraries are beyond this reader: ValueError."""
    for node in root.iter():
        if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{RNG}}}"):
            continue
        if node.get("ns"):
            raise ValueError("namespaced names are not supported by the grammar reader")
        if node.get("datatypeLibrary") not in (None, "", _XSD_DATATYPES):
            raise ValueError("only the XML Schema datatype library is supported by the grammar reader")


def _parser_notes(node: etree._Element) -> dict[str, str]:
    """`d:parser-value`, `d:parser-placement`, `d:parser-empty` as {"value": words, ...}: what
    libvirt's C parser does where its schema refuses a value, a placement or an empty element."""
    prefix = f"{{{ANNOTATIONS}}}parser-"
    return {key[len(prefix) :]: value for key, value in node.attrib.items() if key.startswith(prefix)}


def schema_path(name: str) -> str:
    """The installed path of a bundled grammar file (the schemas ship inside the package)."""
    from . import schemas  # its folder; importlib.resources would cost every run start-up time

    return os.path.join(os.path.dirname(schemas.__file__), name)


@cache
def load(path: StrPath) -> Grammar:
    """The grammar in `path` (with its includes), read once per process."""
    reader = _Reader(path)
    reader.read_file(path, read_regular(str(path)))
    return reader.grammar


def load_tree(tree: etree._ElementTree, path: StrPath) -> Grammar:
    """A grammar already parsed (e.g. converted from the compact syntax); `path` locates includes."""
    reader = _Reader(path)
    reader.read_root(tree.getroot(), path)
    return reader.grammar
