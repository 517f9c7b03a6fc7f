"""`--statistics`: how many diagnostics each rule gave, most first, instead of the diagnostics."""

from __future__ import annotations

from collections import Counter

from ..engine import Result


def render(results: list[Result], as_json: bool = False) -> str:
    """The table, or with `as_json` the same rows as a JSON list (`--statistics --format json`)."""
    counts = Counter((d.code, d.name, d.severity.value) for r in results for d in r.diagnostics)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    if as_json:
        import json

        records = [{"code": code, "name": name, "severity": severity, "count": count} for (code, name, severity), count in rows]
        return json.dumps(records, indent=2) + "\n"
    width = max((len(str(n)) for n in counts.values()), default=1)
    return "".join(f"{count:>{width}}  {code}  {name} ({severity})\n" for (code, name, severity), count in rows)
