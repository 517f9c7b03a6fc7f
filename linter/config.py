"""Configuration files: found by walking up from each linted file, validated, merged with the command line.

`domlint.toml` and `.domlint.toml` hold the keys at top level; `pyproject.toml` counts only when
it has a `[tool.domlint]` table. Every mistake is a `ConfigError` that names the file and the
key: a setting that is silently dropped would lint the wrong thing without anyone noticing.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from .diagnostics import Severity
from . import paths
from .engine import DRIVER_OF_DOMAIN_TYPE, Options
from .globs import Glob
from .integers import decimal
from .rules import ALL_DRIVERS, REGISTRY, lookup

# Looked for in this order in each folder, from the linted file's folder up to the root.
FILE_NAMES = ("domlint.toml", ".domlint.toml", "pyproject.toml")
KEYS = ("select", "extend-select", "ignore", "severity", "driver", "libvirt-version", "include", "exclude", "per-file-ignores")
Version = tuple[int, int, int]
MAX_CONFIG_BYTES = 1024 * 1024


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the file (and the key or position)."""


@dataclass(frozen=True)
class Overrides:
    """What the command line says. It wins over the files, as in ruff: see README, "Configuration"."""

    select: frozenset[str] = frozenset()  # empty: not given; else it replaces the configuration's select and ignore
    ignore: frozenset[str] = frozenset()  # added to the configuration's ignore
    extend_select: frozenset[str] = frozenset()  # added to the select in force
    driver: str | None = None
    libvirt_version: Version | None = None


NO_OVERRIDES = Overrides()


@dataclass(frozen=True)
class Config:
    """One validated configuration; `folder` is where its patterns are relative to."""

    folder: str  # absolute
    path: str | None = None  # the file it was read from (None: no file governs)
    select: frozenset[str] = frozenset()
    extend_select: frozenset[str] = frozenset()  # added to `select` (nothing to add to when `select` is all)
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)  # rule name -> severity
    driver: str | None = None
    libvirt_version: Version | None = None
    include: tuple[Glob, ...] = (Glob("**/*.xml"),)
    exclude: tuple[Glob, ...] = ()
    per_file_ignores: tuple[tuple[Glob, frozenset[str]], ...] = ()

    def options(self, file: str | None, overrides: Overrides) -> Options:
        """The engine's options for one file (None: standard input without a name)."""
        if overrides.select:  # ruff's order: the command line's --select starts over (per-file-ignores stay)
            select, ignore = overrides.select | overrides.extend_select, overrides.ignore
        else:
            select = self.select | self.extend_select | overrides.extend_select if self.select else frozenset()
            ignore = self.ignore | overrides.ignore
        if file is not None and self.per_file_ignores:
            relative = self._relative(file)
            ignore = ignore.union(*(rules for glob, rules in self.per_file_ignores if glob.covers(relative)))
        return Options(
            select=select,
            ignore=ignore,
            driver=overrides.driver or self.driver,
            libvirt_version=overrides.libvirt_version or self.libvirt_version,
            severity=self.severity,
        )

    def excludes(self, path: str) -> bool:
        """Whether a folder walk leaves out this file or folder."""
        return self._excluded(self._relative(path))

    def includes(self, file: str) -> bool:
        """Whether a folder walk lints this file."""
        relative = self._relative(file)
        return any(glob.matches(relative) for glob in self.include) and not self._excluded(relative)

    def _excluded(self, relative: str) -> bool:
        return any(glob.covers(relative) for glob in self.exclude)

    def _relative(self, path: str) -> str:
        """`path` relative to the configuration's folder, '/'-separated (with '..' when outside it)."""
        absolute, prefix = os.path.abspath(path), os.path.join(self.folder, "")
        if absolute.startswith(prefix):  # the usual case, without relpath's cost (it shows on a large folder walk)
            return absolute[len(prefix) :].replace(os.sep, "/")
        return os.path.relpath(absolute, self.folder).replace(os.sep, "/")


class Resolver:
    """Which configuration applies to each file and folder: the nearest file up the tree, found once per folder."""

    def __init__(self, overrides: Overrides = NO_OVERRIDES, config_file: str | None = None, isolated: bool = False) -> None:
        self.overrides = overrides
        self._fixed: Config | None = None
        if isolated:
            self._fixed = Config(folder=os.getcwd())
        elif config_file is not None:
            self._fixed = load(config_file)
        self._by_folder: dict[str, Config] = {}
        self._options: dict[int, tuple[Config, Options]] = {}  # by configuration (kept alive with it)

    def config_for(self, folder: str) -> Config:
        """The configuration that governs the files in `folder` (relative to the current folder; "" is that folder)."""
        return self._fixed if self._fixed is not None else self._nearest(os.path.abspath(folder))

    def options_for(self, file: str | None) -> Options:
        """The engine's options for one file; None is standard input without a name (the current folder's configuration)."""
        config = self.config_for(os.path.dirname(file) if file is not None else os.getcwd())
        if config.per_file_ignores:
            return config.options(file, self.overrides)
        if id(config) not in self._options:  # the same for every file it governs: made once
            self._options[id(config)] = (config, config.options(file, self.overrides))
        return self._options[id(config)][1]

    def enters(self, folder: str) -> bool:
        """Whether a folder walk goes into `folder`: the configuration around it decides."""
        absolute = os.path.abspath(folder)
        return not self.config_for(os.path.dirname(absolute)).excludes(absolute)

    def walks(self, file: str) -> bool:
        """Whether a folder walk lints `file`: its own folder's configuration decides."""
        return self.config_for(os.path.dirname(file)).includes(file)

    def _nearest(self, folder: str) -> Config:
        """Up from `folder` to the first folder with a configuration file, or one known already; in a
        loop, not recursion, so a file a thousand folders deep is no deeper for Python."""
        climbed: list[str] = []
        while folder not in self._by_folder:
            found = _load_from(folder)
            parent = os.path.dirname(folder)
            if found is None and parent != folder:
                climbed.append(folder)
                folder = parent
            else:
                self._by_folder[folder] = found or Config(folder=folder)
        for below in climbed:
            self._by_folder[below] = self._by_folder[folder]
        return self._by_folder[folder]


def load(path: str) -> Config:
    """The configuration in `path` (`--config`): a pyproject.toml without `[tool.domlint]` is an error here."""
    found = _read(path)
    if found is None:
        raise ConfigError(f"{path}: no [tool.domlint] table")
    return found


def _load_from(folder: str) -> Config | None:
    """The first file of `folder` that configures domlint, or None.

    A repository under review may hold `domlint.toml -> /etc/shadow`: a link is followed only to
    a file inside its own folder, and a refused one is not read (an error would quote its keys).
    """
    for name in FILE_NAMES:
        path = os.path.join(folder, name)
        if os.path.islink(path) and not paths.within(os.path.realpath(path), os.path.realpath(folder)):
            raise ConfigError(f"{path}: a symbolic link that leads outside its folder: not read")
        found = _read(path) if os.path.isfile(path) else None
        if found is not None:
            return found
    return None


def _read(path: str) -> Config | None:
    """`[tool.domlint]` of a pyproject.toml (None when it has none), the top level of any other file.

    Only a regular file of at most 1 MiB: `--config /dev/zero` would never end, a FIFO would block.
    """
    try:
        data = paths.read_regular(path, MAX_CONFIG_BYTES)
    except paths.NotARegularFile:
        raise ConfigError(f"{path}: not a regular file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than 1 MiB: not read")
    if os.path.basename(path) == "pyproject.toml" and b"domlint" not in data:
        return None  # another tool's file: not parsed, so no TOML parser is imported and its mistakes are not ours
    table = _domlint_table(path, _parse_toml(path, data))
    return None if table is None else _validated(path, table)


def _parse_toml(path: str, data: bytes) -> dict[str, Any]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: invalid TOML: the file is not UTF-8 text") from None
    toml = _toml_module()
    try:
        return toml.loads(text)
    except toml.TOMLDecodeError as error:
        raise _syntax_error(path, text, str(error)) from None
    except RecursionError:  # the parser recurses once per nested array or inline table
        raise ConfigError(f"{path}: invalid TOML: values nested too deeply") from None
    except ValueError as error:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        raise ConfigError(f"{path}: invalid TOML: {str(error).split(':')[0]}") from None


def _toml_module() -> ModuleType:
    """tomllib where Python has it (3.11+), else the tomli package it came from; imported only when a file is read."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli

    return tomli


_POSITION = re.compile(r" \(at (?:line (\d+), column (\d+)|end of document)\)$")


def _syntax_error(path: str, text: str, message: str) -> ConfigError:
    """`FILE:LINE:COLUMN: invalid TOML: ...`, from the position the TOML parser puts in its message."""
    found = _POSITION.search(message)
    if found is None:
        return ConfigError(f"{path}: invalid TOML: {message}")
    if found.group(1):
        line, column = int(found.group(1)), int(found.group(2))
    else:
        line, column = text.count("\n") + 1, len(text) - text.rfind("\n")
    return ConfigError(f"{path}:{line}:{column}: invalid TOML: {message[: found.start()]}")


def _domlint_table(path: str, document: dict[str, Any]) -> dict[str, Any] | None:
    """domlint's keys: the whole file, or `[tool.domlint]` of a pyproject.toml (None when it has none)."""
    if os.path.basename(path) != "pyproject.toml":
        return document
    tool = document.get("tool")
    table = tool.get("domlint") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: 'tool.domlint' must be a table, not {_kind(table)}")
    return table


def _validated(path: str, table: dict[str, Any]) -> Config:
    """The Config of one table, or a ConfigError about its first mistake."""
    for key in table:
        if key not in KEYS:
            raise ConfigError(f"{path}: unknown key '{key}'{_did_you_mean(key, KEYS)}")
    read = _Reader(path)
    settings: dict[str, Any] = {"folder": os.path.dirname(os.path.abspath(path)), "path": path}
    for key in ("select", "extend-select", "ignore"):
        if key in table:
            settings[key.replace("-", "_")] = read.selectors(key, table[key])
    if "severity" in table:
        settings["severity"] = read.severities(table["severity"])
    if "driver" in table:
        settings["driver"] = read.checked("driver", table["driver"], driver_problem)
    if "libvirt-version" in table:
        settings["libvirt_version"] = parse_version(read.checked("libvirt-version", table["libvirt-version"], version_problem))
    for key in ("include", "exclude"):
        if key in table:
            settings[key] = tuple(read.glob(key, pattern) for pattern in read.strings(key, table[key]))
    if "per-file-ignores" in table:
        patterns = read.table("per-file-ignores", table["per-file-ignores"])
        settings["per_file_ignores"] = tuple(
            (read.glob("per-file-ignores", pattern), read.selectors(_dotted("per-file-ignores", pattern), rules))
            for pattern, rules in patterns.items()
        )
    return Config(**settings)


class _Reader:
    """Type and value checks of one file's keys; each error names the file and the (dotted) key."""

    def __init__(self, path: str) -> None:
        self.path = path

    def invalid(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: '{key}': {problem}")

    def wrong_type(self, key: str, expected: str, value: object) -> ConfigError:
        return ConfigError(f"{self.path}: '{key}' must be {expected}, not {_kind(value)}")

    def table(self, key: str, value: object) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.wrong_type(key, "a table", value)
        return value

    def strings(self, key: str, value: object) -> list[str]:
        if not isinstance(value, list):
            raise self.wrong_type(key, "a list of strings", value)
        for number, item in enumerate(value, 1):
            if not isinstance(item, str):
                raise ConfigError(f"{self.path}: '{key}' must be a list of strings, but item {number} is {_kind(item)}")
        return value

    def checked(self, key: str, value: object, problem: Callable[[str], str | None]) -> str:
        """`value` when it is a string in which `problem` finds nothing wrong."""
        if not isinstance(value, str):
            raise self.wrong_type(key, "a string", value)
        found = problem(value)
        if found is not None:
            raise self.invalid(key, found)
        return value

    def selectors(self, key: str, value: object) -> frozenset[str]:
        return frozenset(self.checked(key, selector, selector_problem) for selector in self.strings(key, value))

    def glob(self, key: str, pattern: str) -> Glob:
        try:
            return Glob(pattern)
        except ValueError as error:
            raise self.invalid(key, str(error)) from None

    def severities(self, value: object) -> dict[str, Severity]:
        """Rule name or code -> severity, keyed by rule name; one rule given twice (by name and code) is an error."""
        severities: dict[str, Severity] = {}
        given_as: dict[str, str] = {}
        for key, level in self.table("severity", value).items():
            found = lookup(key)
            if found is None:
                raise self.invalid("severity", no_rule(key))
            text = self.checked(_dotted("severity", key), level, severity_problem)
            if found.name in given_as:
                raise self.invalid("severity", f"{found.code} {found.name} is given twice ('{given_as[found.name]}' and '{key}')")
            given_as[found.name] = key
            severities[found.name] = Severity(text)
        return severities


def selector_problem(selector: str) -> str | None:
    """What is wrong with a rule selector (a name, code or code prefix), or None when it selects rules."""
    if selector and (lookup(selector) or any(rule.code.startswith(selector.upper()) for rule in REGISTRY.values())):
        return None
    return no_rule(selector)


def no_rule(selector: str) -> str:
    """The message for a selector that names no rule, with the closest rule name when there is one."""
    hint = _did_you_mean(selector, REGISTRY) or " (see 'domlint rules')"
    return f"no rule is named or coded '{selector}'{hint}"


def severity_problem(text: str) -> str | None:
    """What is wrong with a severity name, or None."""
    if text in {severity.value for severity in Severity}:
        return None
    return f"unknown severity '{text}' (expected 'error', 'warning' or 'info')"


def driver_problem(driver: str) -> str | None:
    """What is wrong with a driver name, or None; a domain type (kvm, xen) suggests its driver."""
    if driver in ALL_DRIVERS:
        return None
    implied = DRIVER_OF_DOMAIN_TYPE.get(driver.lower())
    hint = f" (did you mean '{implied}'?)" if implied else _did_you_mean(driver, ALL_DRIVERS)
    return f"unknown driver '{driver}'" + (hint or f" (expected one of {', '.join(sorted(ALL_DRIVERS))})")


_VERSION = re.compile(r"([0-9]+)\.([0-9]+)(?:\.([0-9]+))?")


def version_problem(text: str) -> str | None:
    """What is wrong with a libvirt version, or None when it is X.Y or X.Y.Z."""
    if _VERSION.fullmatch(text):
        return None
    return f"invalid libvirt version '{text}' (expected X.Y or X.Y.Z, e.g. 9.0 or 10.5.0)"


def parse_version(text: str) -> Version:
    """'9.0' -> (9, 0, 0), so versions compare as tuples; ValueError for anything but X.Y or X.Y.Z."""
    found = _VERSION.fullmatch(text)
    if found is None:
        raise ValueError(version_problem(text))
    major, minor, micro = found.groups()
    return decimal(major), decimal(minor), decimal(micro or "0")


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest choice, or ''."""
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _dotted(*keys: str) -> str:
    """A key path as TOML writes it: `per-file-ignores."hosts/*.xml"`."""
    import json  # only for an error message

    return ".".join(key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key) for key in keys)


def _kind(value: object) -> str:
    """The TOML name of a value's type, with its article: 'a string', 'an integer'."""
    if isinstance(value, bool):
        return "a boolean"
    kinds = {str: "a string", int: "an integer", float: "a float", list: "an array", dict: "a table"}
    return next((name for kind, name in kinds.items() if isinstance(value, kind)), "a date or time")
