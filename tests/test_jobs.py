"""`check --jobs`: the output of a parallel run is byte for byte the output of a serial run.

A folder of ~300 fixture copies (domains with findings, clean ones, XML that is not a domain,
folders with their own configuration) plus paths that cannot be read is checked with
`--jobs 1`, `--jobs 2` and the default (auto), and standard output, standard error and the exit
code must be identical. Standard input is never sent to workers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from domlint import cli, engine, parallel

from .conftest import FIXTURES

COPIES = 300


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~300 fixtures in nested folders, one folder configured, and paths that cannot be read."""
    root = tmp_path_factory.mktemp("jobs")
    sources = sorted(FIXTURES.rglob("*.xml"))
    for index in range(COPIES):
        source = sources[index % len(sources)]
        folder = root / ("configured" if index % 5 == 0 else f"group{index % 3}") / source.parent.name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / f"{index:03d}-{source.name}")
    # Each file is judged by its own folder's configuration, also in the workers.
    (root / "configured" / "domlint.toml").write_text(
        'ignore = ["boot-device-missing"]\n[severity]\nunknown-attribute = "warning"\n[per-file-ignores]\n"*-bad-*.xml" = ["OS1"]\n',
        encoding="utf-8",
    )
    (root / "group1" / "not-a-domain.xml").write_text("<project><version>1</version></project>\n", encoding="utf-8")
    (root / "group1" / "broken.xml").write_text("<domain><os>\n", encoding="utf-8")
    # Paths a run reports on standard error and goes on: a pipe and a dangling link in the walk.
    os.mkfifo(root / "group2" / "pipe.xml")
    (root / "group0" / "dangling.xml").symlink_to("nowhere.xml")  # relative: it stays in the tree when copied
    return root


def _run(*arguments: str, stdin: bytes | None = None) -> tuple[int, bytes, bytes]:
    process = subprocess.run(
        [sys.executable, "-m", "domlint", "check", "--color", "never", *arguments],
        input=stdin,
        capture_output=True,
        check=False,
        timeout=300,
    )
    return process.returncode, process.stdout, process.stderr


@pytest.mark.parametrize("output_format", ["full", "json", "sarif"])
def test_the_output_is_the_serial_output(tree: Path, output_format: str) -> None:
    arguments = ["--format", output_format, str(tree), str(tree / "missing.xml"), str(tree / "group0")]
    serial = _run("--jobs", "1", *arguments)
    assert serial[0] == 2  # the path problems
    assert b"missing.xml: no such file or directory" in serial[2]
    assert b"pipe.xml: not a regular file" in serial[2]
    assert serial[1].count(b"OS") > 100  # findings from many files
    for jobs in ("2", "3", "auto"):
        assert _run("--jobs", jobs, *arguments) == serial, jobs


def test_statistics_and_quiet_are_the_serial_ones(tree: Path) -> None:
    serial = _run("--jobs", "1", "--statistics", "--quiet", str(tree))
    assert _run("--jobs", "2", "--statistics", "--quiet", str(tree)) == serial


def test_the_configuration_applies_per_file_in_the_workers(tree: Path) -> None:
    configured = _run("--jobs", "2", "--format", "json", str(tree / "configured"))
    isolated = _run("--jobs", "2", "--format", "json", "--no-config", str(tree / "configured"))
    assert configured != isolated  # the file's configuration was applied...
    assert configured == _run("--jobs", "1", "--format", "json", str(tree / "configured"))  # ...as in a serial run
    assert b"boot-device-missing" not in configured[1]


def test_a_broken_configuration_stops_both_runs_alike(tree: Path, tmp_path: Path) -> None:
    shutil.copytree(tree / "group0", tmp_path / "a", symlinks=True)
    shutil.copytree(tree / "group1", tmp_path / "b")
    (tmp_path / "b" / "domlint.toml").write_text("selct = []\n", encoding="utf-8")
    serial = _run("--jobs", "1", str(tmp_path))
    assert serial[0] == 2 and b"unknown key 'selct'" in serial[2] and b"dangling.xml: no such file" in serial[2]
    assert _run("--jobs", "2", str(tmp_path)) == serial
    assert _run(str(tmp_path)) == serial  # auto: the error comes while it looks ahead
    # Files named on the command line: one that cannot be read is reported before the
    # configuration of its folder is read, as in a serial run.
    named = [str(tmp_path / "b" / "gone.xml"), str(tmp_path / "b" / "not-a-domain.xml"), str(tmp_path / "a")]
    serial = _run("--jobs", "1", *named)
    assert serial[0] == 2 and b"gone.xml: no such file" in serial[2] and b"unknown key 'selct'" in serial[2]
    assert _run("--jobs", "2", *named) == serial


def test_standard_input_is_linted_in_the_parent(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With '-' among the paths the run is serial, whatever --jobs says."""

    def no_workers(*_arguments: object) -> None:
        raise AssertionError("standard input went to a worker")

    monkeypatch.setattr(parallel, "_parallel", no_workers)
    data = (FIXTURES / "examples" / "xen-hvm-broken.xml").read_bytes()
    result = CliRunner().invoke(cli.main, ["check", "--jobs", "2", "--stdin-filename", "vm.xml", "-", str(tree / "group1")], input=data)
    assert result.exit_code == 1, result.output
    assert "vm.xml:10:11: error OS004" in result.output
    serial = _run("--jobs", "1", "--stdin-filename", "vm.xml", "-", str(tree / "group1"), stdin=data)
    assert _run("--jobs", "2", "--stdin-filename", "vm.xml", "-", str(tree / "group1"), stdin=data) == serial


def _inputs(count: int) -> list[tuple[str, Path, bytes]]:
    data = (FIXTURES / "examples" / "xen-hvm-broken.xml").read_bytes()
    return [(f"vm{index}.xml", Path(f"vm{index}.xml"), data) for index in range(count)]


def test_auto_is_serial_for_a_few_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "available_cpus", lambda: 8)
    few = _inputs(parallel.AUTO_MIN_FILES)
    assert list(parallel.Runner(None, lambda _: engine.Options(), cli._try_read)(iter(few))) == few  # nothing linted ahead


def test_auto_is_serial_on_one_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "available_cpus", lambda: 1)
    many = _inputs(parallel.AUTO_MIN_FILES + 50)
    assert list(parallel.Runner(None, lambda _: engine.Options(), cli._try_read)(iter(many))) == many


def test_auto_goes_parallel_for_many_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "available_cpus", lambda: 2)
    many = _inputs(parallel.AUTO_MIN_FILES + 50)
    out = list(parallel.Runner(None, lambda _: engine.Options(), cli._try_read)(iter(many)))
    assert [name for name, _, _ in out] == [name for name, _, _ in many]
    assert all(isinstance(result, (engine.Result, parallel.Clean)) for _, _, result in out)
    serial = parallel.compact(engine.lint(many[0][2], "vm0.xml"))
    assert [d.to_dict() for d in out[0][2].diagnostics] == [d.to_dict() for d in serial.diagnostics]
    assert out[0][2].source is not None and out[0][2].source.text == serial.source.text


def test_jobs_one_never_starts_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_parallel", lambda *_: pytest.fail("workers started"))
    many = _inputs(parallel.AUTO_MIN_FILES + 50)
    assert list(parallel.Runner(1, lambda _: engine.Options(), cli._try_read)(iter(many))) == many


def test_jobs_must_be_a_number_or_auto() -> None:
    assert parallel.parse_jobs("auto") is None
    assert parallel.parse_jobs("4") == 4
    for wrong in ("0", "-1", "many"):
        with pytest.raises(ValueError):
            parallel.parse_jobs(wrong)
    result = CliRunner().invoke(cli.main, ["check", "--jobs", "0", "x.xml"])
    assert result.exit_code == 2 and "--jobs" in result.output


def test_a_clean_result_keeps_no_source() -> None:
    clean = parallel.compact(engine.lint(b"<domain type='kvm'><os><type>hvm</type></os></domain>", "ok.xml"))
    assert not clean.diagnostics and clean.source is None and clean.path == "ok.xml" and not clean.skipped
    assert parallel.compact(engine.lint(b"<project/>", "pom.xml")).skipped
    broken = parallel.compact(engine.lint((FIXTURES / "examples" / "xen-hvm-broken.xml").read_bytes(), "vm.xml"))
    assert broken.diagnostics and type(broken.source) is engine.Source and not hasattr(broken.source, "root")
