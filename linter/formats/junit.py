"""`--format junit`: JUnit XML for CI test report views (GitLab `artifacts:reports:junit`, Jenkins).

One `<testsuite name="domlint">` in a `<testsuites>`; one `<testcase classname="domlint">` per
file, named by its path; a `<failure>` per diagnostic (`message` the message, `type` the code
and name, the text `path:line:col: severity code name: message` and the help); a file that is
not a libvirt domain is `<skipped/>`. Characters XML 1.0 cannot carry become U+FFFD.
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
    failed = sum(1 for r in ordered if r.diagnostics)
    skipped = sum(1 for r in ordered if r.skipped and not r.diagnostics)
    counts = f'tests="{len(ordered)}" failures="{failed}" errors="0" skipped="{skipped}"'
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="domlint" {counts}>',
        f'  <testsuite name="domlint" {counts}>',
    ]
    for result in ordered:
        lines.extend(_testcase(result))
    lines += ["  </testsuite>", "</testsuites>"]
    return "\n".join(lines) + "\n"


def _testcase(result: Result) -> list[str]:
    opening = f'    <testcase classname="domlint" name={_attribute(result.path)} file={_attribute(result.path)}'
    if result.diagnostics:
        return [opening + ">", *(_failure(d) for d in result.diagnostics), "    </testcase>"]
    if result.skipped:
        return [opening + ">", '      <skipped message="not a libvirt domain or &lt;os&gt; fragment"/>', "    </testcase>"]
    return [opening + "/>"]


def _failure(diagnostic: Diagnostic) -> str:
    text = headline(diagnostic) + (f"\nhelp: {diagnostic.help}" if diagnostic.help else "")
    return (
        f"      <failure message={_attribute(diagnostic.message)} type={_attribute(f'{diagnostic.code} {diagnostic.name}')}>"
        f"{_text(text)}</failure>"
    )


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
