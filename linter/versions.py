"""Target libvirt versions: what a document uses that an older libvirt lacks, and when checks changed.

Two kinds of facts, each kept in one place:

- When an element, attribute or value appeared: only the grammar's `d:since` annotations
  (schemas/os.rng). `newer_than` walks the document against the grammar the way the grammar
  interpreter does (schema.py), so each node is dated by the very pattern that accepts it; there
  is no second table of versions.
- When a check of libvirt's appeared or disappeared: the constants below, with where each comes
  from. A dropped check starts with the construct it is about, again dated by the grammar. Rules
  ask `DroppedCheck.made_by(target)` and `before(target, release)`.

A target is a `(major, minor, micro)` tuple, as `--libvirt-version` and the `libvirt-version`
configuration key give it; None means the newest libvirt.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterator
from functools import cache
from typing import NamedTuple

from lxml import etree

from . import grammar as g
from .schema import Interpreter, _element_patterns, bundled_schema, expand, text_options

Version = tuple[int, int, int]


class DroppedCheck(NamedTuple):
    """A check libvirt made from the release that introduced the construct it is about (the
    grammar's `d:since` of `element`'s `attribute`) until the release that `dropped` it."""

    element: str
    attribute: str
    dropped: Version

    @property
    def since(self) -> Version:
        return attribute_since(self.element, self.attribute)

    def made_by(self, target: Version | None) -> bool:
        """The target makes the check (no target: the newest libvirt, which does not)."""
        return target is not None and self.since <= target < self.dropped


# When libvirt's checks changed after 9.0.0 (the "Reference" of each rule that uses one says the
# same). Read from virDomainDefOSValidate in 9.0.0 (the local libvirt and its source) and in later
# upstream copies; NEWS does not record these releases, so each is an estimate, and why is given.

# Loader `readonly`, `type` and path, `secure='no'` and nvram `template` together with
# `<os firmware=...>`: refused ("... cannot be specified when firmware autoselection is enabled")
# from firmware autoselection's first release until they became filters for it. Absent from an
# upstream copy with 9.3.0's positional format strings; 9.2.0, the release that made firmware
# selection persistent, is assumed (9.1.0 is possible, unconfirmed).
AUTOSELECT_LOADER_CHECKS = DroppedCheck("os", "firmware", dropped=(9, 2, 0))

# "Only pflash loader type permits NVRAM" and "Only EFI firmware permits NVRAM" (a loader with
# stateless='no'): still in upstream copies from the 11.x series (with <shim> and Intel TDX), gone
# from the 12.1.0 rewrite of virDomainDefOSValidate that added <varstore>. Assumed 12.1.0.
STATELESS_NO_CHECKS = DroppedCheck("loader", "stateless", dropped=(12, 1, 0))

# "ROM loader type cannot be used as read/write", "Invalid format '%s' for ROM loader type" and
# the refusal of NVRAM with a read/write loader: absent from an 11.x copy with <shim>, present in
# a later 11.x copy (Intel TDX); NEWS 11.8.0 "Fix selection of stateless/combined firmware" is the
# matching change. Assumed 11.8.0: the rules that make these checks are silent for older targets.
READ_WRITE_LOADER_CHECKS: Version = (11, 8, 0)

# "machine type '%s' does not support ACPI" (<acpi/> on a machine without it, s390-ccw-virtio):
# not in 9.0.0 (its QEMU driver lacks the message); libvirt 10.0 (Ubuntu 24.04) refuses it, as
# projects reported when they moved to it (karmab/kcli#793). Assumed 10.0.0.
MACHINE_ACPI_CHECK: Version = (10, 0, 0)

# "setting virtiofs boot order is supported only with PCI bus" (virtiofs on CCW): not in 9.0.0;
# libvirt's s390x tests (autotest/tp-libvirt#5629, May 2024) expect it from 10.4. Assumed 10.4.0.
VIRTIOFS_BOOT_PCI_CHECK: Version = (10, 4, 0)


@cache
def attribute_since(element: str, attribute: str) -> Version:
    """The release the bundled grammar dates `element`'s `attribute` to (the earliest, if the
    attribute appears in several alternatives)."""
    found = [
        parse(item.pattern.since)
        for pattern in _element_patterns(bundled_schema().patterns)
        if pattern.name.name == element
        for alternative in expand(pattern.content)
        for item in alternative.attributes
        if item.pattern.name.name == attribute and item.pattern.since
    ]
    if not found:
        raise LookupError(f"the grammar dates no attribute {attribute!r} on <{element}>")
    return min(found)


def label(version: Version) -> str:
    """(9, 0, 0) -> '9.0.0'."""
    return ".".join(str(part) for part in version)


def parse(since: str) -> Version:
    """A grammar `d:since` ('9.2.0', or '9.2') as a comparable tuple."""
    parts = [int(part) for part in since.split(".")] + [0, 0]
    return parts[0], parts[1], parts[2]


def before(target: Version | None, version: Version) -> bool:
    """The target predates `version`; False without a target (the newest libvirt has it all)."""
    return target is not None and target < version


@dataclass(frozen=True)
class Newer:
    """A construct the target libvirt does not know: the node, where (attribute key or text),
    what it is in words, and the release that introduced it."""

    element: etree._Element
    what: str
    since: Version
    attribute: str | None = None
    text: bool = False


def newer_than(root: etree._Element, target: Version) -> list[Newer]:
    """Every element, attribute and enumerated value under `root` that the bundled grammar dates
    after `target`, in document order.

    Only what the grammar accepts is dated: an unknown element, an attribute the element lacks or
    a value the grammar refuses is the grammar's diagnostic, and so is a node whose start tag the
    grammar already blames (a missing attribute, say). Inside a construct that is reported, only
    what is newer still is reported again (`<varstore path=...>` is one finding, not two).
    """
    schema = bundled_schema()
    start = schema.root_pattern(root)
    if start is None:
        return []
    nodes = list(root.iter())  # keeps every element proxy alive: the interpreter caches by id()
    walk = _Walk(Interpreter(), target)
    walk.element(root, start, covered=(0, 0, 0))
    del nodes
    return walk.found


class _Walk:
    def __init__(self, interpreter: Interpreter, target: Version) -> None:
        self.interpreter = interpreter
        self.target = target
        self.found: list[Newer] = []

    def element(self, node: etree._Element, pattern: g.Element, covered: Version) -> None:
        issues = [issue for issue in self.interpreter.element(node, pattern) if issue.element is node]
        blamed_tag = any(issue.attribute is None and not issue.text for issue in issues)
        since = _since(pattern.since)
        if since is not None and since > self.target and since > covered and not blamed_tag:
            self.found.append(Newer(node, f"<{node.tag}>", since))
            covered = since
        alternative = self.interpreter.alternative(node, pattern)
        self._attributes(node, alternative, covered)
        self._text(node, alternative, covered, blamed=any(issue.text for issue in issues))
        for child, child_pattern in _children(node, alternative):
            self.element(child, child_pattern, covered)

    def _attributes(self, node: etree._Element, alternative, covered: Version) -> None:  # type: ignore[no-untyped-def]
        for key, value in node.attrib.items():
            item = alternative.attribute_item(key)
            if item is None:
                continue  # unknown here: the grammar says so
            options = text_options(item.pattern.value) or [g.Text()]
            matched = _matching(options, value)
            if matched is None:
                continue  # a value the grammar refuses: its diagnostic, not a version one
            attribute_since = _since(item.pattern.since)
            value_since = _since(matched.since) if isinstance(matched, g.Value) else None
            if value_since is not None and value_since > self.target and value_since > max(covered, attribute_since or (0, 0, 0)):
                what = f"{key}='{value}' on <{node.tag}>"
                self.found.append(Newer(node, what, value_since, attribute=key))
            elif attribute_since is not None and attribute_since > self.target and attribute_since > covered:
                self.found.append(Newer(node, f"attribute '{key}' of <{node.tag}>", attribute_since, attribute=key))

    def _text(self, node: etree._Element, alternative, covered: Version, blamed: bool) -> None:  # type: ignore[no-untyped-def]
        if blamed or not alternative.text or any(isinstance(option, g.Text) for option in alternative.text):
            return
        value = "".join([node.text or ""] + [child.tail or "" for child in node])
        matched = _matching(alternative.text, value)
        if isinstance(matched, g.Value):
            since = _since(matched.since)
            if since is not None and since > self.target and since > covered:
                self.found.append(Newer(node, f"<{node.tag}>{value.strip()}</{node.tag}>", since, text=True))


def _children(node: etree._Element, alternative) -> Iterator[tuple[etree._Element, g.Element]]:  # type: ignore[no-untyped-def]
    """The element children the alternative accepts, with their patterns; repeats beyond what the
    pattern allows (the grammar's duplicate-element) are left out."""
    counts: dict[int, int] = {}
    for child in node:
        if not isinstance(child.tag, str):
            continue
        item = alternative.element_item(child.tag)
        if item is None:
            continue
        counts[id(item)] = counts.get(id(item), 0) + 1
        if item.high is None or counts[id(item)] <= item.high:
            yield child, item.pattern


def _matching(options: list[g.Pattern], text: str) -> g.Pattern | None:
    """The first option that accepts the text (a value before data and free text), or None."""
    for option in sorted(options, key=lambda o: not isinstance(o, g.Value)):
        if isinstance(option, g.Text) or (isinstance(option, (g.Value, g.Data)) and option.accepts(text)):
            return option
    return None


def _since(text: str | None) -> Version | None:
    return parse(text) if text else None
