"""A hostile grammar given to `domlint validate --schema`: its includes read nothing outside the
grammar's folder (or libvirt's schema folder), no symbolic link out, no FIFO or device; its
patterns and choices cost bounded time and memory. Every grammar is generated here."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from domlint.cli import main


MARKER = "DOMLINTSECRETMARKER"
LIBVIRT_SCHEMAS = "/usr/share/libvirt/schemas"
RNG = "<grammar xmlns='http://relaxng.org/ns/structure/1.0'>{}</grammar>"
OUTSIDE_RNG = RNG.format(f"<define name='x'><element name='{MARKER}'><empty/></element></define>")
XSD = "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'{}>{}<xs:element name='a'/></xs:schema>"
XSD11 = " xmlns:vc='http://www.w3.org/2007/XMLSchema-versioning' vc:minVersion='1.1'"
OUTSIDE_XSD = f"<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'{{}}><xs:element name='{MARKER}'/></xs:schema>"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A grammar folder `g` with a document `a.xml`, and secrets beside it (outside `g`)."""
    (tmp_path / "outside.rng").write_text(OUTSIDE_RNG)
    (tmp_path / "outside.rnc").write_text(f"x = element {MARKER} {{ empty }}\n")
    (tmp_path / "outside.xsd").write_text(OUTSIDE_XSD.format(""))
    (tmp_path / "outside-ns.xsd").write_text(OUTSIDE_XSD.format(" targetNamespace='urn:s'"))
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "a.xml").write_text("<a><b/></a>\n")
    return tmp_path / "g"


def _refused(folder: Path, grammar: str, href: str, reason: str) -> None:
    code, out, err = run("validate", "--schema", str(folder / grammar), str(folder / "a.xml"))
    assert (code, out) == (2, "")
    assert err == f"domlint: error: {folder / grammar}: the grammar does not compile: include '{href}' refused: {reason}\n"
    assert MARKER not in err


def _outside(folder: Path) -> str:
    return f"it is outside the grammar's folder {folder.resolve()}"


RELAXNG_INCLUDES = {
    "include": "<include href='{}'/><start><element name='a'><ref name='x'/></element></start>",
    "externalRef": "<start><element name='a'><externalRef href='{}'/></element></start>",
}


@pytest.mark.parametrize("kind", sorted(RELAXNG_INCLUDES))
@pytest.mark.parametrize("relative", [True, False])
def test_a_relaxng_part_outside_the_folder_is_refused(folder: Path, kind: str, relative: bool) -> None:
    target = "../outside.rng" if relative else str(folder.parent / "outside.rng")
    (folder / "g.rng").write_text(RNG.format(RELAXNG_INCLUDES[kind].format(target)))
    _refused(folder, "g.rng", target, _outside(folder))


def test_a_symbolic_link_out_of_the_folder_is_refused(folder: Path) -> None:
    (folder / "link.rng").symlink_to(folder.parent / "outside.rng")
    (folder / "g.rng").write_text(RNG.format(RELAXNG_INCLUDES["include"].format("link.rng")))
    _refused(folder, "g.rng", "link.rng", f"a symbolic link leading outside the grammar's folder {folder.resolve()}")


def test_a_nested_include_is_held_to_the_grammar_s_folder(folder: Path) -> None:
    (folder / "sub").mkdir()
    (folder / "sub" / "part.rng").write_text(RNG.format("<include href='../../outside.rng'/>"))
    (folder / "g.rng").write_text(RNG.format(RELAXNG_INCLUDES["include"].format("sub/part.rng")))
    _refused(folder, "g.rng", "../../outside.rng", _outside(folder))


def test_a_fifo_is_refused_without_waiting_for_a_writer(folder: Path) -> None:
    os.mkfifo(folder / "part.rng")
    (folder / "g.rng").write_text(RNG.format(RELAXNG_INCLUDES["include"].format("part.rng")))
    result = subprocess.run(
        [sys.executable, "-m", "domlint", "validate", "--schema", str(folder / "g.rng"), str(folder / "a.xml")],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert (result.returncode, result.stdout) == (2, "")
    reason = "include 'part.rng' refused: cannot read: not a regular file"
    assert result.stderr == f"domlint: error: {folder / 'g.rng'}: the grammar does not compile: {reason}\n"


def test_a_device_is_refused(folder: Path) -> None:
    try:
        os.mknod(folder / "part.rng", stat.S_IFCHR | 0o600, os.makedev(1, 3))  # /dev/null
    except PermissionError:
        pytest.skip("creating a device needs privileges")
    (folder / "g.rng").write_text(RNG.format(RELAXNG_INCLUDES["include"].format("part.rng")))
    _refused(folder, "g.rng", "part.rng", "cannot read: not a regular file")


def test_a_remote_part_is_refused_by_name(folder: Path) -> None:
    (folder / "g.rng").write_text(RNG.format(RELAXNG_INCLUDES["include"].format("http://127.0.0.1:9/x.rng")))
    _refused(folder, "g.rng", "http://127.0.0.1:9/x.rng", "only local files are read")


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@pytest.mark.parametrize(
    "statement", ["<xs:include schemaLocation='../outside.xsd'/>", "<xs:import namespace='urn:s' schemaLocation='../outside-ns.xsd'/>"]
)
def test_an_xsd_part_outside_the_folder_is_refused(folder: Path, version: str, statement: str) -> None:
    (folder / "g.xsd").write_text(XSD.format(XSD11 if version == "1.1" else "", statement))
    target = folder.parent / ("outside-ns.xsd" if "import" in statement else "outside.xsd")
    _refused(folder, "g.xsd", str(target) if version == "1.0" else target.as_uri(), _outside(folder))


def test_a_compact_include_outside_the_folder_is_refused(folder: Path) -> None:
    (folder / "g.rnc").write_text('include "../outside.rnc"\nstart = element a { x }\n')
    _refused(folder, "g.rnc", "../outside.rnc", _outside(folder))


def test_a_compact_include_through_a_symbolic_link_is_refused(folder: Path) -> None:
    (folder / "sub").mkdir()
    (folder / "sub" / "part.rnc").write_text('include "../../outside.rnc"\n')
    (folder / "link.rnc").symlink_to(folder / "sub" / "part.rnc")
    (folder / "g.rnc").write_text('include "link" ~ ".rnc"\nstart = element a { x }\n')
    _refused(folder, "g.rnc", "../../outside.rnc", _outside(folder))


def test_a_compact_grammar_that_includes_itself_is_refused(folder: Path) -> None:
    (folder / "g.rnc").write_text('include "g.rnc"\nstart = element a { empty }\n')
    _refused(folder, "g.rnc", "g.rnc", "the grammar includes itself")


def _valid_with(folder: Path, grammar: str, text: str) -> None:
    (folder / grammar).write_text(text)
    assert run("validate", "--schema", str(folder / grammar), str(folder / "a.xml")) == (0, "1 file, 0 errors, 0 warnings, 0 skipped\n", "")


def test_parts_inside_the_folder_are_read(folder: Path) -> None:
    (folder / "sub").mkdir()
    (folder / "sub" / "part.rng").write_text(
        RNG.format("<define name='x'><element name='b'><empty/></element></define><start><element name='z'><empty/></element></start>")
    )
    (folder / "sub" / "b.rng").write_text("<element name='b' xmlns='http://relaxng.org/ns/structure/1.0'><empty/></element>")
    (folder / "sub" / "part.rnc").write_text("x = element b { empty }\n")
    (folder / "sub" / "part.xsd").write_text("<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'><xs:element name='b'/></xs:schema>")
    _valid_with(
        folder, "g.rng", RNG.format("<include href='sub/part.rng'><start><element name='a'><ref name='x'/></element></start></include>")
    )
    _valid_with(folder, "e.rng", RNG.format("<start><element name='a'><externalRef href='sub/b.rng'/></element></start>"))
    _valid_with(folder, "g.rnc", 'include "sub/part.rnc"\nstart = element a { x }\n')
    sequence = "<xs:complexType><xs:sequence><xs:element ref='b'/></xs:sequence></xs:complexType>"
    for name, version in (("g10.xsd", ""), ("g11.xsd", XSD11)):
        body = f"<xs:include schemaLocation='sub/part.xsd'/><xs:element name='a'>{sequence}</xs:element>"
        _valid_with(folder, name, f"<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'{version}>{body}</xs:schema>")


@pytest.mark.skipif(not os.path.exists(os.path.join(LIBVIRT_SCHEMAS, "basictypes.rng")), reason="libvirt's schemas are not installed")
def test_libvirt_s_schema_folder_may_be_included(folder: Path) -> None:
    (folder / "a.xml").write_text("<a>00:11:22:33:44:55</a>\n")
    include = f"<include href='{LIBVIRT_SCHEMAS}/basictypes.rng'/><start><element name='a'><ref name='uniMacAddr'/></element></start>"
    _valid_with(folder, "g.rng", RNG.format(include))


def _bounded_run(*args: str) -> tuple[int, str, str]:
    """domlint in its own process, within 20 s and 1 GiB of address space."""

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    result = subprocess.run([sys.executable, "-m", "domlint", *args], capture_output=True, text=True, timeout=20, preexec_fn=limit)
    return result.returncode, result.stdout, result.stderr


def test_choices_that_multiply_get_the_validator_s_own_message(tmp_path: Path) -> None:
    # d6 is 64 two-way choices in a row: 2**64 alternatives for the interpreter to expand.
    choice = "<define name='d0'><choice><element name='x'><empty/></element><element name='y'><empty/></element></choice></define>"
    doubling = "".join(f"<define name='d{k}'><group><ref name='d{k - 1}'/><ref name='d{k - 1}'/></group></define>" for k in range(1, 7))
    (tmp_path / "g.rng").write_text(RNG.format(f"<start><element name='a'><ref name='d6'/></element></start>{choice}{doubling}"))
    (tmp_path / "a.xml").write_text("<a><x/></a>\n")
    code, out, err = _bounded_run("validate", "--format", "json", "--schema", str(tmp_path / "g.rng"), str(tmp_path / "a.xml"))
    assert (code, err) == (1, "")
    assert [(d["line"], d["column"], d["name"], d["message"]) for d in json.loads(out)] == [
        (1, 1, "schema-violation", "Expecting an element , got nothing")
    ]


# Patterns: "(a+)+b" against forty a's and a c takes Python's backtracking re hours.
HOSTILE_TEXT = "a" * 40 + "c"
PATTERN_GRAMMARS = {
    "g.xsd": XSD.format(XSD11, "").replace(
        "<xs:element name='a'/>",
        "<xs:element name='a'><xs:simpleType><xs:restriction base='xs:string'>"
        "<xs:pattern value='(a+)+b'/></xs:restriction></xs:simpleType></xs:element>",
    ),
    "g.rng": "<element name='a' xmlns='http://relaxng.org/ns/structure/1.0' datatypeLibrary='http://www.w3.org/2001/XMLSchema-datatypes'>"
    "<data type='string'><param name='pattern'>(a+)+b</param></data></element>",
}
PATTERN_VERDICTS = {
    "g.xsd": (1, 1, "schema-violation", "value doesn't match any pattern of ['(a+)+b']"),
    "g.rng": (1, 4, "invalid-value", f"invalid content '{HOSTILE_TEXT}' in <a>: expected text matching (a+)+b"),
}


@pytest.mark.parametrize("grammar", sorted(PATTERN_GRAMMARS))
def test_a_backtracking_pattern_is_matched_in_linear_time(tmp_path: Path, grammar: str) -> None:
    (tmp_path / grammar).write_text(PATTERN_GRAMMARS[grammar])
    (tmp_path / "a.xml").write_text(f"<a>{HOSTILE_TEXT}</a>\n")
    (tmp_path / "b.xml").write_text("<a>aaab</a>\n")
    code, out, err = _bounded_run(
        "validate", "--format", "json", "--schema", str(tmp_path / grammar), str(tmp_path / "a.xml"), str(tmp_path / "b.xml")
    )
    assert (code, err) == (1, "")
    assert [(d["path"], d["line"], d["column"], d["name"], d["message"]) for d in json.loads(out)] == [
        (str(tmp_path / "a.xml"), *PATTERN_VERDICTS[grammar])
    ]


def test_libxml2_giving_up_on_a_pattern_is_a_finding_not_an_internal_error(tmp_path: Path) -> None:
    xsd = PATTERN_GRAMMARS["g.xsd"].replace(XSD11, "").replace("(a+)+b", "(a?a?)*b")
    (tmp_path / "g.xsd").write_text(xsd)
    (tmp_path / "a.xml").write_text(f"<a>{HOSTILE_TEXT}</a>\n")
    (tmp_path / "b.xml").write_text("<a>aaab</a>\n")
    code, out, err = _bounded_run(
        "validate", "--format", "json", "--schema", str(tmp_path / "g.xsd"), str(tmp_path / "a.xml"), str(tmp_path / "b.xml")
    )
    assert (code, err) == (1, "")
    assert [(d["path"], d["line"], d["column"], d["name"], d["message"]) for d in json.loads(out)] == [
        (str(tmp_path / "a.xml"), 1, 1, "schema-violation", "the validator stopped: Internal error in XML Schema validation")
    ]


AGREEMENT_PATTERNS = [
    r"(a+)+b",
    r"(a|a)*b",
    r"(a?a?)*b",
    r"[a-c]{2,3}(x|y)?",
    r"\d+(\.\d+)*",
    r"[^ab]*",
    r"(ab|a)*c",
    r"a{0}",
    r"(a*)*",
    r".*",
    r"\s\S\w\W",
    r"^(?:(?:a+)+b)$(?!\n\Z)",
    r"[a-z-]+",
    r"(a|b|)+c{1,2}",
    r"x*?y",
    r"[\d\s]+",
    r"(?:a{2}){1,3}",
]


def test_the_linear_matcher_agrees_with_re() -> None:
    import itertools
    import re

    from domlint.regex import Pattern

    texts = ["".join(t) for n in range(5) for t in itertools.product("ab1. \nc", repeat=n)]
    for source in AGREEMENT_PATTERNS:
        expected, linear = re.compile(source), Pattern(source)
        assert [bool(expected.match(t)) for t in texts] == [bool(linear.match(t)) for t in texts], source
        assert [bool(expected.fullmatch(t)) for t in texts] == [bool(linear.fullmatch(t)) for t in texts], source


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (r"(a)\1", r"pattern '(a)\\1': GROUPREF is not supported"),
        (r"(?<=a)b", r"pattern '(?<=a)b': ASSERT is not supported"),
        (r"(?i)a", "pattern '(?i)a': flags are not supported"),
        (r"[0-9]{1,30000}", "pattern '[0-9]{1,30000}' is too large (more than 20000 states)"),
    ],
)
def test_the_linear_matcher_refuses_what_an_automaton_cannot_run(source: str, message: str) -> None:
    from domlint.regex import Pattern

    with pytest.raises(ValueError) as raised:
        Pattern(source)
    assert str(raised.value) == message


def test_an_include_that_is_no_grammar_is_refused(folder: Path) -> None:
    (folder / "part.rng").write_text("<element name='b' xmlns='http://relaxng.org/ns/structure/1.0'><empty/></element>")
    (folder / "g.rng").write_text(RNG.format("<include href='part.rng'/><start><element name='a'><empty/></element></start>"))
    _refused(folder, "g.rng", "part.rng", "it is not a RelaxNG grammar")
