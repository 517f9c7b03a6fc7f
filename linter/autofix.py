"""`domlint check --fix` and `--diff`: apply the safe fixes of a document, then write or show them.

Fixes are applied in rounds (lint, apply every fix that overlaps no other, lint again) until
none is left, so a second run finds nothing more to fix. A file is replaced atomically (a
temporary file in the same folder, then a rename): a failure mid-write leaves it as it was.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import tempfile
from dataclasses import dataclass

from . import engine, fixes

ROUNDS = 10


@dataclass
class Fixed:
    """The document after fixing, how many fixes were applied, and what is left."""

    original: bytes
    data: bytes
    applied: int
    result: engine.Result

    @property
    def changed(self) -> bool:
        return self.data != self.original


def fix(data: bytes, path: str, options: engine.Options) -> Fixed:
    current, applied = data, 0
    result = engine.lint(current, path, options)
    for _ in range(ROUNDS):
        available = [d.fix for d in result.diagnostics if d.fix is not None]
        if not available or result.source is None:
            break
        text, count = fixes.apply(result.source, available)
        if not count:
            break
        current, applied = text.encode(result.source.encoding), applied + count
        result = engine.lint(current, path, options)
    return Fixed(data, current, applied, result)


def write(path: str, data: bytes) -> None:
    """Replace the file's contents atomically, keeping its permissions."""
    mode = os.stat(path).st_mode
    folder, name = os.path.split(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".domlint", dir=folder or ".")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def diff(fixed: Fixed, path: str) -> str:
    """A unified diff of what the fixes change ("" when nothing)."""
    if not fixed.changed or fixed.result.source is None:
        return ""
    encoding = fixed.result.source.encoding
    before = fixed.original.decode(encoding, errors="replace").splitlines(keepends=True)
    after = fixed.data.decode(encoding, errors="replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(before, after, fromfile=path, tofile=path))
