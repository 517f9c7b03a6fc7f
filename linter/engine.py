"""parse -> grammar -> rules -> one diagnostic per problem -> selection -> sorted diagnostics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from lxml import etree

from . import fixes, schema, suppressions, triggers, xmlfeatures
from .diagnostics import Diagnostic, Fix, Severity, Span
from .document import Document, Source, XmlSyntaxError
from .grammars import Validator
from .rules import REGISTRY, Context, Finding, Rule, declare

# The rule families, each registering its rules on import: the one list of them.
from .rules import acpi, bios, boot_devices, boot_menu, boot_order, bootloader, container, firmware  # noqa: F401
from .rules import hypervisor, kernel, legacy, loader, nvram, secure_boot, smbios, sysinfo  # noqa: F401

XML_SYNTAX = declare(
    Rule(
        code="OS001",
        name="xml-syntax",
        severity=Severity.ERROR,
        summary="The file is not well-formed XML.",
        docstring="libvirt cannot read the file at all. The diagnostic stands where the XML parser "
        "stopped, which is at or just after the mistake (an unclosed tag, a stray '&', a missing quote).",
        needs_domain=False,
    )
)

NAMESPACED_ROOT = declare(
    Rule(
        code="OS015",
        name="namespaced-root",
        severity=Severity.WARNING,
        summary="A <domain> or <os> root in an XML namespace: the file is skipped, not checked.",
        docstring="## What it catches\n"
        "A document whose root is `<domain>` or `<os>` in an XML namespace, such as "
        "`<domain xmlns='http://example.com'>`. domlint skips it, and says so, so that nobody takes "
        "the file for checked.\n\n"
        "## Why it matters\n"
        "libvirt writes and reads domain XML without a namespace. Its parser compares only the root's "
        "local name, but looks its children up in no namespace: under a default namespace it finds "
        "no `<name>` and refuses the domain. Its schema (virsh define --validate, virt-xml-validate) "
        "refuses any namespaced root.\n\n"
        "## Example\n```xml\n<domain xmlns='http://example.com' type='kvm'>\n  <name>vm</name>\n</domain>\n```\n\n"
        "## Use instead\n```xml\n<domain type='kvm'>\n  <name>vm</name>\n</domain>\n```\n"
        "If the file is some other vocabulary's `<domain>`, ignore the rule for it.\n\n"
        "## Reference\nlibvirt's virXMLParseHelper (root by local name), virDomainDefParseXML (XPath "
        "lookups without a namespace) and domain.rng (no namespace).",
        needs_domain=False,
    )
)

# `<domain type=...>` -> the libvirt driver that defines such a domain (DESIGN.md).
DRIVER_OF_DOMAIN_TYPE = {
    "qemu": "qemu",
    "kqemu": "qemu",
    "kvm": "qemu",
    "hvf": "qemu",
    "xen": "libxl",
    "lxc": "lxc",
    "bhyve": "bhyve",
    "vmware": "vmx",
    "test": "test",
    "vz": "vz",
    "parallels": "vz",
    "openvz": "openvz",
    "vbox": "vbox",
    "hyperv": "hyperv",
}
LINTED_ROOTS = ("domain", "os")


@dataclass(frozen=True)
class Options:
    """What to check and how to rate it, for one file (config.py merges files and command line into it).

    `select`/`ignore` hold rule names, codes or code prefixes. `severity` maps rule names to the
    severity a project wants instead of the rule's own.
    `libvirt_version` is the libvirt the domain is meant for (None: the newest).
    """

    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    driver: str | None = None
    libvirt_version: tuple[int, int, int] | None = None
    severity: Mapping[str, Severity] = field(default_factory=dict)

    def enabled(self, rule: Rule) -> bool:
        def matches(entries: frozenset[str]) -> bool:
            return rule.name in entries or any(rule.code.startswith(entry.upper()) for entry in entries)

        return (not self.select or matches(self.select)) and not matches(self.ignore)

    def rated(self, diagnostic: Diagnostic) -> Diagnostic:
        """The diagnostic with the configured severity, so the output and --fail-on both see it."""
        wanted = self.severity.get(diagnostic.name, diagnostic.severity)
        if wanted is diagnostic.severity:
            return diagnostic
        return replace(diagnostic, severity=wanted)


NO_OPTIONS = Options()  # every rule, as it rates itself, for the driver the domain names, for the newest libvirt


@dataclass(eq=False)
class Result:
    """The outcome for one document: its diagnostics, or that it was skipped (not a domain).
    Each result is its own (compared by identity), as a report holds one per file."""

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    skipped: bool = False
    source: Source | None = None

    def __repr__(self) -> str:
        return f"Result({self.path!r}, {len(self.diagnostics)} diagnostics{', skipped' if self.skipped else ''})"


def lint(data: bytes, path: str, options: Options = NO_OPTIONS) -> Result:
    """Lint one document given as bytes; `path` names it in the diagnostics."""
    document = _parse(data, path)
    if isinstance(document, Result):
        return _selected(document, options)
    root = document.root
    if root.tag not in LINTED_ROOTS:  # a namespaced tag is "{namespace}name": never in LINTED_ROOTS
        return _skipped(document, options)
    ignored_features, entities = xmlfeatures.check(document)
    if entities:  # lxml's verdict sees the unexpanded references: the interpreter reads them as libvirt does
        os, issues = False, schema.bundled_schema().explain(document)
    else:
        valid, os = schema.bundled_verdict(root)
        issues = [] if valid else schema.bundled_schema().validate(document)
    grammar = [_from_issue(document, issue) for issue in issues]
    rules = list(_run_rules(document, _context(document, options, os)))
    covered = {d.span for d in rules}
    diagnostics = ignored_features + [d for d in grammar if d.span not in covered] + rules
    if "domlint:" in document.text:  # a suppression comment can only stand in such a document
        diagnostics = suppressions.apply(document, diagnostics)
    return _selected(Result(path, diagnostics, source=document), options)


def validate(data: bytes, path: str, validator: Validator, options: Options = NO_OPTIONS) -> Result:
    """Check one document against a user's grammar only (`domlint validate`); every root counts."""
    document = _parse(data, path)
    if isinstance(document, Result):
        return _selected(document, options)
    diagnostics = [_from_issue(document, issue) for issue in validator.validate(document)]
    return _selected(Result(path, diagnostics, source=document), options)


def _parse(data: bytes, path: str) -> Document | Result:
    """The parsed document, or the result that reports why it is too large or not well formed."""
    if len(data) > xmlfeatures.MAX_DOCUMENT_BYTES:
        return Result(path, [xmlfeatures.too_large(path, len(data))])
    try:
        return Document(path, data)
    except XmlSyntaxError as error:
        syntax = _diagnostic(XML_SYNTAX, path, error.span, error.message, None, None)
        return Result(path, [syntax], source=error.source)


def _skipped(document: Document, options: Options) -> Result:
    """A document that is not linted: quietly, unless its root is <domain> or <os> in a namespace,
    which says why, since its author meant a libvirt file and must not take it for checked."""
    name = etree.QName(document.root)
    if name.namespace is None or name.localname not in LINTED_ROOTS:
        return Result(document.path, skipped=True, source=document)
    shown = f"{document.root.prefix}:{name.localname}" if document.root.prefix else name.localname
    message = (
        f"skipped, not checked: the root <{shown}> is in namespace '{name.namespace}'; "
        f"libvirt reads <{name.localname}> without a namespace (its schema refuses this one)"
    )
    help = f"remove the namespace from <{shown}>, or ignore namespaced-root if the file is not libvirt's"
    diagnostics = [_diagnostic(NAMESPACED_ROOT, document.path, document.element_name_span(document.root), message, help, None)]
    if "domlint:" in document.text:
        diagnostics = suppressions.apply(document, diagnostics)
    return _selected(Result(document.path, diagnostics, skipped=True, source=document), options)


def _selected(result: Result, options: Options) -> Result:
    """Only the diagnostics of enabled rules, rated as configured, sorted."""
    if not result.diagnostics:
        return result
    kept = [options.rated(d) for d in result.diagnostics if options.enabled(REGISTRY[d.name])]
    return Result(result.path, sorted(kept, key=Diagnostic.sort_key), result.skipped, result.source)


def _context(document: Document, options: Options, os: etree._Element | None | bool = False) -> Context:
    """The rules' view of the document; `os` is its <os> when the caller has found it already."""
    root = document.root
    if root.tag == "os":
        return Context(root, None, root, options.driver, document, options.libvirt_version)
    driver = options.driver or DRIVER_OF_DOMAIN_TYPE.get(root.get("type", ""))
    if os is False:
        os = next(root.iterchildren("os"), None)
    return Context(root, root, os, driver, document, options.libvirt_version)


def _run_rules(document: Document, context: Context) -> Iterable[Diagnostic]:
    for rule in triggers.rules_for(context):  # the rules that apply and can find something here
        for finding in rule.check(context):
            yield _from_finding(document, rule, finding, context.driver)


def _span(document: Document, element: etree._Element, attribute: str | None, text: bool) -> Span:
    if attribute is not None:
        return document.attribute_span(element, attribute)
    if text:
        return document.text_span(element)
    return document.element_span(element)


def _from_finding(document: Document, rule: Rule, finding: Finding, driver: str | None) -> Diagnostic:
    span = _span(document, finding.element, finding.attribute, finding.text)
    severity = finding.severity or rule.severity_for(driver)
    return _diagnostic(rule, document.path, span, finding.message, finding.help, severity, finding.fix)


def _from_issue(document: Document, issue: schema.Issue) -> Diagnostic:
    span = document.tail_span(issue.tail) if issue.tail is not None else _span(document, issue.element, issue.attribute, issue.text)
    fix = fixes.near_miss(document, issue.element, issue.attribute, issue.suggestion) if issue.suggestion else None
    if issue.removable:
        fix = fixes.single(f"remove the empty <{issue.element.tag}>", fixes.delete_element(document, issue.element))
    return _diagnostic(issue.rule, document.path, span, issue.message, issue.help, None, fix)


def _diagnostic(
    rule: Rule, path: str, span: Span, message: str, help: str | None, severity: Severity | None, fix: Fix | None = None
) -> Diagnostic:
    return Diagnostic(path, span, rule.code, rule.name, severity or rule.severity, message, help, fix)
