"""A progress line on standard error for long runs on a terminal, gone before the report.

The report goes to standard output only once every file is checked, so the two never mix: the
line is drawn with a carriage return, only when standard error is a terminal, only after the run
has lasted a second, at most ten times a second, and erased at the end.
"""

from __future__ import annotations

import time
from typing import Callable, TextIO

DELAY = 1.0
INTERVAL = 0.1


class Progress:
    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._clock = clock
        self._enabled = stream.isatty()
        self._started = clock()
        self._drawn_at: float | None = None
        self._count = 0

    def advance(self, name: str) -> None:
        """One more file checked."""
        self._count += 1
        if not self._enabled:
            return
        now = self._clock()
        if now - self._started < DELAY or (self._drawn_at is not None and now - self._drawn_at < INTERVAL):
            return
        self._stream.write(f"\r\x1b[Kdomlint: {self._count} files checked, now {name[-60:]}")
        self._stream.flush()
        self._drawn_at = now

    def finish(self) -> None:
        """Erase the line, if one was drawn."""
        if self._drawn_at is not None:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
