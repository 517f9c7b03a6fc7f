"""The `domlint` command line: parse options, call the engine, pick a format. Nothing else."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Callable
from collections.abc import Iterator

import click

from . import engine, grammars
from .diagnostics import Severity
from .formats import FORMATS, SUMMARISED_FORMATS
from .formats.full import summary
from .grammar import schema_path
from .rules import REGISTRY, drivers_label, lookup

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
DRIVERS = sorted({"qemu", "libxl", "lxc", "bhyve", "vmx", "vz", "openvz", "vbox", "hyperv", "ch", "test"})


class PathProblem(Exception):
    """A path that cannot be linted (missing, unreadable): reported, the others still run."""


def _split(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(part.strip() for value in values for part in value.split(",") if part.strip())


def _check_selectors(selectors: frozenset[str], option: str) -> None:
    for selector in selectors:
        if lookup(selector) is None and not any(r.code.startswith(selector.upper()) for r in REGISTRY.values()):
            raise click.BadParameter(f"no rule is named or coded '{selector}' (see 'domlint rules')", param_hint=option)


def _walk(folder: Path) -> Iterator[Path]:
    """`*.xml` under a folder, sorted, skipping hidden folders and never looping on symlinks."""
    seen: set[str] = set()
    for directory, subdirectories, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(directory)
        if real in seen:
            subdirectories[:] = []
            continue
        seen.add(real)
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".xml"):
                yield Path(directory) / name


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise PathProblem(f"{path}: no such file or directory") from None
    except IsADirectoryError:
        raise PathProblem(f"{path}: is a directory") from None
    except OSError as error:
        raise PathProblem(f"{path}: cannot read: {error.strerror or error}") from None


def _inputs(paths: tuple[str, ...], stdin_filename: str | None) -> Iterator[tuple[str, bytes | PathProblem]]:
    for name in paths:
        if name == "-":
            label = stdin_filename or "<stdin>"
            if sys.stdin is None:
                yield label, PathProblem(f"{label}: standard input is closed")
            else:
                yield label, sys.stdin.buffer.read()
            continue
        path = Path(name)
        if path.is_dir():
            for file in _walk(path):
                yield str(file), _try_read(file)
        else:
            yield name, _try_read(path)


def _try_read(path: Path) -> bytes | PathProblem:
    try:
        return _read(path)
    except PathProblem as problem:
        return problem


class _Group(click.Group):
    """Turns an unexpected exception into a one-line message and exit 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except Exception as error:  # noqa: BLE001 - the last line of defence
            click.echo(f"domlint: internal error: {type(error).__name__}: {error}", err=True)
            sys.exit(EXIT_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="domlint")
def main() -> None:
    """Lint libvirt domain XML: the <os> boot section, at exact line and column."""


def _output_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options `check` and `validate` share: how to read inputs and how to report."""
    for option in reversed(
        [
            click.argument("paths", nargs=-1, required=True),
            click.option(
                "--format", "output_format", type=click.Choice(sorted(FORMATS)), default="full", show_default=True, help="Output format."
            ),
            click.option(
                "--fail-on",
                type=click.Choice([s.value for s in Severity]),
                default="error",
                show_default=True,
                help="Exit 1 when a diagnostic of this severity or worse is found.",
            ),
            click.option("--stdin-filename", metavar="NAME", help="The name to report for '-' (standard input)."),
            click.option(
                "--color",
                type=click.Choice(["auto", "always", "never"]),
                default="auto",
                show_default=True,
                help="Colour the full format (auto: on a terminal, unless NO_COLOR is set).",
            ),
            click.option("--quiet", "-q", is_flag=True, help="Print diagnostics only, without the summary line."),
        ]
    ):
        command = option(command)
    return command


def _report(
    paths: tuple[str, ...],
    stdin_filename: str | None,
    check_one: Callable[[bytes, str], engine.Result],
    output_format: str,
    fail_on: str,
    color: str,
    quiet: bool,
) -> None:
    """Check every input, print the report, exit with the documented code."""
    results: list[engine.Result] = []
    path_problems = False
    for name, data in _inputs(paths, stdin_filename):
        if isinstance(data, PathProblem):
            click.echo(f"domlint: error: {data}", err=True)
            path_problems = True
            continue
        results.append(check_one(data, name))
    use_color = color == "always" or (color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    text = FORMATS[output_format](results, use_color)
    if output_format in SUMMARISED_FORMATS and not quiet:
        text += summary(results) + "\n"
    click.echo(text, nl=False, color=use_color)
    threshold = Severity(fail_on).rank
    failed = any(d.severity.rank >= threshold for r in results for d in r.diagnostics)
    sys.exit(EXIT_ERROR if path_problems else EXIT_FINDINGS if failed else EXIT_CLEAN)


@main.command()
@_output_options
@click.option("--select", multiple=True, metavar="RULES", help="Only these rules (names, codes or code prefixes; comma-separated).")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules (names, codes or code prefixes).")
@click.option("--driver", type=click.Choice(DRIVERS), help="The libvirt driver to judge by (default: from <domain type>).")
def check(
    paths: tuple[str, ...],
    output_format: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    driver: str | None,
    fail_on: str,
    stdin_filename: str | None,
    color: str,
    quiet: bool,
) -> None:
    """Lint domain XML files, folders (all *.xml inside) or '-' for standard input."""
    selected, ignored = _split(select), _split(ignore)
    _check_selectors(selected, "--select")
    _check_selectors(ignored, "--ignore")
    options = engine.Options(select=selected, ignore=ignored, driver=driver)
    _report(paths, stdin_filename, lambda data, name: engine.lint(data, name, options), output_format, fail_on, color, quiet)


@main.command()
@click.option(
    "--schema",
    "schema_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The grammar: RelaxNG (.rng or .rnc) or XML Schema (.xsd, 1.0 or 1.1).",
)
@_output_options
def validate(
    schema_file: Path,
    paths: tuple[str, ...],
    output_format: str,
    fail_on: str,
    stdin_filename: str | None,
    color: str,
    quiet: bool,
) -> None:
    """Validate any XML files against any grammar, with domlint's positions and formats."""
    try:
        validator = grammars.load(schema_file)
    except grammars.GrammarError as error:
        click.echo(f"domlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    _report(paths, stdin_filename, lambda data, name: engine.validate(data, name, validator), output_format, fail_on, color, quiet)


@main.command()
@click.option("--format", "grammar_format", type=click.Choice(["rng", "rnc", "xsd"]), default="rng", show_default=True)
@click.option("--path", "print_path", is_flag=True, help="Print the installed file's path instead of its text.")
def schema(grammar_format: str, print_path: bool) -> None:
    """Print the bundled grammar of <domain> (strict about <os>), or its path for editors.

    The .rng and .rnc files include os.rng / os.rnc from the same folder; the XSD stands alone.
    """
    path = schema_path(f"domain.{grammar_format}")
    click.echo(str(path) if print_path else path.read_text(encoding="utf-8"), nl=print_path)


@main.command("rule")
@click.argument("name_or_code")
def rule_command(name_or_code: str) -> None:
    """Show the documentation of one rule."""
    found = lookup(name_or_code)
    if found is None:
        raise click.BadParameter(f"no rule is named or coded '{name_or_code}' (see 'domlint rules')", param_hint="NAME|CODE")
    click.echo(f"{found.code} {found.name} ({found.severity.value}; drivers: {drivers_label(found)})\n\n{found.summary}\n\n{found.doc}")


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(output_format: str) -> None:
    """List every rule."""
    rules = sorted(REGISTRY.values(), key=lambda r: r.code)
    if output_format == "json":
        records = [
            {"code": r.code, "name": r.name, "severity": r.severity.value, "drivers": sorted(r.drivers), "summary": r.summary}
            for r in rules
        ]
        click.echo(json.dumps(records, indent=2))
        return
    for r in rules:
        click.echo(f"{r.code}  {r.name:<28} {r.severity.value:<8} {r.summary}")
