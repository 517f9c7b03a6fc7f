"""The path patterns of a configuration (`include`, `exclude`, `per-file-ignores`), matched in linear time.

A repository's configuration is untrusted input, and one regular expression made from a whole
pattern backtracks exponentially on many `**` (or polynomially, to any degree, on many `*` in a
name). So a pattern is matched in two levels that never nest a backtracking search: its folder
names against the path's with `**` as the only star (`_wildcard`), and each name pattern as the
pieces between its `*`s, each a regular expression without repetition found left to right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


class Glob:
    """A path pattern relative to a configuration file's folder.

    `*` and `?` stay within one folder name, `**` spans folders, `[...]` is a character class.
    A pattern without a `/` matches a name at any depth (like .gitignore); a leading `/` anchors
    it to the configuration's folder. ValueError for an empty pattern or a reversed range.
    """

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        body = (pattern[2:] if pattern.startswith("./") else pattern).rstrip("/")
        if not body.strip("/"):
            raise ValueError(f"empty pattern '{pattern}'")
        if body.startswith("/"):
            body = body.lstrip("/")
        elif "/" not in body:
            body = "**/" + body
        names = tuple(None if name == "**" else _Name(name) for name in body.split("/"))
        self._exactly, self._or_above = _Names(names), _Names((*names, None))

    def matches(self, relative: str) -> bool:
        """Whether the pattern matches this '/'-separated relative path exactly."""
        return self._exactly.matches(relative.split("/"))

    def covers(self, relative: str) -> bool:
        """Whether the pattern matches the path or a folder above it (an excluded folder excludes its contents)."""
        return self._or_above.matches(relative.split("/"))

    def __repr__(self) -> str:
        return f"Glob({self.pattern!r})"


class _Names:
    """A path pattern as its names' patterns, None for `**`. The names before the first `**` and
    after the last have fixed places, so they are tested there (`**/*.xml` tests the last name
    only); `_wildcard` places the ones between."""

    def __init__(self, names: tuple[_Name | None, ...]) -> None:
        stars = [index for index, name in enumerate(names) if name is None]
        first, last = (stars[0], stars[-1] + 1) if stars else (len(names), len(names))
        self._head, self._between, self._tail = names[:first], names[first:last], names[last:]

    def matches(self, names: list[str]) -> bool:
        head, tail = len(self._head), len(names) - len(self._tail)
        if tail < head or (not self._between and tail != head):
            return False
        for pattern, name in zip((*self._head, *self._tail), (*names[:head], *names[tail:])):
            if not pattern.matches(name):  # type: ignore[union-attr]
                return False
        return not self._between or _wildcard(self._between, names[head:tail])


def _wildcard(pattern: Sequence[_Name | None], names: Sequence[str]) -> bool:
    """Whether `pattern` matches all of `names`: None (`**`) any run of names, none too, a name
    pattern exactly one name. On a mismatch only the last `**` takes one more name: an earlier
    one never needs to (the later one can absorb it), so the work is at most len(pattern) * len(names)."""
    at = done = 0
    star, star_done = -1, 0
    while done < len(names):
        if at < len(pattern) and pattern[at] is None:
            if at == len(pattern) - 1:
                return True  # the last `**` takes the rest
            star, star_done = at, done
            at += 1
        elif at < len(pattern) and pattern[at].matches(names[done]):  # type: ignore[union-attr]
            at += 1
            done += 1
        elif star >= 0:
            star_done += 1
            at, done = star + 1, star_done
        else:
            return False
    return all(element is None for element in pattern[at:])


class _Name:
    """One folder or file name's pattern: `*`, `?` and `[...]` never match a `/`; an unclosed `[` is itself.

    Between two `*`s every piece has a fixed length, so the leftmost place of each, in order, is
    the right one: a match is one anchored test at each end and one search per piece between.
    """

    def __init__(self, pattern: str) -> None:
        pieces: list[str] = []
        piece, length, index = "", 0, 0  # the piece being read and its length in characters
        while index < len(pattern):
            char = pattern[index]
            index += 1
            if char == "*":
                pieces.append(piece)
                piece, length = "", 0
                continue
            if char == "?":
                piece += "(?s:.)"
            elif char == "[" and (end := _class_end(pattern, index)) > 0:
                piece += _class(pattern[index:end])
                index = end + 1
            else:
                piece += re.escape(char)
            length += 1
        pieces.append(piece)
        compiled = [re.compile(piece) for piece in pieces]
        self._first, self._middle, self._last = compiled[0], compiled[1:-1], compiled[-1]
        self._starred = len(compiled) > 1
        self._last_length = length

    def matches(self, name: str) -> bool:
        if not self._starred:
            return self._first.fullmatch(name) is not None
        head = self._first.match(name)
        if head is None:
            return False
        at = head.end()
        for piece in self._middle:
            found = piece.search(name, at)
            if found is None:
                return False
            at = found.end()
        start = len(name) - self._last_length
        return start >= at and self._last.fullmatch(name, start) is not None


def _class_end(pattern: str, start: int) -> int:
    """The index of the `]` closing a class that opens before `start`, or -1 (then `[` is literal)."""
    index = start + (pattern[start : start + 1] in ("!", "^"))
    index += pattern[index : index + 1] == "]"  # a leading `]` is a member
    return pattern.find("]", index)


def _class(body: str) -> str:
    """The regular expression of `[...]` (without its brackets): `!` or `^` first negates, `x-y` is a
    range, a `-` first or last is itself, every other character is itself."""
    negated = body[:1] in ("!", "^")
    members, out, index = body[negated:], [], 0
    while index < len(members):
        low = high = members[index]
        if index + 2 < len(members) and members[index + 1] == "-":
            high = members[index + 2]
            if high < low:
                raise ValueError(f"invalid character range '{low}-{high}' in '[{body}]'")
            index += 2
        out.append(re.escape(low) if low == high else f"{re.escape(low)}-{re.escape(high)}")
        index += 1
    return ("[^" if negated else "[") + "".join(out) + "]"
