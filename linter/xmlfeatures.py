"""XML features domlint deliberately does not follow: external DTDs, entities, XInclude, huge files.

Parsing never loads a file or a URL and never expands an entity (document.py). Where a document
relies on one of those features, saying so once is clearer than a cascade of grammar errors
about content that is not there. A document with entity references is still checked, as
libvirt reads it: libvirt does not expand them either, and its parser reads an internal
entity's text where the reference stands and nothing for an external one (never fetched).
"""

from __future__ import annotations

import re

from lxml import etree

from .diagnostics import Diagnostic, Severity, Span
from .document import DOCTYPE_PATTERN, Document
from .rules import Rule, declare

# virsh refuses to read an XML file larger than this (VSH_MAX_XML_FILE, 10 MiB); domain XML is
# kilobytes. Bounding the input also bounds domlint's time and memory.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

XML_FEATURE_IGNORED = declare(
    Rule(
        code="OS013",
        name="xml-feature-ignored",
        severity=Severity.WARNING,
        summary="An external DTD, entity reference or XInclude, which neither domlint nor libvirt follows.",
        docstring="## What it catches\n"
        "A DOCTYPE that points at an external DTD or declares parameter entities, an entity "
        "reference such as `&disk;` in element content, or an `<xi:include>`.\n\n"
        "## Why it matters\n"
        "domlint never loads files or URLs and never expands entities, so a linter run cannot be "
        "turned against the machine it runs on. libvirt does not load external DTDs or process "
        "XInclude either: the included content is not part of the domain. A document with entity "
        "references is checked as libvirt reads it: libvirt's parser takes an internal entity's "
        "text (`<!ENTITY v 'value'>`) where the reference stands and nothing for an external one "
        "(`SYSTEM 'file'`), so `<cmdline>&args;</cmdline>` is an empty command line to libvirt. "
        "Its other findings are reported as usual.\n\n"
        "## Example\n```xml\n<!DOCTYPE domain [<!ENTITY disk SYSTEM 'disk.xml'>]>\n<domain>&disk;</domain>\n```\n\n"
        "## Use instead\n```xml\n<domain>\n  <devices><disk type='file' device='disk'>...</disk></devices>\n</domain>\n```\n"
        "Render templates before linting them.\n\n"
        "## Reference\nlibvirt parses with XML_PARSE_NONET and without DTD loading or XInclude.",
        needs_domain=False,
    )
)
DOCUMENT_TOO_LARGE = declare(
    Rule(
        code="OS014",
        name="document-too-large",
        severity=Severity.ERROR,
        summary="A file larger than 10 MiB, which virsh refuses to read.",
        docstring="## What it catches\nAn input of more than 10 MiB.\n\n"
        "## Why it matters\n`virsh define` refuses XML files larger than 10 MiB; a domain is a few "
        "kilobytes, so such a file is not a domain (or not one libvirt will read). domlint reads at "
        "most 10 MiB of any input, which bounds its time and memory.\n\n"
        "## Example\nA 100 MB log file named `domain.xml`.\n\n"
        "## Use instead\nThe domain XML itself.\n\n"
        "## Reference\nvirsh's VSH_MAX_XML_FILE.",
        needs_domain=False,
    )
)

_XINCLUDE = "{http://www.w3.org/2001/XInclude}"
_DOCTYPE = re.compile(DOCTYPE_PATTERN, re.S)  # the one document.py scans past
_EXTERNAL = re.compile(r"^<!DOCTYPE\s+\S+\s+(SYSTEM|PUBLIC)\b")
_PARAMETER_ENTITY = re.compile(r"<!ENTITY\s+%")


def too_large(path: str, size: int) -> Diagnostic:
    """The diagnostic for an input over the limit, at the start of the file."""
    return _diagnostic(
        DOCUMENT_TOO_LARGE,
        path,
        Span(1, 1, 1, 1),
        f"the file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB ({size} bytes or more); "
        "virsh refuses XML files that large, and domlint does not read further",
    )


def check(document: Document) -> tuple[list[Diagnostic], bool]:
    """Diagnostics for ignored XML features, and whether the document holds entity references
    (lxml's grammar verdict then sees unexpanded nodes that libvirt's parser reads as text)."""
    text = document.text
    if "<!DOCTYPE" not in text and "&" not in text and "XInclude" not in text:
        return [], False  # no DOCTYPE, no entity reference, no XInclude namespace: nothing to look for
    findings: list[Diagnostic] = []
    doctype = _DOCTYPE.search(document.text)
    if doctype and (_EXTERNAL.match(doctype.group()) or _PARAMETER_ENTITY.search(doctype.group())):
        findings.append(
            _diagnostic(
                XML_FEATURE_IGNORED,
                document.path,
                document.span(doctype.start(), doctype.start() + len("<!DOCTYPE")),
                "the DOCTYPE refers to an external DTD or parameter entities, which domlint (like libvirt) never loads",
            )
        )
    entities = [node for node in document.root.iter(etree.Entity)]
    if entities:
        name = entities[0].name
        start = document.text.find(f"&{name};", doctype.end() if doctype else 0)
        span = document.span(start, start + len(name) + 2) if start >= 0 else document.element_span(entities[0].getparent())
        findings.append(
            _diagnostic(
                XML_FEATURE_IGNORED,
                document.path,
                span,
                f"the entity reference &{name}; is not expanded (libvirt does not expand it either): "
                f"the document is checked as libvirt reads it, {_reading(document, name)}",
            )
        )
    for include in document.root.iter(f"{_XINCLUDE}include"):
        findings.append(
            _diagnostic(
                XML_FEATURE_IGNORED,
                document.path,
                document.element_name_span(include),
                "XInclude is not processed (neither by domlint nor by libvirt): the included content is not part of the domain",
            )
        )
    return findings, bool(entities)


def entity_texts(root: etree._Element) -> dict[str, str]:
    """The text libvirt's parser reads for each internal entity declared with a plain literal;
    an external entity (never fetched) or one whose text holds markup or other references
    (never expanded) is absent, and reads as nothing."""
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is None:
        return {}
    return {
        entity.name: entity.content
        for entity in dtd.iterentities()
        if entity.system_url is None and entity.content is not None and not set(entity.content) & set("<&")
    }


def _reading(document: Document, name: str) -> str:
    """How libvirt reads the reference `&name;`, in words."""
    text = entity_texts(document.root).get(name)
    return "with nothing in its place" if text is None else f"with the entity's text {text!r} in its place"


def _diagnostic(rule: Rule, path: str, span: Span, message: str) -> Diagnostic:
    return Diagnostic(path, span, rule.code, rule.name, rule.severity, message)
