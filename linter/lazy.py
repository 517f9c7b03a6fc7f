"""Start-up deferrals that the rest of domlint no longer uses: being removed (issue 16).

Ordinary dataclasses and `re.compile` at import replace them (they saved about 10 ms of a
one-file run, not worth their code). They remain only where other changes are in progress:
`dataclass_on_first_use` in schema.py, `Regex` in config.py, formats/common.py and
xmlfeatures.py. Delete this module when those switch.

`dataclass_on_first_use` defers `@dataclass(**options)` to the class's first instance, made by
the constructor or by unpickling; only for classes that are not subclassed and not inspected
(`dataclasses.fields`, `is_dataclass`) before they have an instance. `Regex` compiles on first use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

T = TypeVar("T")
_LOCK = threading.Lock()


def dataclass_on_first_use(**options: Any) -> Callable[[type[T]], type[T]]:
    def decorate(cls: type[T]) -> type[T]:
        def make() -> None:
            with _LOCK:
                if cls.__dict__.get("__init__") is __init__:  # not made yet (by another thread)
                    del cls.__init__  # type: ignore[misc]
                    del cls.__setstate__  # type: ignore[attr-defined]
                    dataclass(**options)(cls)

        def __init__(self: T, *args: Any, **kwargs: Any) -> None:
            make()
            cls.__init__(self, *args, **kwargs)  # type: ignore[misc]

        def __setstate__(self: T, state: dict[str, Any]) -> None:
            make()
            self.__dict__.update(state)  # what unpickling does for a dataclass

        cls.__init__ = __init__  # type: ignore[misc]
        cls.__setstate__ = __setstate__  # type: ignore[attr-defined]
        return cls

    return decorate


class Regex:
    """`re.compile(pattern, flags)` done on first use: a module's expressions cost nothing at start
    until a document needs them (most runs need few). After the first use the methods are the
    compiled expression's own, bound once."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags

    def __getattr__(self, name: str) -> Any:  # only for what is not set yet
        import re

        compiled = re.compile(self.pattern, self.flags)
        for method in ("match", "fullmatch", "search", "finditer", "findall", "sub", "subn", "split"):
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)
