"""libvirt's own test domains: no error on any file libvirt 9.0.0 accepts."""

from __future__ import annotations

import pytest

from domlint import engine
from domlint.diagnostics import Severity

from . import oracle
from .conftest import CORPUS, ROOT, corpus_rows, needs_corpus

REVIEWED = ROOT / "tests" / "corpus_warnings"

# Marked "accept" in MANIFEST.tsv (libvirt defines them and formats them back), yet the guest
# cannot start: the QEMU driver refuses them when it builds the command line. Proven with the
# live libvirt in test_start_failures_are_real; domlint's error on them is right.
FAILS_AT_START = {
    "qemuxml2argvdata/smbios-multiple-type2.xml": "qemu does not support more than one entry to Type 2 in SMBIOS table",
    "qemuxml2xmloutdata/smbios-multiple-type2.xml": "qemu does not support more than one entry to Type 2 in SMBIOS table",
}


def _accepted() -> list:
    return [CORPUS / row[0] / row[1] for row in corpus_rows() if row[3] == "accept" and f"{row[0]}/{row[1]}" not in FAILS_AT_START]


def _reviewed_warnings() -> set[tuple[str, str, int]]:
    entries = set()
    for table in sorted(REVIEWED.glob("*.tsv")):
        for line in table.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                path, rule, number, reason = line.split("\t")
                assert reason.strip(), f"{table.name}: {path} {rule} has no reason"
                entries.add((path, rule, int(number)))
    return entries


@needs_corpus
def test_no_error_on_files_libvirt_accepts() -> None:
    accepted = _accepted()
    assert len(accepted) > 1500
    errors = [
        f"{path.relative_to(CORPUS)}:{d.span.line}:{d.span.column}: {d.name}: {d.message}"
        for path in accepted
        for d in engine.lint(path.read_bytes(), str(path)).diagnostics
        if d.severity is Severity.ERROR
    ]
    assert errors == []


@needs_corpus
def test_boot_menu_timeout_rejection_is_found() -> None:
    """The one <os> rejection in the corpus that the foundation rules cover."""
    path = CORPUS / "qemuxml2argvdata" / "boot-menu-enable-with-timeout-invalid.xml"
    names = [d.name for d in engine.lint(path.read_bytes(), str(path)).diagnostics]
    assert names == ["bootmenu-timeout-range"]


@needs_corpus
def test_warnings_on_accepted_files_are_reviewed() -> None:
    """Each warning on a file libvirt accepts is listed in tests/corpus_warnings with its reason."""
    found = {
        (str(path.relative_to(CORPUS)), d.name, d.span.line)
        for path in _accepted()
        for d in engine.lint(path.read_bytes(), str(path)).diagnostics
        if d.severity is Severity.WARNING
    }
    reviewed = _reviewed_warnings()
    assert sorted(found - reviewed) == [], "unreviewed warnings"
    assert sorted(reviewed - found) == [], "reviewed warnings that no longer occur"


@needs_corpus
@pytest.mark.skipif(
    not oracle.available(), reason="no libvirt to prove it: apt-get install libvirt-clients libvirt-daemon-driver-qemu qemu-system-x86"
)
@pytest.mark.parametrize("name", sorted(FAILS_AT_START))
def test_start_failures_are_real(name: str) -> None:
    assert FAILS_AT_START[name] in (oracle.rejection(CORPUS / name, "qemu") or "")
