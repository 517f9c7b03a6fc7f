"""The code keeps one style: ruff's checks and formatting, configured in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT


def _ruff() -> str | None:
    beside = Path(sys.executable).parent / "ruff"
    return str(beside) if beside.exists() else shutil.which("ruff")


@pytest.mark.skipif(_ruff() is None, reason="ruff is missing (the test extra: pip install '.[test]')")
@pytest.mark.parametrize("arguments", [["check"], ["format", "--check"]])
def test_ruff(arguments: list[str]) -> None:
    result = subprocess.run([_ruff(), *arguments, "linter", "tests"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
