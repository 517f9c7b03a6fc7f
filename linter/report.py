"""How `check` and `validate` report: colour, the text of the report, where it goes, the exit code."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import click

from . import engine
from .diagnostics import Severity
from .formats import FORMATS, SUMMARISED_FORMATS
from .formats.full import summary
from .formats.statistics import render as render_statistics
from .paths import PathProblem

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def drop_stdout() -> None:
    """Send what is still buffered for a closed pipe to /dev/null, so the exit flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


@dataclass(frozen=True)
class Reporting:
    """How a run reports: the options `check` and `validate` share."""

    output_format: str
    fail_on: str
    color: str
    quiet: bool
    statistics: bool
    exit_zero: bool
    output_file: str | None

    def colored(self) -> bool:
        """--color, and for `auto` the FORCE_COLOR and NO_COLOR conventions: set means non-empty."""
        if self.color != "auto" or self.output_file is not None:
            return self.color == "always"
        if os.environ.get("FORCE_COLOR"):
            return True
        return sys.stdout.isatty() and not os.environ.get("NO_COLOR")

    def render(self, results: list[engine.Result], color: bool) -> str:
        """The report's text: the statistics or the diagnostics, then the summary where it belongs."""
        if self.statistics:
            text, summarised = render_statistics(results, self.output_format == "json"), self.output_format != "json"
        else:
            text, summarised = FORMATS[self.output_format](results, color), self.output_format in SUMMARISED_FORMATS
        if summarised and not self.quiet:
            text += summary(results) + "\n"
        return text

    def write(self, text: str, color: bool) -> None:
        """The report to --output-file or standard output; a reader that left early ends the output, not the run."""
        if self.output_file is None:
            try:
                click.echo(text, nl=False, color=color)
            except BrokenPipeError:
                drop_stdout()
            return
        try:
            with open(self.output_file, "w", encoding="utf-8") as report:
                report.write(text)
        except OSError as error:
            raise PathProblem(f"{self.output_file}: cannot write the report: {error.strerror or error}") from None

    def exit_code(self, results: list[engine.Result], path_problems: bool) -> int:
        threshold = Severity(self.fail_on).rank
        failed = any(d.severity.rank >= threshold for r in results for d in r.diagnostics)
        return EXIT_ERROR if path_problems else EXIT_FINDINGS if failed and not self.exit_zero else EXIT_CLEAN
