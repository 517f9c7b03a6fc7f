"""Output formats: each module renders the results of a run as text for one consumer."""

from __future__ import annotations

from typing import Callable

from ..engine import Result
from . import full, json

Renderer = Callable[[list[Result], bool], str]

# name -> render(results, color) -> text written to stdout
FORMATS: dict[str, Renderer] = {
    "full": full.render,
    "json": json.render,
}
# Formats for people, which end with the summary line unless --quiet.
SUMMARISED_FORMATS = frozenset({"full"})
