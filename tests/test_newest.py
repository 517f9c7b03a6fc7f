"""Issue 14 item 6: what libvirt's newest test data and other projects' published domains
showed when domlint was run over them."""

from __future__ import annotations

from domlint import engine, schema

SCHEMA = "libvirt's schema (virsh edit, virsh define --validate, virt-xml-validate)"


def _found(text: str) -> list[tuple[str, int, int, int, int, str]]:
    result = engine.lint(text.encode(), "d.xml")
    return [(d.name, d.span.line, d.span.column, d.span.end_line, d.span.end_column, d.message) for d in result.diagnostics]


def test_init_options_on_an_hvm_guest_say_the_parser_ignores_them() -> None:
    """virt-manager's tests/data/cli/compare/virt-install-boot-container.xml writes <init*> under
    <type>hvm</type>: libvirt's parser reads them only for 'exe' (virDomainDefParseBootOptions)."""
    text = (
        "<domain type='test'>\n  <name>g</name>\n  <os>\n    <type arch='i686'>hvm</type>\n    <init>/bin/systemd</init>\n"
        "    <initarg>--unit</initarg>\n    <initenv name='FOO'>bar</initenv>\n    <initdir>/my/cwd</initdir>\n"
        "    <inituser>tester</inituser>\n    <initgroup>1000</initgroup>\n    <boot dev='hd'/>\n  </os>\n</domain>\n"
    )
    ignored = "is allowed in <os> only when <type> is 'exe', not 'hvm'; " + SCHEMA + " refuses it, but its parser ignores it"
    assert _found(text) == [
        ("not-allowed-here", 5, 5, 5, 11, "<init> " + ignored),
        ("not-allowed-here", 6, 5, 6, 14, "<initarg> " + ignored),
        ("not-allowed-here", 7, 5, 7, 25, "<initenv> " + ignored),
        ("not-allowed-here", 8, 5, 8, 14, "<initdir> " + ignored),
        ("not-allowed-here", 9, 5, 9, 15, "<inituser> " + ignored),
        ("not-allowed-here", 10, 5, 10, 16, "<initgroup> " + ignored),
    ]


def test_the_grammar_says_the_parser_ignores_misplaced_init_options() -> None:
    patterns = {p.name.name: p for p in schema._element_patterns(schema.bundled_schema().patterns)}
    names = ("init", "initarg", "initenv", "initdir", "inituser", "initgroup")
    assert {name: patterns[name].parser for name in names} == {name: {"placement": "ignores it"} for name in names}
