"""Grammar patterns (`xs:pattern`, RelaxNG's `pattern` param) matched in linear time.

Python's `re` backtracks: `(a+)+b` against thirty `a`s and a `c` takes seconds, one more `a`
twice as long, so a grammar from anyone's pull request could stall a run. Here the pattern is
parsed by Python's own regular-expression parser (so its meaning is exactly `re`'s) and run
as a Thompson automaton: every state at once, one step per character, time proportional to
the text's length times the pattern's size. Constructs an automaton cannot run (backreferences,
possessive or atomic groups, lookbehind, flags) and patterns beyond `MAX_STATES` are refused
with ValueError; lookaheads (xmlschema ends its patterns with one) run as nested automata.
"""

from __future__ import annotations

from collections.abc import Callable

try:
    from re import _constants as sre, _parser as sre_parse  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.9 and 3.10
    import sre_constants as sre  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

MAX_STATES = 20_000  # counted repeats are unrolled: `[0-9]{1,999}` takes 1,000 states


class _State:
    """One automaton state: reads a character (`accepts`, then goes to `forks[0]`), tests an
    anchor (`at`) or a lookahead (`lookahead`, `negated`) or only forks; `final` ends a match."""

    __slots__ = ("accepts", "lookahead", "negated", "at", "forks", "final")

    def __init__(
        self,
        accepts: Callable[[str], bool] | None = None,
        lookahead: Pattern | None = None,
        negated: bool = False,
        at: str | None = None,  # "start", "end" ($) or "end-of-text" (\Z)
        forks: list[_State] | None = None,
        final: bool = False,
    ) -> None:
        self.accepts, self.lookahead, self.negated, self.at = accepts, lookahead, negated, at
        self.forks, self.final = forks or [], final


class Pattern:
    """A compiled pattern with `re.Pattern`'s `match` (a prefix) and `fullmatch` (all)."""

    def __init__(self, pattern: str, parsed: object = None) -> None:
        self.pattern = pattern
        self._count = 0
        tree = parsed if parsed is not None else sre_parse.parse(pattern)
        if parsed is None and tree.state.flags & ~sre.SRE_FLAG_UNICODE:
            raise ValueError(f"pattern {pattern!r}: flags are not supported")
        self._start = self._sequence(list(tree), self._new(final=True))

    def match(self, text: str) -> bool | None:
        return True if self._run(text, 0, whole=False) else None

    def fullmatch(self, text: str) -> bool | None:
        return True if self._run(text, 0, whole=True) else None

    # Building ------------------------------------------------------------------------------

    def _new(self, **fields: object) -> _State:
        self._count += 1
        if self._count > MAX_STATES:
            raise ValueError(f"pattern {self.pattern[:60]!r} is too large (more than {MAX_STATES} states)")
        return _State(**fields)  # type: ignore[arg-type]

    def _sequence(self, items: list[tuple[object, object]], after: _State) -> _State:
        for op, value in reversed(items):
            after = self._item(str(op), value, after)
        return after

    def _item(self, op: str, value: object, after: _State) -> _State:  # noqa: C901 - one case per opcode
        if op in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
            return self._new(accepts=_character_test(op, value), forks=[after])
        if op == "SUBPATTERN":
            group, add_flags, del_flags, sub = value  # type: ignore[misc]
            if add_flags or del_flags:
                raise ValueError(f"pattern {self.pattern!r}: inline flags are not supported")
            return self._sequence(list(sub), after)
        if op == "BRANCH":
            return self._new(forks=[self._sequence(list(branch), after) for branch in value[1]])  # type: ignore[index]
        if op in ("MAX_REPEAT", "MIN_REPEAT"):  # greedy or lazy: the same set of matches
            low, high, sub = value  # type: ignore[misc]
            return self._repeat(list(sub), low, None if high == sre.MAXREPEAT else high, after)
        if op == "AT" and str(value) in _ANCHORS:
            return self._new(at=_ANCHORS[str(value)], forks=[after])
        if op in ("ASSERT", "ASSERT_NOT") and value[0] == 1:  # type: ignore[index]
            return self._new(lookahead=Pattern(self.pattern, value[1]), negated=op == "ASSERT_NOT", forks=[after])  # type: ignore[index]
        raise ValueError(f"pattern {self.pattern!r}: {op} is not supported")

    def _repeat(self, sub: list[tuple[object, object]], low: int, high: int | None, after: _State) -> _State:
        if high is None:  # a loop: the body returns to a fork between another round and the rest
            loop = self._new(forks=[after])
            loop.forks.insert(0, self._sequence(sub, loop))
            after = loop
        else:
            for _ in range(high - low):
                after = self._new(forks=[self._sequence(sub, after), after])
        for _ in range(low):
            after = self._sequence(sub, after)
        return after

    # Running -------------------------------------------------------------------------------

    def _run(self, text: str, position: int, whole: bool) -> bool:
        current = self._closure([self._start], text, position)
        while True:
            if any(state.final for state in current) and (not whole or position == len(text)):
                return True
            if position == len(text) or not current:
                return False
            character = text[position]
            position += 1
            moved = [state.forks[0] for state in current if state.accepts is not None and state.accepts(character)]
            current = self._closure(moved, text, position)

    def _closure(self, states: list[_State], text: str, position: int) -> list[_State]:
        """The states reachable without reading, each once; reading states and finals kept."""
        seen: set[int] = set()
        kept: list[_State] = []
        pending = list(reversed(states))
        while pending:
            state = pending.pop()
            if id(state) in seen:
                continue
            seen.add(id(state))
            if state.accepts is not None or state.final:
                kept.append(state)
            elif _passes(state, text, position):
                pending.extend(reversed(state.forks))
        return kept


_ANCHORS = {"AT_BEGINNING": "start", "AT_BEGINNING_STRING": "start", "AT_END": "end", "AT_END_STRING": "end-of-text"}


def _passes(state: _State, text: str, position: int) -> bool:
    if state.at == "start":
        return position == 0
    if state.at == "end":
        return position == len(text) or (position == len(text) - 1 and text[-1] == "\n")
    if state.at == "end-of-text":
        return position == len(text)
    if state.lookahead is not None:
        return state.lookahead._run(text, position, whole=False) != state.negated
    return True


_CATEGORIES: dict[str, Callable[[str], bool]] = {
    "CATEGORY_DIGIT": str.isdecimal,
    "CATEGORY_NOT_DIGIT": lambda c: not c.isdecimal(),
    "CATEGORY_SPACE": str.isspace,
    "CATEGORY_NOT_SPACE": lambda c: not c.isspace(),
    "CATEGORY_WORD": lambda c: c.isalnum() or c == "_",
    "CATEGORY_NOT_WORD": lambda c: not (c.isalnum() or c == "_"),
}


def _character_test(op: str, value: object) -> Callable[[str], bool]:
    """Whether one character matches a literal, `.` or a class, as `re` decides it."""
    if op == "ANY":
        return lambda c: c != "\n"
    if op in ("LITERAL", "NOT_LITERAL"):
        char, negated = chr(value), op == "NOT_LITERAL"  # type: ignore[arg-type]
        return lambda c: (c == char) != negated
    return _Class(value)  # type: ignore[arg-type]


class _Class:
    """A character class: literals, ranges and categories (digit, space, word), maybe negated."""

    def __init__(self, items: list[tuple[object, object]]) -> None:
        self.negated = False
        self.chars: set[str] = set()
        self.ranges: list[tuple[str, str]] = []
        self.categories: list[Callable[[str], bool]] = []
        for kind, item in items:
            if str(kind) == "NEGATE":
                self.negated = True
            elif str(kind) == "LITERAL":
                self.chars.add(chr(item))  # type: ignore[arg-type]
            elif str(kind) == "RANGE":
                self.ranges.append((chr(item[0]), chr(item[1])))  # type: ignore[index]
            elif str(kind) == "CATEGORY" and str(item) in _CATEGORIES:
                self.categories.append(_CATEGORIES[str(item)])
            else:
                raise ValueError(f"character class item {kind} is not supported")

    def __call__(self, c: str) -> bool:
        inside = c in self.chars or any(low <= c <= high for low, high in self.ranges) or any(test(c) for test in self.categories)
        return inside != self.negated
