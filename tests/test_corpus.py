"""libvirt's own test domains: no error on any file libvirt 9.0.0 accepts."""

from __future__ import annotations

from domlint import engine
from domlint.diagnostics import Severity

from .conftest import CORPUS, corpus_rows, needs_corpus


@needs_corpus
def test_no_error_on_files_libvirt_accepts() -> None:
    accepted = [CORPUS / row[0] / row[1] for row in corpus_rows() if row[3] == "accept"]
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
