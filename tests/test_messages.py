"""Issue 14: documents with entity references are linted as libvirt reads them, and grammar
messages point at the node at fault and say what libvirt does with it."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from domlint import engine, schema
from domlint.cli import main

ENTITY_HEAD = "<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY s SYSTEM 'file:///etc/passwd'><!ENTITY v 'INTERNAL'>]>\n"


def _found(text: str) -> list[tuple[str, int, int, int, int, str]]:
    result = engine.lint(text.encode(), "d.xml")
    return [(d.name, d.span.line, d.span.column, d.span.end_line, d.span.end_column, d.message) for d in result.diagnostics]


def _domain(os: str, head: str = "", kind: str = "kvm") -> str:
    return f"{head}<domain type='{kind}'>\n  <name>g</name>\n  <description>&s;</description>\n  <os>\n{os}  </os>\n</domain>\n"


EXTERNAL = (
    "the entity reference &s; is not expanded (libvirt does not expand it either): "
    "the document is checked as libvirt reads it, with nothing in its place"
)

SCHEMA = "libvirt's schema (virsh edit, virsh define --validate, virt-xml-validate)"
EMPTY = "<{name}> is empty: " + SCHEMA + " refuses it, and its parser drops it: virsh define keeps the domain without it"


def test_a_document_with_an_entity_reference_is_still_linted() -> None:
    text = _domain("    <type>hvm</type>\n    <bios rebootTimeout='99999'/>\n", ENTITY_HEAD)
    assert _found(text) == [
        ("xml-feature-ignored", 5, 16, 5, 19, EXTERNAL),
        (
            "reboot-timeout-range",
            8,
            11,
            8,
            32,
            "rebootTimeout '99999' is out of range: libvirt accepts an integer from -1 to 65535 (milliseconds; -1 disables the reboot)",
        ),
    ]


def test_a_loader_on_a_xen_pv_guest_with_an_entity_reference_is_reported() -> None:
    text = _domain("    <type>xen</type>\n    <loader>/usr/lib/xen/boot/hvmloader</loader>\n", ENTITY_HEAD, "xen")
    assert [(name, line) for name, line, *_ in _found(text)] == [("xml-feature-ignored", 5), ("loader-requires-hvm", 8)]


def test_an_internal_entity_reads_as_its_text() -> None:
    """libvirt reads `<!ENTITY v 'INTERNAL'>` as its text: stray text in <os>, as its schema says."""
    text = _domain("    <type>hvm</type>\n    &v;\n", ENTITY_HEAD)
    assert _found(text) == [
        ("xml-feature-ignored", 5, 16, 5, 19, EXTERNAL),
        ("unexpected-text", 6, 3, 6, 7, "<os> takes no text, found 'INTERNAL'"),
    ]


def test_the_warning_names_the_text_of_an_internal_entity() -> None:
    text = "<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY v '/boot/vmlinuz'>]>\n" + _domain("    <type>hvm</type>\n").replace(
        "&s;", "&v;"
    )
    assert _found(text) == [
        (
            "xml-feature-ignored",
            5,
            16,
            5,
            19,
            "the entity reference &v; is not expanded (libvirt does not expand it either): the document is checked "
            "as libvirt reads it, with the entity's text '/boot/vmlinuz' in its place",
        )
    ]


def test_an_external_entity_reads_as_nothing_in_a_path() -> None:
    text = _domain("    <type>hvm</type>\n    <kernel>&s;</kernel>\n", ENTITY_HEAD)
    assert _found(text) == [
        ("xml-feature-ignored", 5, 16, 5, 19, EXTERNAL),
        ("invalid-value", 8, 13, 8, 16, EMPTY.format(name="kernel")),
    ]


def test_the_entity_file_is_never_read_and_the_exit_code_counts_findings(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("DOMLINT-SECRET-MARKER-issue14")
    head = f"<?xml version='1.0'?>\n<!DOCTYPE domain [<!ENTITY s SYSTEM 'file://{secret}'>]>\n"
    bad = tmp_path / "bad.xml"
    bad.write_text(_domain("    <type>hvm</type>\n    <bios rebootTimeout='99999'/>\n", head))
    good = tmp_path / "good.xml"
    good.write_text(_domain("    <type>hvm</type>\n", head))
    result = CliRunner().invoke(main, ["check", str(bad), str(good)])
    assert result.exit_code == 1
    assert "DOMLINT-SECRET-MARKER-issue14" not in result.output
    assert result.output.count("reboot-timeout-range") == 1
    assert result.output.endswith("2 files, 1 error, 2 warnings, 0 skipped\n")
    alone = CliRunner().invoke(main, ["check", str(good)])
    assert (alone.exit_code, alone.output.endswith("1 file, 0 errors, 1 warning, 0 skipped\n")) == (0, True)


def test_stray_text_points_at_the_text_itself() -> None:
    text = "<domain type='kvm'>\n  <name>g</name>uu\n  <os>\n    <type>hvm</type> s\n    <boot dev='hd'/>\n  </os>\n</domain>\n"
    assert _found(text) == [
        ("unexpected-text", 2, 17, 2, 19, "<domain> takes no text, found 'uu'"),
        ("unexpected-text", 4, 22, 4, 23, "<os> takes no text, found 's'"),
    ]


def test_stray_text_before_the_first_child_points_at_the_text() -> None:
    text = "<domain type='kvm'>\n  <name>g</name>\n  <os>\n    s <type>hvm</type>\n  </os>\n</domain>\n"
    assert _found(text) == [("unexpected-text", 4, 5, 4, 6, "<os> takes no text, found 's'")]


def test_a_xen_type_with_an_hvm_machine_blames_the_machine_and_the_hvm_only_children() -> None:
    """`<type>xen</type>` is valid: libvirt's schema fails on machine= (xenpv, xenfv or xenpvh) and on <boot>."""
    text = (
        "<domain type='xen'>\n  <name>g</name>\n  <os>\n    <type machine='pc-0.11'>xen</type>\n    <boot dev='hd'/>\n  </os>\n</domain>\n"
    )
    assert _found(text) == [
        ("invalid-value", 4, 11, 4, 28, "invalid value 'pc-0.11' for attribute 'machine' of <type>: expected 'xenpv', 'xenfv' or 'xenpvh'"),
        (
            "not-allowed-here",
            5,
            5,
            5,
            21,
            "<boot> is allowed in <os> only when <type> is 'hvm', not 'xen'; " + SCHEMA + " refuses it, but its parser ignores it",
        ),
    ]


def test_an_empty_path_element_says_it_is_empty_and_what_libvirt_does() -> None:
    text = "<domain type='kvm'>\n  <name>g</name>\n  <os>\n    <type>hvm</type>\n    <kernel></kernel>\n    <initrd/>\n  </os>\n</domain>\n"
    result = engine.lint(text.encode(), "d.xml")
    help = "remove the empty <{}>, or give it an absolute path (starting with / or a drive letter)"
    assert [(d.name, d.span.line, d.message, d.help) for d in result.diagnostics] == [
        ("invalid-value", 5, EMPTY.format(name="kernel"), help.format("kernel")),
        ("invalid-value", 6, EMPTY.format(name="initrd"), help.format("initrd")),
    ]
    assert [d.fix.title for d in result.diagnostics if d.fix] == ["remove the empty <kernel>", "remove the empty <initrd>"]


def test_the_fix_removes_the_empty_elements(tmp_path: Path) -> None:
    path = tmp_path / "vagrant.xml"
    path.write_bytes(
        b"<domain type='kvm'>\n  <name>g</name>\n  <os>\n    <type>hvm</type>\n    <kernel></kernel>\n    <initrd/>\n  </os>\n</domain>\n"
    )
    result = CliRunner().invoke(main, ["check", "--fix", str(path)])
    assert path.read_bytes() == b"<domain type='kvm'>\n  <name>g</name>\n  <os>\n    <type>hvm</type>\n  </os>\n</domain>\n"
    assert result.exit_code == 0


def test_an_empty_cmdline_is_accepted_as_by_libvirt() -> None:
    """libvirt's schema and parser both accept an empty <cmdline> (virsh define --validate succeeds)."""
    assert _found("<os>\n  <type>hvm</type>\n  <kernel>/boot/vmlinuz</kernel>\n  <cmdline/>\n</os>\n") == []


def test_an_empty_element_without_a_parser_note_names_what_it_expects() -> None:
    text = (
        "<domain type='lxc'>\n  <name>g</name>\n  <os>\n    <type>exe</type>\n    <init>/sbin/init</init>\n"
        "    <initdir></initdir>\n  </os>\n</domain>\n"
    )
    assert [(name, line, message) for name, line, _, _, _, message in _found(text) if name == "invalid-value"] == [
        ("invalid-value", 6, "<initdir> is empty: expected an absolute path (starting with / or a drive letter)")
    ]


def test_what_only_the_schema_refuses_says_the_parser_accepts_it() -> None:
    text = (
        "<domain type='kvm'>\n  <name>g</name>\n  <features><acpi/></features>\n  <os>\n    <type arch='x86_64'>hvm</type>\n"
        "    <loader readonly='yes' type='pflash'>OVMF_CODE.fd</loader>\n    <nvram template='OVMF_VARS.fd'/>\n  </os>\n</domain>\n"
    )
    path = (
        "expected an absolute path (starting with / or a drive letter); " + SCHEMA + " refuses it, but its parser uses the path as written"
    )
    assert _found(text) == [
        ("invalid-value", 6, 42, 6, 54, "invalid content 'OVMF_CODE.fd' in <loader>: " + path),
        ("invalid-value", 7, 12, 7, 35, "invalid value 'OVMF_VARS.fd' for attribute 'template' of <nvram>: " + path),
    ]


def test_boot_on_a_xen_pv_guest_says_the_parser_ignores_it() -> None:
    text = (
        "<domain type='xen'>\n  <name>g</name>\n  <os>\n    <type>xen</type>\n    <kernel>/boot/vmlinuz</kernel>\n"
        "    <boot dev='hd'/>\n  </os>\n</domain>\n"
    )
    message = "<boot> is allowed in <os> only when <type> is 'hvm', not 'xen'; " + SCHEMA + " refuses it, but its parser ignores it"
    assert _found(text) == [("not-allowed-here", 6, 5, 6, 21, message)]


def test_the_grammar_carries_the_parser_notes() -> None:
    """The words come from the grammar's d:parser-* annotations, the single source of truth."""
    patterns = {p.name.name: p for p in schema._element_patterns(schema.bundled_schema().patterns)}
    assert patterns["boot"].parser == {"placement": "ignores it"}
    assert patterns["kernel"].parser == {"empty": "drops it: virsh define keeps the domain without it"}
    assert patterns["type"].parser == {}
