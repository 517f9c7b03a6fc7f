"""Dataclasses whose methods are made when the class is first used, not when it is defined.

`@dataclass` compiles the methods of a class from source when the class statement runs, about
half a millisecond per class; domlint has many classes that only a document with errors (or
`domlint validate`) ever instantiates, and a clean `domlint check` would pay for all of them at
every start. `dataclass_on_first_use` defers that work to the first instantiation: from then on
the class is exactly the dataclass `@dataclass(**options)` makes.

Only for classes that are not subclassed, not pickled, and not inspected (`dataclasses.fields`,
`is_dataclass`) before they have an instance.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

T = TypeVar("T")
_LOCK = threading.Lock()


def dataclass_on_first_use(**options: Any) -> Callable[[type[T]], type[T]]:
    def decorate(cls: type[T]) -> type[T]:
        def __init__(self: T, *args: Any, **kwargs: Any) -> None:
            with _LOCK:
                if cls.__dict__.get("__init__") is __init__:  # not made yet (by another thread)
                    del cls.__init__  # type: ignore[misc]
                    dataclass(**options)(cls)
            cls.__init__(self, *args, **kwargs)  # type: ignore[misc]

        cls.__init__ = __init__  # type: ignore[misc]
        return cls

    return decorate
