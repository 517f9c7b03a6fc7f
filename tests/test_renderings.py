"""The compact-syntax and XSD 1.1 renderings are derived from the RelaxNG and give the same verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import rnc2rng
import xmlschema
from lxml import etree

from domlint import schema
from domlint.document import Document, XmlSyntaxError
from domlint.renderings import render_all

from .conftest import CORPUS, FIXTURES, corpus_rows

SCHEMAS = Path(schema.bundled_schema().path).parent


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


def _differing(verdict: Callable[[etree._Element], bool]) -> tuple[int, int, list[str]]:
    """(documents checked, rejected by the RelaxNG reference, paths where `verdict` differs)."""
    reference = schema.bundled_schema().relaxng
    checked, rejected, differing = 0, 0, []
    for path in _documents():
        try:
            document = Document(str(path), path.read_bytes())
        except XmlSyntaxError:
            continue
        if any(True for _ in document.root.iter(etree.Entity)):
            continue  # unexpanded entity references: the content is not known (xml-feature-ignored)
        checked += 1
        valid = bool(reference.validate(document.root))
        rejected += not valid
        if valid != verdict(document.root):
            differing.append(str(path))
    return checked, rejected, differing


def test_compact_syntax_gives_the_same_verdicts(compact_grammar: etree.RelaxNG) -> None:
    checked, rejected, differing = _differing(lambda root: bool(compact_grammar.validate(root)))
    assert checked > 50 and rejected > 10
    assert differing == []


def test_xsd_gives_the_same_verdicts() -> None:
    """XSD 1.1 through xmlschema (an independent validator) agrees with the RelaxNG on every
    fixture and corpus document, the rejected ones included."""
    xsd = xmlschema.XMLSchema11(str(SCHEMAS / "domain.xsd"))
    checked, rejected, differing = _differing(lambda root: next(xsd.iter_errors(root), None) is None)
    assert checked > 50 and rejected > 10
    assert differing == []
