"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run; `tool.driver.rules` describes the rules that occur (id = code, name, summary, the
rule's documentation as help, `helpUri` its section of docs/rules.md where the build publishes
it), each result points at its rule by `ruleId` and `ruleIndex`.
Regions are 1-based with exclusive ends and columns in characters (`columnKind`
`unicodeCodePoints`), exactly domlint's spans. Paths stay relative as given, URI-escaped; each
result carries the same line-independent fingerprint as `--format gitlab`.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from ..diagnostics import Diagnostic, Severity
from ..docs import rule_url
from ..engine import Result
from ..rules import Rule, lookup
from .common import by_path, fingerprints, repo_path

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
FINGERPRINT = "domlint/v1"


def render(results: list[Result], color: bool = False) -> str:
    ordered = [
        (result, diagnostic, print_) for result in by_path(results) for diagnostic, print_ in zip(result.diagnostics, fingerprints(result))
    ]
    codes = sorted({diagnostic.code for _, diagnostic, _ in ordered})
    descriptors = {d.code: _descriptor(d) for _, d, _ in ordered}
    index = {code: position for position, code in enumerate(codes)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "domlint", **driver_metadata(), "rules": [descriptors[code] for code in codes]}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(diagnostic, index[diagnostic.code], print_) for _, diagnostic, print_ in ordered],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def driver_metadata() -> dict[str, str]:
    """`version` (and `informationUri` where the package declares a home page) from the installed
    package's metadata."""
    from importlib import metadata

    try:
        meta = metadata.metadata("domlint")
    except metadata.PackageNotFoundError:
        return {"version": "unknown"}
    found = {"version": metadata.version("domlint")}
    urls = list(meta.get_all("Home-page") or []) + [entry.partition(",")[2].strip() for entry in meta.get_all("Project-URL") or []]
    urls = [url for url in urls if url.startswith(("https://", "http://"))]
    if urls:
        found["informationUri"] = urls[0]
    return found


def _descriptor(diagnostic: Diagnostic) -> dict[str, Any]:
    rule: Rule | None = lookup(diagnostic.name)
    if rule is None:  # every diagnostic comes from a registered rule; this only keeps the log valid
        return {"id": diagnostic.code, "name": diagnostic.name, "defaultConfiguration": {"level": LEVELS[diagnostic.severity]}}
    doc = rule.doc.strip() or rule.summary
    lead = doc.split("\n## ", 1)[0]
    address = rule_url(rule)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(lead.split())},
        "help": {"text": doc, "markdown": doc},
        **({"helpUri": address} if address else {}),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }


def _result(diagnostic: Diagnostic, rule_index: int, fingerprint: str) -> dict[str, Any]:
    span = diagnostic.span
    text = diagnostic.message if not diagnostic.help else f"{diagnostic.message}\nhelp: {diagnostic.help}"
    return {
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index,
        "level": LEVELS[diagnostic.severity],
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri(diagnostic.path)},
                    "region": {  # SARIF wants every number >= 1; domlint's spans already are
                        "startLine": max(1, span.line),
                        "startColumn": max(1, span.column),
                        "endLine": max(1, span.line, span.end_line),
                        "endColumn": max(1, span.end_column),
                    },
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT: fingerprint},
    }


def uri(path: str) -> str:
    """A relative path as a relative URI reference ("a b.xml" -> "a%20b.xml", "<stdin>" ->
    "%3Cstdin%3E"); an absolute path as a file: URI."""
    if PurePath(path).is_absolute():
        return PurePath(path).as_uri()
    return quote(repo_path(path), safe="/")
