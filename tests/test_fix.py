"""Safe fixes: `check --fix` and `--diff`, round trips over every fixable fixture."""

from __future__ import annotations

import difflib
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from domlint import autofix, engine
from domlint.cli import main

from .conftest import FIXTURES

FIXABLE = sorted(path for path in FIXTURES.rglob("*.xml") if any(d.fix for d in engine.lint(path.read_bytes(), str(path)).diagnostics))
MESSY = """<domain type='kvm'>
  <!-- the team's guest -->
  <name>g</name>
  <os>
    <type>hvm</type>
    <boot dev='cdrom'/>   <!-- install first -->
    <boot dev='cdrom'/>
    <bootmnu enable='yes'></bootmnu>
    <bios useSerial='no'/>
  </os>
</domain>
"""
MESSY_FIXED = """<domain type='kvm'>
  <!-- the team's guest -->
  <name>g</name>
  <os>
    <type>hvm</type>
    <boot dev='cdrom'/>   <!-- install first -->
    <bootmenu enable='yes'></bootmenu>
    <bios useserial='no'/>
  </os>
</domain>
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_some_fixtures_are_fixable() -> None:
    names = {d.name for path in FIXABLE for d in engine.lint(path.read_bytes(), str(path)).diagnostics if d.fix}
    assert {
        "unknown-attribute",
        "unknown-element",
        "duplicate-boot-device",
        "bootmenu-timeout-ignored",
        "reboot-timeout-with-uefi",
        "useserial-with-uefi",
        "duplicate-firmware-feature",
    } <= names


@pytest.mark.parametrize("path", FIXABLE, ids=[str(p.relative_to(FIXTURES)) for p in FIXABLE])
def test_fix_round_trip(path: Path) -> None:
    """Every fix is applied, a second pass finds nothing more, and only the edited lines change."""
    original = path.read_bytes()
    before = engine.lint(original, str(path))
    fixed = autofix.fix(original, str(path), engine.Options())
    assert fixed.changed and fixed.applied >= 1
    assert [d for d in fixed.result.diagnostics if d.fix] == []
    again = autofix.fix(fixed.data, str(path), engine.Options())
    assert not again.changed
    edited_lines = {line for d in before.diagnostics if d.fix for e in d.fix.edits for line in range(e.span.line, e.span.end_line + 1)}
    old_lines, new_lines = original.decode().splitlines(), fixed.data.decode().splitlines()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(a=old_lines, b=new_lines).get_opcodes():
        if tag != "equal":
            assert set(range(i1 + 1, max(i2, i1 + 1) + 1)) <= edited_lines | {i1 + 1}, (tag, i1, i2)


def test_fix_writes_keeps_formatting_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "guest.xml"
    path.write_text(MESSY)
    path.chmod(0o640)
    code, out, err = run("check", "--fix", str(path))
    assert path.read_text() == MESSY_FIXED
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert err == "domlint: applied 3 fixes to 1 file\n"
    assert (code, out) == (0, "1 file, 0 errors, 0 warnings, 0 skipped\n")
    assert run("check", "--fix", str(path))[2] == ""  # nothing more to fix
    assert [p.name for p in tmp_path.iterdir()] == ["guest.xml"]  # no temporary file left


def test_diff_shows_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "guest.xml"
    path.write_text(MESSY)
    code, out, _ = run("check", "--diff", str(path))
    assert code == 1
    hunks = difflib.unified_diff(MESSY.splitlines(keepends=True), MESSY_FIXED.splitlines(keepends=True))
    assert out == f"--- {path}\t\n+++ {path}\t\n" + "".join(list(hunks)[2:])  # a tab ends each name, for GNU patch
    assert path.read_text() == MESSY
    assert run("check", "--diff", str(FIXTURES / "examples" / "xen-hvm.xml")) == (0, "", "")


def test_a_failed_write_leaves_the_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "guest.xml"
    path.write_text(MESSY)

    def broken_replace(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    code, _, err = run("check", "--fix", str(path))
    assert code == 2
    assert err == f"domlint: error: {path}: cannot write the fixes: No space left on device\n"
    assert path.read_text() == MESSY
    assert [p.name for p in tmp_path.iterdir()] == ["guest.xml"]


def test_fix_keeps_the_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.xml"
    text = "<?xml version='1.0' encoding='ISO-8859-1'?>\n" + MESSY.replace("the team's guest", "l'invit\u00e9 de l'\u00e9quipe")
    path.write_bytes(text.encode("latin-1"))
    run("check", "--fix", str(path))
    assert path.read_bytes().decode("latin-1").count("\u00e9") == 2
    assert b"useserial='no'" in path.read_bytes()


@pytest.mark.parametrize("arguments", [["--fix", "-"], ["--fix", "--diff", "x.xml"]])
def test_fix_usage_errors(arguments: list[str]) -> None:
    code, _, err = run("check", *arguments)
    assert code == 2 and "Error:" in err


def test_fixtures_are_not_written_by_a_plain_check(tmp_path: Path) -> None:
    path = tmp_path / "guest.xml"
    shutil.copy(FIXTURES / "examples" / "xen-hvm-broken.xml", path)
    before = path.stat().st_mtime_ns, path.read_bytes()
    run("check", str(path))
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before
