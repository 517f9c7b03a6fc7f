"""`--format gitlab`: a GitLab Code Quality report (`artifacts:reports:codequality`).

A JSON list with one object per diagnostic: `description` (the message), `check_name` (the
rule's name), `fingerprint`, `severity` and `location` (`path` relative as given, `lines.begin`
and `lines.end`). Severities: error -> `major`, warning -> `minor`, info -> `info`; `critical`
and `blocker` stay free for security findings, as most linters' GitLab formats leave them.

GitLab keys findings by fingerprint, across pipelines, to tell new problems from fixed ones, and
keeps one finding per fingerprint. So the fingerprint hashes what the problem is (path, rule,
message, the underlined source text and its occurrence among identical ones), never its line:
lines inserted above a problem leave it the same finding, and two identical problems stay two.
"""

from __future__ import annotations

import json
from typing import Any

from ..diagnostics import Diagnostic, Severity
from ..engine import Result
from .common import by_path, fingerprints, repo_path

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def render(results: list[Result], color: bool = False) -> str:
    issues = [
        _issue(diagnostic, fingerprint)
        for result in by_path(results)
        for diagnostic, fingerprint in zip(result.diagnostics, fingerprints(result))
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _issue(diagnostic: Diagnostic, fingerprint: str) -> dict[str, Any]:
    return {
        "description": diagnostic.message,
        "check_name": diagnostic.name,
        "fingerprint": fingerprint,
        "severity": SEVERITIES[diagnostic.severity],
        "location": {
            "path": repo_path(diagnostic.path),
            "lines": {"begin": diagnostic.span.line, "end": diagnostic.span.end_line},
        },
    }
