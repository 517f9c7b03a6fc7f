"""The grammar interpreter agrees with lxml's RelaxNG, so the grammar file stays the only truth."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from domlint import grammar, schema
from domlint.document import Document, XmlSyntaxError

from .conftest import CORPUS, FIXTURES, corpus_rows, needs_corpus


def _verdicts(path: Path) -> tuple[bool, bool] | None:
    """(lxml says valid, interpreter finds nothing); None for files that are not domains."""
    try:
        document = Document(str(path), path.read_bytes())
    except XmlSyntaxError:
        return None
    if document.root.tag not in ("domain", "os") or any(True for _ in document.root.iter(etree.Entity)):
        return None  # not linted, or not checked further (unexpanded entity references)
    bundled = schema.bundled_schema()
    return bool(bundled.relaxng.validate(document.root)), not bundled.explain(document)


FIXTURE_FILES = sorted(FIXTURES.rglob("*.xml"))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[str(p.relative_to(FIXTURES)) for p in FIXTURE_FILES])
def test_interpreter_agrees_with_lxml_on_fixtures(path: Path) -> None:
    verdicts = _verdicts(path)
    if verdicts is not None:
        lxml_valid, interpreter_valid = verdicts
        assert interpreter_valid == lxml_valid


@needs_corpus
def test_interpreter_agrees_with_lxml_on_corpus() -> None:
    disagreements = []
    for row in corpus_rows():
        path = CORPUS / row[0] / row[1]
        verdicts = _verdicts(path)
        if verdicts is not None and verdicts[0] != verdicts[1]:
            disagreements.append(f"{row[0]}/{row[1]}: lxml valid={verdicts[0]}")
    assert disagreements == []


def test_grammar_compiles_standalone() -> None:
    """os.rng alone is a usable grammar too (editors may point at it)."""
    etree.RelaxNG(etree.parse(grammar.schema_path("os.rng")))


def test_ranges_come_from_the_grammar() -> None:
    assert schema.integer_range("bios", "rebootTimeout") == (-1, 65535)
    assert schema.integer_range("bootmenu", "timeout") == (0, 65535)


def test_an_unexplained_rejection_is_still_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the interpreter ever misses what lxml rejects, lxml's own message is shown."""
    monkeypatch.setattr(schema.Schema, "explain", lambda self, document: [])
    path = FIXTURES / "invalid-value" / "bad-boot-dev.xml"
    document = Document(str(path), path.read_bytes())
    issues = schema.bundled_schema().validate(document)
    assert [(i.rule.name, i.element.tag, i.element.sourceline) for i in issues] == [("grammar-error", "boot", 6)]
    assert issues[0].message.startswith("the grammar rejects this element: ")


def _rng_nodes(kind: str) -> list[etree._Element]:
    tree = etree.parse(grammar.schema_path("os.rng"))
    return tree.findall(f".//{{http://relaxng.org/ns/structure/1.0}}{kind}")


@pytest.mark.parametrize("kind", ["element", "attribute", "value"])
def test_every_item_of_os_grammar_has_a_since_version(kind: str) -> None:
    import re

    missing = [
        f"line {node.sourceline}"
        for node in _rng_nodes(kind)
        if not re.fullmatch(r"\d+\.\d+\.\d+", node.get("{urn:domlint:annotations}since", ""))
    ]
    assert missing == []


@pytest.mark.parametrize("kind", ["element", "attribute"])
def test_every_named_item_of_os_grammar_is_documented(kind: str) -> None:
    documentation = "{http://relaxng.org/ns/compatibility/annotations/1.0}documentation"
    undocumented = [
        f"line {node.sourceline}"
        for node in _rng_nodes(kind)
        if node.get("name") and (len(node) == 0 or node[0].tag != documentation or not (node[0].text or "").strip())
    ]
    assert undocumented == []
