"""Reports as their consumers read them: JUnit that Jenkins and GitLab show finding by finding,
rule documentation addresses in SARIF and the language server, and the messages of the
optional extras."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from email.message import Message
from importlib import metadata
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

import pytest
from click.testing import CliRunner
from lxml import etree

import domlint
from domlint import docs, engine
from domlint.cli import main
from domlint.rules import REGISTRY
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
    monkeypatch.setitem(sys.modules, "domlint.lsp", None)  # as when pygls is missing: the import fails
    monkeypatch.delattr(domlint, "lsp", raising=False)  # a test may have imported it before
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


# --- rule documentation and its address -----------------------------------------------------------

PAGE_URL = "https://example.org/domlint/docs/rules.md"


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Package metadata as a build that publishes the rules page declares it in [project.urls]."""
    meta = Message()
    meta["Name"] = "domlint"
    meta["Project-URL"] = "Homepage, https://example.org/domlint"
    meta["Project-URL"] = f"Rules, {PAGE_URL}"
    monkeypatch.setattr(metadata, "metadata", lambda name: meta)
    docs._page_url.cache_clear()
    yield
    docs._page_url.cache_clear()


def test_rules_page_is_generated_from_the_registry() -> None:
    """docs/rules.md is what `python -m domlint.docs` writes: this fails when it is stale."""
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == docs.render()


def test_rules_page_has_one_section_per_rule_anchored_by_name() -> None:
    page = docs.render()
    sections = re.findall(r"^## (.+)$", page, re.MULTILINE)
    assert sections == [r.name for r in sorted(REGISTRY.values(), key=lambda r: r.code)]
    assert "\n## invalid-value\n\n`OS004`, error, drivers: all.\n\nAn attribute value or text that the grammar does not allow.\n" in page
    assert "- [`OS015` namespaced-root](#namespaced-root): A \\<domain> or \\<os> root in an XML namespace" in page
    assert "\n### What it catches\n" in page and "\n## What it catches\n" not in page


def test_rules_page_command_writes_the_page(tmp_path: Path) -> None:
    target = tmp_path / "out" / "rules.md"
    assert docs.main([str(target)]) == 0
    assert target.read_bytes() == docs.render().encode("utf-8")


def test_no_published_page_means_no_address() -> None:
    docs._page_url.cache_clear()
    log = json.loads(FORMATS["sarif"](_two_findings(), False))
    assert [sorted(r) for r in log["runs"][0]["tool"]["driver"]["rules"]] == [
        ["defaultConfiguration", "fullDescription", "help", "id", "name", "shortDescription"]
    ]
    assert docs.rule_url(REGISTRY["invalid-value"]) is None


def test_sarif_help_uri_is_the_rule_section(published: None) -> None:
    log = json.loads(FORMATS["sarif"](_two_findings(), False))
    (descriptor,) = log["runs"][0]["tool"]["driver"]["rules"]
    assert descriptor["helpUri"] == f"{PAGE_URL}#invalid-value"


def test_lsp_code_description_is_the_rule_section(published: None) -> None:
    lsp_module = pytest.importorskip("domlint.lsp")
    (diagnostic, _) = _two_findings()[0].diagnostics
    shown = lsp_module.to_lsp_diagnostic(diagnostic, lsp_module.Text(TWO_FINDINGS.decode()))
    assert shown.code_description.href == f"{PAGE_URL}#invalid-value"


def test_lsp_has_no_code_description_without_a_published_page() -> None:
    lsp_module = pytest.importorskip("domlint.lsp")
    docs._page_url.cache_clear()
    (diagnostic, _) = _two_findings()[0].diagnostics
    assert lsp_module.to_lsp_diagnostic(diagnostic, lsp_module.Text(TWO_FINDINGS.decode())).code_description is None


def _two_findings() -> list[engine.Result]:
    return [engine.lint(TWO_FINDINGS, "a.xml")]
