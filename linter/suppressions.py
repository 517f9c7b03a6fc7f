"""Inline suppressions: `<!-- domlint: disable=NAME[,NAME] -->` directly before an element.

A directive silences the named rules (names or codes) for that element and everything inside
it; before the root element, for the whole file. A directive that silences nothing is itself
reported (`unused-suppression`), so stale ones do not pile up.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .diagnostics import Diagnostic, Severity
from .document import Document
from .rules import Rule, declare, lookup

UNUSED_SUPPRESSION = declare(
    Rule(
        code="OS012",
        name="unused-suppression",
        severity=Severity.WARNING,
        summary="A domlint: disable comment that silences nothing.",
        docstring="## What it catches\n"
        "A `<!-- domlint: disable=NAME -->` comment whose rules report nothing in the element it "
        "stands before, that names no known rule, or that does not stand directly before an element.\n\n"
        "## Why it matters\n"
        "A stale suppression hides the next real problem of that kind in the element.\n\n"
        "## Example\n```xml\n<!-- domlint: disable=reboot-timeout-range -->\n<bios rebootTimeout='0'/>\n```\n\n"
        "## Use instead\n```xml\n<bios rebootTimeout='0'/>\n```\n\n"
        "## Reference\ndomlint's own check (like ruff's RUF100).",
        needs_domain=False,
    )
)

_DIRECTIVE = re.compile(r"<!--\s*domlint:\s*disable=(?P<names>[^>]*?)\s*-->")
_BETWEEN = re.compile(r"(\s|<!--.*?-->)*", re.S)


@dataclass
class _Directive:
    start: int
    end: int
    rules: dict[str, Rule | None]  # as written -> the rule it names (None: unknown)
    scope: tuple[int, int] | None  # the offsets it silences; None when it precedes no element
    used: set[str]


def _directives(document: Document) -> list[_Directive]:
    matches = list(_DIRECTIVE.finditer(document.text))
    scopes: list[tuple[int, int] | None] = [None] * len(matches)
    # From the last one, so that a run of directives before one element is read once.
    for index in reversed(range(len(matches))):
        later = (matches[index + 1].start(), scopes[index + 1]) if index + 1 < len(matches) else None
        scopes[index] = _scope(document, matches[index].end(), later)
    found = []
    for match, scope in zip(matches, scopes):
        names = [name.strip() for name in match.group("names").split(",") if name.strip()]
        found.append(_Directive(match.start(), match.end(), {n: lookup(n) for n in names}, scope, set()))
    return found


def _scope(document: Document, after: int, later: tuple[int, tuple[int, int] | None] | None) -> tuple[int, int] | None:
    """The region of the element directly after a comment (blanks and comments between).

    `later` is where the next directive starts, and its scope: when it stands before the
    element, this comment reaches the element through it (a directive is one comment)."""
    following = document.next_element(after)
    if following is None:
        return None
    element, start = following
    if later is not None and later[0] < start:
        return later[1] if _BETWEEN.fullmatch(document.text, after, later[0]) is not None else None
    if _BETWEEN.fullmatch(document.text, after, start) is None:
        return None
    if element is document.root:
        return 0, len(document.text)
    return start, document.subtree_end(element)


def apply(document: Document, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics the directives leave, plus one for each directive rule that silenced nothing.

    Per rule, the positions of its diagnostics are sorted and its directives' scopes merged, so
    each question (is this diagnostic silenced, does this directive silence something) is one
    binary search: linear in the document however many directives and diagnostics it has."""
    directives = _directives(document)
    if not directives:
        return diagnostics
    positions: dict[str, list[int]] = {}  # rule name -> where its diagnostics stand, sorted
    for diagnostic in diagnostics:
        positions.setdefault(diagnostic.name, []).append(document.offset(diagnostic.span.line, diagnostic.span.column))
    for found in positions.values():
        found.sort()
    scopes: dict[str, list[tuple[int, int]]] = {}  # rule name -> the scopes of the directives naming it
    for directive in directives:
        for written, named in directive.rules.items():
            if named is not None and directive.scope is not None:
                scopes.setdefault(named.name, []).append(directive.scope)
                if _any_within(positions.get(named.name, []), directive.scope):
                    directive.used.add(written)
    silenced = {name: _merged(spans) for name, spans in scopes.items()}
    kept = [
        diagnostic
        for diagnostic in diagnostics
        if not _within_one(silenced.get(diagnostic.name, []), document.offset(diagnostic.span.line, diagnostic.span.column))
    ]
    return kept + [
        _unused(document, directive, written) for directive in directives for written in directive.rules if written not in directive.used
    ]


def _any_within(positions: list[int], scope: tuple[int, int]) -> bool:
    """Whether a sorted list of positions has one in [start, end)."""
    index = bisect.bisect_left(positions, scope[0])
    return index < len(positions) and positions[index] < scope[1]


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of half-open spans, as sorted disjoint spans."""
    union: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if union and start <= union[-1][1]:
            union[-1] = (union[-1][0], max(union[-1][1], end))
        else:
            union.append((start, end))
    return union


def _within_one(spans: list[tuple[int, int]], position: int) -> bool:
    """Whether a position lies in one of sorted disjoint half-open spans."""
    index = bisect.bisect_right(spans, (position, float("inf"))) - 1
    return index >= 0 and position < spans[index][1]


def _unused(document: Document, directive: _Directive, written: str) -> Diagnostic:
    if directive.rules[written] is None:
        message = f"the suppression names '{written}', which is no domlint rule"
    elif directive.scope is None:
        message = f"the suppression of '{written}' does not stand directly before an element, so it silences nothing"
    else:
        message = f"the suppression of '{written}' silences nothing: the rule reports no problem in the element that follows"
    return Diagnostic(
        document.path,
        document.span(directive.start, directive.end),
        UNUSED_SUPPRESSION.code,
        UNUSED_SUPPRESSION.name,
        UNUSED_SUPPRESSION.severity,
        message,
        "remove the comment, or the name from it",
    )
