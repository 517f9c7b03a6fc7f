"""Grammar validation turned into diagnostics at the offending node.

lxml's RelaxNG decides whether a document is valid (fast, and the reference). Only when it is
not does the interpreter below walk the document against the same grammar (read by
`grammar.py`) to find every independent error and the node that causes it.

Each element's content pattern is expanded into *alternatives*: flat bags of attribute and
child-element items with their counts (RelaxNG's interleave makes order irrelevant, and its
rules keep names unique within one alternative). A choice such as the three `<os>` variants
yields several alternatives; the one with the fewest errors (wrong values weigh first) is taken
as what the author meant, and the others explain why a node is not allowed there.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache

from lxml import etree

from . import grammar as g
from . import xmlfeatures
from .diagnostics import Severity
from .document import Document
from .rules import Rule, declare

DOMAIN_GRAMMAR = "domain.rng"


def _grammar_rule(code: str, name: str, summary: str, doc: str) -> Rule:
    return declare(Rule(code=code, name=name, severity=Severity.ERROR, summary=summary, docstring=doc, needs_domain=False))


UNKNOWN_ELEMENT = _grammar_rule(
    "OS002",
    "unknown-element",
    "An element the grammar does not know at this place.",
    "libvirt's schema rejects the document and libvirt's parser silently drops the element, "
    "so the setting never takes effect. Near misses (`<bootmnu>`) get a suggestion.",
)
UNKNOWN_ATTRIBUTE = _grammar_rule(
    "OS003",
    "unknown-attribute",
    "An attribute the element does not have.",
    "libvirt ignores attributes it does not know: `<bootmenu enabled='yes'/>` leaves the boot "
    "menu at the hypervisor default. Near misses get a suggestion.",
)
INVALID_VALUE = _grammar_rule(
    "OS004",
    "invalid-value",
    "An attribute value or text that the grammar does not allow.",
    "The message names the allowed values, range or form (for example an absolute path). Where "
    "libvirt's parser accepts what its schema refuses (a relative loader path), or drops an empty "
    "element (`<kernel/>`, typical of a template whose variable was empty), the message says so: "
    "`virsh edit` and `virsh define --validate` still refuse the file.",
)
MISSING_ELEMENT = _grammar_rule(
    "OS005",
    "missing-element",
    "A required child element is absent.",
    "For example `<os>` without `<type>`: libvirt refuses the domain ('an os <type> must be specified').",
)
MISSING_ATTRIBUTE = _grammar_rule(
    "OS006",
    "missing-attribute",
    "A required attribute is absent.",
    "For example `<bootmenu/>` without `enable`: libvirt drops the whole element.",
)
DUPLICATE_ELEMENT = _grammar_rule(
    "OS007",
    "duplicate-element",
    "An element repeated where it may appear once.",
    "libvirt's schema rejects the document; its parser keeps only the first occurrence.",
)
NOT_ALLOWED_HERE = _grammar_rule(
    "OS008",
    "not-allowed-here",
    "An element or attribute that is valid elsewhere but not in this combination.",
    "For example `<boot>` or `firmware=` on a Xen PV guest (`<type>xen</type>`), which libvirt "
    "silently drops, or `<varstore>` together with `<nvram>`.",
)
GRAMMAR_ERROR = _grammar_rule(
    "OS010",
    "grammar-error",
    "The grammar rejects the document in a way domlint cannot explain in detail.",
    "A safety net: lxml's RelaxNG validator (the reference) rejects the document but domlint's "
    "explanation of the grammar found no single node to blame. The message is libvirt's "
    "schema validator's own; please report the document so the explanation can be improved.",
)
UNEXPECTED_TEXT = _grammar_rule(
    "OS009",
    "unexpected-text",
    "Text inside an element that takes none.",
    "libvirt ignores it; it is usually a value that belongs in an attribute.",
)


@dataclass(frozen=True)
class Issue:
    """One grammar error: the rule, the node (element, plus attribute key or text), the words."""

    rule: Rule
    element: etree._Element
    message: str
    attribute: str | None = None
    text: bool = False
    help: str | None = None
    subject: str | None = None  # the missing attribute's name, for near-miss matching
    suggestion: str | None = None  # the known name an unknown one nearly matches
    tail: etree._Element | None = None  # the node whose tail text is at fault (text after a child)
    removable: bool = False  # removing the element is the fix (libvirt's parser drops it anyway)


# Alternatives ------------------------------------------------------------------------------------


@dataclass
class _ElementItem:
    pattern: g.Element
    low: int
    high: int | None


@dataclass
class _AttributeItem:
    pattern: g.Attribute
    required: bool


@dataclass
class _Alternative:
    attributes: list[_AttributeItem] = field(default_factory=list)
    elements: list[_ElementItem] = field(default_factory=list)
    text: list[g.Pattern] = field(default_factory=list)
    # name -> item, filled as names are looked up (each node of a document asks for its own)
    found: dict[tuple[bool, str], _ElementItem | _AttributeItem | None] = field(default_factory=dict, repr=False, compare=False)

    def merged(self, other: _Alternative) -> _Alternative:
        return _Alternative(self.attributes + other.attributes, self.elements + other.elements, self.text + other.text)

    def element_item(self, name: str) -> _ElementItem | None:
        return self._item(False, name)  # type: ignore[return-value]

    def attribute_item(self, name: str) -> _AttributeItem | None:
        return self._item(True, name)  # type: ignore[return-value]

    def _item(self, attribute: bool, name: str) -> _ElementItem | _AttributeItem | None:
        key = (attribute, name)
        if key not in self.found:
            self.found[key] = _find(self.attributes if attribute else self.elements, name)
        return self.found[key]


def _find(items: list, name: str):  # type: ignore[no-untyped-def]
    """The item whose name class matches: an exact name wins over a wildcard."""
    wildcard = None
    for item in items:
        name_class = item.pattern.name
        if name_class.name == name:
            return item
        if wildcard is None and name_class.name is None and name_class.matches(name):
            wildcard = item
    return wildcard


def _resolve(pattern: g.Pattern) -> g.Pattern:
    while isinstance(pattern, g.Ref):
        pattern = pattern.target
    return pattern


_TEXT_OPTIONS: dict[int, list[g.Pattern] | None] = {}


def text_options(pattern: g.Pattern) -> list[g.Pattern] | None:
    """The flat list of values/data/text a purely textual pattern allows; None if not textual
    (memoised, as `expand`: every attribute of a document asks for its pattern's)."""
    key = id(pattern)
    if key not in _TEXT_OPTIONS:
        _TEXT_OPTIONS[key] = _text_options(pattern)
    return _TEXT_OPTIONS[key]


def _text_options(pattern: g.Pattern) -> list[g.Pattern] | None:
    pattern = _resolve(pattern)
    if isinstance(pattern, (g.Value, g.Data, g.Text)):
        return [pattern]
    if isinstance(pattern, g.Combination) and pattern.kind == "choice":
        options: list[g.Pattern] = []
        for item in pattern.items:
            sub = text_options(item)
            if sub is None:
                return None
            options.extend(sub)
        return options
    return None


_EXPANSIONS: dict[int, list[_Alternative]] = {}
MAX_ALTERNATIVES = 256  # domlint's grammar needs 6; a hostile grammar's choices multiply without end


class ExplanationTooCostly(Exception):
    """A content pattern has more alternatives than an explanation may cost (choices inside
    groups multiply: 24 two-way choices make 16 million); lxml's verdict still stands."""


def expand(pattern: g.Pattern) -> list[_Alternative]:
    """The alternatives of a content pattern (memoised: patterns live as long as the process)."""
    key = id(pattern)
    if key not in _EXPANSIONS:
        _EXPANSIONS[key] = _expand(pattern)
    return _EXPANSIONS[key]


def _bounded(count: int) -> None:
    if count > MAX_ALTERNATIVES:
        raise ExplanationTooCostly(f"more than {MAX_ALTERNATIVES} alternatives")


def _product(items: list[g.Pattern]) -> list[_Alternative]:
    """A group's or interleave's alternatives: one from each item, merged."""
    result = [_Alternative()]
    for item in items:
        right = expand(item)
        _bounded(len(result) * len(right))
        result = [left.merged(other) for left in result for other in right]
    return result


def _expand(pattern: g.Pattern) -> list[_Alternative]:
    pattern = _resolve(pattern)
    options = text_options(pattern)
    if options is not None:
        return [_Alternative(text=options)]
    if isinstance(pattern, g.Element):
        return [_Alternative(elements=[_ElementItem(pattern, 1, 1)])]
    if isinstance(pattern, g.Attribute):
        return [_Alternative(attributes=[_AttributeItem(pattern, True)])]
    if isinstance(pattern, g.Empty):
        return [_Alternative()]
    assert isinstance(pattern, g.Combination)
    if pattern.kind == "choice":
        alternatives = [alternative for item in pattern.items for alternative in expand(item)]
        _bounded(len(alternatives))
        return alternatives
    if pattern.kind in ("group", "interleave"):
        return _product(pattern.items)
    inner = _product(pattern.items)
    if pattern.kind == "optional":
        single = inner[0] if len(inner) == 1 else None
        if single is not None and len(single.elements) + len(single.attributes) == 1 and not single.text:
            return [
                _Alternative(
                    [_AttributeItem(a.pattern, False) for a in single.attributes],
                    [_ElementItem(e.pattern, 0, e.high) for e in single.elements],
                )
            ]
        _bounded(len(inner) + 1)
        return inner + [_Alternative()]
    # zeroOrMore / oneOrMore: every item may repeat (bag semantics, as in an interleave).
    low = 1 if pattern.kind == "oneOrMore" and len(inner) == 1 and len(inner[0].elements) == 1 else 0
    merged = _Alternative()
    for alternative in inner:
        merged.attributes += [_AttributeItem(a.pattern, False) for a in alternative.attributes]
        merged.elements += [_ElementItem(e.pattern, low, None) for e in alternative.elements]
        merged.text += alternative.text
    return [merged]


_OPEN: dict[int, bool] = {}


def accepts_anything(content: g.Pattern) -> bool:
    """Whether a content pattern takes any attributes, text and elements to any depth (the
    grammar's `anything`): inside such an element there is nothing to find, so walks skip it."""
    key = id(content)
    if key not in _OPEN:
        alternatives = expand(content)
        _OPEN[key] = len(alternatives) == 1 and _open(alternatives[0], _resolve(content))
    return _OPEN[key]


def _open(alternative: _Alternative, content: g.Pattern) -> bool:
    """One wildcard attribute of any text, one wildcard element of this same content, any text."""
    if len(alternative.attributes) != 1 or len(alternative.elements) != 1:
        return False
    attribute, element = alternative.attributes[0], alternative.elements[0]
    return (
        attribute.pattern.name == g.NameClass(None)
        and isinstance(_resolve(attribute.pattern.value), g.Text)
        and element.pattern.name == g.NameClass(None)
        and (element.low, element.high) == (0, None)
        and _resolve(element.pattern.content) is content
        and any(isinstance(option, g.Text) for option in alternative.text)
    )


# Describing what is allowed ----------------------------------------------------------------------


def _quote_list(values: Iterable[str]) -> str:
    quoted = [f"'{v}'" for v in values]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def describe(options: list[g.Pattern]) -> str:
    """What a list of text options accepts, in words: values, a range, or the data's `d:expect`."""
    values = [o.text for o in options if isinstance(o, g.Value)]
    parts = [_quote_list(values)] if values else []
    for option in options:
        if isinstance(option, g.Data):
            parts.append(_describe_data(option))
    return " or ".join(parts) if parts else "no text"


def _describe_data(data: g.Data) -> str:
    if data.expect:
        return data.expect
    if data.type in ("string", "token") and "pattern" in data.params:
        return f"text matching {data.params['pattern']}"
    if data.type in ("string", "token"):
        return "text"
    low, high = g.integer_bounds(data.type, data.params)
    if low is not None and high is not None:
        return f"an integer from {low} to {high}"
    if low is not None:
        return f"an integer of at least {low}"
    return "an integer"


def _accepts(options: list[g.Pattern], text: str) -> bool:
    for option in options:
        if isinstance(option, g.Text):
            return True
        if isinstance(option, (g.Value, g.Data)) and option.accepts(text):
            return True
    return False


def _suggest(word: str, candidates: Iterable[str]) -> str | None:
    return _closest(word, tuple(sorted(set(candidates))))


@lru_cache(maxsize=1024)
def _closest(word: str, candidates: tuple[str, ...]) -> str | None:
    """Memoised: a document may repeat one misspelling many times, and each costs a comparison
    with every candidate."""
    import difflib  # only to explain a rejected document

    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _near_miss(name: str, candidates: Iterable[str]) -> str | None:
    """The grammar name an unknown element or attribute name nearly matches. Grammar names are in
    no namespace: a name in another namespace (`x:enabled`) is foreign, not a misspelling."""
    return None if name.startswith("{") else _suggest(name, candidates)


def _display(element: etree._Element) -> str:
    qname = etree.QName(element)
    return f"{element.prefix}:{qname.localname}" if element.prefix else qname.localname


def _attribute_display(element: etree._Element, key: str) -> str:
    qname = etree.QName(key)
    if not qname.namespace:
        return key
    prefix = next((p for p, ns in element.nsmap.items() if ns == qname.namespace), None)
    return f"{prefix or 'xml'}:{qname.localname}"


def _element_key(element: etree._Element) -> str:
    """Grammar names are in no namespace; namespaced elements keep lxml's `{ns}name`."""
    return element.tag


# The interpreter ---------------------------------------------------------------------------------


# libxml2 refuses a document nested deeper than 256 elements, and the interpreter recurses a
# few frames per level (element, _element, _score or _check, _children): with this much stack
# on top of Python's default, the deepest document lxml parses never exhausts it.
_DEEPEST_DOCUMENT = 256
_FRAMES_PER_LEVEL = 6
_RECURSION_LIMIT = 1000 + _DEEPEST_DOCUMENT * _FRAMES_PER_LEVEL


class Interpreter:
    """Walks a document against grammar patterns and returns every independent issue."""

    def __init__(self, entities: Mapping[str, str] | None = None) -> None:
        self._entities = entities or {}  # what libvirt reads for an entity reference (xmlfeatures.entity_texts)
        if sys.getrecursionlimit() < _RECURSION_LIMIT:  # raised once and never lowered: threads share it
            sys.setrecursionlimit(_RECURSION_LIMIT)
        # Keyed by id(); the node is kept in the value so that lxml cannot free its proxy and
        # hand the same id to another node during the walk.
        self._cache: dict[tuple[int, int], tuple[etree._Element, list[Issue]]] = {}
        self._chosen: dict[tuple[int, int], int] = {}  # (node, pattern) -> index of the alternative judged by

    def element(self, node: etree._Element, pattern: g.Element) -> list[Issue]:
        key = (id(node), id(pattern))
        if key not in self._cache:
            self._cache[key] = (node, self._element(node, pattern))
        return self._cache[key][1]

    def _element(self, node: etree._Element, pattern: g.Element) -> list[Issue]:
        if accepts_anything(pattern.content):
            return []
        alternatives = expand(pattern.content)
        if len(alternatives) == 1:
            return self._check(node, alternatives[0], pattern)
        keys = _discriminators(alternatives)
        scored = [
            (self._score(node, alternative, keys), index, self._check(node, alternative, pattern))
            for index, alternative in enumerate(alternatives)
        ]
        best = min(scored, key=lambda entry: (entry[0], len(entry[2]), entry[1]))
        self._chosen[(id(node), id(pattern))] = best[1]
        return [self._explain(node, issue, alternatives, best[1]) for issue in best[2]]

    def alternative(self, node: etree._Element, pattern: g.Element) -> _Alternative:
        """The alternative of `pattern`'s content that `node` is judged by (the one whose issues
        `element` reports): read-only, for walks that map each node to the pattern it matched."""
        self.element(node, pattern)
        return expand(pattern.content)[self._chosen.get((id(node), id(pattern)), 0)]

    def _score(self, node: etree._Element, alternative: _Alternative, keys: frozenset[str]) -> int:
        """Errors inside the children that tell the alternatives apart (such as `<type>` in
        `<os>`): what those say decides which alternative the author meant. Their text weighs
        most (`<type>xen</type>` means Xen even with an hvm machine attribute)."""
        score = 0
        for child in node:
            if isinstance(child.tag, str) and child.tag in keys:
                item = alternative.element_item(child.tag)
                score += sum(2 if issue.text else 1 for issue in self.element(child, item.pattern)) if item else 1
        return score

    def _check(self, node: etree._Element, alternative: _Alternative, pattern: g.Element) -> list[Issue]:
        issues: list[Issue] = []
        issues += self._attributes(node, alternative)
        issues += self._children(node, alternative)
        issues += self._text(node, alternative, pattern)
        return issues

    def _attributes(self, node: etree._Element, alternative: _Alternative) -> list[Issue]:
        issues: list[Issue] = []
        seen: set[int] = set()
        for key, value in node.attrib.items():
            item = alternative.attribute_item(key)
            if item is None:
                issues.append(Issue(UNKNOWN_ATTRIBUTE, node, "", attribute=key))
                continue
            seen.add(id(item))
            options = text_options(item.pattern.value) or [g.Text()]
            if not _accepts(options, value):
                issues.append(_parser_reading(self._invalid_value(node, value, options, attribute=key), item.pattern.parser, "value"))
        for item in alternative.attributes:
            if item.required and id(item) not in seen:
                name = item.pattern.name.name
                issues.append(
                    Issue(MISSING_ATTRIBUTE, node, f"<{_display(node)}> is missing the required attribute '{name}'", subject=name)
                )
        return issues

    def _children(self, node: etree._Element, alternative: _Alternative) -> list[Issue]:
        issues: list[Issue] = []
        counts: dict[int, list[etree._Element]] = {}
        for child in node:
            if not isinstance(child.tag, str):
                continue
            item = alternative.element_item(_element_key(child))
            if item is None:
                issues.append(Issue(UNKNOWN_ELEMENT, child, ""))
                continue
            seen = counts.setdefault(id(item), [])
            seen.append(child)
            if item.high is not None and len(seen) > item.high:
                first = seen[0].sourceline
                issues.append(
                    Issue(
                        DUPLICATE_ELEMENT,
                        child,
                        f"<{_display(child)}> may appear only once in <{_display(node)}> (first at line {first})",
                        help="remove the repeated element; libvirt uses only the first",
                    )
                )
                continue
            issues += self.element(child, item.pattern)
        for item in alternative.elements:
            if len(counts.get(id(item), [])) < item.low:
                issues.append(
                    Issue(
                        MISSING_ELEMENT,
                        node,
                        f"<{_display(node)}> is missing the required element <{item.pattern.name.name}>",
                    )
                )
        return issues

    def _text(self, node: etree._Element, alternative: _Alternative, pattern: g.Element) -> list[Issue]:
        # Each piece of text with the child it follows (None: the element's own text); an entity
        # reference reads as its text, as libvirt's parser reads it.
        pieces: list[tuple[str, etree._Element | None]] = [(node.text or "", None)]
        for child in node:
            if isinstance(child, etree._Entity):
                pieces.append((self._entities.get(child.name, ""), None))
            pieces.append((child.tail or "", child))
        if not alternative.text:
            stray = next(((text, after) for text, after in pieces if text.strip()), None)
            if stray is None:
                return []
            text, after = stray
            message = f"<{_display(node)}> takes no text, found '{_shorten(text.strip())}'"
            if after is None:
                return [Issue(UNEXPECTED_TEXT, node, message, text=bool((node.text or "").strip()))]
            return [Issue(UNEXPECTED_TEXT, node, message, tail=after)]
        if any(isinstance(option, g.Text) for option in alternative.text):
            return []
        value = "".join(text for text, _ in pieces)
        if _accepts(alternative.text, value):
            return []
        if not value.strip() and not any(isinstance(child.tag, str) for child in node):
            return [_empty(node, alternative.text, pattern.parser)]
        return [_parser_reading(self._invalid_value(node, value, alternative.text), pattern.parser, "value")]

    def _invalid_value(self, node: etree._Element, value: str, options: list[g.Pattern], attribute: str | None = None) -> Issue:
        expected = describe(options)
        if value.strip() != value and _accepts(options, value.strip()):
            blanks = f"write '{value.strip()}' without the surrounding blanks"
            if attribute is not None:
                where = f"attribute '{_attribute_display(node, attribute)}' of <{_display(node)}>"
                return Issue(
                    INVALID_VALUE, node, f"invalid value {value!r} for {where}: expected {expected} without blanks", attribute, help=blanks
                )
            return Issue(
                INVALID_VALUE,
                node,
                f"invalid content {value!r} in <{_display(node)}>: libvirt compares it exactly, without trimming blanks",
                text=True,
                help=blanks,
            )
        suggestion = _suggest(value.strip(), [o.text for o in options if isinstance(o, g.Value)])
        hint = f"; did you mean '{suggestion}'?" if suggestion and suggestion != value else ""
        shown = f"'{_shorten(value)}'" if value.strip() else "nothing"
        if attribute is not None:
            where = f"attribute '{_attribute_display(node, attribute)}' of <{_display(node)}>"
            return Issue(INVALID_VALUE, node, f"invalid value {shown} for {where}: expected {expected}{hint}", attribute=attribute)
        return Issue(INVALID_VALUE, node, f"invalid content {shown} in <{_display(node)}>: expected {expected}{hint}", text=True)

    # Explaining unexpected nodes --------------------------------------------------------------

    def _explain(self, node: etree._Element, issue: Issue, alternatives: list[_Alternative], chosen: int) -> Issue:
        """Reword an unknown element/attribute that another alternative would accept."""
        if issue.rule is UNKNOWN_ELEMENT and issue.element is not node:
            name = _element_key(issue.element)
            others = [a for a in alternatives if a is not alternatives[chosen] and _named(a.element_item(name), name)]
            if others:
                what = f"<{_display(issue.element)}>"
                notes = others[0].element_item(name).pattern.parser
                return _parser_reading(
                    Issue(NOT_ALLOWED_HERE, issue.element, self._why_not(node, what, alternatives[chosen], others[0])), notes, "placement"
                )
        if issue.rule is UNKNOWN_ATTRIBUTE and issue.element is node and issue.attribute:
            key = issue.attribute
            others = [a for a in alternatives if a is not alternatives[chosen] and _named(a.attribute_item(key), key)]
            if others:
                what = f"attribute '{_attribute_display(node, key)}'"
                notes = others[0].attribute_item(key).pattern.parser
                issue = Issue(NOT_ALLOWED_HERE, node, self._why_not(node, what, alternatives[chosen], others[0]), attribute=key)
                return _parser_reading(issue, notes, "placement")
        return issue

    def _why_not(self, node: etree._Element, what: str, chosen: _Alternative, other: _Alternative) -> str:
        parent = f"<{_display(node)}>"
        children = [c for c in node if isinstance(c.tag, str)]
        # A child that tells the alternatives apart (<os><type>) with a value the other one refuses:
        # say which value `what` needs (<init> wants <type>exe</type>, whatever the siblings are).
        for child in children:
            key = _element_key(child)
            theirs = other.element_item(key)
            if key in _discriminators([chosen, other]) and theirs is not None and self.element(child, theirs.pattern):
                values = [option for alternative in expand(theirs.pattern.content) for option in alternative.text]
                if values:
                    found = (child.text or "").strip()
                    return f"{what} is allowed in {parent} only when <{_display(child)}> is {describe(values)}, not '{found}'"
        for child in children:
            key = _element_key(child)
            mine, theirs = chosen.element_item(key), other.element_item(key)
            if mine is None or theirs is None or mine.pattern is theirs.pattern:
                continue
            if not _text_rejected(self.element(child, mine.pattern)) and _text_rejected(self.element(child, theirs.pattern)):
                return f"{what} is not allowed in {parent} when <{_display(child)}> is '{(child.text or '').strip()}'"
        for child in children:
            key = _element_key(child)
            if _named(chosen.element_item(key), key) and other.element_item(key) is None:
                return f"{what} cannot be used together with <{_display(child)}> in {parent}"
        return f"{what} is not allowed in {parent} in this combination"


# The tools that apply libvirt's schema, named so that a user whose file "works" sees why it is flagged.
_SCHEMA_TOOLS = "libvirt's schema (virsh edit, virsh define --validate, virt-xml-validate)"


def _parser_reading(issue: Issue, notes: dict[str, str], case: str) -> Issue:
    """The issue with what libvirt's parser does instead, where the grammar says (d:parser-*)."""
    words = notes.get(case)
    if words is None:
        return issue
    return replace(issue, message=f"{issue.message}; {_SCHEMA_TOOLS} refuses it, but its parser {words}")


def _empty(node: etree._Element, options: list[g.Pattern], notes: dict[str, str]) -> Issue:
    """An element left empty (typically a template variable that was empty): say so, and what
    libvirt does with it; removing it is the fix where libvirt's parser drops it anyway."""
    shown = f"<{_display(node)}>"
    words = notes.get("empty")
    if words is None:
        return Issue(INVALID_VALUE, node, f"{shown} is empty: expected {describe(options)}", text=True)
    message = f"{shown} is empty: {_SCHEMA_TOOLS} refuses it, and its parser {words}"
    help = f"remove the empty {shown}, or give it {describe(options)}"
    return Issue(INVALID_VALUE, node, message, text=True, help=help, removable=True)


_DISCRIMINATORS: dict[tuple[int, ...], frozenset[str]] = {}


def _discriminators(alternatives: list[_Alternative]) -> frozenset[str]:
    """Child names required by every alternative, each with a different pattern."""
    key = tuple(id(a) for a in alternatives)
    if key not in _DISCRIMINATORS:
        common = set.intersection(*({e.pattern.name.name for e in a.elements if e.low > 0} for a in alternatives))
        _DISCRIMINATORS[key] = frozenset(
            name for name in common if name and len({id(a.element_item(name).pattern) for a in alternatives}) > 1
        )
    return _DISCRIMINATORS[key]


def _text_rejected(issues: list[Issue]) -> bool:
    """Whether an element's own text is among its issues (the text that chose the alternative)."""
    return any(issue.text for issue in issues)


def _named(item: _ElementItem | _AttributeItem | None, name: str) -> bool:
    return item is not None and item.pattern.name.name == name


def _shorten(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class _KnownNames:
    """Per element (by id): the attribute names its pattern knows; per unknown element: the
    element names its parent's pattern knows. Both over all alternatives, for "did you mean"."""

    attributes: dict[int, list[str]] = field(default_factory=dict)
    siblings: dict[int, list[str]] = field(default_factory=dict)
    full: dict[int, set[str]] = field(default_factory=dict)  # per unknown element: the sibling names present as often as allowed


def _finish(issues: list[Issue], known: _KnownNames) -> list[Issue]:
    """Fill in the messages of unknown names, with "did you mean"; a near miss for a missing
    required attribute replaces the "missing" issue (one problem, one diagnostic)."""
    finished: list[Issue] = []
    explained_missing: set[tuple[int, str]] = set()
    for issue in issues:
        if issue.rule is UNKNOWN_ATTRIBUTE and issue.attribute:
            shown = _attribute_display(issue.element, issue.attribute)
            candidates = known.attributes.get(id(issue.element), [])
            suggestion = _near_miss(issue.attribute, candidates)
            if suggestion:
                explained_missing.add((id(issue.element), suggestion))
                message = f"unknown attribute '{shown}' on <{_display(issue.element)}>; did you mean '{suggestion}'?"
                if issue.element.get(suggestion) is not None:  # a rename would set it twice: no fix
                    finished.append(_replace(issue, message, f"'{suggestion}' is already set: remove '{shown}'"))
                else:
                    finished.append(_replace(issue, message, f"rename '{shown}' to '{suggestion}'", suggestion))
            else:
                allowed = _quote_list(sorted(set(candidates)))
                tail = f": allowed attributes are {allowed}" if allowed else ": it takes no attributes"
                finished.append(_replace(issue, f"unknown attribute '{shown}' on <{_display(issue.element)}>{tail}"))
        elif issue.rule is UNKNOWN_ELEMENT:
            parent = issue.element.getparent()
            where = f" in <{_display(parent)}>" if parent is not None else ""
            suggestion = _near_miss(_element_key(issue.element), known.siblings.get(id(issue.element), []))
            if suggestion in known.full.get(id(issue.element), ()):  # a rename would give one too many: no fix
                message = f"unknown element <{_display(issue.element)}>{where}; did you mean <{suggestion}>?"
                finished.append(_replace(issue, message, f"<{suggestion}> is already there: merge the two"))
            elif suggestion:
                message = f"unknown element <{_display(issue.element)}>{where}; did you mean <{suggestion}>?"
                finished.append(_replace(issue, message, f"rename <{_display(issue.element)}> to <{suggestion}>", suggestion))
            else:
                finished.append(_replace(issue, f"unknown element <{_display(issue.element)}>{where}"))
        else:
            finished.append(issue)
    return [
        issue for issue in finished if not (issue.rule is MISSING_ATTRIBUTE and (id(issue.element), issue.subject) in explained_missing)
    ]


def _replace(issue: Issue, message: str, help: str | None = None, suggestion: str | None = None) -> Issue:
    return replace(issue, message=message, help=help or issue.help, suggestion=suggestion)


# Entry points ------------------------------------------------------------------------------------


@dataclass
class Schema:
    """A grammar: lxml's compiled RelaxNG for the verdict, the patterns for the explanation."""

    path: g.StrPath
    relaxng: etree.RelaxNG
    patterns: g.Grammar

    interpreter_decides_crowded: bool = False  # the bundled grammar: its tests prove both verdicts agree

    def validate(self, document: Document) -> list[Issue]:
        if self.interpreter_decides_crowded and crowded(document.root):
            return self.explain(document)
        if self.relaxng.validate(document.root):
            return []
        return self.explain(document) or self._unexplained(document)

    def _unexplained(self, document: Document) -> list[Issue]:
        """lxml's own first error, at the element its path names (or the root)."""
        entry = self.relaxng.error_log[0] if len(self.relaxng.error_log) else None
        element = document.root
        if entry is not None and entry.path:
            found = document.root.getroottree().xpath(entry.path)
            if found and isinstance(found[0], etree._Element):
                element = found[0]
        message = entry.message if entry is not None else "the document does not match the grammar"
        return [Issue(GRAMMAR_ERROR, element, f"the grammar rejects this element: {message}")]

    def explain(self, document: Document) -> list[Issue]:
        """Every grammar issue of the document, found by the interpreter alone."""
        root = document.root
        assert self.patterns.start is not None
        start = self.root_pattern(root)
        if start is None:
            return [Issue(UNKNOWN_ELEMENT, root, f"unknown root element <{_display(root)}>")]
        issues = Interpreter(xmlfeatures.entity_texts(root)).element(root, start)
        return _finish(issues, self._known_names(root, start))

    def root_pattern(self, root: etree._Element) -> g.Element | None:
        """The start pattern that names the document's root element, or None."""
        assert self.patterns.start is not None
        start = _find(
            [_ElementItem(p, 1, 1) for a in expand(self.patterns.start) for p in (e.pattern for e in a.elements)], _element_key(root)
        )
        return start.pattern if start is not None else None

    @staticmethod
    def _known_names(root: etree._Element, pattern: g.Element) -> _KnownNames:
        known = _KnownNames()
        stack: list[tuple[etree._Element, g.Element]] = [(root, pattern)]
        while stack:
            node, element_pattern = stack.pop()
            if accepts_anything(element_pattern.content):
                continue  # no name in there is unknown
            alternatives = expand(element_pattern.content)
            known.attributes[id(node)] = [a.pattern.name.name for alt in alternatives for a in alt.attributes if a.pattern.name.name]
            child_names = [e.pattern.name.name for alt in alternatives for e in alt.elements if e.pattern.name.name]
            present = Counter(_element_key(c) for c in node if isinstance(c.tag, str))
            items = {name: next((i for alt in alternatives if (i := alt.element_item(name))), None) for name in present}
            full = {name for name, item in items.items() if item is not None and item.high is not None and present[name] >= item.high}
            for child in node:
                if not isinstance(child.tag, str):
                    continue
                item = items[_element_key(child)]
                if item is None:
                    known.siblings[id(child)] = child_names
                    known.full[id(child)] = full
                else:
                    stack.append((child, item.pattern))
        return known


@cache
def bundled_schema() -> Schema:
    path = g.schema_path(DOMAIN_GRAMMAR)
    return Schema(path, bundled_relaxng(), g.load(path), interpreter_decides_crowded=True)


@cache
def bundled_relaxng() -> etree.RelaxNG:
    """The bundled grammar compiled by lxml, once per process; the patterns are read only when needed."""
    tree = etree.parse(str(g.schema_path(DOMAIN_GRAMMAR)), etree.XMLParser(resolve_entities=False, no_network=True))
    return etree.RelaxNG(tree)


_XML_BLANKS = " \t\r\n"
_TEXT_ONLY = ("bootloader", "bootloader_args")


def bundled_valid(root: etree._Element) -> bool:
    return bundled_verdict(root)[0]


def bundled_verdict(root: etree._Element) -> tuple[bool, etree._Element | None]:
    """`bundled_valid`, and the document's <os> as rules read it (a bare <os>, or the first <os>
    of <domain>), found by the same pass over the children.

    True when lxml's RelaxNG would accept the document under the bundled grammar, at a third
    of its cost: domain.rng accepts anything in <domain> but its one <os> (checked by lxml alone),
    one text-only <bootloader> and <bootloader_args>, and text. False means "not known to be
    valid": `bundled_schema().validate` then decides, as before (tests/test_triggers.py checks
    both verdicts agree on every fixture and corpus document). For documents without entity
    references: the engine checks no other (xmlfeatures.py)."""
    if root.tag != "domain":
        return (_os_valid(root), root) if root.tag == "os" else (bool(bundled_relaxng().validate(root)), None)
    text = root.text
    if text and text.strip(_XML_BLANKS):
        return False, next(root.iterchildren("os"), None)
    os = None
    seen: list[str] = []
    for child in root:
        tag, tail = child.tag, child.tail
        if tag == "os":
            if os is not None:
                break
            os = child
        elif tag in _TEXT_ONLY:
            if tag in seen or len(child) or len(child.attrib):
                break
            seen.append(tag)
        if tail and tail.strip(_XML_BLANKS):
            break
    else:
        return os is None or _os_valid(os), os
    return False, os if os is not None else next(root.iterchildren("os"), None)


# libxml2 checks the children of an element in time quadratic in their number (40,000 <boot>
# in <os>: 1 s, 100,000: 13 s); a domain's elements have a few dozen. Beyond this many, the
# interpreter, linear and proven to agree with lxml on every fixture and corpus document
# (tests/test_schema.py), gives the verdict on the bundled grammar instead.
CROWDED_CHILDREN = 1000


def crowded(element: etree._Element) -> bool:
    """Whether the element or one inside it has more children than lxml checks in linear time."""
    return any(len(node) > CROWDED_CHILDREN for node in element.iter(etree.Element))


class _Verdicts:
    """Verdicts on <os> texts seen before (domains made from one template share their <os>),
    bounded by the bytes of the texts kept: a text longer than `longest` is not kept, and the
    cache starts afresh when its texts would exceed `total`."""

    def __init__(self, longest: int, total: int) -> None:
        self.longest, self.total = longest, total
        self.verdicts: dict[bytes, bool] = {}
        self.size = 0  # bytes of the texts kept

    def get(self, text: bytes) -> bool | None:
        return self.verdicts.get(text)

    def put(self, text: bytes, verdict: bool) -> None:
        if len(text) > self.longest:
            return
        if self.size + len(text) > self.total:
            self.verdicts.clear()
            self.size = 0
        self.verdicts[text] = verdict
        self.size += len(text)


# A template's <os> takes a few hundred bytes; 1,024 of the longest kept take 4 MiB.
OS_VERDICTS = _Verdicts(longest=4096, total=4 * 1024 * 1024)


def _os_valid(os: etree._Element) -> bool:
    """The bundled grammar's verdict on an <os> element, reused for an identical one: the text
    of the element, with the namespaces it uses, is all the verdict depends on."""
    if crowded(os):
        pattern = bundled_schema().root_pattern(os)
        return pattern is not None and not Interpreter().element(os, pattern)
    key = etree.tostring(os, with_tail=False)
    verdict = OS_VERDICTS.get(key)
    if verdict is None:
        verdict = bool(bundled_relaxng().validate(os))
        OS_VERDICTS.put(key, verdict)
    return verdict


@cache
def integer_range(element: str, attribute: str) -> tuple[int | None, int | None]:
    """The range the bundled grammar gives an integer attribute, so rules that explain a range
    never restate it: the grammar stays the one place where libvirt's limits are written."""
    datatype = integer_datatype(element, attribute)
    return g.integer_bounds(datatype.type, datatype.params)


@cache
def integer_datatype(element: str, attribute: str) -> g.Data:
    """The bundled grammar's integer datatype of `element/@attribute` (its type and params)."""
    for pattern in _element_patterns(bundled_schema().patterns):
        if pattern.name.name != element:
            continue
        for alternative in expand(pattern.content):
            item = alternative.attribute_item(attribute)
            options = text_options(item.pattern.value) if item else None
            for option in options or []:
                if isinstance(option, g.Data) and option.type not in ("string", "token"):
                    return option
    raise LookupError(f"the grammar has no integer attribute {attribute!r} on <{element}>")


def _element_patterns(patterns: g.Grammar) -> Iterable[g.Element]:
    """Every element pattern of a grammar, each once."""
    seen: set[int] = set()
    pending = [alternative for define in patterns.defines.values() for alternative in expand(define)]
    while pending:
        alternative = pending.pop()
        for item in alternative.elements:
            if id(item.pattern) not in seen:
                seen.add(id(item.pattern))
                yield item.pattern
                pending.extend(expand(item.pattern.content))
