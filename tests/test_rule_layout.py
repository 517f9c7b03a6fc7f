"""Where things are: each rule declares its own triggers, and the rule families stay readable."""

from __future__ import annotations

from pathlib import Path

import pytest

from domlint import engine, rules, triggers
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


RULES = Path(rules.__file__).parent


def test_each_rule_module_holds_one_readable_subject() -> None:
    """A family a newcomer reads in one go: no module of linter/rules over 400 lines."""
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in RULES.glob("*.py")}
    assert {name: size for name, size in sizes.items() if size > 400} == {}


def test_the_engine_registers_every_family() -> None:
    """Every module of linter/rules that declares a rule is imported by the engine's one list."""
    declaring = {f"domlint.rules.{path.stem}" for path in RULES.glob("*.py") if "\n@rule(" in path.read_text(encoding="utf-8")}
    registered = {r.check.__module__ for r in engine.REGISTRY.values() if r.check is not None}
    assert registered == declaring
    assert len(declaring) == 16
