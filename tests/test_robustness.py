"""One odd file never aborts the run (issue 13): numbers too long for int(), the deepest nesting
libxml2 parses, a file name that is not UTF-8, a namespaced root, blanks around a number.

Each gives a diagnostic at the construct at fault, in every output format, as valid UTF-8, with
the documented exit code; the file linted beside it still gets its own diagnostic. Every case
runs the installed command in its own process, as a user or a CI job does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from lxml import etree

from domlint import engine, grammars, schema
from domlint.document import Document
from domlint.grammar import schema_path

DOMLINT = (
    [str(Path(sys.executable).parent / "domlint")]
    if (Path(sys.executable).parent / "domlint").exists()
    else [sys.executable, "-m", "domlint"]
)
HUGE = "9" * 5000  # int() refuses more than 4,300 digits
OS = "<domain type='kvm'><name>v</name><os><type>hvm</type>"
NEIGHBOUR = ("neighbour.xml", (OS + "<bootmenu enable='yes' timeout='x'/></os></domain>\n").encode())
NEIGHBOUR_FINDING = ("neighbour.xml", 1, 77, "OS301", "bootmenu-timeout-range")
DEEPEST = 256 - 2  # libxml2 parses 256 levels: <domain>, <devices> and 254 more
DISK = "<devices><disk type='file' device='disk'><source file='/a'/><target dev='vda'/>"

# name -> (file name as bytes, contents, the diagnostic expected: reported path, line, column, code, rule)
CASES: dict[str, tuple[bytes, str, tuple[str, int, int, str, str]]] = {
    "huge-reboot-timeout": (
        b"vm.xml",
        OS + f"<bios rebootTimeout='{HUGE}'/></os></domain>\n",
        ("vm.xml", 1, 60, "OS102", "reboot-timeout-range"),
    ),
    "huge-bootmenu-timeout": (
        b"vm.xml",
        OS + f"<bootmenu enable='yes' timeout='{HUGE}'/></os></domain>\n",
        ("vm.xml", 1, 77, "OS301", "bootmenu-timeout-range"),
    ),
    "huge-boot-order": (
        b"vm.xml",
        OS + f"</os>{DISK}<boot order='{HUGE}'/></disk></devices></domain>\n",
        ("vm.xml", 1, 144, "OS304", "device-boot-order-invalid"),
    ),
    "huge-bios-date": (
        b"vm.xml",
        OS + "<smbios mode='sysinfo'/></os><sysinfo type='smbios'>"
        f"<bios><entry name='date'>{HUGE}/01/2020</entry></bios></sysinfo></domain>\n",
        ("vm.xml", 1, 131, "OS604", "sysinfo-bios-date"),
    ),
    "deepest-nesting": (
        b"vm.xml",
        OS + "<bios rebootTimeout='x'/></os><devices>" + "<x a='1'>" * DEEPEST + "</x>" * DEEPEST + "</devices></domain>\n",
        ("vm.xml", 1, 60, "OS102", "reboot-timeout-range"),
    ),
    "non-utf8-file-name": (
        b"\xff\xfevm.xml",
        OS + "<bios rebootTimeout='x'/></os></domain>\n",
        ("\\xff\\xfevm.xml", 1, 60, "OS102", "reboot-timeout-range"),
    ),
    "namespaced-root": (
        b"vm.xml",
        "<domain xmlns='http://example.com' type='kvm'><name>v</name></domain>\n",
        ("vm.xml", 1, 1, "OS015", "namespaced-root"),
    ),
    "trailing-blank-reboot-timeout": (
        b"vm.xml",
        OS + "<bios rebootTimeout='10 '/></os></domain>\n",
        ("vm.xml", 1, 60, "OS102", "reboot-timeout-range"),
    ),
    "leading-blank-bootmenu-timeout": (
        b"vm.xml",
        OS + "<bootmenu enable='yes' timeout=' 10'/></os></domain>\n",
        ("vm.xml", 1, 77, "OS301", "bootmenu-timeout-range"),
    ),
}
FORMATS = ["full", "concise", "json", "sarif", "github", "gitlab", "junit", "statistics"]
_HEADLINE = re.compile(r"^(.+?):(\d+):(\d+): (?:error|warning|info) (OS\d+) ([a-z0-9-]+):", re.M)
_CONCISE = re.compile(r"^(.+?):(\d+):(\d+): (OS\d+) ([a-z0-9-]+) ", re.M)
_GITHUB = re.compile(r"^::\w+ file=([^,]+),line=(\d+),col=(\d+),endLine=\d+,endColumn=\d+,title=(OS\d+) ([a-z0-9-]+)::", re.M)
_STATISTICS = re.compile(r"^ *(\d+)  (OS\d+)  ([a-z0-9-]+) \(\w+\)$", re.M)


def _findings(output_format: str, out: str) -> list[tuple[object, ...]]:
    """(path, line, column, code, rule) of every diagnostic an output names, in its order (the
    statistics: (count, code, rule); GitLab gives no column, so None)."""
    if output_format == "full":
        return [(p, int(line), int(column), code, name) for p, line, column, code, name in _HEADLINE.findall(out)]
    if output_format == "concise":
        return [(p, int(line), int(column), code, name) for p, line, column, code, name in _CONCISE.findall(out)]
    if output_format == "github":
        unescaped = [(p.replace("%3A", ":").replace("%2C", ",").replace("%25", "%"), *rest) for p, *rest in _GITHUB.findall(out)]
        return [(p, int(line), int(column), code, name) for p, line, column, code, name in unescaped]
    if output_format == "json":
        return [(d["path"], d["line"], d["column"], d["code"], d["name"]) for d in json.loads(out)]
    if output_format == "gitlab":
        return [(d["location"]["path"], d["location"]["lines"]["begin"], None, None, d["check_name"]) for d in json.loads(out)]
    if output_format == "sarif":
        run = json.loads(out)["runs"][0]
        rules = run["tool"]["driver"]["rules"]
        return [
            (
                unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]),
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["locations"][0]["physicalLocation"]["region"]["startColumn"],
                r["ruleId"],
                rules[r["ruleIndex"]]["name"],
            )
            for r in run["results"]
        ]
    if output_format == "junit":
        failures = etree.fromstring(out.encode()).iter("failure")
        return [(p, int(line), int(column), code, name) for f in failures for p, line, column, code, name in _HEADLINE.findall(f.text)]
    return [(int(count), code, name) for count, code, name in _STATISTICS.findall(out)]


def _expected(output_format: str, finding: tuple[str, int, int, str, str]) -> list[tuple[object, ...]]:
    """What `_findings` reads from an output naming the case's finding and the neighbour's, in path order."""
    both = sorted([finding, NEIGHBOUR_FINDING])
    if output_format == "statistics":
        counted = sorted({(code, name) for *_, code, name in both})
        return [(sum(1 for f in both if f[3:] == key), *key) for key in counted]
    if output_format == "gitlab":
        return [(path, line, None, None, name) for path, line, _, _, name in both]
    return list(both)


def _run(folder: Path, arguments: list[str]) -> tuple[int, bytes, bytes]:
    result = subprocess.run([*DOMLINT, *arguments], cwd=folder, capture_output=True, timeout=60, check=False)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize("output_format", FORMATS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_an_odd_file_is_reported_in_every_format_and_the_run_goes_on(tmp_path: Path, case: str, output_format: str) -> None:
    file_name, text, finding = CASES[case]
    (tmp_path / NEIGHBOUR[0]).write_bytes(NEIGHBOUR[1])
    (tmp_path / os.fsdecode(file_name)).write_bytes(text.encode())
    chosen = ["--statistics"] if output_format == "statistics" else ["--format", output_format]
    code, out, err = _run(tmp_path, ["check", "--no-config", *chosen, "."])
    assert err == b""
    assert code == 1  # the neighbour's error
    assert _findings(output_format, out.decode("utf-8")) == _expected(output_format, finding)


def test_a_huge_number_is_out_of_range_with_its_value_in_the_message() -> None:
    data = (OS + f"<bios rebootTimeout='{HUGE}'/></os></domain>\n").encode()
    [diagnostic] = engine.lint(data, "vm.xml").diagnostics
    assert diagnostic.message == (
        f"rebootTimeout '{HUGE}' is out of range: libvirt accepts an integer from -1 to 65535 (milliseconds; -1 disables the reboot)"
    )


def test_a_huge_number_in_a_user_grammar_and_in_the_configuration(tmp_path: Path) -> None:
    grammar = tmp_path / "g.rng"
    grammar.write_text(
        "<element name='n' xmlns='http://relaxng.org/ns/structure/1.0' datatypeLibrary='http://www.w3.org/2001/XMLSchema-datatypes'>"
        f"<data type='integer'><param name='maxInclusive'>{HUGE}</param></data></element>",
        encoding="utf-8",
    )
    (tmp_path / "n.xml").write_text("<n>x</n>", encoding="utf-8")
    code, out, err = _run(tmp_path, ["validate", "--schema", "g.rng", "--format", "concise", "n.xml"])
    assert (code, err) == (1, b"")
    assert out.decode().splitlines() == [
        "n.xml:1:4: OS004 invalid-value invalid content 'x' in <n>: expected an integer",
        "1 file, 1 error, 0 warnings, 0 skipped",
    ]
    (tmp_path / "domlint.toml").write_text(f'libvirt-version = "{HUGE}.0"\n', encoding="utf-8")
    (tmp_path / "vm.xml").write_bytes(NEIGHBOUR[1])
    code, out, err = _run(tmp_path, ["check", "--format", "concise", "vm.xml"])
    assert (code, err) == (1, b"")
    assert out.decode().startswith("vm.xml:1:77: OS301 bootmenu-timeout-range ")


def test_the_deepest_document_is_explained_in_the_deepest_element(tmp_path: Path) -> None:
    """At the deepest level libxml2 allows, the grammar interpreter still reaches the bottom."""
    data = (OS + "</os><devices>" + "<x>" * DEEPEST + "<os><bogus/></os>" + "</x>" * DEEPEST + "</devices><bogus/></domain>\n").encode()
    assert [d.name for d in engine.lint(data, "vm.xml").diagnostics] == ["xml-syntax"]  # one level too deep
    data = (OS + "<bios rebootTimeout='x'/></os><devices>" + "<x>" * DEEPEST + "</x>" * DEEPEST + "</devices></domain>\n").encode()
    assert [(d.name, d.span.line, d.span.column) for d in engine.lint(data, "vm.xml").diagnostics] == [("reboot-timeout-range", 1, 60)]
    old = engine.Options(libvirt_version=(0, 5, 0))  # the since-versions walk goes to the bottom too
    found = [(d.name, d.span.column) for d in engine.lint(data, "vm.xml", old).diagnostics]
    assert found == [("requires-newer-libvirt", 54), ("reboot-timeout-range", 60)]


def test_a_non_utf8_name_in_errors_and_on_standard_input(tmp_path: Path) -> None:
    (tmp_path / "vm.xml").write_bytes(NEIGHBOUR[1])
    (tmp_path / os.fsdecode(b"\xff.xml")).mkdir()
    code, out, err = _run(tmp_path, ["check", "--format", "concise", "vm.xml", "-", "--stdin-filename", "\udcfe.xml"])
    assert code == 1
    assert out.decode("utf-8").splitlines()[0] == "\\xfe.xml:1:1: OS001 xml-syntax the document is not well-formed XML: Document is empty"
    code, out, err = _run(tmp_path, ["check", "--format", "concise", "vm.xml", "\udcfd.xml"])
    assert (code, err.decode("utf-8")) == (2, "domlint: error: \\xfd.xml: no such file or directory\n")
    assert out.decode("utf-8").startswith("vm.xml:1:77: OS301 bootmenu-timeout-range ")


def test_a_namespaced_root_says_it_was_skipped() -> None:
    result = engine.lint(b"<x:os xmlns:x='urn:a'><type>hvm</type></x:os>\n", "os.xml")
    assert result.skipped
    assert [(d.name, d.severity.value, d.span.column, d.span.end_column, d.message) for d in result.diagnostics] == [
        (
            "namespaced-root",
            "warning",
            1,
            6,
            "skipped, not checked: the root <x:os> is in namespace 'urn:a'; "
            "libvirt reads <os> without a namespace (its schema refuses this one)",
        )
    ]
    assert engine.lint(b"<project xmlns='urn:a'/>", "pom.xml").diagnostics == []
    silenced = b"<!-- domlint: disable=namespaced-root -->\n<domain xmlns='urn:a'/>\n"
    assert engine.lint(silenced, "vm.xml").diagnostics == []
    assert engine.lint(b"<domain xmlns='urn:a'/>", "vm.xml", engine.Options(ignore=frozenset({"namespaced-root"}))).diagnostics == []


# value -> what the timeout rules say (None: nothing, libvirt's schema and parser both accept it)
REBOOT_TIMEOUTS = {
    " 10": None,  # strtol skips the blank, xsd:short collapses it
    "10 ": "rebootTimeout '10 ' has blanks around the number: libvirt accepts an integer from -1 to 65535 without blanks",
    "10\u00a0": "rebootTimeout '10\u00a0' has blanks around the number: libvirt accepts an integer from -1 to 65535 without blanks",
    "\u00a010": "rebootTimeout '\u00a010' has blanks around the number: libvirt accepts an integer from -1 to 65535 without blanks",
}
BOOTMENU_TIMEOUTS = {
    " 10": "boot menu timeout ' 10' has blanks before the number, which libvirt's schema refuses (its parser skips them): "
    "libvirt accepts an integer from 0 to 65535 without blanks",
    " -1": "boot menu timeout ' -1' is out of range: libvirt accepts an integer from 0 to 65535",
    "10 ": "boot menu timeout '10 ' has blanks around the number: libvirt accepts an integer from 0 to 65535 without blanks",
    "10\u00a0": "boot menu timeout '10\u00a0' has blanks around the number: libvirt accepts an integer from 0 to 65535 without blanks",
}


@pytest.mark.parametrize("value", sorted(REBOOT_TIMEOUTS))
def test_blanks_around_the_reboot_timeout(value: str) -> None:
    data = (OS + f"<bios rebootTimeout='{value}'/></os></domain>\n").encode()
    found = [(d.name, d.span.column, d.span.end_column, d.message) for d in engine.lint(data, "vm.xml").diagnostics]
    expected = REBOOT_TIMEOUTS[value]
    end = 60 + len("rebootTimeout='") + len(value) + 1
    assert found == ([] if expected is None else [("reboot-timeout-range", 60, end, f"{expected} (milliseconds; -1 disables the reboot)")])


@pytest.mark.parametrize("value", sorted(BOOTMENU_TIMEOUTS))
def test_blanks_around_the_bootmenu_timeout(value: str) -> None:
    data = (OS + f"<bootmenu enable='yes' timeout='{value}'/></os></domain>\n").encode()
    found = [(d.name, d.span.column, d.message) for d in engine.lint(data, "vm.xml").diagnostics]
    assert found == [("bootmenu-timeout-range", 77, f"{BOOTMENU_TIMEOUTS[value]} (milliseconds)")]


def _blanks(value: str, attribute: str, element: str, low: int) -> str:
    return f"invalid value {value!r} for attribute '{attribute}' of <{element}>: expected an integer from {low} to 65535 without blanks"


# value -> the grammar's issues for <bootmenu timeout> and <bios rebootTimeout> both set to it
# (an attribute's tab is a blank by the time the parser hands it over)
GRAMMAR_BLANKS = {
    "10": [],
    " 10": [_blanks(" 10", "timeout", "bootmenu", 0)],
    "\t10": [_blanks(" 10", "timeout", "bootmenu", 0)],
    "10 ": [_blanks("10 ", "timeout", "bootmenu", 0)],
    "10\u00a0": [_blanks("10\u00a0", "timeout", "bootmenu", 0), _blanks("10\u00a0", "rebootTimeout", "bios", -1)],
}


@pytest.mark.parametrize("value", sorted(GRAMMAR_BLANKS))
def test_the_interpreter_agrees_with_lxml_on_blanks_and_says_so_at_the_attribute(value: str) -> None:
    data = (OS + f"<bootmenu enable='yes' timeout='{value}'/><bios rebootTimeout='{value}'/></os></domain>\n").encode()
    document = Document("vm.xml", data)
    bundled = schema.bundled_schema()
    issues = bundled.explain(document)
    assert bool(bundled.relaxng.validate(document.root)) == (issues == [])
    assert [(issue.attribute, issue.message) for issue in issues] == [
        ("timeout" if "bootmenu" in message else "rebootTimeout", message) for message in GRAMMAR_BLANKS[value]
    ]


def test_validate_names_the_blanks_at_the_attribute(tmp_path: Path) -> None:
    validator = grammars.load(str(schema_path("domain.rng")))
    data = (OS + "<bootmenu enable='yes' timeout=' 10'/></os></domain>\n").encode()
    found = [(d.span.column, d.message, d.help) for d in engine.validate(data, "vm.xml", validator).diagnostics]
    assert found == [
        (
            77,
            "invalid value ' 10' for attribute 'timeout' of <bootmenu>: expected an integer from 0 to 65535 without blanks",
            "write '10' without the surrounding blanks",
        )
    ]
