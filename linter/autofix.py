"""`domlint check --fix` and `--diff`: apply the safe fixes of a document, then write or show them.

Fixes are applied in rounds (lint, apply every fix that touches no other's start tag or text,
lint again) until none is left, so a second run finds nothing more to fix. The edits go into the
original bytes, in the file's encoding; a result that would not parse, or whose edits cannot be
written so, is refused as a whole: the file stays as it was. A file is replaced atomically (a
temporary file in the same folder, then a rename): a failure mid-write leaves it as it was, and
a file is not replaced when that would lose a change, a link, its owner or its attributes.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass

from . import engine, fixes, schema
from .document import Document
from .paths import within

NEAR_MISSES = frozenset({schema.UNKNOWN_ATTRIBUTE.name, schema.UNKNOWN_ELEMENT.name})


@dataclass
class Fixed:
    """The document after fixing, how many fixes were applied, and what is left; `refused` says
    why no fix was kept (the data is then the original)."""

    original: bytes
    data: bytes
    applied: int
    result: engine.Result
    refused: str | None = None

    @property
    def changed(self) -> bool:
        return self.data != self.original


def fix(data: bytes, path: str, options: engine.Options) -> Fixed:
    """Apply fix rounds until none is left (or a round would bring back an earlier text)."""
    current, applied, seen = data, 0, {hash(data)}  # hashes: a huge file's every version is not kept
    first = result = engine.lint(current, path, options)
    while isinstance(result.source, Document):
        # Near-miss renames first: they restore the names the user meant, and a rule's fix for the
        # same start tag (adding the attribute the rename brings back) waits for the next round.
        available = [d.fix for d in sorted(result.diagnostics, key=lambda d: d.name not in NEAR_MISSES) if d.fix is not None]
        if not available:
            break
        edited, count = fixes.apply(result.source, current, available)
        if edited is None:
            return Fixed(data, data, 0, first, "the fixes cannot be written in the file's encoding without changing other bytes")
        if not count or hash(edited) in seen:
            break
        current, applied = edited, applied + count
        seen.add(hash(current))
        result = engine.lint(current, path, options)
    if applied and not isinstance(result.source, Document):
        return Fixed(data, data, 0, first, "the fixed document would not parse")
    return Fixed(data, current, applied, result)


class NotWritten(Exception):
    """Why a file was left as it was (its findings are still reported)."""


def write(path: str, original: bytes, data: bytes, named: Iterable[str]) -> None:
    """Replace the file `original` was read from by `data`, atomically, or raise NotWritten.

    The file replaced is the one the path leads to (a symlink stays a link), only inside the
    files and folders `named` on the command line, and only when nothing is lost: not when it is
    read-only or hard-linked, when its owner, group or extended attributes cannot be kept, or
    when it changed since it was read (an editor, or another `--fix` run, wrote it meanwhile).
    """
    real = os.path.realpath(path)
    if not any(within(real, os.path.realpath(root)) for root in named):
        raise NotWritten(f"leads to {real}, outside the paths named; not fixed")
    try:
        status = os.stat(real)
        if not status.st_mode & 0o222 or not os.access(real, os.W_OK):
            raise NotWritten("read-only; not fixed")
        if status.st_nlink > 1:
            raise NotWritten(f"has {status.st_nlink} hard links; not fixed")
        _replace(real, original, data, status)
    except OSError as error:
        raise NotWritten(f"cannot write the fixes: {error.strerror or error}") from None


def _replace(path: str, original: bytes, data: bytes, status: os.stat_result) -> None:
    """Write a temporary file beside the file, give it the file's owner, attributes and mode,
    and rename it over the file if the file is still what was read; a failure leaves no trace."""
    folder, name = os.path.split(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".domlint", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        created = os.stat(temporary)
        if (created.st_uid, created.st_gid) != (status.st_uid, status.st_gid):
            try:
                os.chown(temporary, status.st_uid, status.st_gid)
            except PermissionError:
                raise NotWritten("its owner and group cannot be kept; not fixed") from None
        _copy_attributes(path, temporary)
        os.chmod(temporary, stat.S_IMODE(status.st_mode))  # after chown, which clears setuid and setgid
        if not _unchanged(path, original, status):
            raise NotWritten("changed since it was read; not fixed")
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _identity(status: os.stat_result) -> tuple[int, ...]:
    """What makes a file the same file: where it is, its mode, links and owner."""
    return status.st_dev, status.st_ino, status.st_mode, status.st_nlink, status.st_uid, status.st_gid


def _copy_attributes(source: str, target: str) -> None:
    """Give `target` the extended attributes of `source` (user notes, ACLs, security labels)."""
    if not hasattr(os, "listxattr"):  # not on Linux: none to keep
        return
    try:
        names = os.listxattr(source)
    except OSError as error:
        if error.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):  # a file system without them
            return
        raise
    for attribute in names:
        value = os.getxattr(source, attribute)
        if _has_attribute(target, attribute, value):  # given on creation (a security label)
            continue
        try:
            os.setxattr(target, attribute, value)
        except PermissionError:
            raise NotWritten(f"its extended attribute {attribute} cannot be kept; not fixed") from None


def _has_attribute(path: str, attribute: str, value: bytes) -> bool:
    try:
        return os.getxattr(path, attribute) == value
    except OSError:
        return False


def _unchanged(path: str, original: bytes, status: os.stat_result) -> bool:
    """The file is the same file, with the same bytes, as when it was read: checked last, just before the rename."""
    if _identity(os.stat(path)) != _identity(status):
        return False
    with open(path, "rb") as handle:
        return handle.read(len(original) + 1) == original


def diff(fixed: Fixed, path: str) -> bytes:
    """What the fixes change, as a unified diff of the file's own bytes (b"" when nothing): the
    patch that `patch -p0` or `git apply -p0` applies gives exactly what `--fix` writes, whatever
    the encoding, line ends, last line or name."""
    if not fixed.changed:
        return b""
    hunks = list(difflib.diff_bytes(difflib.unified_diff, _lines(fixed.original), _lines(fixed.data), lineterm=b"\n"))[2:]
    body = b"".join(line if line.endswith(b"\n") else line + b"\n\\ No newline at end of file\n" for line in hunks)
    name = _patch_name(path).encode("utf-8", errors="surrogateescape")
    return b"--- " + name + b"\n+++ " + name + b"\n" + body


def _lines(data: bytes) -> list[bytes]:
    """The lines as patch reads them: each ended by a line feed (a carriage return stays in its
    line), the last one maybe not."""
    lines = data.split(b"\n")
    return [line + b"\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


_QUOTED = {'"': '\\"', "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _patch_name(path: str) -> str:
    """A diff header's file name: C-quoted when it holds a quote, a backslash or a control
    character (as git writes it and GNU patch reads it), else ended by a tab so that patch reads
    a name with blanks whole (git and patch take the tab as the end of the name)."""
    if not any(c in _QUOTED or c < " " or c == "\x7f" for c in path):
        return path + "\t"
    return '"' + "".join(_QUOTED.get(c) or (f"\\{ord(c):03o}" if c < " " or c == "\x7f" else c) for c in path) + '"'
