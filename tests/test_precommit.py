"""The shipped pre-commit hook, installed with the real pre-commit in a scratch repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIXTURES, ROOT

PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
pytestmark = pytest.mark.skipif(
    not PRE_COMMIT.exists() or shutil.which("git") is None, reason="pre-commit or git is missing (the test extra: pip install '.[test]')"
)


def _git(repository: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repository, capture_output=True, text=True, check=check, env=_environment(repository))


def _environment(repository: Path) -> dict[str, str]:
    return dict(
        os.environ,
        PRE_COMMIT_HOME=str(repository.parent / "pre-commit-home"),
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )


def test_commit_with_a_broken_domain_is_refused_and_a_good_one_passes(tmp_path: Path) -> None:
    revision = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    repository = tmp_path / "hosts"
    repository.mkdir()
    _git(repository, "init", "-q")
    (repository / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {revision}\n    hooks:\n      - id: domlint\n", encoding="utf-8"
    )
    subprocess.run([str(PRE_COMMIT), "install"], cwd=repository, check=True, capture_output=True, env=_environment(repository))

    shutil.copy(FIXTURES / "examples" / "xen-hvm-broken.xml", repository / "guest.xml")
    _git(repository, "add", ".")
    refused = _git(repository, "commit", "-m", "broken", check=False)
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert "guest.xml:11:15: error OS003 [*] unknown-attribute: unknown attribute 'enabled' on <bootmenu>" in output
    assert "Failed" in output

    shutil.copy(FIXTURES / "examples" / "xen-hvm.xml", repository / "guest.xml")
    _git(repository, "add", ".")
    accepted = _git(repository, "commit", "-m", "good", check=False)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "Passed" in accepted.stdout + accepted.stderr
