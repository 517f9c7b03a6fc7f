"""`--format github`: GitHub Actions workflow commands, one annotation per diagnostic.

::error file=vm.xml,line=10,col=11,endLine=10,endColumn=20,title=OS004 invalid-value::invalid value ...

`error`, `warning` or `notice` by severity. Columns are given only when the span stays on one
line (the runner drops an annotation whose columns span lines); the end column is exclusive,
as in every domlint format. Values are escaped as GitHub's toolkit does: `%`, CR and LF
everywhere, and `:` and `,` inside properties. The help, where there is one, follows the message
on a second line.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic, Severity
from ..engine import Result
from .common import diagnostics, repo_path

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(results: list[Result], color: bool = False) -> str:
    return "".join(command(diagnostic) + "\n" for _, diagnostic in diagnostics(results))


def command(diagnostic: Diagnostic) -> str:
    span = diagnostic.span
    properties = [("file", repo_path(diagnostic.path)), ("line", str(span.line))]
    if span.end_line == span.line:
        properties.append(("col", str(span.column)))
    properties.append(("endLine", str(span.end_line)))
    if span.end_line == span.line:
        properties.append(("endColumn", str(max(span.column, span.end_column))))
    properties.append(("title", f"{diagnostic.code} {diagnostic.name}"))
    message = diagnostic.message if not diagnostic.help else f"{diagnostic.message}\nhelp: {diagnostic.help}"
    listed = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS[diagnostic.severity]} {listed}::{escape_data(message)}"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
