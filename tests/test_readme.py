"""README.md's set-up commands stay true: CI runs exactly the test command it shows."""

from __future__ import annotations

from .conftest import ROOT


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    test_command = next(line for line in ci_lines if "pytest" in line)
    assert f"```sh\n{test_command}\n```" in readme


def test_readme_example_command_lints_the_example() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "domlint check fixtures/examples/xen-hvm.xml" in readme
    assert (ROOT / "fixtures" / "examples" / "xen-hvm.xml").exists()


def test_readme_rule_table_is_the_registry() -> None:
    """The table in README.md lists every rule with its registered metadata, nothing else."""
    from domlint import engine  # noqa: F401  (fills the registry)
    from domlint.rules import REGISTRY, drivers_label, severity_label

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| OS")]
    expected = [
        f"| {r.code} | {r.name} | {severity_label(r)} | {drivers_label(r)} | {r.summary} |"
        for r in sorted(REGISTRY.values(), key=lambda r: r.code)
    ]
    assert rows == expected
    assert f"\n{len(REGISTRY)} rules: the grammar" in readme
