"""Output formats: each renders one fixed set of results exactly as its golden file says, and
each is what its consumer accepts (well-formed JSON and XML, SARIF the official validator
passes, GitHub's escaping, GitLab's report fields and stable fingerprints).

After a deliberate change, `DOMLINT_UPDATE_GOLDEN=1 pytest tests/test_formats.py` rewrites
`tests/golden/formats/`: review the diff.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from domlint import engine
from domlint.cli import main
from domlint.diagnostics import Diagnostic, Severity, Span
from domlint.formats import FORMATS, SUMMARISED_FORMATS, github, gitlab, sarif
from domlint.formats.common import fingerprints

from .conftest import ROOT

GOLDEN = ROOT / "tests" / "golden" / "formats"
EXTENSIONS = {"full": "txt", "concise": "txt", "json": "json", "sarif": "sarif", "github": "txt", "gitlab": "json", "junit": "xml"}

# Fixtures named relative to the repository root, as a CI job names them ...
FIXTURE_PATHS = ["fixtures/examples/xen-hvm-broken.xml", "fixtures/examples/xen-hvm.xml", "fixtures/xml-syntax/bad-unclosed-tag.xml"]
# ... and documents for what the fixtures lack: a span over two lines, two identical problems, a
# path with a space, a comma and an ampersand, and a file that is not a domain (skipped).
TWICE = (
    b"<domain type='kvm'>\n  <name>twice</name>\n  <os>\n    <type>hv\nm</type>\n"
    b"    <boot dev='dvd'/>\n    <boot dev='dvd'/>\n  </os>\n</domain>\n"
)
INLINE = {"vms/a b,c&d.xml": TWICE, "pom.xml": b"<project><modelVersion>4.0.0</modelVersion></project>\n"}


def _results() -> list[engine.Result]:
    results = [engine.lint((ROOT / path).read_bytes(), path) for path in FIXTURE_PATHS]
    results += [engine.lint(data, path) for path, data in INLINE.items()]
    return results


@pytest.fixture
def fixed_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SARIF driver's version without the installed package's, so a release changes no golden file."""
    monkeypatch.setattr(sarif, "driver_metadata", lambda: {"version": "0.0.0"})


def test_every_format_has_a_golden_file() -> None:
    assert set(EXTENSIONS) == set(FORMATS)


@pytest.mark.usefixtures("fixed_version")
@pytest.mark.parametrize("name", sorted(EXTENSIONS))
def test_format_matches_golden(name: str) -> None:
    golden = GOLDEN / f"{name}.{EXTENSIONS[name]}"
    actual = FORMATS[name](_results(), False)
    if os.environ.get("DOMLINT_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(actual.encode("utf-8"))
    assert golden.exists(), f"{golden.name} is missing: run with DOMLINT_UPDATE_GOLDEN=1 and review it"
    assert actual == golden.read_bytes().decode("utf-8")


@pytest.mark.parametrize("name", sorted(EXTENSIONS))
def test_no_results_render_as_an_empty_document(name: str) -> None:
    text = FORMATS[name]([], False)
    if EXTENSIONS[name] == "txt":
        assert text == ""
    elif EXTENSIONS[name] == "xml":
        assert ElementTree.fromstring(text).get("tests") == "0"
    else:
        json.loads(text)


def test_summary_line_ends_the_formats_for_people_only() -> None:
    assert {"full", "concise"} <= SUMMARISED_FORMATS
    for name in FORMATS:
        out = CliRunner().invoke(main, ["check", "--format", name, str(ROOT / FIXTURE_PATHS[0])]).stdout
        assert out.endswith("1 file, 3 errors, 2 warnings, 0 skipped\n[*] 1 fixable with --fix\n") == (name in SUMMARISED_FORMATS), name


def test_concise_is_one_line_per_diagnostic_as_documented() -> None:
    lines = FORMATS["concise"](_results(), False).splitlines()
    assert len(lines) == sum(len(r.diagnostics) for r in _results())
    assert lines[0] == (
        "fixtures/examples/xen-hvm-broken.xml:10:11: OS004 invalid-value invalid value 'dvd' for attribute 'dev' "
        "of <boot>: expected 'hd', 'fd', 'cdrom' or 'network'"
    )
    broken = _diagnostic("vm.xml", Span(1, 2, 1, 3), "two\nlines\r\nhere")
    assert FORMATS["concise"]([engine.Result("vm.xml", [broken])], False) == "vm.xml:1:2: OS004 invalid-value two lines  here\n"


# --- well-formed, and what the consumers read -------------------------------------------------


@pytest.mark.parametrize("name", ["json", "sarif", "gitlab"])
def test_json_formats_parse(name: str) -> None:
    json.loads(FORMATS[name](_results(), False))


def test_junit_is_well_formed_and_complete() -> None:
    results = _results()
    suites = ElementTree.fromstring(FORMATS["junit"](results, False).encode("utf-8"))
    (suite,) = suites.findall("testsuite")
    cases = suite.findall("testcase")
    findings = sum(len(r.diagnostics) for r in results)
    assert len(cases) == findings + sum(1 for r in results if not r.diagnostics)
    assert {case.get("classname") for case in cases} == {"domlint"}
    assert suite.get("tests") == str(len(cases))
    assert suite.get("failures") == str(findings) == str(sum(1 for case in cases if case.find("failure") is not None))
    assert suite.get("skipped") == "1" and cases[[c.get("name") for c in cases].index("pom.xml")].find("skipped") is not None
    twice = [case for case in cases if case.get("file") == "vms/a b,c&d.xml"]
    assert [case.get("name") for case in twice] == [f"vms/a b,c&d.xml:{line}:11 OS004 invalid-value" for line in (4, 6, 7)]
    assert [len(case.findall("failure")) for case in twice] == [1, 1, 1]
    assert twice[1].find("failure").text.startswith("vms/a b,c&d.xml:6:11: error OS004 invalid-value: invalid value 'dvd'")


def test_junit_escapes_what_xml_cannot_carry() -> None:
    nasty = _diagnostic('a"<&>.xml', Span(1, 1, 1, 2), 'quote " tag <x> amp & bell \x07 newline\nend')
    root = ElementTree.fromstring(FORMATS["junit"]([engine.Result(nasty.path, [nasty])], False).encode("utf-8"))
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("message") == 'quote " tag <x> amp & bell \ufffd newline\nend'
    assert root.find("testsuite/testcase").get("name") == 'a"<&>.xml:1:1 OS004 invalid-value'


# --- GitHub -------------------------------------------------------------------------------------


def test_github_escapes_data_and_properties() -> None:
    warning = _diagnostic("vms/web,db: 100%.xml", Span(2, 3, 2, 9), "50% done\nsecond line\r")
    info = Diagnostic("a.xml", Span(4, 5, 6, 2), "OS004", "invalid-value", Severity.INFO, "spans lines", "fix it")
    assert FORMATS["github"]([engine.Result(warning.path, [warning]), engine.Result("a.xml", [info])], False) == (
        "::notice file=a.xml,line=4,endLine=6,title=OS004 invalid-value::spans lines%0Ahelp: fix it\n"
        "::warning file=vms/web%2Cdb%3A 100%25.xml,line=2,col=3,endLine=2,endColumn=9,title=OS004 invalid-value::"
        "50%25 done%0Asecond line%0D\n"
    )


def test_github_error_command_for_errors() -> None:
    error = Diagnostic("./vm.xml", Span(1, 1, 1, 5), "OS001", "xml-syntax", Severity.ERROR, "a::b")
    assert github.command(error) == "::error file=vm.xml,line=1,col=1,endLine=1,endColumn=5,title=OS001 xml-syntax::a::b"


# --- GitLab Code Quality ------------------------------------------------------------------------


def test_gitlab_report_has_the_fields_gitlab_reads() -> None:
    """The fields and types of GitLab's documented report format ("Code Quality report format" in
    doc/ci/testing/code_quality.md) and of the JSON schema its parser checks each finding against
    (app/validators/json_schemas/codeclimate.json in gitlab-org/gitlab: description, fingerprint,
    severity and location required, strings and integers). GitLab publishes no schema of its own
    to download, so the same constraints are written out here."""
    issues = json.loads(FORMATS["gitlab"](_results(), False))
    assert isinstance(issues, list) and issues
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert all(isinstance(issue[key], str) and issue[key] for key in ("description", "check_name", "fingerprint", "severity"))
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        location = issue["location"]
        assert isinstance(location["path"], str) and not location["path"].startswith(("/", "./"))
        assert isinstance(location["lines"]["begin"], int) and location["lines"]["begin"] >= 1
        assert not isinstance(location["lines"]["begin"], bool)
    # GitLab keeps one finding per fingerprint: a report must not repeat one.
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    assert {issue["severity"] for issue in issues} == {"major", "minor"}


def test_gitlab_fingerprints_survive_lines_inserted_above() -> None:
    original = (ROOT / FIXTURE_PATHS[0]).read_bytes()
    shifted = original.replace(b"<domain", b"\n\n\n<domain", 1).replace(b"<os>", b"<os>\n\n", 1)
    before = engine.lint(original, FIXTURE_PATHS[0])
    after = engine.lint(shifted, FIXTURE_PATHS[0])
    assert [d.span.line + 5 for d in before.diagnostics] == [d.span.line for d in after.diagnostics]
    assert fingerprints(before) == fingerprints(after)
    issues = [json.loads(gitlab.render([result], False)) for result in (before, after)]
    assert [i["fingerprint"] for i in issues[0]] == [i["fingerprint"] for i in issues[1]]
    assert [i["location"]["lines"]["begin"] + 5 for i in issues[0]] == [i["location"]["lines"]["begin"] for i in issues[1]]


def test_gitlab_fingerprints_tell_identical_problems_apart() -> None:
    result = engine.lint(TWICE, "vm.xml")
    first, second = (d for d in result.diagnostics if "'dvd'" in d.message)
    assert (first.message, first.name) == (second.message, second.name)
    prints = fingerprints(result)
    assert len(set(prints)) == len(prints) == 3
    # ... and depend on the file: the same problem in another file is another finding.
    assert fingerprints(engine.lint(TWICE, "other.xml"))[1] != prints[1]


# --- SARIF --------------------------------------------------------------------------------------


def test_sarif_points_at_the_rules_and_spans() -> None:
    log = json.loads(FORMATS["sarif"](_results(), False))
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "domlint" and driver["version"]
    assert run["columnKind"] == "unicodeCodePoints"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted({r["id"] for r in rules})
    for result in run["results"]:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        region = result["locations"][0]["physicalLocation"]["region"]
        assert min(region.values()) >= 1
    assert {r["name"] for r in rules} >= {"invalid-value", "reboot-timeout-range", "xml-syntax"}
    reboot = next(r for r in rules if r["name"] == "reboot-timeout-range")
    assert reboot["help"]["markdown"].count("## ") >= 3 and reboot["defaultConfiguration"] == {"level": "error"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "vms/a%20b%2Cc%26d.xml" in uris


def test_sarif_uris() -> None:
    assert sarif.uri("fixtures/a.xml") == "fixtures/a.xml"
    assert sarif.uri("./dir/a b.xml") == "dir/a%20b.xml"
    assert sarif.uri("<stdin>") == "%3Cstdin%3E"
    assert sarif.uri("c:d.xml") == "c%3Ad.xml"  # not a URI scheme
    assert sarif.uri("/srv/vm 1.xml") == "file:///srv/vm%201.xml"


def test_sarif_driver_reads_the_package_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    from email.message import Message
    from importlib import metadata

    assert sarif.driver_metadata()["version"] == metadata.version("domlint")
    meta = Message()
    meta["Name"] = "domlint"
    meta["Project-URL"] = "Homepage, https://example.org/domlint"
    monkeypatch.setattr(metadata, "metadata", lambda name: meta)
    monkeypatch.setattr(metadata, "version", lambda name: "1.2.3")
    assert sarif.driver_metadata() == {"version": "1.2.3", "informationUri": "https://example.org/domlint"}


MULTITOOL = ["npx", "--no-install", "@microsoft/sarif-multitool"]
INSTALL_HINT = "npm install -g @microsoft/sarif-multitool"


@functools.cache
def _multitool_problem() -> str | None:
    """Why the SARIF validator cannot run here, or None when it can."""
    if shutil.which("npx") is None:
        return "npx is missing (Node.js), so the SARIF multitool cannot run"
    try:
        probe = subprocess.run([*MULTITOOL, "--version"], capture_output=True, text=True, timeout=120, env=_multitool_env(), check=False)
    except subprocess.TimeoutExpired:
        return "the SARIF multitool did not answer --version in time"
    if probe.returncode != 0 or "SARIF Multitool" not in probe.stdout + probe.stderr:
        return f"the SARIF multitool is not installed ({INSTALL_HINT})"
    return None


def _multitool_env() -> dict[str, str]:
    # The multitool is a self-contained .NET program; without libicu it needs invariant globalisation.
    return {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1", "DOTNET_CLI_TELEMETRY_OPTOUT": "1"}


@pytest.mark.usefixtures("fixed_version")
def test_sarif_passes_the_official_validator(tmp_path: Path) -> None:
    """`sarif-multitool validate` reports no error on the fixtures' SARIF.

    The validator says nothing at all about a log it cannot read (an unknown `level`, say), so
    a copy with one deliberate schema error (startColumn 0) is validated with it: that copy
    must get its error, which proves the validator read our log's structure.
    """
    problem = _multitool_problem()
    if problem:
        pytest.skip(problem)
    good = tmp_path / "domlint.sarif"
    good.write_text(FORMATS["sarif"](_results(), False), encoding="utf-8")
    spoiled = json.loads(good.read_text(encoding="utf-8"))
    spoiled["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] = 0
    control = tmp_path / "control.sarif"
    control.write_text(json.dumps(spoiled, indent=2), encoding="utf-8")
    report = tmp_path / "validation.sarif"
    completed = subprocess.run(
        [*MULTITOOL, "validate", str(good), str(control), "--output", str(report)],
        capture_output=True,
        text=True,
        timeout=300,
        env=_multitool_env(),
        check=False,
    )
    assert report.exists(), completed.stdout + completed.stderr
    findings = json.loads(report.read_text(encoding="utf-8-sig"))["runs"][0].get("results", [])

    def errors(file: Path) -> list[str]:
        return [
            f"{f['ruleId']}: {f['message'].get('text') or f['message'].get('arguments')}"
            for f in findings
            if f.get("level", "warning") == "error" and f["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(file.name)
        ]

    assert errors(control), "the validator found no error in the spoiled copy: it did not read the log"
    assert errors(good) == []


def _diagnostic(path: str, span: Span, message: str) -> Diagnostic:
    return Diagnostic(path, span, "OS004", "invalid-value", Severity.WARNING, message)
