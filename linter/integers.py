"""Decimal integers of any length, read in linear time.

Python's int() refuses a text of more than 4,300 digits (its guard against quadratic
conversion), and a document can put such a number in any attribute or text. Every limit domlint
compares a number with is far shorter than `_SIGNIFICANT` digits, so a longer number stands in
as a value of the same sign beyond all of them: each comparison still comes out right.
"""

from __future__ import annotations

_SIGNIFICANT = 30
_BEYOND = 10**_SIGNIFICANT


def decimal(text: str) -> int:
    """The value of a decimal integer text (blanks around and a sign allowed, as int() reads it),
    or +-10**30 for one with more significant digits than any limit could need."""
    body = text.strip()
    digits = body.lstrip("+-").lstrip("0")
    if len(digits) > _SIGNIFICANT:
        return -_BEYOND if body.startswith("-") else _BEYOND
    return int(text)
