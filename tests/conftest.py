"""Shared paths for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus" / "libvirt-9.0.0"


def corpus_rows() -> list[tuple[str, str, str, str, str]]:
    """MANIFEST.tsv rows (set, file, driver, verdict, message); empty when the corpus is absent."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    lines = manifest.read_text(encoding="utf-8").splitlines()[1:]
    return [tuple((line.split("\t") + [""] * 5)[:5]) for line in lines]  # type: ignore[misc]


needs_corpus = pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is absent (the libvirt 9.0.0 test domains)")
