"""Exact positions: 1-based lines, columns in characters, spans of tags, attributes and text."""

from __future__ import annotations

import codecs

import pytest

from domlint.diagnostics import Span
from domlint.document import Document, XmlSyntaxError


def _doc(text: str, encoding: str = "utf-8") -> Document:
    return Document("t.xml", text.encode(encoding))


def test_element_attribute_and_text_spans() -> None:
    doc = _doc("<os>\n  <type arch='x86_64'>hvm</type>\n  <boot dev=\"hd\"/>\n</os>\n")
    type_, boot = doc.root[0], doc.root[1]
    assert doc.element_span(type_) == Span(2, 3, 2, 23)
    assert doc.attribute_span(type_, "arch") == Span(2, 9, 2, 22)
    assert doc.text_span(type_) == Span(2, 23, 2, 26)
    assert doc.element_span(boot) == Span(3, 3, 3, 19)
    assert doc.attribute_span(boot, "dev") == Span(3, 9, 3, 17)


def test_columns_count_characters_not_bytes() -> None:
    doc = _doc("<os><!-- é€𝄞 --><boot dev='hd'/></os>")
    assert doc.element_span(doc.root[1]) == Span(1, 17, 1, 33)


def test_tabs_crlf_and_multiline_tags() -> None:
    doc = _doc("<os>\r\n\t<bios\r\n\t  useserial='yes'\r\n\t  rebootTimeout='0'/>\r\n</os>")
    bios = doc.root[0]
    assert doc.element_span(bios) == Span(2, 2, 4, 23)
    assert doc.attribute_span(bios, "rebootTimeout") == Span(4, 4, 4, 21)
    assert doc.line_text(3) == "\t  useserial='yes'"


def test_markup_that_is_not_a_start_tag_is_skipped() -> None:
    text = (
        "<?xml version='1.0'?>\n<!DOCTYPE os [<!ELEMENT os ANY>]>\n"
        "<os><!-- <boot dev='fd'/> --><?pi <x>?><![CDATA[<boot/>]]><boot dev='hd' x='a>b'/><type/></os>"
    )
    doc = _doc(text)
    assert [child.tag for child in doc.root if isinstance(child.tag, str)] == ["boot", "type"]
    boot = doc.root.find("boot")
    assert doc.element_span(boot) == Span(3, 59, 3, 83)
    assert doc.attribute_span(boot, "x") == Span(3, 74, 3, 81)
    assert doc.element_span(doc.root.find("type")) == Span(3, 83, 3, 90)


def test_namespaced_attribute_span() -> None:
    doc = _doc("<domain xmlns:q='urn:q'><os q:flag='1' xml:lang='en'/></domain>")
    os_ = doc.root[0]
    assert doc.attribute_span(os_, "{urn:q}flag") == Span(1, 29, 1, 39)
    assert doc.attribute_span(os_, "{http://www.w3.org/XML/1998/namespace}lang") == Span(1, 40, 1, 53)


def test_text_span_without_text_is_the_start_tag() -> None:
    doc = _doc("<os><kernel>  </kernel><initrd/></os>")
    assert doc.text_span(doc.root[0]) == Span(1, 5, 1, 13)
    assert doc.text_span(doc.root[1]) == Span(1, 24, 1, 33)


@pytest.mark.parametrize(
    ("data", "expected_root"),
    [
        (codecs.BOM_UTF16_LE + "<os><type>hvm</type></os>".encode("utf-16-le"), "os"),
        (codecs.BOM_UTF8 + b"<os/>", "os"),
        ("<?xml version='1.0' encoding='ISO-8859-1'?>\n<os><cmdline>caf\u00e9</cmdline></os>".encode("latin-1"), "os"),
    ],
)
def test_encodings(data: bytes, expected_root: str) -> None:
    doc = Document("t.xml", data)
    assert doc.root.tag == expected_root
    assert doc.element_span(doc.root).column == 1


def test_latin1_positions_count_characters() -> None:
    data = "<?xml version='1.0' encoding='ISO-8859-1'?>\n<os><cmdline>\u00e9\u00e9</cmdline><boot/></os>".encode("latin-1")
    doc = Document("t.xml", data)
    assert doc.element_span(doc.root[1]) == Span(2, 26, 2, 33)


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("", 1, 1, "Document is empty"),
        ("<os>\n  <boot dev='hd'>\n</os>", 3, 6, "Opening and ending tag mismatch"),
        ("<os><boot dev=hd/></os>", 1, 15, "AttValue"),
        ("<os>&nbsp;</os>", 1, 11, "Entity 'nbsp' not defined"),
    ],
)
def test_syntax_errors_carry_the_parser_position(text: str, line: int, column: int, words: str) -> None:
    with pytest.raises(XmlSyntaxError) as caught:
        _doc(text)
    assert (caught.value.span.line, caught.value.span.column) == (line, column)
    assert words in caught.value.message
    assert caught.value.message.startswith("the document is not well-formed XML: ")
