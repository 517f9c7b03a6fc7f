"""Integer range checks whose limits come from the grammar (never restated in a rule)."""

from __future__ import annotations


from ..schema import integer_range
from ..lazy import Regex

_INTEGER = Regex(r"\s*[+-]?[0-9]+\s*")


def out_of_range(value: str, element: str, attribute: str) -> str | None:
    """None when `value` is an integer within the grammar's range for `element/@attribute`;
    otherwise the end of a sentence saying what is wrong and what is allowed."""
    low, high = integer_range(element, attribute)
    allowed = f"libvirt accepts an integer from {low} to {high}"
    if not _INTEGER.fullmatch(value):
        return f"is not an integer: {allowed}"
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        return f"is out of range: {allowed}"
    return None
