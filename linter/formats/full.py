"""`--format full` (the default): each diagnostic with its source line underlined, then a summary.

fixtures/x.xml:3:5: error OS201 loader-requires-hvm: <loader> needs ...
  |
3 |     <loader>/usr/lib/xen/boot/hvmloader</loader>
  |     ^^^^^^^^
  = help: remove <loader>, or ...

A diagnostic that `--fix` corrects has `[*]` after its code, as ruff marks it.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic, Severity
from ..engine import Result

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}
FIXABLE = "[*]"  # marks what --fix corrects (the full and concise formats, the summary)


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def render(results: list[Result], color: bool = False) -> str:
    blocks = [
        _diagnostic(diagnostic, result, color) for result in sorted(results, key=lambda r: r.path) for diagnostic in result.diagnostics
    ]
    return "".join(block + "\n" for block in blocks)


def summary(results: list[Result]) -> str:
    """ "N files, E errors, W warnings, S skipped" (skipped: files that are not libvirt domains),
    then, when some findings have a fix, a second line "[*] F fixable with --fix"."""
    diagnostics = [d for r in results for d in r.diagnostics]
    errors = sum(1 for d in diagnostics if d.severity is Severity.ERROR)
    warnings = sum(1 for d in diagnostics if d.severity is Severity.WARNING)
    skipped = sum(1 for r in results if r.skipped)
    fixable = sum(1 for d in diagnostics if d.fix is not None)
    line = f"{_count(len(results), 'file')}, {_count(errors, 'error')}, {_count(warnings, 'warning')}, {skipped} skipped"
    return f"{line}\n{FIXABLE} {fixable} fixable with --fix" if fixable else line


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _printable(line: str) -> str:
    """The source line as a terminal can show it: control characters become U+FFFD, one for
    one, so the underline still lines up; tabs stay."""
    return "".join(c if c == "\t" or c.isprintable() else "\ufffd" for c in line)


def headline(diagnostic: Diagnostic, color: bool = False, mark_fix: bool = False) -> str:
    """`path:line:col: severity code name: message`, the first line of a diagnostic; with
    `mark_fix`, `code [*] name` when `--fix` corrects it."""
    span = diagnostic.span
    marker = f" {FIXABLE}" if mark_fix and diagnostic.fix is not None else ""
    return (
        f"{diagnostic.path}:{span.line}:{span.column}: "
        f"{_paint(diagnostic.severity.value, _COLORS[diagnostic.severity], color)} "
        f"{_paint(diagnostic.code, '1', color)}{marker} {diagnostic.name}: {diagnostic.message}"
    )


def _diagnostic(diagnostic: Diagnostic, result: Result, color: bool) -> str:
    span = diagnostic.span
    lines = [headline(diagnostic, color, mark_fix=True)]
    source = _printable(result.source.line_text(span.line)) if result.source else ""
    if source:
        gutter = " " * len(str(span.line))
        end = span.end_column if span.end_line == span.line else len(source) + 1
        width = max(1, end - span.column)
        marker = " " * (span.column - 1) + "^" * width
        lines += [
            f"{gutter} |",
            f"{span.line} | {source}",
            f"{gutter} | {_paint(marker, _COLORS[diagnostic.severity], color)}",
        ]
        if diagnostic.help:
            lines.append(f"{gutter} = help: {diagnostic.help}")
    elif diagnostic.help:
        lines.append(f"  = help: {diagnostic.help}")
    return "\n".join(lines)
