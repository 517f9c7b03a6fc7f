"""`check --jobs`: lint in worker processes, report in input order, so the output is a serial run's.

The parent walks the folders and resolves each file's configuration, exactly as a serial run
does (a configuration error stops the run at the same place); the workers read and lint the files
(an unreadable one comes back as the same path problem, reported at the same place). Files go to
the workers in chunks and come back in order: a chunk is waited for only when everything before
it has been reported, and at most a few chunks per worker are in flight, so memory does not grow
with the number of files.

Parallel pays only for many files: starting the workers (and the parent's share of the work)
costs about as much as linting a few hundred small domains (measured with bench/run.py on two
CPUs: even at about 300 files). So by default (`auto`) a run goes parallel only past
`AUTO_MIN_FILES` files and with more than one CPU, one worker per CPU; `--jobs 1` is serial.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Union

from . import engine

AUTO_MIN_FILES = 300
CHUNK = 48  # files per task: large enough that a task costs far more than sending it
IN_FLIGHT = 4  # chunks per worker sent ahead of the one being reported

Input = tuple[str, Union[str, None], Any]  # (name, location, the bytes, a path (str) to read, or a path problem)
Read = Callable[[str], Any]  # a file's bytes, or the path problem to report


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

    def __init__(self, jobs: int | None, options_for: Callable[[str | None], engine.Options], read: Read) -> None:
        self.jobs = jobs
        self.options_for = options_for
        self.read = read

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
            # Look ahead just past the threshold (the walk, not the reading): a small run stays serial.
            try:
                for item in inputs:
                    ahead.append(item)
                    if len(ahead) > AUTO_MIN_FILES:
                        break
                else:
                    yield from ahead
                    return
            except Exception:
                yield from ahead  # what a serial run reports before it stops
                raise
        yield from _parallel(_chain(ahead, inputs), self.options_for, self.read, workers)


def _chain(first: list[Input], rest: Iterator[Input]) -> Iterator[Input]:
    yield from first
    yield from rest


def _parallel(inputs: Iterator[Input], options_for: Callable[[str | None], engine.Options], read: Read, workers: int) -> Iterator[Input]:
    pool = _ForkPool(workers, read) if hasattr(os, "fork") else _SpawnPool(workers, read)
    # In input order: ("item", input) ready to report, ("chunk", pending result, [(name, location)]),
    # or ("raise", exception) where the serial run would have stopped.
    queue: deque[tuple[Any, ...]] = deque()
    chunk: list[tuple[str, bytes | str, engine.Options]] = []
    places: list[tuple[str, str | None]] = []
    pending = 0
    exhausted = False

    def flush() -> None:
        nonlocal chunk, places, pending
        if chunk:
            queue.append(("chunk", pool.submit(chunk), places))
            chunk, places = [], []
            pending += 1

    try:
        while True:
            while not exhausted and pending < workers * IN_FLIGHT:
                options = None
                try:
                    name, location, data = next(inputs)
                    if isinstance(data, (bytes, str)):
                        try:
                            options = options_for(location)
                        except Exception:
                            # A serial run reads the file first: an unreadable one is reported, and
                            # the configuration error comes with the next file that can be read.
                            if not isinstance(data, str) or isinstance(data := read(data), bytes):
                                raise
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
                    pool.close()
                    return
                continue
            entry = queue.popleft()
            if entry[0] == "item":
                yield entry[1]
            elif entry[0] == "raise":
                raise entry[1]
            else:
                pending -= 1
                for (name, location), result in zip(entry[2], pool.result(entry[1])):
                    yield name, location, result
    finally:
        pool.stop()


class _ForkPool:
    """Worker processes forked from this one, each fed through its own pipe (chunks go round
    robin, so each worker's answers come back in the order it was given the chunks).

    Lighter than multiprocessing, whose import alone costs as much as linting a hundred files:
    a fork inherits the loaded modules, and pickles go over plain pipes."""

    def __init__(self, workers: int, read: Read) -> None:
        import pickle

        self._pickle = pickle
        self._workers: list[tuple[int, int, int]] = []  # (pid, task pipe, result pipe)
        self._next = 0
        sys.stdout.flush()
        sys.stderr.flush()
        for _ in range(workers):
            task_read, task_write = os.pipe()
            result_read, result_write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: it never returns into the parent's code
                try:
                    os.close(task_write)
                    os.close(result_read)
                    for _, other_task, other_result in self._workers:  # the other workers' pipes
                        os.close(other_task)
                        os.close(other_result)
                    _serve(task_read, result_write, read, pickle)
                finally:
                    os._exit(0)
            os.close(task_read)
            os.close(result_write)
            self._workers.append((pid, task_write, result_read))

    def submit(self, chunk: list[tuple[str, bytes | str, engine.Options]]) -> int:
        index = self._next % len(self._workers)
        self._next += 1
        _send(self._workers[index][1], chunk, self._pickle)
        return index

    def result(self, index: int) -> list[Any]:
        status, value = _receive(self._workers[index][2], self._pickle)
        if status != "ok":
            raise value
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        """All answers read: each worker sees the end of its task pipe and exits."""
        for pid, task, result in self._workers:
            os.close(task)
            os.close(result)
            os.waitpid(pid, 0)
        self._workers = []

    def stop(self) -> None:
        """Stopped early (an error, Ctrl-C): the workers are ended."""
        import signal

        for pid, task, result in self._workers:
            os.kill(pid, signal.SIGTERM)
            os.close(task)
            os.close(result)
            os.waitpid(pid, 0)
        self._workers = []


def _serve(tasks: int, results: int, read: Read, pickle: Any) -> None:
    import signal

    from . import schema

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers
    schema.bundled_relaxng()  # compiled once per worker (inherited as is when the parent has it)
    while True:
        try:
            chunk = _receive(tasks, pickle)
        except EOFError:
            return
        try:
            answer: tuple[str, Any] = ("ok", _lint_chunk(chunk, read))
        except Exception as error:  # noqa: BLE001 - raised again in the parent, as a serial run raises it
            answer = ("error", error)
        try:
            _send(results, answer, pickle)
        except Exception as error:  # noqa: BLE001 - an exception that does not pickle
            _send(results, ("error", RuntimeError(f"{type(error).__name__}: {error}")), pickle)


def _send(pipe: int, value: Any, pickle: Any) -> None:
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    view = memoryview(len(data).to_bytes(8, "little") + data)
    while view:
        view = view[os.write(pipe, view) :]


def _receive(pipe: int, pickle: Any) -> Any:
    size = int.from_bytes(_read_exactly(pipe, 8), "little")
    return pickle.loads(_read_exactly(pipe, size))


def _read_exactly(pipe: int, size: int) -> bytes:
    parts, wanted = [], size
    while wanted:
        part = os.read(pipe, min(wanted, 1 << 20))
        if not part:
            raise EOFError("a worker process ended")
        parts.append(part)
        wanted -= len(part)
    return b"".join(parts)


class _SpawnPool:
    """Where there is no fork: multiprocessing's pool of spawned workers."""

    def __init__(self, workers: int, read: Read) -> None:
        import multiprocessing

        self._read = read
        self._pool = multiprocessing.get_context("spawn").Pool(workers, initializer=_start_worker)

    def submit(self, chunk: list[tuple[str, bytes | str, engine.Options]]) -> Any:
        return self._pool.apply_async(_lint_chunk, (chunk, self._read))

    def result(self, pending: Any) -> list[Any]:
        return pending.get()  # type: ignore[no-any-return]

    def close(self) -> None:
        self._pool.close()
        self._pool.join()

    def stop(self) -> None:
        self._pool.terminate()
        self._pool.join()


def _start_worker() -> None:
    import signal

    from . import schema

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the workers
    schema.bundled_relaxng()  # compiled once per worker


def _lint_chunk(chunk: list[tuple[str, bytes | str, engine.Options]], read: Read) -> list[Any]:
    """Each file read (a path problem comes back as is) and linted."""
    done: list[Any] = []
    for name, data, options in chunk:
        if isinstance(data, str):
            data = read(data)
        done.append(compact(engine.lint(data, name, options)) if isinstance(data, bytes) else data)
    return done
