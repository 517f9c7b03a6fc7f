"""`check --show-settings`: what governs a path, for a user who wonders why a rule is (not) reported."""

from __future__ import annotations

import os

from .config import Resolver
from .paths import display_path


def describe(path: str, resolver: Resolver) -> str:
    """The configuration file that governs `path` (a file, a folder or '-') and the options it gets."""
    file = None if path == "-" else os.path.join(path, "") if os.path.isdir(path) else path
    options = resolver.options_for(file)
    governing = resolver.config_for(os.path.dirname(file) if file is not None else os.getcwd()).path
    version = ".".join(map(str, options.libvirt_version)) if options.libvirt_version else "the newest"
    severities = ", ".join(f"{name}={level.value}" for name, level in sorted(options.severity.items())) or "the rules' own"
    return (
        f"{display_path(path)}\n  configuration: {display_path(governing) if governing else 'none'}\n"
        f"  select: {_listed(options.select, 'all')}\n  ignore: {_listed(options.ignore, 'none')}\n"
        f"  driver: {options.driver or 'from <domain type>'}\n  libvirt-version: {version}\n  severity: {severities}"
    )


def _listed(selectors: frozenset[str], empty: str) -> str:
    return ", ".join(sorted(selectors)) or empty
