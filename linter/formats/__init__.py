"""Output formats: each module renders the results of a run as text for one consumer."""

from __future__ import annotations

from importlib import import_module
from typing import Callable

from ..engine import Result
from . import full

Renderer = Callable[[list[Result], bool], str]


def _on_use(module: str) -> Renderer:
    """A format's render, its module imported on first use: a run loads only the format it prints."""

    def render(results: list[Result], color: bool = False) -> str:
        return import_module(f"{__name__}.{module}").render(results, color)  # type: ignore[no-any-return]

    return render


# name -> render(results, color) -> text written to stdout
FORMATS: dict[str, Renderer] = {
    "full": full.render,
    "concise": _on_use("concise"),
    "json": _on_use("json"),
    "sarif": _on_use("sarif"),
    "github": _on_use("github"),
    "gitlab": _on_use("gitlab"),
    "junit": _on_use("junit"),
}
# Formats for people, which end with the summary line unless --quiet.
SUMMARISED_FORMATS = frozenset({"full", "concise"})
