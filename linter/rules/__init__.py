"""The rule registry: every diagnostic domlint can emit is declared here once, with its docs.

A semantic rule is a function decorated with `@rule(...)` in a family module (one module per
subject: `loader`, `nvram`, `boot_order`, ...; engine.py imports them all); it receives the
`Context` of one document and yields `Finding`s (a node and a message). The engine stamps code,
name, severity and position. Document-level checks (XML syntax, grammar) are declared with
`declare(...)`: they have documentation but no check function, because the engine runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Optional, Union
from collections.abc import Iterable, Iterator, Mapping

from lxml import etree

from ..document import Document

from ..diagnostics import Fix, Severity

ALL_DRIVERS = frozenset({"qemu", "libxl", "lxc", "bhyve", "vmx", "vz", "openvz", "vbox", "hyperv", "ch", "test"})

# A rule's triggers (see triggers.py): the markers of which a document must have one for the
# rule to find anything, a function of the driver that gives them, or ALWAYS (run everywhere).
ALWAYS = None
Triggers = Optional[Union[tuple[str, ...], Callable[[Optional[str]], tuple[str, ...]]]]


@dataclass(frozen=True)
class Finding:
    """What a rule found: the node at fault and what to say about it.

    `attribute` narrows the position to one attribute of `element`; `text` to its text.
    `severity` overrides the rule's for this one finding (a severity that depends on the driver
    is declared once, with the rule: `severity_by_driver`).
    """

    element: etree._Element
    message: str
    attribute: str | None = None
    text: bool = False
    help: str | None = None
    severity: Severity | None = None
    fix: Fix | None = None


@dataclass(frozen=True)
class Rule:
    """A rule as the registry holds it.

    `docstring` is the documentation as written, indented; `doc` is the same, cleaned for display.
    `severity_by_driver` rates the rule differently on the drivers it names (QEMU refuses what
    the others accept and ignore, say); `severity` holds for every other driver and for none.
    `triggers` tells triggers.py when to run `check`; document-level rules (no `check`) need none.
    """

    code: str
    name: str
    severity: Severity
    summary: str
    docstring: str
    drivers: frozenset[str] = ALL_DRIVERS
    needs_domain: bool = True
    check: Callable[[Context], Iterable[Finding]] | None = None
    severity_by_driver: Mapping[str, Severity] = field(default_factory=dict)
    triggers: Triggers = ALWAYS

    @property
    def doc(self) -> str:
        import inspect  # only for showing a rule's documentation: it costs a check run 10 ms

        return inspect.cleandoc(self.docstring)

    def severity_for(self, driver: str | None) -> Severity:
        """The severity of this rule's findings on `driver` (None: the driver is unknown)."""
        return self.severity_by_driver.get(driver or "", self.severity)


@dataclass(eq=False)
class Context:
    """One document as rules see it: the `<domain>` (None for a bare `<os>`), its `<os>`, the
    driver, the target libvirt version (None: the newest libvirt), and the document itself (for
    positions and fixes). Its lookups are computed once per document, when a rule first asks."""

    root: etree._Element
    domain: etree._Element | None
    os: etree._Element | None
    driver: str | None
    document: Document
    libvirt_version: tuple[int, int, int] | None = None

    @cached_property
    def os_type(self) -> str | None:
        """The `<type>` text exactly as libvirt reads it (no trimming), or None."""
        node = self.os_child("type")
        return node.text if node is not None else None

    def os_child(self, tag: str) -> etree._Element | None:
        """The first `<os>` child named `tag`, as `os.find(tag)`."""
        return self._os_children.get(tag)

    def devices(self, tag: str) -> list[etree._Element]:
        """The `<devices>` children named `tag`, in document order."""
        return list(self._devices.get(tag, ()))

    @cached_property
    def _os_children(self) -> dict[str, etree._Element]:
        first: dict[str, etree._Element] = {}
        for child in self.os if self.os is not None else ():
            first.setdefault(child.tag, child)
        return first

    @cached_property
    def _devices(self) -> dict[str, list[etree._Element]]:
        by_tag: dict[str, list[etree._Element]] = {}
        for devices in self.domain.iterchildren("devices") if self.domain is not None else ():
            for device in devices:
                by_tag.setdefault(device.tag, []).append(device)
        return by_tag


REGISTRY: dict[str, Rule] = {}
_BY_CODE: dict[str, Rule] = {}


def declare(new_rule: Rule) -> Rule:
    """Add a rule to the registry; codes and names must be unique."""
    if new_rule.name in REGISTRY or new_rule.code in _BY_CODE:
        raise ValueError(f"rule {new_rule.code} {new_rule.name} is declared twice")
    REGISTRY[new_rule.name] = new_rule
    _BY_CODE[new_rule.code] = new_rule
    return new_rule


def rule(
    *,
    code: str,
    name: str,
    triggers: Triggers,
    severity: Severity,
    summary: str,
    drivers: Iterable[str] = ALL_DRIVERS,
    needs_domain: bool = True,
    severity_by_driver: Mapping[str, Severity] | None = None,
) -> Callable[[Callable[[Context], Iterator[Finding]]], Callable[[Context], Iterator[Finding]]]:
    """Register a check function; its docstring is the rule's documentation. `triggers` is
    required, so that a rule that runs on every document says so (`triggers=ALWAYS`)."""

    def register(check: Callable[[Context], Iterator[Finding]]) -> Callable[[Context], Iterator[Finding]]:
        declare(
            Rule(
                code=code,
                name=name,
                severity=severity,
                summary=summary,
                docstring=check.__doc__ or "",
                drivers=frozenset(drivers),
                needs_domain=needs_domain,
                check=check,
                severity_by_driver=dict(severity_by_driver or {}),
                triggers=triggers,
            )
        )
        return check

    return register


def drivers_label(checked: Rule) -> str:
    """The drivers a rule applies to, in words: "all", "all but vmx", or the list."""
    if checked.drivers == ALL_DRIVERS:
        return "all"
    missing = ALL_DRIVERS - checked.drivers
    if len(missing) < len(checked.drivers):
        return "all but " + ", ".join(sorted(missing))
    return ", ".join(sorted(checked.drivers))


def severity_label(checked: Rule) -> str:
    """The rule's severity in words, per driver where it differs: "error on qemu, warning elsewhere"."""
    if not checked.severity_by_driver:
        return checked.severity.value
    by_severity: dict[Severity, list[str]] = {}
    for driver, severity in sorted(checked.severity_by_driver.items()):
        by_severity.setdefault(severity, []).append(driver)
    parts = [f"{severity.value} on {', '.join(drivers)}" for severity, drivers in by_severity.items()]
    return ", ".join(parts) + f", {checked.severity.value} elsewhere"


def lookup(name_or_code: str) -> Rule | None:
    """A rule by its name or code (codes case-insensitive)."""
    return REGISTRY.get(name_or_code) or _BY_CODE.get(name_or_code.upper())
