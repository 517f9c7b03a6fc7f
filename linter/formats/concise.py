"""`--format concise`: one line per diagnostic, for quickfix lists and problem matchers.

    fixtures/x.xml:10:11: OS004 invalid-value invalid value 'dvd' for attribute 'dev' of <boot>: ...

The line is `path:line:col: code name message` (issue #5); line breaks in a message become
spaces, so every diagnostic is exactly one line. A diagnostic that `--fix` corrects ends with
` [*]`: at the end, so the fields before the message keep their places for parsers.
"""

from __future__ import annotations

from ..engine import Result
from .common import diagnostics, one_line
from .full import FIXABLE


def render(results: list[Result], color: bool = False) -> str:
    lines = [
        f"{one_line(d.path)}:{d.span.line}:{d.span.column}: {d.code} {d.name} {one_line(d.message)}{f' {FIXABLE}' if d.fix else ''}"
        for _, d in diagnostics(results)
    ]
    return "".join(line + "\n" for line in lines)
