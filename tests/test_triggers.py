"""The shortcuts of the engine change its speed, never its output.

`triggers.py` runs a rule only when the document has one of its triggers, and
`schema.bundled_valid` decides most grammar verdicts without validating the whole domain (and
reuses the verdict of an identical `<os>`). Here every fixture (under every driver, and with its
own fixture options), every mutation and every libvirt corpus document is linted with and without
the shortcuts, and the results must be equal field by field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from domlint import engine, schema, triggers
from domlint.config import parse_version
from domlint.rules import ALL_DRIVERS, ALWAYS, REGISTRY

from . import mutations
from .conftest import CORPUS, FIXTURES, needs_corpus

_DRIVER = re.compile(rb"<!--\s*fixture:\s*driver=(\w+)\s*-->")
_LIBVIRT_VERSION = re.compile(rb"<!--\s*fixture:\s*libvirt-version=([0-9.]+)\s*-->")


def _without_shortcuts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(triggers, "rules_for", lambda context: triggers.applicable(context.driver, context.domain is not None))
    monkeypatch.setattr(schema, "bundled_valid", lambda root: bool(schema.bundled_schema().relaxng.validate(root)))


def _records(data: bytes, path: str, options: engine.Options) -> list[dict[str, object]]:
    return [d.to_dict() for d in engine.lint(data, path, options).diagnostics]


def _compare(monkeypatch: pytest.MonkeyPatch, cases: list[tuple[str, bytes, engine.Options]]) -> None:
    fast = [_records(data, name, options) for name, data, options in cases]
    with monkeypatch.context() as patched:
        _without_shortcuts(patched)
        slow = [_records(data, name, options) for name, data, options in cases]
    differing = [name for (name, _, _), one, other in zip(cases, fast, slow) if one != other]
    assert not differing, f"the shortcuts change the output of {differing[:10]}"


def _fixture_cases() -> Iterator[tuple[str, bytes, engine.Options]]:
    for path in sorted(FIXTURES.rglob("*.xml")):
        data = path.read_bytes()
        driver = _DRIVER.search(data)
        version = _LIBVIRT_VERSION.search(data)
        yield (
            str(path),
            data,
            engine.Options(
                driver=driver.group(1).decode() if driver else None,
                libvirt_version=parse_version(version.group(1).decode()) if version else None,
            ),
        )
        for name in sorted(ALL_DRIVERS):
            yield f"{path} --driver {name}", data, engine.Options(driver=name)
        yield f"{path} --libvirt-version 9.0", data, engine.Options(libvirt_version=(9, 0, 0))


def test_fixtures_under_every_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    _compare(monkeypatch, list(_fixture_cases()))


def test_mutations(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [
        (mutation.name, mutation.render(), engine.Options(driver=driver, libvirt_version=version))
        for mutation in mutations.MUTATIONS + mutations.VERSION_MUTATIONS
        for driver in (None, "test", "libxl", "bhyve")
        for version in (None, (9, 0, 0))
    ]
    _compare(monkeypatch, cases)


@needs_corpus
def test_the_libvirt_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = sorted(CORPUS.rglob("*.xml"))
    cases = [(str(path), path.read_bytes(), engine.Options()) for path in paths]
    cases += [(f"{path} (test driver)", path.read_bytes(), engine.Options(driver="test")) for path in paths[::7]]
    _compare(monkeypatch, cases)


def test_the_shortcut_verdict_agrees_with_lxml() -> None:
    """`bundled_valid` may say "not known to be valid" only where lxml rejects the document."""
    documents = [path.read_bytes() for path in sorted(FIXTURES.rglob("*.xml"))]
    documents += [mutation.render() for mutation in mutations.MUTATIONS]
    if CORPUS.exists():
        documents += [path.read_bytes() for path in sorted(CORPUS.rglob("*.xml"))]
    documents += [
        b"<domain><os><type>hvm</type></os>text</domain>",
        b"<domain><os><type>hvm</type></os><os><type>hvm</type></os></domain>",
        b"<domain><bootloader a='1'>/x</bootloader></domain>",
        b"<domain><bootloader><x/></bootloader></domain>",
        b"<domain><bootloader>a</bootloader><bootloader>b</bootloader></domain>",
        b"<domain><bootloader_args/><bootloader_args/></domain>",
        b"<domain>\n <x:os xmlns:x='urn:x'>anything</x:os>\xc2\xa0<!-- c --></domain>",
        b"<domain> <os xmlns='urn:x'/> <name>n</name>\t</domain>",
    ]
    compared = 0
    for data in documents:
        try:
            document = engine.Document("x.xml", data)
        except engine.XmlSyntaxError:
            continue
        if document.root.tag not in engine.LINTED_ROOTS or next(document.root.iter(etree.Entity), None) is not None:
            continue  # the engine checks documents with entity references no further
        assert schema.bundled_valid(document.root) == bool(schema.bundled_schema().relaxng.validate(document.root)), data[:200]
        compared += 1
    assert compared > 100


def test_a_rule_declared_to_run_always_always_runs() -> None:
    plan = triggers._plan("qemu", True)
    always = {plan.rules[index].name for index in plan.always}
    assert always == {rule.name for rule in plan.rules if rule.triggers is ALWAYS}


def test_triggers_name_known_markers() -> None:
    known = re.compile(
        r"os:[a-z_]+(\*2)?|os:boot!hd|os@firmware|type=[a-z]+|arch=[a-z0-9_]+|no-os|no-domain-type|libvirt-version|device-boot|domain:(bootloader|sysinfo)"
    )
    for rule in REGISTRY.values():
        given = rule.triggers
        if given is ALWAYS:
            continue
        for marker in given(None) + given("qemu") + given("lxc") if callable(given) else given:
            assert known.fullmatch(marker), (rule.name, marker)


def test_markers_of_a_domain(tmp_path: Path) -> None:
    data = (
        b"<domain type='kvm'><os firmware='efi'><type arch='aarch64'>hvm</type><boot dev='hd'/><boot dev='hd'/></os>"
        b"<bootloader_args>x</bootloader_args><devices><disk><boot order='1'/></disk></devices></domain>"
    )
    document = engine.Document("x.xml", data)
    context = engine._context(document, engine.Options(libvirt_version=(9, 0, 0)))
    assert set(triggers.markers(context)) == {
        "libvirt-version",
        "os@firmware",
        "os:type",
        "arch=aarch64",
        "os:boot",
        "os:boot*2",
        "type=hvm",
        "domain:bootloader",
        "device-boot",
    }
