"""`check --jobs`: lint in worker processes, report in input order, so the output is a serial run's.

The parent walks the folders, reads the files and resolves each file's configuration, exactly as
a serial run does (a configuration error or an unreadable path stops or is reported at the same
place); the workers only lint. Files go to the workers in chunks and come back in order: a chunk
is waited for only when everything before it has been reported, and at most a few chunks per
worker are in flight, so memory does not grow with the number of files.

Parallel pays only for many files: starting the workers costs about as much as linting a few
hundred small domains. So by default (`auto`) a run goes parallel only past `AUTO_MIN_FILES`
files and with more than one CPU; `--jobs 1` is always serial.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Union

from . import engine

AUTO_MIN_FILES = 200
CHUNK = 48  # files per task: large enough that a task costs far more than sending it
IN_FLIGHT = 4  # chunks per worker sent ahead of the one being reported

Input = tuple[str, Union[Path, None], Any]  # (name, location, bytes or a path problem)


class Clean:
    """A result without diagnostics as a report keeps it: the path and whether it was skipped.
    It reads like an `engine.Result` (no diagnostics, no source) and costs a fraction of one,
    which keeps the memory of a run over thousands of files flat."""

    __slots__ = ("path", "skipped")
    diagnostics: tuple[()] = ()
    source = None

    def __init__(self, path: str, skipped: bool) -> None:
        self.path = path
        self.skipped = skipped


def compact(result: engine.Result | Clean) -> engine.Result | Clean:
    """What a report needs of a result: the source text only where a diagnostic points into it,
    and never the parsed tree (so a run over many files keeps little, and a worker can send it)."""
    if not result.diagnostics:
        return result if type(result) is Clean else Clean(result.path, result.skipped)
    if type(result.source) is engine.Source or result.source is None:
        return result
    return engine.Result(result.path, result.diagnostics, result.skipped, result.source.detached())


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parse_jobs(text: str) -> int | None:
    """`--jobs`: a number of processes from 1, or 'auto' (None)."""
    if text.strip().lower() == "auto":
        return None
    try:
        jobs = int(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a number of processes or 'auto'") from None
    if jobs < 1:
        raise ValueError(f"{jobs} is not a number of processes (1 or more, or 'auto')")
    return jobs


class Runner:
    """Turns the inputs of a `check` run into the same inputs with the lintable ones already
    linted (the result, `compact`, in place of the bytes), in the same order."""

    def __init__(self, jobs: int | None, options_for: Callable[[Path | None], engine.Options]) -> None:
        self.jobs = jobs
        self.options_for = options_for

    def __call__(self, inputs: Iterable[Input]) -> Iterator[Input]:
        inputs = iter(inputs)
        if self.jobs == 1:
            yield from inputs
            return
        workers = self.jobs
        ahead: list[Input] = []
        if workers is None:
            workers = available_cpus()
            if workers < 2:
                yield from inputs
                return
            # Read ahead just past the threshold: a small run stays serial, at no cost.
            for item in inputs:
                ahead.append(item)
                if len(ahead) > AUTO_MIN_FILES:
                    break
            else:
                yield from ahead
                return
        yield from _parallel(_chain(ahead, inputs), self.options_for, workers)


def _chain(first: list[Input], rest: Iterator[Input]) -> Iterator[Input]:
    yield from first
    yield from rest


def _parallel(inputs: Iterator[Input], options_for: Callable[[Path | None], engine.Options], workers: int) -> Iterator[Input]:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = context.Pool(workers, initializer=_start_worker)
    # In input order: ("item", input) ready to report, ("chunk", pending result, [(name, location)]),
    # or ("raise", exception) where the serial run would have stopped.
    queue: deque[tuple[Any, ...]] = deque()
    chunk: list[tuple[str, bytes, engine.Options]] = []
    places: list[tuple[str, Path | None]] = []
    pending = 0
    exhausted = False

    def flush() -> None:
        nonlocal chunk, places, pending
        if chunk:
            queue.append(("chunk", pool.apply_async(_lint_chunk, (chunk,)), places))
            chunk, places = [], []
            pending += 1

    try:
        while True:
            while not exhausted and pending < workers * IN_FLIGHT:
                try:
                    name, location, data = next(inputs)
                    options = options_for(location) if isinstance(data, bytes) else None
                except StopIteration:
                    exhausted = True
                    break
                except Exception as error:  # noqa: BLE001 - raised again where a serial run raises it
                    exhausted = True
                    flush()
                    queue.append(("raise", error))
                    break
                if options is None:
                    flush()
                    queue.append(("item", (name, location, data)))
                    continue
                chunk.append((name, data, options))
                places.append((name, location))
                if len(chunk) >= CHUNK:
                    flush()
            if exhausted:
                flush()
            if not queue:
                if exhausted:
                    return
                continue
            entry = queue.popleft()
            if entry[0] == "item":
                yield entry[1]
            elif entry[0] == "raise":
                raise entry[1]
            else:
                pending -= 1
                for (name, location), result in zip(entry[2], entry[1].get()):
                    yield name, location, result
    finally:
        pool.terminate()
        pool.join()


def _start_worker() -> None:
    import signal

    from . import schema

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers
    schema.bundled_relaxng()  # compiled once per worker (inherited as is after a fork)


def _lint_chunk(chunk: list[tuple[str, bytes, engine.Options]]) -> list[engine.Result | Clean]:
    return [compact(engine.lint(data, name, options)) for name, data, options in chunk]
