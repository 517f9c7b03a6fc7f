"""The attack of issue 13 run again on items 1-13, as a user would: the variations its fixes missed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from domlint.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def domain(os: str, head: str = "") -> str:
    return f"{head}<domain type='kvm'>\n  <os>\n    <type>hvm</type>\n{os}  </os>\n</domain>\n"


# 5. A UTF-16 or UTF-32 file without a byte order mark (the XML recommendation's appendix F: the
# declaration's "<?" tells the byte order) is linted and fixed at its own positions.

UNMARKED = ["utf-16-be", "utf-16-le", "utf-32-be", "utf-32-le"]


@pytest.mark.parametrize("codec", UNMARKED)
def test_an_unmarked_utf16_or_utf32_file_is_fixed_at_the_attribute(tmp_path: Path, codec: str) -> None:
    head = f"<?xml version='1.0' encoding='{codec.upper()}'?>\n"
    path = tmp_path / "guest.xml"
    path.write_bytes(domain("    <bootmenu enabled='yes'/>\n", head).encode(codec))
    code, out, _ = run("check", "--format", "concise", str(path))
    assert (code, out.splitlines()[0]) == (
        1,
        f"{path}:5:15: OS003 unknown-attribute unknown attribute 'enabled' on <bootmenu>; did you mean 'enable'?",
    )
    code, _, err = run("check", "--fix", str(path))
    assert (code, err) == (0, "domlint: applied 1 fixes to 1 file\n")
    assert path.read_bytes() == domain("    <bootmenu enable='yes'/>\n", head).encode(codec)


# 6. The diff of a file whose name is not UTF-8 names the file itself, not the report's spelling of it.


@pytest.mark.skipif(shutil.which("patch") is None or shutil.which("git") is None, reason="needs GNU patch and git")
@pytest.mark.parametrize("tool", [["patch", "-p0", "--quiet", "-i"], ["git", "apply", "-p0"]], ids=["patch", "git-apply"])
def test_the_diff_of_a_file_named_in_no_utf8_is_a_patch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tool: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    original = domain("    <bootmenu enabled='yes'/>\n").encode()
    target = tmp_path / os.fsdecode(b"g\xff.xml")
    target.write_bytes(original)
    result = CliRunner().invoke(main, ["check", "--diff", "."])
    assert result.exit_code == 1 and result.stdout_bytes.startswith(b"--- g\xff.xml\t\n+++ g\xff.xml\t\n@@ ")
    (tmp_path / "fix.patch").write_bytes(result.stdout_bytes)
    subprocess.run([*tool, "fix.patch"], cwd=tmp_path, check=True, capture_output=True)
    assert target.read_bytes() == domain("    <bootmenu enable='yes'/>\n").encode()
