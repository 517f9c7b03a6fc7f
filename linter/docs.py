"""The rules' documentation as one Markdown page (`docs/rules.md`), and each rule's address in it.

The page is generated from the registry, so it says exactly what `domlint rule NAME` says; a
test fails when the committed page is stale. Run `python -m domlint.docs` to rewrite it.

A rule's address is `URL#name`, where URL is where a build publishes the page: the `Rules`
entry of `[project.urls]` in pyproject.toml (package metadata). Without one, SARIF `helpUri`
and LSP `codeDescription.href` are left out rather than pointing at an invented address.
"""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

from . import engine  # noqa: F401  (registers every rule)
from .rules import REGISTRY, Rule, drivers_label

PAGE = Path("docs", "rules.md")  # in the checkout, where the command is run
URL_LABEL = "Rules"
_HEADING = re.compile(r"^(#+) ", re.MULTILINE)


def render() -> str:
    """The page: a table of contents, then one section per rule in code order, anchored by name."""
    rules = sorted(REGISTRY.values(), key=lambda r: r.code)
    lines = [
        "# domlint rules",
        "",
        "Generated from the rule registry by `python -m domlint.docs`; do not edit by hand.",
        "`domlint rule NAME` prints the same text.",
        "",
        *(f"- [`{r.code}` {r.name}](#{r.name}): {_plain(r.summary)}" for r in rules),
    ]
    for checked in rules:
        lines += ["", *_section(checked)]
    return "\n".join(lines) + "\n"


def _section(checked: Rule) -> list[str]:
    """A rule's section; the rule's own headings go one level down, under its name."""
    doc = _HEADING.sub(r"#\1 ", checked.doc)
    return [
        f"## {checked.name}",
        "",
        f"`{checked.code}`, {checked.severity.value}, drivers: {drivers_label(checked)}.",
        "",
        _plain(checked.summary),
        *(["", doc] if doc else []),
    ]


def _plain(text: str) -> str:
    """Plain text as Markdown: a summary's `<domain>` is text, not an HTML tag."""
    return text.replace("<", "\\<")


def rule_url(checked: Rule) -> str | None:
    """Where the rule's section is published, or None when the build names no page."""
    base = _page_url()
    return f"{base}#{checked.name}" if base else None


@functools.cache
def _page_url() -> str | None:
    """The `Rules` project URL of the installed package (read once: metadata is slow to read)."""
    from importlib import metadata

    try:
        entries = metadata.metadata("domlint").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    for entry in entries:
        label, _, url = entry.partition(",")
        if label.strip() == URL_LABEL and url.strip().startswith(("https://", "http://")):
            return url.strip()
    return None


def main(argv: list[str]) -> int:
    """Write the page to the path given (default: docs/rules.md, run from the checkout's root)."""
    target = Path(argv[0]) if argv else PAGE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(), encoding="utf-8", newline="\n")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
