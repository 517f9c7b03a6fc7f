"""The editor recipes of README.md, run with the real editors (skipped where they are missing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from domlint.grammar import schema_path

from .conftest import FIXTURES, ROOT

BROKEN = FIXTURES / "examples" / "xen-hvm-broken.xml"


@pytest.mark.skipif(shutil.which("emacs") is None, reason="emacs is missing (apt-get install emacs-nox)")
def test_emacs_nxml_locates_the_compact_grammar_and_flags_the_right_lines(tmp_path: Path) -> None:
    rnc = schema_path("domain.rnc")
    (tmp_path / "schemas.xml").write_text(
        '<locatingRules xmlns="http://thaiopensource.com/ns/locating-rules/1.0">\n'
        f'  <documentElement localName="domain" uri="{rnc}"/>\n'
        f'  <documentElement localName="os" uri="{rnc}"/>\n'
        "</locatingRules>\n"
    )
    script = ROOT / "tests" / "editors" / "nxml-errors.el"
    environment = dict(os.environ, SCHEMAS_XML=str(tmp_path / "schemas.xml"), HOME=str(tmp_path))
    result = subprocess.run(
        ["emacs", "--batch", "-Q", "-l", str(script), str(BROKEN)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=True,
    )
    assert result.stdout.splitlines() == [
        f"schema: {rnc}",
        "10:16: Attribute value invalid",
        "11:15: Attribute not allowed",
        '11:28: Missing attribute "enable"',
        "13:42: Attribute value invalid",
    ]


@pytest.mark.skipif(shutil.which("vim") is None, reason="vim is missing (apt-get install vim-nox)")
def test_vim_quickfix_reads_the_full_format(tmp_path: Path) -> None:
    output = tmp_path / "quickfix.txt"
    domlint = Path(sys.executable).parent / "domlint"
    command = f"{domlint} check --color never {BROKEN}"
    subprocess.run(
        [
            "vim",
            "-es",
            "-N",
            "-u",
            "NONE",
            "-i",
            "NONE",
            "-c",
            r"set errorformat=%f:%l:%c:\ %m,%-G%.%#",
            "-c",
            f"cexpr system('{command}')",
            "-c",
            f"redir! > {output}",
            "-c",
            "clist",
            "-c",
            "redir END",
            "-c",
            "qa!",
        ],
        timeout=60,
        check=False,
    )
    entries = [line.split(":", 1)[1].split(": ", 1)[0] for line in output.read_text().splitlines() if line.strip()]
    assert entries == ["10 col 11", "11 col 15", "12 col 13", "13 col 11", "13 col 27"]
