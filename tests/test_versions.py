"""A target libvirt version: what an older host does not understand, dated by the grammar alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from domlint import engine, grammar, schema, versions
from domlint.cli import main
from domlint.diagnostics import Severity
from domlint.rules import REGISTRY

from .conftest import CORPUS, corpus_rows, needs_corpus

# Everything the issue names, in one domain that the newest libvirt accepts: firmware features
# (7.2.0), nvram type (8.5.0), loader stateless (8.6.0) and loader format (9.2.0).
WITH_NVRAM = """<domain type='kvm'>
  <name>guest</name>
  <memory unit='MiB'>2048</memory>
  <os firmware='efi'>
    <type arch='x86_64' machine='q35'>hvm</type>
    <firmware>
      <feature enabled='yes' name='secure-boot'/>
    </firmware>
    <loader stateless='no' format='raw'/>
    <nvram type='file'>
      <source file='/var/lib/libvirt/qemu/nvram/guest_VARS.fd'/>
    </nvram>
  </os>
  <features>
    <acpi/>
  </features>
</domain>
"""
# <varstore> (12.1.0) excludes <nvram>, so it gets a domain of its own.
WITH_VARSTORE = """<domain type='kvm'>
  <name>guest</name>
  <memory unit='MiB'>2048</memory>
  <os firmware='efi'>
    <type arch='x86_64' machine='q35'>hvm</type>
    <varstore/>
  </os>
  <features>
    <acpi/>
  </features>
</domain>
"""


def lint(text: str, version: tuple[int, int, int] | None, **options: object) -> list:
    return engine.lint(text.encode(), "vm.xml", engine.Options(libvirt_version=version, **options)).diagnostics  # type: ignore[arg-type]


def where(text: str, line: int, needle: str) -> tuple[int, int, int]:
    """(line, first column, column after) of `needle` on a 1-based line of `text`."""
    column = text.splitlines()[line - 1].index(needle) + 1
    return line, column, column + len(needle)


def newer(diagnostics: list) -> list[tuple[tuple[int, int, int], str]]:
    return [
        ((d.span.line, d.span.column, d.span.end_column), d.message)
        for d in diagnostics
        if d.name == "requires-newer-libvirt" and d.span.line == d.span.end_line
    ]


def test_libvirt_8_0_sees_each_newer_construct_where_it_stands_with_its_version() -> None:
    found = newer(lint(WITH_NVRAM, (8, 0, 0))) + newer(lint(WITH_VARSTORE, (8, 0, 0)))
    assert found == [
        (where(WITH_NVRAM, 9, "stateless='no'"), "attribute 'stateless' of <loader> needs libvirt 8.6.0 or newer; the target is 8.0.0"),
        (where(WITH_NVRAM, 9, "format='raw'"), "attribute 'format' of <loader> needs libvirt 9.2.0 or newer; the target is 8.0.0"),
        (where(WITH_NVRAM, 10, "type='file'"), "attribute 'type' of <nvram> needs libvirt 8.5.0 or newer; the target is 8.0.0"),
        (where(WITH_NVRAM, 11, "<source file='/var/lib/libvirt/qemu/nvram/guest_VARS.fd'/>"),
         "<source> needs libvirt 8.5.0 or newer; the target is 8.0.0"),
        (where(WITH_VARSTORE, 6, "<varstore/>"), "<varstore> needs libvirt 12.1.0 or newer; the target is 8.0.0"),
    ]  # fmt: skip
    assert {d.severity for d in lint(WITH_NVRAM, (8, 0, 0)) if d.name == "requires-newer-libvirt"} == {Severity.ERROR}


def test_firmware_features_are_reported_for_libvirt_before_7_2() -> None:
    """8.0 has firmware features (7.2.0); 7.1 does not, and sees the <firmware> element once."""
    found = newer(lint(WITH_NVRAM, (7, 1, 0)))
    assert found[0] == (where(WITH_NVRAM, 6, "<firmware>"), "<firmware> needs libvirt 7.2.0 or newer; the target is 7.1.0")
    assert len(found) == 5


@pytest.mark.parametrize("version", [(12, 5, 0), (12, 1, 0), None])
def test_a_current_target_or_none_reports_nothing(version: tuple[int, int, int] | None) -> None:
    assert lint(WITH_NVRAM, version) == []
    assert lint(WITH_VARSTORE, version) == []


def test_each_construct_is_reported_up_to_the_release_before_its_own() -> None:
    assert [message for _, message in newer(lint(WITH_NVRAM, (9, 1, 0)))] == [
        "attribute 'format' of <loader> needs libvirt 9.2.0 or newer; the target is 9.1.0"
    ]
    assert newer(lint(WITH_NVRAM, (9, 2, 0))) == []
    assert len(newer(lint(WITH_VARSTORE, (12, 0, 9)))) == 1


def test_the_versions_come_from_the_grammar(monkeypatch: pytest.MonkeyPatch) -> None:
    """No second table: change a d:since in the grammar read into memory, and the finding follows."""
    loader = next(p for p in schema._element_patterns(schema.bundled_schema().patterns) if p.name.name == "loader")
    stateless = next(a.pattern for alt in schema.expand(loader.content) for a in alt.attributes if a.pattern.name.name == "stateless")
    monkeypatch.setattr(stateless, "since", "99.1.0")
    assert "attribute 'stateless' of <loader> needs libvirt 99.1.0 or newer; the target is 12.5.0" in [
        message for _, message in newer(lint(WITH_NVRAM, (12, 5, 0)))
    ]


def test_a_value_newer_than_its_attribute_is_dated_by_the_value() -> None:
    text = WITH_NVRAM.replace("<type arch='x86_64' machine='q35'>", "<type arch='loongarch64' machine='virt'>")
    assert [message for _, message in newer(lint(text, (9, 2, 0)))] == [
        "arch='loongarch64' on <type> needs libvirt 10.2.0 or newer; the target is 9.2.0"
    ]


def test_an_attribute_newer_than_its_value_is_one_finding() -> None:
    text = WITH_NVRAM.replace("<nvram type='file'>", "<nvram type='file' templateFormat='raw'>")
    messages = [message for _, message in newer(lint(text, (9, 2, 0)))]
    assert messages == ["attribute 'templateFormat' of <nvram> needs libvirt 10.10.0 or newer; the target is 9.2.0"]


def test_what_comes_with_a_reported_element_is_not_reported_again() -> None:
    text = WITH_VARSTORE.replace("<varstore/>", "<varstore path='/var/lib/libvirt/qemu/varstore/guest.json'/>")
    assert [message for _, message in newer(lint(text, (9, 0, 0)))] == ["<varstore> needs libvirt 12.1.0 or newer; the target is 9.0.0"]


def test_text_values_are_dated_at_the_text() -> None:
    text = "<os>\n  <type>xenpvh</type>\n  <kernel>/boot/vmlinuz</kernel>\n</os>\n"
    assert newer(lint(text, (4, 9, 0))) == [
        (where(text, 2, "xenpvh"), "<type>xenpvh</type> needs libvirt 4.10.0 or newer; the target is 4.9.0")
    ]


def test_bootloader_is_dated_too() -> None:
    text = (
        "<domain type='xen'>\n  <name>pv</name>\n"
        "  <bootloader_args>--entry 1</bootloader_args>\n  <bootloader>/usr/bin/pygrub</bootloader>\n</domain>\n"
    )
    assert [message for _, message in newer(lint(text, (0, 2, 0)))] == [
        "<bootloader_args> needs libvirt 0.2.3 or newer; the target is 0.2.0",
    ]


def test_what_the_grammar_refuses_stays_the_grammar_s_diagnostic() -> None:
    text = WITH_NVRAM.replace("format='raw'", "format='vmdk'").replace("stateless='no'", "stateles='no'")
    names = {(d.name, d.span.column) for d in lint(text, (8, 0, 0)) if d.span.line == 9}
    column = text.splitlines()[8].index
    assert names == {("invalid-value", column("format=") + 1), ("unknown-attribute", column("stateles=") + 1)}


def test_a_start_tag_the_grammar_blames_is_left_to_it() -> None:
    text = WITH_NVRAM.replace("<firmware>\n      <feature enabled='yes' name='secure-boot'/>\n    </firmware>", "<firmware/>").replace(
        "<os firmware='efi'>", "<os>"
    )
    at_firmware = [d.name for d in lint(text, (7, 0, 0)) if d.span.line == 6]
    assert at_firmware == ["missing-element"]


def test_suppression_and_selection_apply() -> None:
    text = WITH_VARSTORE.replace("    <varstore/>", "    <!-- domlint: disable=requires-newer-libvirt -->\n    <varstore/>")
    assert lint(text, (9, 0, 0)) == []
    assert lint(WITH_VARSTORE, (9, 0, 0), ignore=frozenset({"OS800"})) == []


def test_the_command_line_and_the_configuration_set_the_target(tmp_path: Path) -> None:
    domain = tmp_path / "vm.xml"
    domain.write_text(WITH_VARSTORE, encoding="utf-8")
    runner = CliRunner()
    flagged = runner.invoke(main, ["check", "--no-config", "--format", "concise", "--libvirt-version", "12.0", str(domain)])
    assert flagged.exit_code == 1
    assert "OS800 requires-newer-libvirt <varstore> needs libvirt 12.1.0 or newer; the target is 12.0.0" in flagged.stdout
    (tmp_path / "domlint.toml").write_text('libvirt-version = "11.0"\n', encoding="utf-8")
    configured = runner.invoke(main, ["check", "--format", "concise", str(domain)])
    assert "the target is 11.0.0" in configured.stdout
    assert runner.invoke(main, ["check", "--libvirt-version", "12.1", str(domain)]).exit_code == 0


def test_rule_documentation_names_each_release_it_depends_on() -> None:
    label = versions.label
    expected = {
        "loader-settings-with-autoselect": label(versions.AUTOSELECT_LOADER_CHECKS.dropped),
        "stateless-no-requires-pflash": label(versions.STATELESS_NO_CHECKS.dropped),
        "stateless-no-requires-efi": label(versions.STATELESS_NO_CHECKS.dropped),
        "nvram-with-rom-loader": label(versions.STATELESS_NO_CHECKS.dropped),
        "rom-loader-read-write": label(versions.READ_WRITE_LOADER_CHECKS),
        "rom-loader-format": label(versions.READ_WRITE_LOADER_CHECKS),
        "variable-store-read-write-loader": label(versions.READ_WRITE_LOADER_CHECKS),
    }
    for name, release in expected.items():
        assert release in REGISTRY[name].doc, name


def test_a_dropped_check_applies_from_the_release_of_its_construct() -> None:
    """Before 5.2.0 there is no firmware= to refuse loader settings with: the attribute itself is
    reported, once, and the 9.0 check is not."""
    text = WITH_VARSTORE.replace("<varstore/>", "<loader readonly='yes'/>")
    assert [d.name for d in lint(text, (5, 1, 0))] == ["requires-newer-libvirt"]
    assert [d.name for d in lint(text, (5, 2, 0))] == ["loader-settings-with-autoselect"]
    assert [d.name for d in lint(text, (9, 2, 0))] == []
    assert versions.AUTOSELECT_LOADER_CHECKS.since == (5, 2, 0)
    assert versions.STATELESS_NO_CHECKS.since == (8, 6, 0)


def test_version_helpers() -> None:
    assert versions.parse("9.2") == (9, 2, 0)
    assert versions.parse("10.10.0") == (10, 10, 0)
    assert versions.label((9, 0, 0)) == "9.0.0"
    assert versions.before((9, 1, 0), (9, 2, 0))
    assert not versions.before((9, 2, 0), (9, 2, 0))
    assert not versions.before(None, (99, 0, 0))


def test_every_grammar_since_parses() -> None:
    """Each d:since of the grammar is a release domlint can compare with a target."""
    seen = 0
    for pattern in schema._element_patterns(schema.bundled_schema().patterns):
        for since in [pattern.since] + [
            option.since
            for alternative in schema.expand(pattern.content)
            for item in alternative.attributes
            for option in [item.pattern] + (schema.text_options(item.pattern.value) or [])
            if isinstance(option, (grammar.Attribute, grammar.Value))
        ]:
            if since is not None:
                assert versions.label(versions.parse(since)) in (since, since + ".0"), since
                seen += 1
    assert seen > 100


@needs_corpus
def test_no_error_on_libvirt_9_0_s_accepted_domains_with_target_9_0() -> None:
    """libvirt 9.0.0 accepts these; judged as for 9.0, domlint must not refuse any of them."""
    from .test_corpus import FAILS_AT_START

    accepted = [CORPUS / r[0] / r[1] for r in corpus_rows() if r[3] == "accept" and f"{r[0]}/{r[1]}" not in FAILS_AT_START]
    assert len(accepted) > 1500
    errors = [
        f"{path.relative_to(CORPUS)}:{d.span.line}: {d.name}: {d.message}"
        for path in accepted
        for d in engine.lint(path.read_bytes(), str(path), engine.Options(libvirt_version=(9, 0, 0))).diagnostics
        if d.severity is Severity.ERROR
    ]
    assert errors == []
