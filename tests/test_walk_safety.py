"""Walks and configuration lookups stay inside what the user named: no symbolic link out of the
tree, no device or FIFO, bounded reads, no recursion limit, linear-time patterns (issue 13)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from domlint import config


MARKER = "DOMLINT-SECRET-MARKER-7f3a"
COMMAND = [sys.executable, "-m", "domlint"]


def _secret(path: Path) -> Path:
    path.write_text(f'password = "{MARKER}"\n', encoding="utf-8")
    return path


def _json_paths(out: str) -> list[str]:
    return sorted({record["path"] for record in json.loads(out)})


# Item 13: patterns in linear time


def test_many_stars_match_in_linear_time() -> None:
    """Sizes a backtracking matcher would need hours for (it doubles per `**`): here well under the 10 s limit."""
    probe = (
        "from domlint.config import Glob\n"
        "folders = Glob('/'.join(['**', 'a'] * 40) + '/b').matches('/'.join(['a'] * 200) + '/c')\n"
        "names = Glob('/' + '*a' * 40 + '*b').matches('a' * 250)\n"
        "covers = Glob('/'.join(['**', 'a'] * 40) + '/b').covers('/'.join(['a'] * 200) + '/c')\n"
        "print(folders, names, covers)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=10, check=True)
    assert result.stdout == "False False False\n"


def test_matching_work_is_bounded_by_pattern_times_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted: each name of the path meets each name pattern at most once, never exponentially often."""
    from domlint import globs

    tried: list[str] = []
    real = globs._Name.matches

    def counting(self: globs._Name, name: str) -> bool:
        tried.append(name)
        return real(self, name)

    monkeypatch.setattr(globs._Name, "matches", counting)
    pattern = ["**", "a"] * 12 + ["b"]  # 25 names, 12 of them `**`
    path = ["a"] * 10 + ["x"] * 20 + ["a", "b"]  # 32 names: one `a` too few
    assert config.Glob("/".join(pattern)).matches("/".join(path)) is False
    assert 12 <= len(tried) <= 12 * 32


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**", "a/b", True),
        ("a/**/b/**/c", "a/b/c", True),
        ("a/**/b/**/c", "a/x/b/y/z/c", True),
        ("a/**/b/**/c", "a/c/b", False),
        ("*a*b", "xaybzb", True),
        ("*a*b", "xaybz", False),
        ("[a-c]?.xml", "bz.xml", True),
        ("[!a-c]*.xml", "b.xml", False),
        ("[]x].xml", "].xml", True),
        ("[a-].xml", "-.xml", True),
        ("[\\].xml", "\\.xml", True),
        ("*.xml", "../up/a.xml", True),
    ],
)
def test_glob_stars_and_classes(pattern: str, path: str, matches: bool) -> None:
    assert config.Glob(pattern).matches(path) is matches


def test_covers_matches_a_folder_above() -> None:
    glob = config.Glob("hosts/*/old")
    assert [glob.covers(path) for path in ("hosts/x/old/a.xml", "hosts/x/old", "hosts/old/a.xml", "hosts/x/y/old/a.xml")] == [
        True,
        True,
        False,
        False,
    ]
