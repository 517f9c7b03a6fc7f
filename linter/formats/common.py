"""What several machine formats share: the order of diagnostics, repository paths, the text a
diagnostic underlines, and fingerprints that survive line shifts (GitLab, SARIF)."""

from __future__ import annotations

import os
from collections import Counter

from ..diagnostics import Diagnostic
from ..engine import Result

# Line boundaries as str.splitlines() knows them: a one-line format must not contain any.
_LINE_BREAKS = str.maketrans({c: " " for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def by_path(results: list[Result]) -> list[Result]:
    """The results in path order (each result's diagnostics are already sorted)."""
    return sorted(results, key=lambda r: r.path)


def diagnostics(results: list[Result]) -> list[tuple[Result, Diagnostic]]:
    """Every diagnostic with its result, sorted by path, line, column, code (as `--format json`)."""
    return [(result, diagnostic) for result in by_path(results) for diagnostic in result.diagnostics]


def one_line(text: str) -> str:
    """The text with every line break turned into a space."""
    return text.translate(_LINE_BREAKS)


def repo_path(path: str) -> str:
    """The path as CI services want a repository file: forward slashes, no leading "./"."""
    if os.sep != "/":
        path = path.replace(os.sep, "/")
    while path.startswith("./"):
        path = path[2:].lstrip("/")
    return path


def span_text(result: Result, diagnostic: Diagnostic) -> str:
    """The source text the diagnostic points at (line breaks normalised to "\\n"); "" without source."""
    if result.source is None:
        return ""
    span = diagnostic.span
    lines = [result.source.line_text(line) for line in range(span.line, span.end_line + 1)]
    if not lines:
        return ""
    if len(lines) == 1:
        return lines[0][span.column - 1 : span.end_column - 1]
    lines[0] = lines[0][span.column - 1 :]
    lines[-1] = lines[-1][: span.end_column - 1]
    return "\n".join(lines)


def fingerprints(result: Result) -> list[str]:
    """A stable identity for each of the result's diagnostics, in the same order.

    SHA-256 of the repository path, the rule name (stable by contract, unlike the code), the
    message, the underlined source text and the occurrence index among diagnostics that agree in
    all of these, counted in document order. No line or column goes in: the fingerprint survives
    lines inserted or removed above the problem, and two identical problems still differ.
    """
    from hashlib import sha256  # only the formats that fingerprint need it

    seen: Counter[tuple[str, ...]] = Counter()
    prints = []
    for diagnostic in result.diagnostics:
        key = (repo_path(diagnostic.path), diagnostic.name, diagnostic.message, span_text(result, diagnostic))
        occurrence = seen[key]
        seen[key] += 1
        material = "\0".join(("domlint", *key, str(occurrence)))
        prints.append(sha256(material.encode("utf-8", "surrogatepass")).hexdigest())
    return prints
