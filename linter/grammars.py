"""Any grammar a user names with `domlint validate --schema`: RelaxNG (.rng, .rnc) or XSD (.xsd).

Each kind becomes a `Validator` whose `validate(document)` returns `schema.Issue`s, so the engine
turns them into diagnostics at exact positions like every other check. RelaxNG grammars the
interpreter can read get the same explanations as the bundled grammar; any other grammar gets
its validator's own messages, placed on the element (or attribute) they name. XSD 1.0 runs on
lxml (fast); XSD 1.1 (assertions, `vc:minVersion="1.1"`) on xmlschema, imported only then.
"""

from __future__ import annotations

import re
import os
from typing import Callable, Protocol
from collections.abc import Iterable

from lxml import etree

from . import grammar as g
from .diagnostics import Severity
from .document import Document
from .extras import install_hint
from .includes import IncludeRefused, Includes, XsdResolver, check_compact, inline_relaxng, xmlschema_opener
from .paths import read_regular
from .rules import Rule, declare
from .schema import ExplanationTooCostly, Issue, Schema

SCHEMA_VIOLATION = declare(
    Rule(
        code="OS011",
        name="schema-violation",
        severity=Severity.ERROR,
        summary="The document does not match the grammar given with --schema.",
        docstring="Reported by `domlint validate` with the validator's own message (XSD, or a RelaxNG "
        "grammar using patterns domlint cannot explain), at the element or attribute it names.",
        needs_domain=False,
    )
)

_SAFE_PARSER = dict(resolve_entities=False, no_network=True, load_dtd=False)
_XSD = "http://www.w3.org/2001/XMLSchema"
_XPATH_REGEX_FUNCTIONS = frozenset({"matches", "replace", "tokenize", "analyze-string"})
_XSD11_ONLY = ("assert", "assertion", "alternative", "openContent", "defaultOpenContent", "override")
_ATTRIBUTE_IN_MESSAGE = (
    re.compile(r"attribute '([^']+)'"),
    re.compile(r"attribute ([^\s=]+)="),
    re.compile(r"'([^']+)' attribute not allowed"),
)


class GrammarError(Exception):
    """The grammar file cannot be read or does not compile; the message says why."""


class Validator(Protocol):
    def validate(self, document: Document) -> list[Issue]: ...


def load(path: str) -> Validator:
    """The validator for a grammar file, chosen by its extension."""
    suffix = os.path.splitext(path)[1].lower()
    loaders: dict[str, Callable[[str], Validator]] = {".rng": _relaxng, ".rnc": _compact, ".xsd": _xsd}
    if suffix not in loaders:
        raise GrammarError(f"{path}: unknown grammar type '{suffix or os.path.basename(path)}' (expected .rng, .rnc or .xsd)")
    try:
        return loaders[suffix](path)
    except OSError as error:
        raise GrammarError(f"{path}: cannot read: {error.strerror or error}") from None
    except IncludeRefused as error:
        raise GrammarError(f"{path}: the grammar does not compile: {error}") from None
    except (etree.XMLSyntaxError, etree.RelaxNGParseError, etree.XMLSchemaParseError) as error:
        raise GrammarError(f"{path}: the grammar does not compile: {error}") from None


def _parse(path: str, parser: etree.XMLParser | None = None) -> etree._ElementTree:
    """The grammar file itself: a regular file, parsed safely (its includes are `Includes`' concern)."""
    data = read_regular(path)
    return etree.ElementTree(etree.fromstring(data, parser or etree.XMLParser(**_SAFE_PARSER), base_url=os.path.abspath(path)))


def _relaxng(path: str) -> Validator:
    return _relaxng_from(_parse(path), lambda: g.load(path), path)


def _compact(path: str) -> Validator:
    try:
        import rnc2rng  # only for .rnc grammars (the `rnc` extra)
    except ImportError:
        raise GrammarError(f"{path}: compact-syntax grammars need rnc2rng: {install_hint('rnc')}") from None

    check_compact(path, Includes(path), read_regular(path))
    try:
        text = rnc2rng.dumps(rnc2rng.load(path))
    except Exception as error:  # noqa: BLE001 - rnc2rng raises many kinds for a bad grammar
        raise GrammarError(f"{path}: the compact grammar does not parse: {error}") from None
    tree = etree.ElementTree(etree.fromstring(text.encode(), etree.XMLParser(**_SAFE_PARSER)))
    return _relaxng_from(tree, lambda: g.load_tree(tree, path), path)


def _relaxng_from(tree: etree._ElementTree, read_patterns: Callable[[], g.Grammar], path: str) -> Validator:
    relaxng = etree.RelaxNG(inline_relaxng(tree.getroot(), path, Includes(path)))
    plain = _LogValidator(lambda root: relaxng.validate(root), lambda: relaxng.error_log)
    try:
        patterns = read_patterns()
    except ValueError:
        return plain
    return _Explained(Schema(path, relaxng, patterns), plain)


class _Explained:
    """A RelaxNG grammar domlint's interpreter reads: its explanations, or lxml's own messages
    where the grammar's choices multiply beyond what explaining may cost."""

    def __init__(self, schema: Schema, plain: Validator) -> None:
        self._schema, self._plain = schema, plain

    def validate(self, document: Document) -> list[Issue]:
        try:
            return self._schema.validate(document)
        except ExplanationTooCostly:
            return self._plain.validate(document)


def _xsd(path: str) -> Validator:
    parser = etree.XMLParser(**_SAFE_PARSER)
    resolver = XsdResolver(Includes(path), path)
    parser.resolvers.add(resolver)
    tree = _parse(path, parser)
    uses_11 = tree.getroot().get("{http://www.w3.org/2007/XMLSchema-versioning}minVersion") == "1.1" or any(
        tree.getroot().iter(*(f"{{{_XSD}}}{tag}" for tag in _XSD11_ONLY))
    )
    if not uses_11:
        try:
            schema = etree.XMLSchema(tree)
        except etree.XMLSchemaParseError:
            if resolver.refused is None:
                raise
        if resolver.refused is not None:  # a refused import is only a warning to libxml2
            raise resolver.refused
        return _LogValidator(lambda root: schema.validate(root), lambda: schema.error_log)
    return _Xsd11Validator(path)


class _LogValidator:
    """lxml's validators: their error log, each entry on the element its path names."""

    def __init__(self, run: Callable[[etree._Element], bool], log: Callable[[], Iterable]) -> None:
        self._run, self._log = run, log

    def validate(self, document: Document) -> list[Issue]:
        try:
            if self._run(document.root):
                return []
        except (etree.XMLSchemaValidateError, etree.RelaxNGValidateError) as error:  # libxml2 gave up on a pattern
            return [Issue(SCHEMA_VIOLATION, document.root, f"the validator stopped: {str(error).rstrip('.')}")]
        issues: list[Issue] = []
        seen: set[tuple[int, str]] = set()
        for entry in self._log():
            element = _element_at(document, entry.path, entry.line)
            message = entry.message.rstrip(".")
            if (id(element), message) in seen:
                continue
            seen.add((id(element), message))
            issues.append(Issue(SCHEMA_VIOLATION, element, message, attribute=_attribute_named(element, message)))
        return issues or [Issue(SCHEMA_VIOLATION, document.root, "the document does not match the grammar")]


class _Xsd11Validator:
    def __init__(self, path: str) -> None:
        import warnings

        try:
            import xmlschema  # heavy: only when an XSD 1.1 grammar is used (the `xsd11` extra)
        except ImportError:
            raise GrammarError(f"{path}: XSD 1.1 grammars need xmlschema: {install_hint('xsd11')}") from None

        refused: list[IncludeRefused] = []
        opener = xmlschema_opener(Includes(path), path, refused)
        try:
            with warnings.catch_warnings():
                # A grammar may not fetch anything (allow="local"), nor expand entities; a part
                # it cannot load is an error, not a warning on standard error.
                warnings.simplefilter("error", xmlschema.XMLSchemaIncludeWarning)
                warnings.simplefilter("error", xmlschema.XMLSchemaImportWarning)
                self._schema = xmlschema.XMLSchema11(path, allow="local", defuse="always", opener=opener)
        except (xmlschema.XMLSchemaException, xmlschema.XMLResourceError, Warning, etree.XMLSyntaxError) as error:
            if refused:
                raise GrammarError(f"{path}: the grammar does not compile: {refused[0]}") from None
            raise GrammarError(f"{path}: the grammar does not compile: {str(error).splitlines()[0]}") from None
        try:
            self._match_in_linear_time()
            if not _bundled(path):  # domlint's own grammar is trusted: its tests are simple and anchored
                self._refuse_xpath_regular_expressions()
        except ValueError as error:
            raise GrammarError(f"{path}: the grammar does not compile: {error}") from None

    def _match_in_linear_time(self) -> None:
        """xmlschema matches `xs:pattern` with Python's backtracking `re` (`(a+)+b` takes
        seconds on a short value); each pattern facet gets regex.py's automaton instead."""
        from xmlschema.validators.facets import XsdPatternFacets

        from . import regex

        for component in self._schema.maps.iter_components():  # with a class, it skips nested ones
            if isinstance(component, XsdPatternFacets):
                component.patterns = [regex.Pattern(pattern.pattern) for pattern in component.patterns]

    def _refuse_xpath_regular_expressions(self) -> None:
        """An assertion's or alternative's XPath test may call matches(), replace() or tokenize(),
        which elementpath runs with Python's backtracking `re`: no time bound, so not supported."""
        for component in self._schema.maps.iter_components():
            token = getattr(component, "token", None)  # the parsed XPath test of xs:assert, xs:assertion, xs:alternative
            found = next((t.symbol for t in token.iter() if t.symbol in _XPATH_REGEX_FUNCTIONS), None) if token is not None else None
            if found is not None:
                raise ValueError(
                    f"{found}() in an XPath test: its regular expressions run by backtracking, without a time bound; not supported"
                )

    def validate(self, document: Document) -> list[Issue]:
        issues = []
        for error in self._schema.iter_errors(document.root):
            element = error.elem if isinstance(error.elem, etree._Element) else document.root
            index = getattr(error, "index", None)
            children = [c for c in element if isinstance(c.tag, str)]
            if "Unexpected child" in (error.reason or "") and isinstance(index, int) and index < len(children):
                element = children[index]
            message = (error.reason or str(error)).rstrip(".")
            issues.append(Issue(SCHEMA_VIOLATION, element, message, attribute=_attribute_named(element, message)))
        return issues


def _bundled(path: str) -> bool:
    """Whether the grammar is the XSD domlint ships (`domlint schema --format xsd`), byte for byte:
    wherever it was copied from (the installed package or a checkout), its content is what is trusted."""
    with open(g.schema_path("domain.xsd"), "rb") as shipped, open(path, "rb") as given:
        return given.read(os.path.getsize(g.schema_path("domain.xsd")) + 1) == shipped.read()


def _element_at(document: Document, path: str | None, line: int) -> etree._Element:
    if path:
        try:
            found = document.root.getroottree().xpath(path)
        except etree.XPathError:
            found = []
        if found and isinstance(found[0], etree._Element):
            return found[0]
    for element in document.root.iter():
        if isinstance(element.tag, str) and element.sourceline == line:
            return element
    return document.root


def _attribute_named(element: etree._Element, message: str) -> str | None:
    """The attribute a validator message is about, when the element has it."""
    for pattern in _ATTRIBUTE_IN_MESSAGE:
        match = pattern.search(message)
        if match and match.group(1) in element.attrib:
            return match.group(1)
    return None
