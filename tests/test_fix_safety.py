"""Data safety of `--fix` and `--diff` (issue 13): the result parses, only the edits change bytes
(in the file's own encoding), a second run finds nothing, and the diff is a patch that patch and
git apply take to give what --fix writes."""

from __future__ import annotations

import codecs
import itertools
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from domlint import autofix, engine, fixes
from domlint.cli import main
from domlint.diagnostics import TextEdit
from domlint.document import Document

OPTIONS = engine.Options()


def domain(os: str, head: str = "") -> str:
    return f"{head}<domain type='kvm' xmlns:x='urn:x'>\n  <os>\n    <type>hvm</type>\n{os}  </os>\n</domain>\n"


def fixed(text: str | bytes) -> autofix.Fixed:
    return autofix.fix(text.encode() if isinstance(text, str) else text, "guest.xml", OPTIONS)


def run(*args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout_bytes, result.stderr


# 1. No fix creates a duplicate attribute ------------------------------------------------------


def test_rename_and_timed_menu_fix_give_one_enable() -> None:
    result = fixed(domain("    <bootmenu enabled='yes' timeout='3000'/>\n"))
    assert result.data.decode() == domain("    <bootmenu enable='yes' timeout='3000'/>\n")
    assert (result.applied, result.result.diagnostics, fixed(result.data).changed) == (1, [], False)


def test_no_rename_onto_an_attribute_present() -> None:
    text = domain("    <bios useserail='no' useserial='yes'/>\n")
    diagnostic = engine.lint(text.encode(), "guest.xml").diagnostics[0]
    assert (diagnostic.code, diagnostic.message, diagnostic.help, diagnostic.fix) == (
        "OS003",
        "unknown attribute 'useserail' on <bios>; did you mean 'useserial'?",
        "'useserial' is already set: remove 'useserail'",
        None,
    )
    assert not fixed(text).changed


def test_two_misspellings_of_one_name_rename_one() -> None:
    result = fixed(domain("    <bios useSerial='no' useserail='yes'/>\n"))
    assert result.data.decode() == domain("    <bios useserial='no' useserail='yes'/>\n")
    assert [(d.code, d.fix) for d in result.result.diagnostics] == [("OS003", None)]


def test_a_foreign_namespace_name_is_no_near_miss() -> None:
    text = domain("    <bootmenu x:enabled='yes' enable='no'/>\n    <x:bootmnu/>\n")
    found = [(d.code, d.message, d.fix) for d in engine.lint(text.encode(), "guest.xml").diagnostics]
    assert found == [
        ("OS003", "unknown attribute 'x:enabled' on <bootmenu>: allowed attributes are 'enable' or 'timeout'", None),
        ("OS002", "unknown element <x:bootmnu> in <os>", None),
    ]
    assert not fixed(text).changed


MESSY = domain("    <bootmnu enable='yes'/>\n")


def test_fix_refuses_a_result_that_does_not_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fix that went wrong (here one that leaves a stray quote) writes nothing; the other files are fixed."""
    broken, good = tmp_path / "broken.xml", tmp_path / "good.xml"
    broken.write_text(MESSY)
    good.write_text(domain("    <bios useSerial='no'/>\n"))
    rename = fixes.rename_element

    def stray_quote(document: Document, element: etree._Element, new_name: str) -> list[TextEdit] | None:
        edits = rename(document, element, new_name)
        return edits and [TextEdit(edits[0].span, new_name + "'"), *edits[1:]]

    monkeypatch.setattr(fixes, "rename_element", stray_quote)
    code, out, err = run("check", "--fix", "--format", "concise", str(broken), str(good))
    assert (code, broken.read_text(), good.read_text()) == (2, MESSY, domain("    <bios useserial='no'/>\n"))
    assert err == f"domlint: error: {broken}: no fix written: the fixed document would not parse\ndomlint: applied 1 fix to 1 file\n"
    assert out.decode() == (
        f"{broken}:4:5: OS002 unknown-element unknown element <bootmnu> in <os>; did you mean <bootmenu>? [*]\n"
        "2 files, 1 error, 0 warnings, 0 skipped\n"
        "[*] 1 fixable with --fix\n"
    )
    code, out, err = run("check", "--diff", str(broken))
    assert (code, out, err) == (2, b"", f"domlint: error: {broken}: no diff: the fixed document would not parse\n")


# 5. Only the edits change bytes, in the file's own encoding ----------------------------------------


ENCODED = [
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
]


@pytest.mark.parametrize(("bom", "codec"), ENCODED, ids=[codec + "-bom" for _, codec in ENCODED])
def test_fix_keeps_bom_byte_order_and_line_ends(bom: bytes, codec: str) -> None:
    head = "<!-- l'\u00e9quipe -->\r\n"
    result = fixed(bom + domain("    <bootmnu enable='yes'/>\r\n", head).encode(codec))
    assert result.data == bom + domain("    <bootmenu enable='yes'/>\r\n", head).encode(codec)


def test_fix_keeps_utf7_spellings_outside_the_edit() -> None:
    """UTF-7 spells 'é ' more than one way ("+AOk-" here, "+AOk" by Python's codec): the bytes
    around the edit stay as written."""
    head = "<?xml version='1.0' encoding='utf-7'?>\n<!-- a+AOk- b -->\n"
    result = fixed(domain("    <bootmnu enable='yes'/>\n", head).encode("ascii"))
    assert result.data == domain("    <bootmenu enable='yes'/>\n", head).encode("ascii")


def test_an_edit_inside_a_utf7_run_is_refused() -> None:
    """The new text would join the base64 run before it: the edit cannot be written as it is."""
    data = b"<?xml version='1.0' encoding='utf-7'?><a>+AOk b</a>"
    document = Document("a.xml", data)
    start = document.text.index(" b")
    assert fixes.apply(document, data, [fixes.single("t", TextEdit(document.span(start, start + 1), "x"))]) == (None, 1)


def test_fix_ignores_brackets_and_tags_inside_the_doctype() -> None:
    head = "<!DOCTYPE domain [\n  <!ENTITY note \"]><a><b><c><bootmenu enabled='no'/><!--\">\n]>\n"
    text = domain("    <bootmenu enabled='yes'/><!-- -->\n", head)
    diagnostic = engine.lint(text.encode(), "guest.xml").diagnostics[0]
    assert (diagnostic.code, diagnostic.span.line, diagnostic.span.column) == ("OS003", 7, 15)
    assert fixed(text).data.decode() == domain("    <bootmenu enable='yes'/><!-- -->\n", head)


@pytest.mark.parametrize("encoding", ["undefined", "idna", "rot13"])
def test_an_odd_declared_encoding_is_a_diagnostic(tmp_path: Path, encoding: str) -> None:
    odd, good = tmp_path / "odd.xml", tmp_path / "good.xml"
    odd.write_text(f"<?xml version='1.0' encoding='{encoding}'?>\n" + MESSY)
    good.write_text(MESSY)
    code, out, err = run("check", "--format", "concise", str(odd), str(good))
    column = len(f"<?xml version='1.0' encoding='{encoding}'") + 1
    assert (code, err) == (1, "")
    assert out.decode() == (
        f"{good}:4:5: OS002 unknown-element unknown element <bootmnu> in <os>; did you mean <bootmenu>? [*]\n"
        f"{odd}:1:{column}: OS001 xml-syntax the document is not well-formed XML: Unsupported encoding: {encoding}\n"
        "2 files, 2 errors, 0 warnings, 0 skipped\n"
        "[*] 1 fixable with --fix\n"
    )
    assert run("check", "--diff", str(odd)) == (0, b"", "")


# 6. The diff is a patch; a second --fix finds nothing ----------------------------------------------

PATCH_CASES = {
    "no-final-newline": ("guest.xml", MESSY.rstrip("\n").encode()),
    "crlf": ("guest.xml", MESSY.replace("\n", "\r\n").encode()),
    "crlf-no-final-newline": ("guest.xml", MESSY.replace("\n", "\r\n").rstrip("\r\n").encode()),
    "spaces-in-path": ("my vms/the guest.xml", MESSY.encode()),
    "quote-in-path": ('vms/a "b" \\c.xml', MESSY.encode()),
    "utf-16": ("guest.xml", codecs.BOM_UTF16_LE + MESSY.encode("utf-16-le")),
    "last-line-edited": ("guest.xml", MESSY.replace("  </os>\n</domain>\n", "  </os><bootmnu enable='yes'/></domain>").encode()),
}


@pytest.mark.skipif(shutil.which("patch") is None or shutil.which("git") is None, reason="needs GNU patch and git")
@pytest.mark.parametrize(("name", "data"), PATCH_CASES.values(), ids=list(PATCH_CASES))
@pytest.mark.parametrize("tool", [["patch", "-p0", "--quiet", "-i"], ["git", "apply", "-p0"]], ids=["patch", "git-apply"])
def test_diff_is_a_patch_giving_what_fix_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, data: bytes, tool: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    code, patch, _ = run("check", "--diff", name)
    assert code == 1 and patch.startswith(b"--- ")
    (tmp_path / "fix.patch").write_bytes(patch)
    subprocess.run([*tool, "fix.patch"], cwd=tmp_path, check=True, capture_output=True)
    patched = target.read_bytes()
    target.write_bytes(data)
    run("check", "--fix", name)
    assert patched == target.read_bytes() != data
    assert run("check", "--diff", name)[:2] == (0, b"")


def test_many_repeated_boots_are_all_fixed_in_one_run() -> None:
    result = fixed(domain("    <boot dev='hd'/>\n" * 40))
    assert result.data.decode() == domain("    <boot dev='hd'/>\n")
    assert (result.applied, result.result.diagnostics, fixed(result.data).changed) == (39, [], False)


# Properties of the fix engine ----------------------------------------------------------------------

NAMES = ["enable", "enabled", "Enable", "x:enabled", "timeout", "timout", "useserial", "useSerial", "useserail", "rebootTimeout"]
VALUES = ["yes", "no", "3000", "-1"]
CHILDREN = ["boot", "bootmenu", "bootmnu", "bios", "bois", "x:bootmenu", "smbios", "loader"]
CODECS = [(b"", "utf-8"), (codecs.BOM_UTF8, "utf-8"), *ENCODED[:4], (b"", "iso-8859-1"), (b"", "utf-7")]


@st.composite
def os_documents(draw: st.DrawFn) -> bytes:
    """An <os> block of near-miss, repeated and foreign names, in an odd encoding and line end."""
    children = []
    for _ in range(draw(st.integers(0, 6))):
        tag = draw(st.sampled_from(CHILDREN))
        if tag == "boot":
            children.append(f"<boot dev='{draw(st.sampled_from(['hd', 'cdrom', 'network']))}'/>")
            continue
        names = draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
        attributes = "".join(f" {n}='{draw(st.sampled_from(VALUES))}'" for n in names)
        children.append(draw(st.sampled_from([f"<{tag}{attributes}/>", f"<{tag}{attributes}></{tag}>"])))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    bom, codec = draw(st.sampled_from(CODECS))
    head = f"<?xml version='1.0' encoding='{codec}'?>{newline}" if not bom else ""
    if draw(st.booleans()):
        head += f"<!DOCTYPE domain [<!ENTITY e \"]><bootmnu enable='x'/>\">]>{newline}"
    body = "".join(f"    {child}{newline}" for child in children)
    text = f"{head}<domain type='kvm' xmlns:x='urn:x'>{newline}  <os>{newline}    <type>hvm</type>{newline}{body}  </os>{newline}</domain>"
    return bom + text.encode(codec) + draw(st.sampled_from([b"", newline.encode(codec)]))


def _with_some_applied(text: str, fixes_edits: list[list[tuple[int, int, str]]]) -> set[str]:
    """The text with each subset of the fixes (each a list of edits) whose edits overlap nowhere."""
    results = set()
    for subset in itertools.product([False, True], repeat=len(fixes_edits)):
        edits = sorted(edit for use, fix in zip(subset, fixes_edits) if use for edit in fix)
        if all(end <= following[0] for (_, end, _), following in zip(edits, edits[1:])):
            edited = text
            for start, end, new_text in reversed(edits):
                edited = edited[:start] + new_text + edited[end:]
            results.add(edited)
    return results


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(os_documents(), st.data())
def test_any_chosen_fixes_keep_the_document_safe(data: bytes, choice: st.DataObject) -> None:
    """Whatever fixes are asked for: the bytes parse, keep their BOM and encoding, differ from the
    original only by some of those edits, and fixing to the end leaves nothing to fix."""
    result = engine.lint(data, "guest.xml")
    assert isinstance(result.source, Document)
    source = result.source
    offered = [d.fix for d in result.diagnostics if d.fix is not None]
    chosen = choice.draw(st.lists(st.sampled_from(offered), max_size=6, unique_by=id)) if offered else []
    edited, count = fixes.apply(source, data, chosen)
    assert edited is not None and count <= len(chosen)
    etree.fromstring(edited)
    after = Document("guest.xml", edited)
    assert (after.encoding, edited[:4]) == (source.encoding, data[:4])
    spans = [
        [(source.offset(e.span.line, e.span.column), source.offset(e.span.end_line, e.span.end_column), e.new_text) for e in f.edits]
        for f in chosen
    ]
    assert after.text in _with_some_applied(source.text, spans)
    done = autofix.fix(data, "guest.xml", OPTIONS)
    assert done.refused is None
    etree.fromstring(done.data)
    assert [d for d in done.result.diagnostics if d.fix] == []
    assert not autofix.fix(done.data, "guest.xml", OPTIONS).changed
