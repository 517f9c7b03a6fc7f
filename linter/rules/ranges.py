"""Integer range checks whose limits come from the grammar (never restated in a rule)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import grammar as g
from ..integers import decimal
from ..schema import integer_datatype
from . import Context, Finding
from .facts import C_SPACE

_INTEGER = re.compile(r"[+-]?[0-9]+")


def out_of_range(value: str, element: str, attribute: str) -> str | None:
    """None when `value` is an integer within the grammar's range for `element/@attribute` that
    libvirt reads as written; otherwise the end of a sentence saying what is wrong and what is allowed.

    libvirt's parser (virStrToLong, strtol) skips blanks before the number and refuses anything
    after it; its schema may refuse the blanks before too (a pattern of digits), which the
    grammar's datatype tells."""
    datatype = integer_datatype(element, attribute)
    low, high = g.integer_bounds(datatype.type, datatype.params)
    allowed = f"libvirt accepts an integer from {low} to {high}"
    number = value.lstrip(C_SPACE)
    if not _INTEGER.fullmatch(number):
        if _INTEGER.fullmatch(number.strip()):
            return f"has blanks around the number: {allowed} without blanks"
        return f"is not an integer: {allowed}"
    found = decimal(number)
    if (low is not None and found < low) or (high is not None and found > high):
        return f"is out of range: {allowed}"
    if number != value and not datatype.accepts(value):
        return f"has blanks before the number, which libvirt's schema refuses (its parser skips them): {allowed} without blanks"
    return None


def os_child_ranges(context: Context, tag: str, attribute: str, label: str, unit: str, help: str) -> Iterator[Finding]:
    """A finding on each `<os><TAG ATTRIBUTE>` out of the grammar's range, named `label` and
    measured in `unit` in the message (the bios and bootmenu timeouts are read alike)."""
    if context.os is None:
        return
    for node in context.os.findall(tag):
        value = node.get(attribute)
        problem = out_of_range(value, tag, attribute) if value is not None else None
        if problem:
            yield Finding(node, f"{label} '{value}' {problem} ({unit})", attribute=attribute, help=help)
