"""Every rule is documented the same way, so `domlint rule NAME` always helps."""

from __future__ import annotations

import re

import pytest

from domlint import engine  # noqa: F401  (importing the engine registers every rule)
from domlint.rules import REGISTRY

SEMANTIC = sorted(name for name, rule in REGISTRY.items() if rule.check is not None)
HEADINGS = ["## What it catches", "## Why it matters", "## Example", "## Use instead", "## Reference"]


@pytest.mark.parametrize("name", SEMANTIC)
def test_semantic_rule_docs_have_every_heading(name: str) -> None:
    doc = REGISTRY[name].doc
    positions = [doc.find(heading) for heading in HEADINGS]
    assert all(p >= 0 for p in positions), f"{name} lacks {[h for h, p in zip(HEADINGS, positions) if p < 0]}"
    assert positions == sorted(positions)
    assert doc.count("```xml") >= 2


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_names_and_codes_are_well_formed(name: str) -> None:
    rule = REGISTRY[name]
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.name)
    assert re.fullmatch(r"OS\d{3}", rule.code)
    assert rule.summary.endswith(".")


def test_the_four_mission_rules_exist() -> None:
    assert {"loader-requires-hvm", "useserial-requires-serial", "reboot-timeout-range", "bootmenu-timeout-range"} <= set(SEMANTIC)
