"""What a run reads from the file system: regular files only, bounded, and folder walks that never
leave the folders named on the command line (a repository under review may hold links to anything)."""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Callable, Protocol

from .xmlfeatures import MAX_DOCUMENT_BYTES

if TYPE_CHECKING:
    from .engine import Result


class PathProblem(Exception):
    """A path that cannot be linted (missing, unreadable) or fixed: reported, the others still run.

    `result`: the findings of a file linted but not fixed, reported as well.
    """

    def __init__(self, message: str, result: Result | None = None) -> None:
        super().__init__(message)
        self.result = result


class NotARegularFile(OSError):
    """A device, a pipe, a folder: reading one could block forever or never end."""

    def __init__(self, path: str) -> None:
        super().__init__(0, "not a regular file", path)


def read_regular(path: str, limit: int | None = None) -> bytes:
    """A regular file's bytes; with a `limit`, at most one past it (so a caller sees that it is larger).

    A FIFO or device is refused, never waited on: checked before opening, opened without
    blocking, and checked again once open (it may have been swapped in meanwhile). With a limit,
    the size the file has is read, plus one byte: read(limit) would allocate the whole limit for
    every small file; a file that grew, or whose size is unknown (0), is read on to the limit.
    """
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise NotARegularFile(path)
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise NotARegularFile(path)
        if limit is None:
            return handle.read()
        data = handle.read(min(status.st_size, limit) + 1)
        if status.st_size < len(data) <= limit:
            data += handle.read(limit + 1 - len(data))
        return data


def within(real: str, folder: str) -> bool:
    """Whether `real` is `folder` or a path below it (both real paths: no link, no `..`)."""
    return os.path.join(real, "").startswith(os.path.join(folder, ""))


_SURROGATE = re.compile("[\ud800-\udfff]")


def display_path(path: str) -> str:
    """A path as every report spells it. A file name that is not UTF-8 reaches Python with each
    stray byte as a lone surrogate (os.fsdecode), which no UTF-8 output can carry: the byte
    is written as `\\xNN` (any other lone surrogate as `\\uNNNN`), the same in every format."""
    return _SURROGATE.sub(_escaped, path)


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


class Walk(Protocol):
    """Which folders a folder walk enters and which files it lints (`config.Resolver` for `check`)."""

    def enters(self, folder: str) -> bool: ...

    def walks(self, file: str) -> bool: ...


class XmlFiles:
    """Every `*.xml`: `validate` reads no configuration."""

    def enters(self, folder: str) -> bool:
        return True

    def walks(self, file: str) -> bool:
        return file.endswith(".xml")


class Links:
    """The symbolic links a run's walks follow: only those that stay inside the folders named on
    the command line. The others are counted, for one warning, and never read."""

    def __init__(self, named: Iterable[str]) -> None:
        self._folders = tuple(os.path.realpath(name) for name in named if os.path.isdir(name))
        self.skipped: list[str] = []

    def follows(self, link: str) -> bool:
        real = os.path.realpath(link)
        if any(within(real, folder) for folder in self._folders):
            return True
        self.skipped.append(link)
        return False

    def warning(self) -> str | None:
        """The one line that says what was skipped, or None."""
        if not self.skipped:
            return None
        count = len(self.skipped)
        links = "1 symbolic link that leads" if count == 1 else f"{count} symbolic links that lead"
        return f"domlint: warning: skipped {links} outside the folders named (first: {self.skipped[0]})"


def inputs(
    named: Iterable[str], stdin_filename: str | None, scope: Walk, links: Links, read: Callable[[str], Any]
) -> Iterator[tuple[str, str | None, Any]]:
    """(name to report, where it is for the configuration, contents); standard input without a name is nowhere (None).

    The name to report is the path as every format can write it (`display_path`); the file is
    read from where it is. `read` gives a file's contents (`check` reads later: `--jobs` workers
    read their files). A folder that cannot be read is a path problem in place of its files.
    """
    for name in named:
        if name == "-":
            label = display_path(stdin_filename or "<stdin>")
            location = stdin_filename or None
            if sys.stdin is None:
                yield label, location, PathProblem(f"{label}: standard input is closed")
            else:
                yield label, location, sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
            continue
        if os.path.isdir(name):
            for file in files_under(name, scope, links):
                yield (display_path(file), file, read(file)) if isinstance(file, str) else (display_path(name), None, file)
        else:
            yield display_path(name), name, read(name)


def files_under(folder: str, scope: Walk, links: Links) -> Iterator[str | PathProblem]:
    """The files to lint under a folder, sorted, or the problem of a folder that cannot be read.

    Hidden and excluded folders are skipped, each real folder is walked once (a link loop ends),
    and a link that leaves the named folders is not followed. A loop, not recursion: a tree is
    never too deep for Python.
    """
    if not scope.enters(folder):
        return
    seen: set[tuple[int, int]] = set()  # (device, inode) of each folder walked
    pending = [folder]
    while pending:
        directory = pending.pop()
        try:
            status = os.stat(directory)
            if (status.st_dev, status.st_ino) in seen:  # not realpath: its cost grows with the depth
                continue
            seen.add((status.st_dev, status.st_ino))
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            yield PathProblem(f"{tidy(directory)}: cannot read folder: {error.strerror or error}")
            continue
        folders = []
        for entry in entries:  # a link is judged only where it counts: a folder entered, a file linted
            path = os.path.join(directory, entry.name)
            if _is_folder(entry):
                if not entry.name.startswith(".") and scope.enters(path) and (not entry.is_symlink() or links.follows(tidy(path))):
                    folders.append(path)
            elif scope.walks(file := tidy(path)) and (not entry.is_symlink() or links.follows(file)):
                yield file
        pending.extend(reversed(folders))  # the first folder is walked next, as a recursive walk would


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """Whether an entry is a folder, through a link too; one that cannot be told is taken as a file (its read says why)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def tidy(path: str) -> str:
    """A walked file's name as the report gives it (as pathlib spells it): no `.` parts, no doubled slashes."""
    parts = [part for part in path.split(os.sep) if part not in ("", ".")]
    return (os.sep if path.startswith(os.sep) else "") + os.sep.join(parts)
