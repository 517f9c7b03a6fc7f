"""RelaxNG XML syntax -> compact syntax (.rnc), keeping comments, documentation and annotations.

Emacs nxml-mode and other editors read the compact syntax. It is rendered from `os.rng` and
`domain.rng`, never edited by hand; a test checks the committed files are what this renders.
"""

from __future__ import annotations

import re

from lxml import etree

from ..grammar import ANNOTATIONS, DOCUMENTATION, RNG

XSD_DATATYPES = "http://www.w3.org/2001/XMLSchema-datatypes"
_PREFIXES = {ANNOTATIONS: "d", DOCUMENTATION.split("}")[0][1:]: "a"}
_KEYWORDS = {
    "attribute",
    "default",
    "datatypes",
    "div",
    "element",
    "empty",
    "external",
    "grammar",
    "include",
    "inherit",
    "list",
    "mixed",
    "namespace",
    "notAllowed",
    "parent",
    "start",
    "string",
    "text",
    "token",
}
_COMBINERS = {"choice": " | ", "interleave": " & ", "group": ", "}
_REPEATS = {"optional": "?", "zeroOrMore": "*", "oneOrMore": "+"}
_INDENT = "  "


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname


def _is_rng(node: object) -> bool:
    return isinstance(node, etree._Element) and isinstance(node.tag, str) and node.tag.startswith(f"{{{RNG}}}")


def _identifier(name: str) -> str:
    return f"\\{name}" if name in _KEYWORDS else name


def _literal(text: str) -> str:
    if '"' not in text and "\n" not in text:
        return f'"{text}"'
    return '"""' + text + '"""' if '"""' not in text else "'" + text + "'"


class _Writer:
    def __init__(self, href_suffix: str = ".rnc") -> None:
        self.href_suffix = href_suffix

    # Leading material: comments, documentation and foreign attributes --------------------------

    def _comments(self, node: etree._Element, depth: int) -> list[str]:
        """XML comments directly before `node` (after its previous RNG sibling)."""
        lines: list[str] = []
        previous = node.getprevious()
        collected: list[str] = []
        while previous is not None and not _is_rng(previous):
            if isinstance(previous, etree._Comment):
                collected.append(previous.text or "")
            previous = previous.getprevious()
        for comment in reversed(collected):
            body = [line.strip() for line in comment.strip("\n").splitlines()]
            lines += [f"{_INDENT * depth}# {line}".rstrip() for line in body]
        return lines

    def _lead(self, node: etree._Element, depth: int) -> list[str]:
        lines = self._comments(node, depth)
        for child in node:
            if child.tag == DOCUMENTATION:
                lines += [f"{_INDENT * depth}## {line.strip()}" for line in (child.text or "").strip().splitlines()]
        annotations = [
            f"{_PREFIXES[etree.QName(key).namespace]}:{etree.QName(key).localname} = {_literal(value)}"
            for key, value in node.attrib.items()
            if etree.QName(key).namespace in _PREFIXES
        ]
        if annotations:
            lines.append(f"{_INDENT * depth}[ {' '.join(annotations)} ]")
        return lines

    # Patterns -----------------------------------------------------------------------------------

    def children(self, node: etree._Element) -> list[etree._Element]:
        return [child for child in node if _is_rng(child) and _local(child) not in ("name", "anyName", "param", "except")]

    def body(self, node: etree._Element, depth: int, joiner: str = ", ") -> str:
        """Several patterns side by side, as in an element's content (a group)."""
        items = self.children(node)
        if not items:
            return "empty"
        rendered = [self.pattern(item, depth) for item in items]
        if len(rendered) == 1:
            return rendered[0]
        return self._block(rendered, joiner, depth)

    def _block(self, rendered: list[str], joiner: str, depth: int) -> str:
        pad = _INDENT * depth
        inner = (joiner.rstrip() + "\n").join(f"{pad}{_INDENT}{item}" for item in rendered)
        return f"(\n{inner}\n{pad})"

    def pattern(self, node: etree._Element, depth: int) -> str:
        lead = self._lead(node, depth)
        text = self._bare(node, depth)
        if not lead:
            return text
        pad = _INDENT * depth
        return "\n".join(line.lstrip() if i == 0 else line for i, line in enumerate(lead)) + f"\n{pad}{text}"

    def _bare(self, node: etree._Element, depth: int) -> str:
        kind = _local(node)
        if kind in ("element", "attribute"):
            content = self.body(node, depth + 1) if self.children(node) else ("text" if kind == "attribute" else "empty")
            return (
                f"{kind} {self.name_class(node)} {{ {content} }}"
                if "\n" not in content
                else (f"{kind} {self.name_class(node)} {{\n{_INDENT * (depth + 1)}{content}\n{_INDENT * depth}}}")
            )
        if kind in _COMBINERS:
            rendered = [self.pattern(child, depth + 1) for child in self.children(node)]
            return self._block(rendered, _COMBINERS[kind], depth)
        if kind in _REPEATS:
            return f"{self.body(node, depth)}{_REPEATS[kind]}"
        if kind == "ref":
            return _identifier(node.get("name"))
        if kind in ("empty", "text"):
            return kind
        if kind == "value":
            return f"xsd:{node.get('type', 'token')} {_literal(node.text or '')}"
        if kind == "data":
            params = [f"{p.get('name')} = {_literal(p.text or '')}" for p in node if _is_rng(p) and _local(p) == "param"]
            return f"xsd:{node.get('type')}" + (f" {{ {' '.join(params)} }}" if params else "")
        raise ValueError(f"RelaxNG pattern <{kind}> has no compact rendering here")

    def name_class(self, node: etree._Element) -> str:
        if node.get("name") is not None:
            return _identifier(node.get("name"))
        for child in node:
            if _is_rng(child) and _local(child) == "name":
                return _identifier((child.text or "").strip())
            if _is_rng(child) and _local(child) == "anyName":
                excluded = [
                    _identifier((name.text or "").strip())
                    for exclusion in child
                    if _is_rng(exclusion)
                    for name in exclusion
                    if _is_rng(name)
                ]
                return "* - (" + " | ".join(excluded) + ")" if excluded else "*"
        raise ValueError("an element or attribute without a name")

    # Grammar level --------------------------------------------------------------------------------

    def grammar_items(self, container: etree._Element, depth: int) -> list[str]:
        out: list[str] = []
        for node in container:
            if not _is_rng(node):
                continue
            kind = _local(node)
            pad = _INDENT * depth
            if kind in ("start", "define"):
                lead = self._comments(node, depth)
                name = "start" if kind == "start" else _identifier(node.get("name"))
                operator = {"choice": "|=", "interleave": "&="}.get(node.get("combine", ""), "=")
                out += [""] + lead + [f"{pad}{name} {operator}\n{pad}{_INDENT}{self.body(node, depth + 1)}"]
            elif kind == "include":
                href = re.sub(r"\.rng$", self.href_suffix, node.get("href"))
                inner = self.grammar_items(node, depth + 1)
                opening = f"{pad}include {_literal(href)}"
                block = [opening + " {"] + inner + [f"{pad}}}"] if inner else [opening]
                out += [""] + self._comments(node, depth) + block
        return out


def render(root: etree._Element, source: str) -> str:
    """The compact syntax of a RelaxNG grammar document (`source` names it in the header)."""
    header = [f"# Rendered from {source} by `python -m domlint.renderings`: do not edit by hand."]
    for comment in root.itersiblings(preceding=True):
        if isinstance(comment, etree._Comment):
            header += [f"# {line.strip()}".rstrip() for line in (comment.text or "").strip("\n").splitlines()]
    header += [
        "",
        f'namespace a = "{DOCUMENTATION.split("}")[0][1:]}"',
        f'namespace d = "{ANNOTATIONS}"',
        f'datatypes xsd = "{XSD_DATATYPES}"',
    ]
    return "\n".join(header + _Writer().grammar_items(root, 0)) + "\n"
