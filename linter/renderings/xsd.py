"""The grammar as XSD 1.1, for XSD-only tooling (XML editors, pipelines built on xmlschema).

Rendered from the same patterns the interpreter uses (`grammar.py`, expanded by `schema.py`
into alternatives). Where an element has one alternative, plain XSD says it all: `xs:all` (in
XSD 1.1 a particle of `xs:all` may repeat, so `<boot>` fits), typed attributes, simple content.
Where it has several (the three `<os>` variants, `<nvram>`'s path or source, `<nvram>` versus
`<varstore>`), the declaration is their union and one `xs:assert` says that one alternative
holds: XSD cannot choose a content model by the text of a child (`<type>hvm</type>`), so that
part needs an assertion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .. import grammar as g
from ..schema import _Alternative, expand, text_options

XS = "http://www.w3.org/2001/XMLSchema"
VC = "http://www.w3.org/2007/XMLSchema-versioning"
_INTEGER_TYPES = {"int", "short", "unsignedShort", "unsignedInt", "positiveInteger", "integer", "nonNegativeInteger"}


def _xs(tag: str, **attributes: str) -> etree._Element:
    return etree.Element(f"{{{XS}}}{tag}", {k: v for k, v in attributes.items() if v is not None})


def _sub(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    node = _xs(tag, **attributes)
    parent.append(node)
    return node


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Unions of alternatives --------------------------------------------------------------------------


@dataclass
class _Union:
    """What any alternative of an element allows, name by name."""

    alternatives: list[_Alternative]
    attributes: dict[str, list[g.Attribute]] = field(default_factory=dict)
    required_attributes: set[str] = field(default_factory=set)
    elements: dict[str, list[g.Element]] = field(default_factory=dict)
    low: dict[str, int] = field(default_factory=dict)
    high: dict[str, int | None] = field(default_factory=dict)
    wildcard_elements: list[g.Element] = field(default_factory=list)
    any_attribute: bool = False
    text: list[g.Pattern] = field(default_factory=list)
    text_optional: bool = False

    @classmethod
    def of(cls, patterns: list[g.Element]) -> _Union:
        alternatives = [a for p in patterns for a in expand(p.content)]
        union = cls(alternatives)
        for alternative in alternatives:
            for item in alternative.attributes:
                name = item.pattern.name.name
                if name is None:
                    union.any_attribute = True
                    continue
                union.attributes.setdefault(name, [])
                if item.pattern not in union.attributes[name]:
                    union.attributes[name].append(item.pattern)
            for item in alternative.elements:
                name = item.pattern.name.name
                if name is None:
                    union.wildcard_elements.append(item.pattern)
                    continue
                union.elements.setdefault(name, [])
                if item.pattern not in union.elements[name]:
                    union.elements[name].append(item.pattern)
                union.high[name] = (
                    None if item.high is None or union.high.get(name, 0) is None else max(item.high, union.high.get(name, 0) or 0)
                )
            for option in alternative.text:
                if option not in union.text:
                    union.text.append(option)
            union.text_optional |= not alternative.text
        for name in union.elements:
            union.low[name] = min(_low(a, name) for a in alternatives)
        union.required_attributes = {name for name in union.attributes if all(_required(a, name) for a in alternatives)}
        return union


def _low(alternative: _Alternative, name: str) -> int:
    item = alternative.element_item(name)
    return item.low if item is not None and item.pattern.name.name == name else 0


def _required(alternative: _Alternative, name: str) -> bool:
    item = alternative.attribute_item(name)
    return item is not None and item.required


# Simple types ------------------------------------------------------------------------------------


def _simple_type(options: list[g.Pattern], allow_empty: bool = False) -> etree._Element:
    """An anonymous xs:simpleType accepting any of the text options (and blank, if asked)."""
    members: list[etree._Element] = []
    for kind in ("string", "token"):
        values = list({o.text: o for o in options if isinstance(o, g.Value) and o.type == kind}.values())
        if values:
            member = _xs("simpleType")
            restriction = _sub(member, "restriction", base=f"xs:{kind}")
            for value in values:
                enumeration = _sub(restriction, "enumeration", value=value.text)
                if value.since:
                    enumeration.set(f"{{{g.ANNOTATIONS}}}since", value.since)
            members.append(member)
    for data in (o for o in options if isinstance(o, g.Data)):
        member = _xs("simpleType")
        restriction = _sub(member, "restriction", base=f"xs:{data.type}")
        for name, value in data.params.items():
            _sub(restriction, name, value=value)
        members.append(member)
    if any(isinstance(o, g.Text) for o in options):
        member = _xs("simpleType")
        _sub(member, "restriction", base="xs:string")
        members.append(member)
    if allow_empty:
        member = _xs("simpleType")
        _sub(_sub(member, "restriction", base="xs:token"), "enumeration", value="")
        members.append(member)
    if len(members) == 1:
        return members[0]
    union = _xs("simpleType")
    holder = _sub(union, "union")
    holder.extend(members)
    return union


# Assertions (XPath 2.0) --------------------------------------------------------------------------


def _value_test(expression: str, options: list[g.Pattern]) -> str:
    """XPath: the string value of `expression` is one of the options (each with its own
    whitespace rule: `string` values compare exactly, `token` values after collapsing)."""
    subject = f"string({expression})"
    tests = []
    for kind, normalised in (("string", subject), ("token", f"normalize-space({subject})")):
        values = [o.text if kind == "string" else " ".join(o.text.split()) for o in options if isinstance(o, g.Value) and o.type == kind]
        if values:
            tests.append(f"{normalised} = ({', '.join(_literal(v) for v in values)})")
    for option in options:
        if isinstance(option, g.Text):
            return "true()"
        if isinstance(option, g.Data):
            tests.append(_data_test(subject, option))
    if not tests:
        return "false()"
    return tests[0] if len(tests) == 1 else "(" + " or ".join(tests) + ")"


def _data_test(expression: str, data: g.Data) -> str:
    subject = expression if data.type == "string" else f"normalize-space({expression})"
    parts = []
    if data.type in _INTEGER_TYPES:
        low, high = g.integer_bounds(data.type, data.params)
        parts.append(f"({subject} castable as xs:integer)")
        if low is not None:
            parts.append(f"xs:integer({subject}) ge {low}")
        if high is not None:
            parts.append(f"xs:integer({subject}) le {high}")
    if "pattern" in data.params:
        parts.append(f"matches({subject}, {_literal('^(' + data.params['pattern'] + ')$')})")
    if "minLength" in data.params:
        parts.append(f"string-length({subject}) ge {data.params['minLength']}")
    if "maxLength" in data.params:
        parts.append(f"string-length({subject}) le {data.params['maxLength']}")
    return "(" + " and ".join(parts or ["true()"]) + ")"


def _condition(patterns: list[g.Element], node: str, depth: int, skip: _Union | None = None) -> str:
    """XPath: the element at `node` matches one alternative of `patterns`. With `skip`, leave
    out what the declared union type already enforces."""
    union = _Union.of(patterns)
    terms = [_alternative_condition(a, union, node, depth, skip) for a in union.alternatives]
    if any(term == "true()" for term in terms):
        return "true()"
    return terms[0] if len(terms) == 1 else "(" + " or ".join(terms) + ")"


def _alternative_condition(alternative: _Alternative, union: _Union, node: str, depth: int, skip: _Union | None) -> str:
    parts: list[str] = []
    for name, patterns in union.attributes.items():
        item = alternative.attribute_item(name)
        if item is None or item.pattern.name.name != name:
            parts.append(f"not({node}/@{name})")
            continue
        if item.required and not (skip and name in skip.required_attributes):
            parts.append(f"exists({node}/@{name})")
        options = text_options(item.pattern.value) or [g.Text()]
        if not (skip and len(patterns) == 1):
            test = _value_test(f"{node}/@{name}", options)
            if test != "true()":
                parts.append(f"(not({node}/@{name}) or {test})")
    for name, patterns in union.elements.items():
        item = alternative.element_item(name)
        if item is None or item.pattern.name.name != name:
            parts.append(f"empty({node}/{name})")
            continue
        if item.low > (skip.low.get(name, 0) if skip else 0):
            parts.append(f"count({node}/{name}) ge {item.low}")
        if item.high is not None and (not skip or skip.high.get(name) != item.high):
            parts.append(f"count({node}/{name}) le {item.high}")
        if not (skip and len(patterns) == 1):
            variable = f"$c{depth}"
            inner = _condition([item.pattern], variable, depth + 1)
            if inner != "true()":
                parts.append(f"(every {variable} in {node}/{name} satisfies {inner})")
    if not alternative.text and (union.text or not skip):
        parts.append(f"normalize-space(string-join({node}/text(), '')) = ''")
    elif alternative.text and not (skip and _structure_enforces_text(skip, alternative.text)):
        test = _value_test(f"string({node})", alternative.text)
        if test != "true()":
            parts.append(test)
    return "(" + " and ".join(parts) + ")" if parts else "true()"


def _structure_enforces_text(union: _Union, options: list[g.Pattern]) -> bool:
    """Simple content typed with exactly these options already checks the text."""
    simple = not (union.elements or union.wildcard_elements)
    return simple and options == union.text and not union.text_optional


# Declarations ------------------------------------------------------------------------------------


def _annotate(declaration: etree._Element, pattern: g.Element | g.Attribute) -> None:
    if pattern.since:
        declaration.set(f"{{{g.ANNOTATIONS}}}since", pattern.since)
    if pattern.doc:
        _sub(_sub(declaration, "annotation"), "documentation").text = pattern.doc


class _Renderer:
    """Builds the schema; simple contents get named types (an extension base must be named)."""

    def __init__(self) -> None:
        self.named_types: dict[tuple[int, ...], etree._Element] = {}

    def text_type(self, name_hint: str, options: list[g.Pattern], allow_empty: bool) -> str:
        key = tuple(id(o) for o in options) + ((0,) if allow_empty else ())
        if key not in self.named_types:
            simple = _simple_type(options, allow_empty)
            simple.set("name", f"{name_hint}-text-{len(self.named_types) + 1}")
            self.named_types[key] = simple
        return self.named_types[key].get("name")

    def attribute(self, name: str, patterns: list[g.Attribute], required: bool) -> etree._Element:
        declaration = _xs("attribute", name=name, use="required" if required else None)
        _annotate(declaration, patterns[0])
        options = [o for p in patterns for o in (text_options(p.value) or [g.Text()])]
        declaration.append(_simple_type(options))
        return declaration

    def element(self, patterns: list[g.Element], low: int = 1, high: int | None = 1) -> etree._Element:
        declaration = _xs("element", name=patterns[0].name.name)
        if low != 1:
            declaration.set("minOccurs", str(low))
        if high != 1:
            declaration.set("maxOccurs", "unbounded" if high is None else str(high))
        _annotate(declaration, patterns[0])
        declaration.append(self.complex_type(patterns))
        return declaration

    def complex_type(self, patterns: list[g.Element]) -> etree._Element:
        union = _Union.of(patterns)
        attributes = [
            self.attribute(name, attribute_patterns, name in union.required_attributes)
            for name, attribute_patterns in union.attributes.items()
        ]
        complex_type = _xs("complexType")
        if not (union.elements or union.wildcard_elements) and union.text:
            base = self.text_type(patterns[0].name.name or "any", union.text, union.text_optional)
            container = _sub(_sub(complex_type, "simpleContent"), "extension", base=base)
        else:
            container = complex_type
            if union.text:
                complex_type.set("mixed", "true")
            if union.elements or union.wildcard_elements:
                self._children(_sub(complex_type, "all"), union)
        container.extend(attributes)
        if union.any_attribute:
            _sub(container, "anyAttribute", processContents="skip")
        assertion = self._assertion(patterns, union)
        if assertion:
            _sub(container, "assert", test=assertion)
        return complex_type

    def _children(self, group: etree._Element, union: _Union) -> None:
        for name, element_patterns in union.elements.items():
            group.append(self.element(element_patterns, union.low[name], union.high[name]))
        if union.wildcard_elements:
            excluded = sorted(set().union(*(p.name.excluded for p in union.wildcard_elements)))
            wildcard = _sub(group, "any", processContents="skip", minOccurs="0", maxOccurs="unbounded")
            if excluded:
                wildcard.set("notQName", " ".join(excluded))

    @staticmethod
    def _assertion(patterns: list[g.Element], union: _Union) -> str | None:
        """Only where XSD's structure cannot say it: several alternatives, or text whose
        options mix exact and whitespace-collapsing comparisons inside mixed content."""
        if len(union.alternatives) > 1:
            test = _condition(patterns, ".", 1, skip=union)
            return None if test == "true()" else test
        return None


def render(patterns: g.Grammar, source: str) -> str:
    """XSD 1.1 text of a grammar whose start is a choice of elements."""
    renderer = _Renderer()
    schema = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS, "vc": VC, "d": g.ANNOTATIONS})
    schema.set(f"{{{VC}}}minVersion", "1.1")
    schema.append(
        etree.Comment(
            f" Rendered from {source} by `python -m domlint.renderings`: do not edit by hand. "
            "XSD 1.1: xs:assert, and repeated particles in xs:all. "
        )
    )
    assert patterns.start is not None
    for alternative in expand(patterns.start):
        for item in alternative.elements:
            schema.append(renderer.element([item.pattern]))
    for simple in renderer.named_types.values():
        schema.append(simple)
    etree.indent(schema, space="  ")
    return etree.tostring(schema, encoding="unicode", pretty_print=True)
