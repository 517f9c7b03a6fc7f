"""`domlint validate --schema` with any grammar, and `domlint schema`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from domlint.cli import main

from .conftest import FIXTURES, ROOT

BROKEN = FIXTURES / "examples" / "xen-hvm-broken.xml"
SCHEMAS = ROOT / "schemas"
NOTE = "<note n='x'>hi <b>x</b><c/></note>\n"
NOTE_XSD10 = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="note"><xs:complexType mixed="true"><xs:sequence>
    <xs:element name="b" minOccurs="0"/></xs:sequence>
    <xs:attribute name="n" type="xs:int"/></xs:complexType></xs:element>
</xs:schema>
"""
NOTE_XSD11 = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning" vc:minVersion="1.1">
  <xs:element name="note"><xs:complexType mixed="true"><xs:sequence>
    <xs:element name="b" minOccurs="0"/></xs:sequence>
    <xs:attribute name="n" type="xs:string"/>
    <xs:assert test="string-length(@n) gt 1"/></xs:complexType></xs:element>
</xs:schema>
"""
NOTE_RNG_UNSUPPORTED = """<element name="note" xmlns="http://relaxng.org/ns/structure/1.0">
  <attribute name="n"><list><data type="token" datatypeLibrary=""/></list></attribute>
  <zeroOrMore><element name="b"><text/></element></zeroOrMore>
</element>
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _json(*args: str) -> list[tuple[int, int, str, str]]:
    code, out, _ = run("validate", "--format", "json", *args)
    assert code == 1
    return [(r["line"], r["column"], r["name"], r["message"]) for r in json.loads(out)]


@pytest.mark.parametrize("grammar", ["domain.rng", "domain.rnc"])
def test_relaxng_grammars_get_the_full_explanations(grammar: str) -> None:
    assert _json("--schema", str(SCHEMAS / grammar), str(BROKEN)) == [
        (10, 11, "invalid-value", "invalid value 'dvd' for attribute 'dev' of <boot>: expected 'hd', 'fd', 'cdrom' or 'network'"),
        (11, 15, "unknown-attribute", "unknown attribute 'enabled' on <bootmenu>; did you mean 'enable'?"),
        (13, 27, "invalid-value", "invalid value '70000' for attribute 'rebootTimeout' of <bios>: expected an integer from -1 to 65535"),
    ]


def test_xsd11_grammar_runs_on_xmlschema() -> None:
    assert _json("--schema", str(SCHEMAS / "domain.xsd"), str(BROKEN)) == [
        (10, 11, "schema-violation", "attribute dev='dvd': value must be one of ['hd', 'fd', 'cdrom', 'network']"),
        (11, 5, "schema-violation", "missing required attribute 'enable'"),
        (11, 15, "schema-violation", "'enabled' attribute not allowed for element"),
        (13, 27, "schema-violation", "attribute rebootTimeout='70000': value has to be less than or equal than 65535"),
    ]


def test_user_xsd10_and_xsd11_grammars(tmp_path: Path) -> None:
    (tmp_path / "note.xml").write_text(NOTE)
    (tmp_path / "v10.xsd").write_text(NOTE_XSD10)
    (tmp_path / "v11.xsd").write_text(NOTE_XSD11)
    note = str(tmp_path / "note.xml")
    assert _json("--schema", str(tmp_path / "v10.xsd"), note) == [
        (1, 7, "schema-violation", "Element 'note', attribute 'n': 'x' is not a valid value of the atomic type 'xs:int'"),
        (1, 24, "schema-violation", "Element 'c': This element is not expected"),
    ]
    assert [(line, column) for line, column, _, _ in _json("--schema", str(tmp_path / "v11.xsd"), note)] == [(1, 1), (1, 24)]


def test_relaxng_beyond_the_interpreter_uses_lxml_messages(tmp_path: Path) -> None:
    (tmp_path / "note.xml").write_text(NOTE)
    (tmp_path / "note.rng").write_text(NOTE_RNG_UNSUPPORTED)
    assert _json("--schema", str(tmp_path / "note.rng"), str(tmp_path / "note.xml")) == [
        (1, 1, "schema-violation", "Did not expect text in element note content"),
    ]


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        ("<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start><ref name='x'/></start></grammar>", "g.rng", "does not compile"),
        (
            "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'><xs:element name='a' type='nope'/></xs:schema>",
            "g.xsd",
            "does not compile",
        ),
        ("element a { ", "g.rnc", "does not parse"),
        ("<a/>", "g.dtd", "unknown grammar type"),
    ],
)
def test_a_bad_grammar_is_a_clear_error(tmp_path: Path, content: str, name: str, words: str) -> None:
    (tmp_path / name).write_text(content)
    (tmp_path / "a.xml").write_text("<a/>")
    code, out, err = run("validate", "--schema", str(tmp_path / name), str(tmp_path / "a.xml"))
    assert (code, out) == (2, "")
    assert err.startswith(f"domlint: error: {tmp_path / name}: ") and words in err
    assert "Traceback" not in err


def test_valid_documents_pass(tmp_path: Path) -> None:
    code, out, _ = run("validate", "--schema", str(SCHEMAS / "domain.xsd"), str(FIXTURES / "examples" / "xen-hvm.xml"))
    assert (code, out) == (0, "1 file, 0 errors, 0 warnings, 0 skipped\n")


@pytest.mark.parametrize("grammar_format", ["rng", "rnc", "xsd"])
def test_schema_prints_the_bundled_grammar_or_its_path(grammar_format: str) -> None:
    code, path, _ = run("schema", "--format", grammar_format, "--path")
    assert code == 0 and Path(path.strip()).name == f"domain.{grammar_format}"
    _, text, _ = run("schema", "--format", grammar_format)
    assert text == Path(path.strip()).read_text(encoding="utf-8")


def test_check_does_not_import_heavy_modules() -> None:
    """`domlint check` start-up does not pay for xmlschema (rnc2rng is an extra, and lxml itself
    imports it whenever it is installed, so it is not probed here)."""
    probe = (
        "import sys; from domlint.cli import main\n"
        "try:\n    main(['check', '--quiet', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('xmlschema', 'elementpath') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(FIXTURES / "examples" / "xen-hvm.xml")], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
