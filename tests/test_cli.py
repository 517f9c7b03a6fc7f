"""`domlint check`, `rule` and `rules` as a user runs them: output, exit codes, paths, stdin."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from domlint.cli import main
from domlint.progress import Progress

from .conftest import FIXTURES

EXAMPLE = FIXTURES / "examples" / "xen-hvm.xml"
BROKEN = FIXTURES / "examples" / "xen-hvm-broken.xml"
WARNING_ONLY = FIXTURES / "useserial-requires-serial" / "bad-xen-hvm-warning.xml"


def run(*args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_clean_example_exits_0() -> None:
    code, out, _ = run("check", str(EXAMPLE))
    assert (code, out) == (0, "1 file, 0 errors, 0 warnings, 0 skipped\n")


def test_full_format_shows_source_underline_and_help() -> None:
    code, out, _ = run("check", str(BROKEN))
    assert code == 1
    expected_block = (
        f"{BROKEN}:11:15: error OS003 [*] unknown-attribute: unknown attribute 'enabled' on <bootmenu>; "
        "did you mean 'enable'?\n"
        "   |\n"
        "11 |     <bootmenu enabled='yes'/>\n"
        "   |               ^^^^^^^^^^^^^\n"
        "   = help: rename 'enabled' to 'enable'\n"
    )
    assert expected_block in out
    assert out.endswith("1 file, 3 errors, 2 warnings, 0 skipped\n[*] 1 fixable with --fix\n")


def test_json_format_is_the_documented_list() -> None:
    code, out, _ = run("check", "--format", "json", str(BROKEN))
    records = json.loads(out)
    assert code == 1
    assert [(r["line"], r["column"], r["end_line"], r["end_column"], r["code"], r["name"], r["severity"]) for r in records] == [
        (10, 11, 10, 20, "OS004", "invalid-value", "error"),
        (11, 15, 11, 28, "OS003", "unknown-attribute", "error"),
        (12, 13, 12, 27, "OS601", "smbios-sysinfo-missing", "warning"),
        (13, 11, 13, 26, "OS101", "useserial-requires-serial", "warning"),
        (13, 27, 13, 48, "OS102", "reboot-timeout-range", "error"),
    ]
    assert set(records[0]) == {"path", "line", "column", "end_line", "end_column", "code", "name", "severity", "message"}
    assert records[0]["path"] == str(BROKEN)


def test_missing_path_is_reported_and_others_still_checked(tmp_path: Path) -> None:
    missing = tmp_path / "nope.xml"
    code, out, err = run("check", str(missing), str(EXAMPLE))
    assert code == 2
    assert err == f"domlint: error: {missing}: no such file or directory\n"
    assert out == "1 file, 0 errors, 0 warnings, 0 skipped\n"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    locked = tmp_path / "locked.xml"
    shutil.copy(EXAMPLE, locked)
    locked.chmod(0)
    code, _, err = run("check", str(locked))
    assert code == 2
    assert "cannot read" in err


def test_folder_walk_skips_hidden_folders_and_counts_non_domains(tmp_path: Path) -> None:
    (tmp_path / "hosts" / ".git").mkdir(parents=True)
    shutil.copy(EXAMPLE, tmp_path / "hosts" / "a.xml")
    shutil.copy(BROKEN, tmp_path / "hosts" / ".git" / "hidden.xml")
    (tmp_path / "hosts" / "pom.xml").write_text("<project/>")
    (tmp_path / "hosts" / "notes.txt").write_text("<domain>")
    (tmp_path / "hosts" / "loop").symlink_to(tmp_path / "hosts")
    code, out, _ = run("check", str(tmp_path))
    assert (code, out) == (0, "2 files, 0 errors, 0 warnings, 1 skipped\n")


@pytest.mark.parametrize(
    ("folder", "reported"),
    [(".", "sub/vm.xml"), ("./", "sub/vm.xml"), (".//sub/.", "sub/vm.xml"), ("hosts/..", "hosts/../sub/vm.xml")],
)
def test_a_walked_file_is_named_without_dot_parts_or_doubled_slashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str, reported: str
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "hosts").mkdir()
    shutil.copy(BROKEN, tmp_path / "sub" / "vm.xml")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("check", "--format", "concise", "--select", "OS003", "-q", folder)
    assert (code, out) == (
        1,
        f"{reported}:11:15: OS003 unknown-attribute unknown attribute 'enabled' on <bootmenu>; did you mean 'enable'? [*]\n",
    )


def test_stdin_with_a_name() -> None:
    code, out, _ = run("check", "--format", "json", "--stdin-filename", "vm.xml", "-", input=BROKEN.read_bytes())
    assert code == 1
    assert {r["path"] for r in json.loads(out)} == {"vm.xml"}


def test_malformed_xml_is_a_diagnostic() -> None:
    code, out, _ = run("check", "--format", "json", "-", input=b"<domain><os></domain>")
    assert code == 1
    assert json.loads(out) == [
        {
            "path": "<stdin>",
            "line": 1,
            "column": 22,
            "end_line": 1,
            "end_column": 22,
            "code": "OS001",
            "name": "xml-syntax",
            "severity": "error",
            "message": "the document is not well-formed XML: Opening and ending tag mismatch: os line 1 and domain",
        }
    ]


def test_bare_os_fragment_is_linted() -> None:
    code, out, _ = run("check", "--format", "json", "-", input=b"<os>\n  <type>xen</type>\n  <loader>/x</loader>\n</os>\n")
    assert code == 1
    assert [(r["line"], r["column"], r["name"]) for r in json.loads(out)] == [(3, 3, "loader-requires-hvm")]


@pytest.mark.parametrize(
    ("selector", "names"),
    [
        (("--select", "reboot-timeout-range"), ["reboot-timeout-range"]),
        (("--select", "OS1"), ["useserial-requires-serial", "reboot-timeout-range"]),
        (("--select", "os003,OS004"), ["invalid-value", "unknown-attribute"]),
        (("--ignore", "OS0,OS6", "--ignore", "useserial-requires-serial"), ["reboot-timeout-range"]),
    ],
)
def test_select_and_ignore(selector: tuple[str, ...], names: list[str]) -> None:
    _, out, _ = run("check", "--format", "json", *selector, str(BROKEN))
    assert [r["name"] for r in json.loads(out)] == names


def test_unknown_selector_is_a_usage_error() -> None:
    code, _, err = run("check", "--select", "no-such-rule", str(EXAMPLE))
    assert code == 2
    assert "no rule is named or coded 'no-such-rule'" in err


def test_fail_on_warning() -> None:
    assert run("check", str(WARNING_ONLY))[0] == 0
    assert run("check", "--fail-on", "warning", str(WARNING_ONLY))[0] == 1


def test_driver_option_overrides_domain_type() -> None:
    _, out, _ = run("check", "--format", "json", "--driver", "qemu", str(WARNING_ONLY))
    assert [r["severity"] for r in json.loads(out)] == ["error"]


def test_colour_and_quiet() -> None:
    _, coloured, _ = run("check", "--color", "always", str(BROKEN))
    _, plain, _ = run("check", "--color", "never", str(BROKEN))
    assert "\x1b[31merror\x1b[0m" in coloured
    assert "\x1b[" not in plain
    _, quiet, _ = run("check", "--quiet", str(BROKEN))
    assert "skipped" not in quiet and quiet.startswith(f"{BROKEN}:10:11: error OS004")


def test_rule_documentation_by_name_and_code() -> None:
    code, by_name, _ = run("rule", "loader-requires-hvm")
    assert code == 0
    assert by_name.startswith("OS201 loader-requires-hvm (error; drivers: all)\n")
    assert "## Use instead" in by_name
    assert run("rule", "os201")[1] == by_name
    assert run("rule", "nope")[0] == 2


def test_rules_json_lists_every_rule() -> None:
    code, out, _ = run("rules", "--format", "json")
    records = json.loads(out)
    assert code == 0
    names = {r["name"] for r in records}
    assert {"loader-requires-hvm", "useserial-requires-serial", "reboot-timeout-range", "bootmenu-timeout-range"} <= names
    assert all(set(r) == {"code", "name", "severity", "severity_by_driver", "drivers", "summary"} for r in records)


def test_installed_console_script_runs() -> None:
    """The real entry point (not click's test runner): exit code and no traceback."""
    script = Path(sys.executable).parent / "domlint"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "domlint"]
    result = subprocess.run([*command, "check", str(BROKEN)], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout.endswith("1 file, 3 errors, 2 warnings, 0 skipped\n[*] 1 fixable with --fix\n")


def test_closed_stdin_is_a_clear_error() -> None:
    script = Path(sys.executable).parent / "domlint"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "domlint"]
    result = subprocess.run([*command, "check", "-"], stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    assert result.returncode == 1  # an empty stdin is an empty document
    closed = subprocess.run(
        [*command, "check", "-"],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=lambda: os.close(0),
    )
    assert (closed.returncode, closed.stderr) == (2, "domlint: error: <stdin>: standard input is closed\n")


def test_binary_source_line_is_shown_printable(tmp_path: Path) -> None:
    binary = tmp_path / "blob.xml"
    binary.write_bytes(b"\x01\x1b[31mx\x00")
    _, out, _ = run("check", str(binary))
    assert "\x1b" not in out and "\x00" not in out
    assert "1 | \ufffd\ufffd[31mx\ufffd" in out


def test_statistics_counts_per_rule() -> None:
    code, out, _ = run("check", "--statistics", str(BROKEN), str(WARNING_ONLY))
    assert code == 1
    assert out == (
        "2  OS101  useserial-requires-serial (warning)\n"
        "1  OS003  unknown-attribute (error)\n"
        "1  OS004  invalid-value (error)\n"
        "1  OS102  reboot-timeout-range (error)\n"
        "1  OS601  smbios-sysinfo-missing (warning)\n"
        "2 files, 3 errors, 3 warnings, 0 skipped\n"
        "[*] 1 fixable with --fix\n"
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_for_long_runs_and_erased() -> None:
    now = [0.0]
    terminal = _Terminal()
    progress = Progress(terminal, clock=lambda: now[0])
    progress.advance("a.xml")  # before the first second: nothing
    now[0] = 1.5
    progress.advance("b.xml")
    now[0] = 1.55
    progress.advance("c.xml")  # within 0.1 s of the last line: nothing
    progress.finish()
    assert terminal.getvalue() == "\r\x1b[Kdomlint: 2 files checked, now b.xml\r\x1b[K"
    piped = io.StringIO()
    quiet = Progress(piped, clock=lambda: now[0] + 10)
    quiet.advance("a.xml")
    quiet.finish()
    assert piped.getvalue() == ""
