"""The compact-syntax (and XSD) renderings are derived from os.rng and give the same verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest
import rnc2rng
from lxml import etree

from domlint import schema
from domlint.document import Document, XmlSyntaxError
from domlint.renderings import render_all

from .conftest import CORPUS, FIXTURES, corpus_rows

SCHEMAS = schema.bundled_schema().path.parent


def test_committed_renderings_are_up_to_date() -> None:
    for name, text in render_all(SCHEMAS).items():
        assert (SCHEMAS / name).read_text(encoding="utf-8") == text, f"run: python -m domlint.renderings ({name})"


def _documents() -> list[Path]:
    files = sorted(FIXTURES.rglob("*.xml"))
    files += [CORPUS / row[0] / row[1] for row in corpus_rows()]
    return files


@pytest.fixture(scope="module")
def compact_grammar() -> etree.RelaxNG:
    """domain.rnc read back through rnc2rng (an independent parser of the compact syntax)."""
    return etree.RelaxNG(etree.fromstring(rnc2rng.dumps(rnc2rng.load(str(SCHEMAS / "domain.rnc"))).encode()))


def test_compact_syntax_gives_the_same_verdicts(compact_grammar: etree.RelaxNG) -> None:
    reference = schema.bundled_schema().relaxng
    checked, differing = 0, []
    for path in _documents():
        try:
            document = Document(str(path), path.read_bytes())
        except XmlSyntaxError:
            continue
        checked += 1
        if bool(reference.validate(document.root)) != bool(compact_grammar.validate(document.root)):
            differing.append(str(path))
    assert checked > 50
    assert differing == []
