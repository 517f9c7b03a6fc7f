"""The attack of issue 13 run again on items 1-13, as a user would: the variations its fixes missed."""

from __future__ import annotations

import json
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
        f"{path}:5:15: OS003 unknown-attribute unknown attribute 'enabled' on <bootmenu>; did you mean 'enable'? [*]",
    )
    code, _, err = run("check", "--fix", str(path))
    assert (code, err) == (0, "domlint: applied 1 fix to 1 file\n")
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


# 13. XSD 1.1 assertions reach regular expressions too (matches, replace, tokenize): xmlschema runs
# them with Python's backtracking `re`, so a grammar using them is refused, not left to stall a run.

XSD11 = (
    '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning"'
    ' vc:minVersion="1.1">{}</xs:schema>\n'
)
ASSERTIONS = {
    "assert": '<xs:element name="root"><xs:complexType><xs:simpleContent><xs:extension base="xs:string">'
    "<xs:assert test=\"matches($value, '^(a*)*b$')\"/></xs:extension></xs:simpleContent></xs:complexType></xs:element>",
    "assertion": '<xs:element name="root"><xs:simpleType><xs:restriction base="xs:string">'
    "<xs:assertion test=\"empty(tokenize($value, '(a*)*b'))\"/></xs:restriction></xs:simpleType></xs:element>",
    "alternative": '<xs:element name="root" type="xs:anyType">'
    "<xs:alternative test=\"replace(@a, '(a*)*b', '') = 'x'\" type=\"xs:int\"/></xs:element>",
}


@pytest.mark.parametrize("construct", ASSERTIONS)
def test_an_xpath_regular_expression_in_an_xsd11_grammar_is_refused(tmp_path: Path, construct: str) -> None:
    grammar, document = tmp_path / "g.xsd", tmp_path / "doc.xml"
    grammar.write_text(XSD11.format(ASSERTIONS[construct]))
    document.write_text(f"<root a='{'a' * 20}'>{'a' * 20}</root>\n")
    code, out, err = run("validate", "--schema", str(grammar), str(document))
    function = {"assert": "matches", "assertion": "tokenize", "alternative": "replace"}[construct]
    assert (code, out) == (2, "")
    assert err == (
        f"domlint: error: {grammar}: the grammar does not compile: {function}() in an XPath test: its regular"
        " expressions run by backtracking, without a time bound; not supported\n"
    )


# 1. An element rename never brings a second copy of an element that may appear once: the result
# would be well-formed but refused by libvirt's schema (a new error where the fix meant to end one).


def test_no_element_rename_onto_a_single_element_present(tmp_path: Path) -> None:
    text = domain("    <bootmenu enable='yes'/>\n    <bootmnu enable='no'/>\n    <bot dev='cdrom'/>\n    <boot dev='hd'/>\n")
    path = tmp_path / "guest.xml"
    path.write_text(text)
    code, out, _ = run("check", "--format", "json", str(path))
    findings = [(d["line"], d["column"], d["code"], d["message"], d.get("help")) for d in json.loads(out)]
    assert (code, findings) == (
        1,
        [
            (5, 5, "OS002", "unknown element <bootmnu> in <os>; did you mean <bootmenu>?", "<bootmenu> is already there: merge the two"),
            (6, 5, "OS002", "unknown element <bot> in <os>; did you mean <boot>?", "rename <bot> to <boot>"),
        ],
    )
    code, _, _ = run("check", "--fix", str(path))
    assert (code, path.read_text()) == (1, text.replace("<bot ", "<boot "))
