"""The `domlint` command line: parse options, call the engine, pick a format. Nothing else."""

from __future__ import annotations

import sys
from typing import Any, Callable
from collections.abc import Iterator

import click

from . import config, engine, grammars, parallel
from .diagnostics import Severity
from .extras import install_hint
from .formats import FORMATS
from .paths import Links, NotARegularFile, PathProblem, Walk, XmlFiles, display_path, inputs, read_regular
from .progress import Progress
from .grammar import schema_path
from .xmlfeatures import MAX_DOCUMENT_BYTES
from .rules import ALL_DRIVERS, REGISTRY, drivers_label, lookup, severity_label

from .report import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, Reporting, drop_stdout

DRIVERS = sorted(ALL_DRIVERS)


def _selectors(values: tuple[str, ...], option: str) -> frozenset[str]:
    """Rule selectors from repeated, comma-separated options; one that selects nothing is a usage error."""
    selectors = frozenset(part.strip() for value in values for part in value.split(",") if part.strip())
    for selector in sorted(selectors):
        problem = config.selector_problem(selector)
        if problem is not None:
            raise click.BadParameter(problem, param_hint=option)
    return selectors


def _version(_context: click.Context, _parameter: click.Parameter, value: str | None) -> config.Version | None:
    """--libvirt-version read as the configuration's `libvirt-version` is: the same texts pass and fail."""
    if value is None:
        return None
    try:
        return config.parse_version(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _jobs(_context: click.Context, _parameter: click.Parameter, value: str) -> int | None:
    """--jobs: N (1 or more) or 'auto' (None)."""
    try:
        return parallel.parse_jobs(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _read(path: str) -> bytes:
    """A regular file's bytes, at most one past the size limit (the engine reports the excess)."""
    try:
        return read_regular(path, MAX_DOCUMENT_BYTES)
    except NotARegularFile:
        raise PathProblem(f"{path}: not a regular file") from None
    except FileNotFoundError:
        raise PathProblem(f"{path}: no such file or directory") from None
    except IsADirectoryError:
        raise PathProblem(f"{path}: is a directory") from None
    except OSError as error:
        raise PathProblem(f"{path}: cannot read: {error.strerror or error}") from None


def _try_read(path: str) -> bytes | PathProblem:
    try:
        return _read(path)
    except PathProblem as problem:
        return PathProblem(display_path(str(problem)))  # the message names the path as the report does


class _Group(click.Group):
    """Turns an unexpected exception into a one-line message and exit 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except BrokenPipeError:  # the reader of standard output left early: end quietly, as `cat` does
            drop_stdout()
            sys.exit(EXIT_CLEAN)
        except Exception as error:  # noqa: BLE001 - the last line of defence
            click.echo(f"domlint: internal error: {type(error).__name__}: {error}", err=True)
            sys.exit(EXIT_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(None, "-V", "--version", package_name="domlint", prog_name="domlint")
def main() -> None:
    """Lint libvirt domain XML: the <os> boot section, at exact line and column."""


def _output_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options `check` and `validate` share: how to read inputs and how to report."""
    for option in reversed(
        [
            click.argument("paths", nargs=-1),
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
                help="Colour the full format (auto: with FORCE_COLOR set, or on a terminal unless NO_COLOR is set).",
            ),
            click.option("--quiet", "-q", is_flag=True, help="Print diagnostics only, without the summary line."),
            click.option("--statistics", is_flag=True, help="Print how many diagnostics each rule gave instead of the diagnostics."),
            click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (2 still means an error)."),
            click.option("--output-file", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE, not to standard output."),
        ]
    ):
        command = option(command)
    return command


def _report(
    paths: tuple[str, ...],
    stdin_filename: str | None,
    walk: Walk,
    check_one: Callable[[bytes, str, str | None], engine.Result],
    reporting: Reporting,
    before_exit: Callable[[], None] = lambda: None,
    run: Callable[[Iterator[tuple[str, str | None, Any]]], Iterator[tuple[str, str | None, Any]]] = lambda inputs: inputs,
) -> None:
    """Check every input, print the report, exit with the documented code.

    `run` may lint inputs ahead (`check --jobs`): what it yields in place of the bytes is the result.
    """
    results: list[engine.Result] = []
    path_problems = False
    progress = Progress(sys.stderr)
    links = Links(paths)
    for name, location, data in run(inputs(paths, stdin_filename, walk, links, lambda path: path)):
        if isinstance(data, str):  # a path not read yet (by a worker): read now, as a serial run does
            data = _try_read(data)
        if isinstance(data, PathProblem):
            progress.finish()
            click.echo(f"domlint: error: {data}", err=True)
            path_problems = True
            continue
        try:
            result = check_one(data, name, location) if isinstance(data, bytes) else data
        except PathProblem as problem:
            progress.finish()
            click.echo(f"domlint: error: {problem}", err=True)
            path_problems = True
            if problem.result is None:
                continue
            result = problem.result
        results.append(parallel.compact(result))
        progress.advance(name)
    progress.finish()
    _warn_of_skipped(links)
    color = reporting.colored()
    try:
        reporting.write(reporting.render(results, color), color)
    except PathProblem as problem:
        click.echo(f"domlint: error: {problem}", err=True)
        path_problems = True
    before_exit()
    sys.exit(reporting.exit_code(results, path_problems))


@main.command()
@_output_options
@click.option(
    "--select",
    multiple=True,
    metavar="RULES",
    help="Only these rules (names, codes or code prefixes); replaces the config's select and ignore.",
)
@click.option("--extend-select", multiple=True, metavar="RULES", help="Add these rules to the select in force.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Skip these rules (names, codes or code prefixes); adds to the config's.")
@click.option("--extend-ignore", multiple=True, metavar="RULES", help="The same as --ignore (ruff's older spelling).")
@click.option("--driver", type=click.Choice(DRIVERS), help="The libvirt driver to judge by (default: config, else <domain type>).")
@click.option("--libvirt-version", metavar="X.Y[.Z]", callback=_version, help="The libvirt release the domains are for.")
@click.option("--config", "config_file", type=click.Path(), metavar="FILE", help="Use this configuration file for every path.")
@click.option("--no-config", is_flag=True, help="Ignore every configuration file.")
@click.option("--show-settings", is_flag=True, help="Print the configuration file and the options each path gets; lint nothing.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes to the files, then report what is left.")
@click.option("--diff", is_flag=True, help="Show the safe fixes as a unified diff; write nothing.")
@click.option(
    "--jobs",
    "-j",
    default="auto",
    show_default=True,
    metavar="N|auto",
    callback=_jobs,
    help="Worker processes (auto: one per CPU, for more than 300 files); 1 is serial. The output is the same.",
)
def check(
    paths: tuple[str, ...],
    output_format: str,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_ignore: tuple[str, ...],
    driver: str | None,
    libvirt_version: config.Version | None,
    config_file: str | None,
    no_config: bool,
    fail_on: str,
    stdin_filename: str | None,
    color: str,
    quiet: bool,
    statistics: bool,
    exit_zero: bool,
    output_file: str | None,
    show_settings: bool,
    fix: bool,
    diff: bool,
    jobs: int | None,
) -> None:
    """Lint domain XML files, folders (the *.xml inside, or what the configuration includes) or '-' for standard input."""
    paths = paths or (".",)
    if config_file is not None and no_config:
        raise click.UsageError("--config and --no-config cannot be used together")
    if fix and diff:
        raise click.UsageError("--fix and --diff cannot be used together")
    if fix and "-" in paths:
        raise click.UsageError("--fix writes files; for standard input use --diff")
    overrides = config.Overrides(
        select=_selectors(select, "--select"),
        ignore=_selectors(ignore, "--ignore") | _selectors(extend_ignore, "--extend-ignore"),
        extend_select=_selectors(extend_select, "--extend-select"),
        driver=driver,
        libvirt_version=libvirt_version,
    )
    try:
        resolver = config.Resolver(overrides, config_file, isolated=no_config)
        if show_settings:
            _show_settings(paths, resolver)
        if diff:
            _show_diffs(paths, stdin_filename, resolver)
        fixed_count = [0, 0]  # fixes applied, files written

        def check_one(data: bytes, name: str, location: str | None) -> engine.Result:
            options = resolver.options_for(location)
            if not fix or location is None:
                return engine.lint(data, name, options)
            from . import autofix  # only --fix writes files

            fixed = autofix.fix(data, name, options)
            if fixed.refused:
                raise PathProblem(f"{name}: no fix written: {fixed.refused}", fixed.result)
            if fixed.changed:
                try:
                    autofix.write(location, data, fixed.data, paths)
                except autofix.NotWritten as problem:  # the file is as it was: so are its findings
                    raise PathProblem(f"{name}: {problem}", engine.lint(data, name, options)) from None
                fixed_count[0] += fixed.applied
                fixed_count[1] += 1
            return fixed.result

        def announce() -> None:
            if fixed_count[0]:
                files = "file" if fixed_count[1] == 1 else "files"
                fixes = "fix" if fixed_count[0] == 1 else "fixes"
                click.echo(f"domlint: applied {fixed_count[0]} {fixes} to {fixed_count[1]} {files}", err=True)

        # --fix writes files and standard input is one document: those runs stay serial.
        run = parallel.Runner(1 if fix or "-" in paths else jobs, resolver.options_for, _try_read)
        reporting = Reporting(output_format, fail_on, color, quiet, statistics, exit_zero, output_file)
        _report(paths, stdin_filename, resolver, check_one, reporting, announce, run)
    except config.ConfigError as error:
        click.echo(f"domlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)


def _show_settings(paths: tuple[str, ...], resolver: config.Resolver) -> None:
    """`check --show-settings`: which configuration governs each path, and what it resolves to."""
    from .settings import describe

    for path in paths:
        click.echo(describe(path, resolver))
    sys.exit(EXIT_CLEAN)


def _show_diffs(paths: tuple[str, ...], stdin_filename: str | None, resolver: config.Resolver) -> None:
    """`check --diff`: the fixes as a unified diff; exit 1 when there is one, 0 when not."""
    from . import autofix

    changed, problems = False, False
    links = Links(paths)
    for name, location, data in inputs(paths, stdin_filename, resolver, links, _try_read):
        if isinstance(data, PathProblem):
            click.echo(f"domlint: error: {data}", err=True)
            problems = True
            continue
        fixed = autofix.fix(data, name, resolver.options_for(location))
        if fixed.refused:
            click.echo(f"domlint: error: {name}: no diff: {fixed.refused}", err=True)
            problems = True
        text = autofix.diff(fixed, location or name)  # the file's own name: the report's may spell its bytes as \xNN
        changed |= bool(text)
        click.echo(text, nl=False)
    _warn_of_skipped(links)
    sys.exit(EXIT_ERROR if problems else EXIT_FINDINGS if changed else EXIT_CLEAN)


def _warn_of_skipped(links: Links) -> None:
    """Once per run: the links a walk did not follow (out of the folders named)."""
    warning = links.warning()
    if warning is not None:
        click.echo(warning, err=True)


@main.command()
@click.option(
    "--schema",
    "schema_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="The grammar: RelaxNG (.rng or .rnc) or XML Schema (.xsd, 1.0 or 1.1).",
)
@_output_options
def validate(
    schema_file: str,
    paths: tuple[str, ...],
    output_format: str,
    fail_on: str,
    stdin_filename: str | None,
    color: str,
    quiet: bool,
    statistics: bool,
    exit_zero: bool,
    output_file: str | None,
) -> None:
    """Validate any XML files against any grammar, with domlint's positions and formats."""
    paths = paths or (".",)
    try:
        validator = grammars.load(schema_file)
    except grammars.GrammarError as error:
        click.echo(f"domlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    _report(
        paths,
        stdin_filename,
        XmlFiles(),
        lambda data, name, _: engine.validate(data, name, validator),
        Reporting(output_format, fail_on, color, quiet, statistics, exit_zero, output_file),
    )


@main.command()
@click.option("--format", "grammar_format", type=click.Choice(["rng", "rnc", "xsd"]), default="rng", show_default=True)
@click.option("--path", "print_path", is_flag=True, help="Print the installed file's path instead of its text.")
def schema(grammar_format: str, print_path: bool) -> None:
    """Print the bundled grammar of <domain> (strict about <os>), or its path for editors.

    The .rng and .rnc files include os.rng / os.rnc from the same folder; the XSD stands alone.
    """
    path = schema_path(f"domain.{grammar_format}")
    if print_path:
        click.echo(path)
        return
    with open(path, encoding="utf-8") as grammar_file:
        click.echo(grammar_file.read(), nl=False)


def _rule_names(_context: click.Context, _parameter: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of `domlint rule`: the rule names and codes that start with what is typed."""
    return sorted(word for rule in REGISTRY.values() for word in (rule.name, rule.code) if word.startswith(incomplete))


@main.command("rule")
@click.argument("name_or_code", shell_complete=_rule_names)
def rule_command(name_or_code: str) -> None:
    """Show the documentation of one rule."""
    found = lookup(name_or_code)
    if found is None:
        raise click.BadParameter(config.no_rule(name_or_code), param_hint="NAME|CODE")
    click.echo(f"{found.code} {found.name} ({severity_label(found)}; drivers: {drivers_label(found)})\n\n{found.summary}\n\n{found.doc}")


@main.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(output_format: str) -> None:
    """List every rule."""
    rules = sorted(REGISTRY.values(), key=lambda r: r.code)
    if output_format == "json":
        import json

        records = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.value,
                "severity_by_driver": {driver: severity.value for driver, severity in sorted(r.severity_by_driver.items())},
                "drivers": sorted(r.drivers),
                "summary": r.summary,
            }
            for r in rules
        ]
        click.echo(json.dumps(records, indent=2))
        return
    for r in rules:
        click.echo(f"{r.code}  {r.name:<28} {severity_label(r):<8} {r.summary}")


@main.command()
def lsp() -> None:
    """Run the language server on standard input and output (needs the lsp extra)."""
    try:
        from . import lsp as language_server  # imported here only: `check` never loads pygls
    except ImportError as error:
        click.echo(f"domlint: error: the language server needs pygls: {install_hint('lsp')} ({error})", err=True)
        sys.exit(EXIT_ERROR)
    language_server.main()
