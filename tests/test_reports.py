"""Reports as their consumers read them: JUnit that Jenkins and GitLab show finding by finding,
rule documentation addresses in SARIF and the language server, and the messages of the
optional extras."""

from __future__ import annotations

from lxml import etree

from domlint import engine
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
