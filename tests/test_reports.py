"""Reports as their consumers read them: JUnit that Jenkins and GitLab show finding by finding,
rule documentation addresses in SARIF and the language server, and the messages of the
optional extras."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

import pytest
from click.testing import CliRunner
from lxml import etree

from domlint import engine
from domlint.cli import main
from domlint.formats import FORMATS

from .conftest import ROOT

JUNIT_SCHEMA = ROOT / "tests" / "junit-10-subset.xsd"
TWO_FINDINGS = b"<domain type='kvm'>\n  <os>\n    <type>hvm</type>\n    <boot dev='dvd'/>\n    <boot dev='tape'/>\n  </os>\n</domain>\n"
CLEAN = b"<domain type='kvm'>\n  <os>\n    <type>hvm</type>\n  </os>\n</domain>\n"
NOT_A_DOMAIN = b"<project/>\n"


def _junit() -> etree._Element:
    results = [engine.lint(CLEAN, "b.xml"), engine.lint(TWO_FINDINGS, "a.xml"), engine.lint(NOT_A_DOMAIN, "c.xml")]
    return etree.fromstring(FORMATS["junit"](results, False).encode("utf-8"))


def test_junit_is_one_testcase_per_finding_and_per_clean_file() -> None:
    suite = _junit().find("testsuite")
    cases = [(case.get("name"), case.get("file"), [child.tag for child in case]) for case in suite.iter("testcase")]
    assert cases == [
        ("a.xml:4:11 OS004 invalid-value", "a.xml", ["failure"]),
        ("a.xml:5:11 OS004 invalid-value", "a.xml", ["failure"]),
        ("b.xml", "b.xml", []),
        ("c.xml", "c.xml", ["skipped"]),
    ]
    failure = suite.find("testcase[2]/failure")
    assert failure.get("type") == "OS004 invalid-value"
    assert failure.text.startswith("a.xml:5:11: error OS004 invalid-value: invalid value 'tape'")


def test_junit_counts_cases_not_files() -> None:
    root = _junit()
    assert dict(root.attrib) == {"name": "domlint", "tests": "4", "failures": "2", "errors": "0"}
    assert dict(root.find("testsuite").attrib) == {"name": "domlint", "tests": "4", "failures": "2", "errors": "0", "skipped": "1"}


def test_junit_is_valid_against_junit_10_xsd() -> None:
    schema = etree.XMLSchema(etree.parse(str(JUNIT_SCHEMA)))
    schema.assertValid(_junit())
    empty = etree.fromstring(FORMATS["junit"]([], False).encode("utf-8"))
    schema.assertValid(empty)


# --- optional extras ------------------------------------------------------------------------------

XSD11 = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:vc="http://www.w3.org/2007/XMLSchema-versioning" vc:minVersion="1.1">
  <xs:element name="note"/>
</xs:schema>
"""


def _hint(extra: str) -> str:
    return f"install domlint with the {extra} extra from a checkout or a wheel built from it (in the checkout: pip install '.[{extra}]')"


@pytest.mark.parametrize(
    ("module", "grammar", "text", "needs"),
    [
        ("xmlschema", "note.xsd", XSD11, f"XSD 1.1 grammars need xmlschema: {_hint('xsd11')}"),
        ("rnc2rng", "note.rnc", "element note { empty }\n", f"compact-syntax grammars need rnc2rng: {_hint('rnc')}"),
    ],
)
def test_validate_names_the_missing_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, grammar: str, text: str, needs: str
) -> None:
    (tmp_path / grammar).write_text(text)
    (tmp_path / "note.xml").write_text("<note/>\n")
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now fails, as when it is not installed
    result = CliRunner().invoke(main, ["validate", "--schema", str(tmp_path / grammar), str(tmp_path / "note.xml")])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"domlint: error: {tmp_path / grammar}: {needs}\n"


def test_lsp_names_the_missing_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "domlint.lsp", None)
    result = CliRunner().invoke(main, ["lsp"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"domlint: error: the language server needs pygls: {_hint('lsp')} (import of domlint.lsp halted; None in sys.modules)\n"
    )


def test_xmlschema_is_only_an_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [d for d in project["dependencies"] if d.startswith("xmlschema")]
    assert project["optional-dependencies"]["xsd11"] == ["xmlschema>=3.0"]
    assert "xmlschema>=3.0" in project["optional-dependencies"]["test"]
