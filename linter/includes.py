"""Where a grammar may read its parts from: `include`, `externalRef`, `xs:include`, `xs:import`.

A grammar named with `--schema` may come from anyone's pull request, and libxml2, xmlschema and
rnc2rng would each read any path or URL an include names (and show its content in their
messages). Every engine therefore asks `Includes` first: a part is read only when it is a local
regular file whose real path (symbolic links followed) lies inside the grammar's own folder or
libvirt's schema folder; anything else is refused with a one-line reason naming the include.
"""

from __future__ import annotations

import codecs
import copy
import os
from urllib.parse import unquote, urlsplit

from lxml import etree

from .paths import read_regular, within

LIBVIRT_SCHEMAS = "/usr/share/libvirt/schemas"


class IncludeRefused(Exception):
    """An include names something a grammar may not read; the message says which and why."""

    def __init__(self, href: str, reason: str) -> None:
        super().__init__(f"include '{href}' refused: {reason}")


class Includes:
    """The folders one grammar's parts may come from, and the reading of those parts."""

    def __init__(self, grammar: str) -> None:
        folder = os.path.dirname(os.path.abspath(grammar))
        self.folders = (os.path.realpath(folder), os.path.realpath(LIBVIRT_SCHEMAS))

    def read(self, href: str, including: str) -> tuple[str, bytes]:
        """The path (as `href` names it from the file `including`, the base of the part's own
        includes) and bytes of a part; IncludeRefused when it may not be read."""
        parts = urlsplit(href.strip())
        if parts.scheme not in ("", "file") or parts.netloc not in ("", "localhost"):
            raise IncludeRefused(href, "only local files are read")
        path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(including)), unquote(parts.path)))
        real = os.path.realpath(path)
        if not self._inside(real):
            why = "a symbolic link leading" if self._inside(path) else "it is"
            raise IncludeRefused(href, f"{why} outside the grammar's folder {self.folders[0]}")
        try:
            return path, read_regular(real)
        except OSError as error:
            raise IncludeRefused(href, f"cannot read: {error.strerror or error}") from None

    def _inside(self, path: str) -> bool:
        return any(within(path, folder) for folder in self.folders)


# RelaxNG on lxml -----------------------------------------------------------------------------------
# libxml2 reads a RelaxNG grammar's includes itself, through no resolver lxml lets us give it; so
# they are replaced beforehand, as RelaxNG's own simplification (spec sections 4.3, 4.5, 4.7)
# replaces them, by parts read here: libxml2 then compiles a grammar that names no file.

_RNG = "{http://relaxng.org/ns/structure/1.0}"
_PARSER = dict(resolve_entities=False, no_network=True, load_dtd=False)


def inline_relaxng(root: etree._Element, path: str, includes: Includes, reading: tuple[str, ...] = ()) -> etree._Element:
    """A copy of the RelaxNG element `root` (read from `path`) with its includes and external
    references replaced by the parts they name."""
    here = os.path.realpath(path)
    root = copy.deepcopy(root)
    for node in root.iter(f"{_RNG}data", f"{_RNG}value"):  # 4.3: a moved part keeps its library
        node.set("datatypeLibrary", _library(node))
    for node in list(root.iter(f"{_RNG}include", f"{_RNG}externalRef")):
        href = node.get("href", "")
        part_path, data = includes.read(href, path)
        if os.path.realpath(part_path) in (*reading, here):
            raise IncludeRefused(href, "the grammar includes itself")
        part = etree.fromstring(data, etree.XMLParser(**_PARSER), base_url=part_path)
        part = inline_relaxng(part, part_path, includes, (*reading, here))
        if node.get("ns") is not None and part.get("ns") is None:
            part.set("ns", node.get("ns"))
        if node.tag == f"{_RNG}externalRef":
            part.tail = node.tail
            node.getparent().replace(node, part)
            continue
        if part.tag != f"{_RNG}grammar":
            raise IncludeRefused(href, "it is not a RelaxNG grammar")
        _drop_overridden(part, node)
        part.tag = node.tag = f"{_RNG}div"
        del node.attrib["href"]
        node.insert(0, part)
    return root


def _library(node: etree._Element) -> str:
    """The datatype library in force at `node`: its own or its nearest ancestor's, else none."""
    for element in (node, *node.iterancestors()):
        if element.get("datatypeLibrary") is not None:
            return element.get("datatypeLibrary")
    return ""


def _components(grammar: etree._Element) -> list[etree._Element]:
    """The start and define elements of a grammar or include, also those inside its divs."""
    found = []
    for child in grammar.iterchildren(f"{_RNG}start", f"{_RNG}define", f"{_RNG}div"):
        found += _components(child) if child.tag == f"{_RNG}div" else [child]
    return found


def _drop_overridden(grammar: etree._Element, include: etree._Element) -> None:
    """4.7: the include's own start and defines replace the included grammar's."""
    overrides = _components(include)
    names = {c.get("name") for c in overrides if c.tag == f"{_RNG}define"}
    has_start = any(c.tag == f"{_RNG}start" for c in overrides)
    for component in _components(grammar):
        if (component.tag == f"{_RNG}start" and has_start) or (component.tag == f"{_RNG}define" and component.get("name") in names):
            component.getparent().remove(component)


# XML Schema 1.0 on lxml, XML Schema 1.1 on xmlschema, compact RelaxNG on rnc2rng ----------------


class XsdResolver(etree.Resolver):
    """lxml's XML Schema asks its parser's resolvers for every include and import: each gets the
    part `Includes` allows, or nothing (the first refusal is kept, to be reported)."""

    def __init__(self, includes: Includes, grammar: str) -> None:
        super().__init__()
        self.includes, self.grammar = includes, grammar
        self.refused: IncludeRefused | None = None

    def resolve(self, url: str, public_id: str, context: object) -> object:
        try:
            path, data = self.includes.read(url, self.grammar)
        except IncludeRefused as error:
            self.refused = self.refused or error
            return self.resolve_string(b"", context)
        return self.resolve_string(data, context, base_url=path)


def xmlschema_opener(includes: Includes, grammar: str, refused: list[IncludeRefused]) -> object:
    """A urllib opener for xmlschema that opens only the local parts `Includes` allows (a
    refusal is appended to `refused`, to be reported); it knows no other URL scheme."""
    import io
    import urllib.request  # only for XML Schema 1.1 grammars
    from urllib.error import URLError

    class _Parts(urllib.request.BaseHandler):
        def file_open(self, request: urllib.request.Request) -> io.BytesIO:
            try:
                return io.BytesIO(includes.read(request.full_url, grammar)[1])
            except IncludeRefused as error:
                refused.append(error)
                raise URLError(str(error)) from None

    opener = urllib.request.OpenerDirector()
    opener.add_handler(_Parts())
    return opener


def check_compact(path: str, includes: Includes, data: bytes, reading: tuple[str, ...] = ()) -> None:
    """rnc2rng reads a compact grammar's `include "..."` files itself: each is checked here
    first, recursively, so rnc2rng opens only parts `Includes` allows."""
    from rnc2rng import parser  # only for compact grammars

    here = os.path.realpath(path)
    tokens = list(parser.lex(data.decode("utf-16" if data[:2] in (codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE) else "utf-8")))
    for index, token in enumerate(tokens):
        if token.name != "INCLUDE" or index + 1 == len(tokens) or tokens[index + 1].name != "LITERAL":
            continue
        href, after = tokens[index + 1].value, index + 2
        while after + 1 < len(tokens) and tokens[after].name == "TILDE" and tokens[after + 1].name == "LITERAL":
            href, after = href + tokens[after + 1].value, after + 2
        part_path, part = includes.read(href, path)
        if os.path.realpath(part_path) in (*reading, here):
            raise IncludeRefused(href, "the grammar includes itself")
        check_compact(part_path, includes, part, (*reading, here))
