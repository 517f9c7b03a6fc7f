"""Property tests: whatever the bytes, linting never raises, stays inside the document, and is
deterministic; the machine-read formats always parse."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domlint import engine
from domlint.formats import FORMATS

from .conftest import FIXTURES

SEEDS = [path.read_bytes() for path in sorted(FIXTURES.rglob("*.xml"))[:60]]
FRAGMENTS = [b"<", b">", b"/>", b"'", b'"', b"&", b"&a;", b"<os>", b"</os>", b"<boot dev='hd'/>", b"<!--", b"-->", b"\x00", b"\xff", b"\n"]


@st.composite
def mutated_domains(draw: st.DrawFn) -> bytes:
    """A fixture with a few random cuts, insertions and replacements."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "insert":
            data[position:position] = draw(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=8)))
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 20))]
        else:
            data[position : position + 1] = draw(st.sampled_from(FRAGMENTS))
    return bytes(data)


def _check_invariants(data: bytes) -> None:
    first = engine.lint(data, "doc.xml")
    second = engine.lint(data, "doc.xml")
    assert first.diagnostics == second.diagnostics
    if first.source is not None:
        lines = first.source.line_count()
        for diagnostic in first.diagnostics:
            span = diagnostic.span
            assert 1 <= span.line <= span.end_line <= lines
            assert span.column >= 1 and span.end_column >= 1
            assert span.column <= len(first.source.line_text(span.line)) + 1
            assert span.end_column <= len(first.source.line_text(span.end_line)) + 1
    for name in ("json", "sarif", "gitlab"):
        json.loads(FORMATS[name]([first], False))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    _check_invariants(data)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_domains())
def test_mutated_domains(data: bytes) -> None:
    _check_invariants(data)


def test_seeds_exist() -> None:
    assert len(SEEDS) >= 20 and all(isinstance(seed, bytes) for seed in SEEDS)
    assert Path(FIXTURES).is_dir()
