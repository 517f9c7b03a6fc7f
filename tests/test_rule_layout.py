"""Where things are: each rule declares its own triggers, and the rule families stay readable."""

from __future__ import annotations

import pytest

from domlint import triggers
from domlint.diagnostics import Severity
from domlint.rules import ALWAYS, REGISTRY, rule


@pytest.mark.parametrize("name", sorted(name for name, r in REGISTRY.items() if r.check is not None))
def test_every_rule_declares_its_triggers(name: str) -> None:
    given = REGISTRY[name].triggers
    assert given is ALWAYS or callable(given) or (isinstance(given, tuple) and given and all(isinstance(m, str) for m in given))


def test_a_rule_cannot_be_registered_without_triggers() -> None:
    with pytest.raises(TypeError, match="triggers"):
        rule(code="OS999", name="no-triggers", severity=Severity.INFO, summary="x")  # type: ignore[call-arg]
    assert "no-triggers" not in REGISTRY


def test_the_triggers_of_a_rule_are_its_own() -> None:
    """The plan reads the triggers off the rule: the markers of loader-requires-hvm pick it."""
    plan = triggers._plan(None, True)
    picked = {plan.rules[index].name for index in plan.by_marker["os:loader"]}
    assert REGISTRY["loader-requires-hvm"].triggers == ("os:loader",)
    assert "loader-requires-hvm" in picked and "sysinfo-unused" not in picked
