"""`--format junit`: JUnit XML for CI test report views (GitLab `artifacts:reports:junit`, Jenkins).

Jenkins and GitLab show one failure per test case, so every diagnostic is its own
`<testcase classname="domlint">`, named `path:line:col code name`, with one `<failure>`
(`message` the message, `type` the code and name, the text `path:line:col: severity code name:
message` and the help). A file without diagnostics is a passing case named by its path; a file
that is not a libvirt domain is a `<skipped/>` one. Every case carries the `file` attribute
GitLab reads. The document is valid against Jenkins' `junit-10.xsd` but for that attribute.
Characters XML 1.0 cannot carry become U+FFFD.
"""

from __future__ import annotations

import functools
import re

from ..diagnostics import Diagnostic
from ..engine import Result
from .common import by_path
from .full import headline


def render(results: list[Result], color: bool = False) -> str:
    ordered = by_path(results)
    cases = [case for result in ordered for case in _testcases(result)]
    failures = sum(len(result.diagnostics) for result in ordered)
    skipped = sum(1 for r in ordered if r.skipped and not r.diagnostics)
    counts = f'tests="{len(cases)}" failures="{failures}" errors="0"'
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="domlint" {counts}>',
        f'  <testsuite name="domlint" {counts} skipped="{skipped}">',
        *cases,
        "  </testsuite>",
        "</testsuites>",
    ]
    return "\n".join(lines) + "\n"


def _testcases(result: Result) -> list[str]:
    """One case per diagnostic; one passing or skipped case for a file without any."""
    if result.diagnostics:
        return [_failed(d) for d in result.diagnostics]
    opening = _opening(result.path, result.path)
    if result.skipped:
        return [f'{opening}>\n      <skipped message="not a libvirt domain or &lt;os&gt; fragment"/>\n    </testcase>']
    return [f"{opening}/>"]


def _opening(name: str, path: str) -> str:
    return f'    <testcase classname="domlint" name={_attribute(name)} file={_attribute(path)}'


def _failed(diagnostic: Diagnostic) -> str:
    span = diagnostic.span
    name = f"{diagnostic.path}:{span.line}:{span.column} {diagnostic.code} {diagnostic.name}"
    text = headline(diagnostic) + (f"\nhelp: {diagnostic.help}" if diagnostic.help else "")
    failure = (
        f"<failure message={_attribute(diagnostic.message)} type={_attribute(f'{diagnostic.code} {diagnostic.name}')}>"
        f"{_text(text)}</failure>"
    )
    return f"{_opening(name, diagnostic.path)}>\n      {failure}\n    </testcase>"


def _text(value: str) -> str:
    return _not_xml().sub("\ufffd", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attribute(value: str) -> str:
    escaped = _text(value).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")
    return f'"{escaped}"'


@functools.cache
def _not_xml() -> re.Pattern[str]:
    """Characters outside XML 1.0's Char production (escaping cannot save them); compiled on
    first use, because compiling it costs more start-up than the rest of the formats."""
    return re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
