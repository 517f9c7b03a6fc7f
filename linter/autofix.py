"""`domlint check --fix` and `--diff`: apply the safe fixes of a document, then write or show them.

Fixes are applied in rounds (lint, apply every fix that overlaps no other, lint again) until
none is left, so a second run finds nothing more to fix. A file is replaced atomically (a
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
    if not any(_within(real, os.path.realpath(root)) for root in named):
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


def _within(path: str, root: str) -> bool:
    return path == root or os.path.commonpath([path, root]) == root


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


def diff(fixed: Fixed, path: str) -> str:
    """A unified diff of what the fixes change ("" when nothing)."""
    if not fixed.changed or fixed.result.source is None:
        return ""
    encoding = fixed.result.source.encoding
    before = fixed.original.decode(encoding, errors="replace").splitlines(keepends=True)
    after = fixed.data.decode(encoding, errors="replace").splitlines(keepends=True)
    return "".join(difflib.unified_diff(before, after, fromfile=path, tofile=path))
