"""The Diagnostic type: the one record every check produces and every output format reads."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class Severity(str, Enum):
    """How bad a finding is; the order is what `--fail-on` compares."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True)
class Span:
    """A range in the source: 1-based lines and columns, columns counted in characters.

    The end is exclusive: `end_column` is the column just after the last character.
    """

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class TextEdit:
    """Replace the text in `span` with `new_text` (an empty span inserts, empty text deletes)."""

    span: Span
    new_text: str


@dataclass(frozen=True)
class Fix:
    """A safe, mechanical correction: what it does in a few words, and its edits."""

    title: str
    edits: tuple[TextEdit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "edits": [
                {
                    "line": e.span.line,
                    "column": e.span.column,
                    "end_line": e.span.end_line,
                    "end_column": e.span.end_column,
                    "new_text": e.new_text,
                }
                for e in self.edits
            ],
        }


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in one document, with the exact place it was found."""

    path: str
    span: Span
    code: str
    name: str
    severity: Severity
    message: str
    help: str | None = None
    fix: Fix | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.column, self.code)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of DESIGN.md: exactly these fields, optional ones absent when unset."""
        record: dict[str, Any] = {
            "path": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
        }
        if self.help:
            record["help"] = self.help
        if self.fix:
            record["fix"] = self.fix.to_dict()
        return record
