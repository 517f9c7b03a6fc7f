"""Output formats: each module renders the results of a run as text for one consumer."""

from __future__ import annotations

from typing import Callable

from ..engine import Result
from . import concise, full, github, gitlab, json, junit, sarif

Renderer = Callable[[list[Result], bool], str]

# name -> render(results, color) -> text written to stdout
FORMATS: dict[str, Renderer] = {
    "full": full.render,
    "concise": concise.render,
    "json": json.render,
    "sarif": sarif.render,
    "github": github.render,
    "gitlab": gitlab.render,
    "junit": junit.render,
}
# Formats for people, which end with the summary line unless --quiet.
SUMMARISED_FORMATS = frozenset({"full", "concise"})
