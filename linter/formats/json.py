"""`--format json`: a list of diagnostic objects (DESIGN.md), sorted by path, line, column, code."""

from __future__ import annotations

import json

from ..diagnostics import Diagnostic
from ..engine import Result


def render(results: list[Result], color: bool = False) -> str:
    diagnostics = sorted((d for result in results for d in result.diagnostics), key=Diagnostic.sort_key)
    return json.dumps([d.to_dict() for d in diagnostics], indent=2, ensure_ascii=False) + "\n"
