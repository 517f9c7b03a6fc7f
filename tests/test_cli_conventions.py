"""Conventions users bring from ruff and hadolint (issue 17): pipes, exits, report files, colour,
command-line selection, fixable markers and shell completion, as the real command runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from domlint.cli import main

from .conftest import FIXTURES

BROKEN = FIXTURES / "examples" / "xen-hvm-broken.xml"
SCRIPT = Path(sys.executable).parent / "domlint"
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "domlint"]
OS004 = f"{BROKEN}:10:11: OS004 invalid-value invalid value 'dvd' for attribute 'dev' of <boot>: expected 'hd', 'fd', 'cdrom' or 'network'"


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    """The command in click's runner (from `cwd` when given)."""
    previous = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(previous)
    return result.exit_code, result.stdout, result.stderr


def program(*args: str, env: dict[str, str] | None = None, **options: object) -> subprocess.CompletedProcess[str]:
    """The installed program, as a shell runs it; `env` replaces the colour variables."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update(env or {})
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **options}
    return subprocess.run([*COMMAND, *args], text=True, check=False, env=environment, **streams)  # type: ignore[call-overload, no-any-return]


def test_a_reader_that_left_ends_rules_quietly_with_0() -> None:
    reader, writer = os.pipe()
    os.close(reader)  # `domlint rules | head -1` after head has gone: every write fails with EPIPE
    try:
        done = subprocess.run([*COMMAND, "rules"], stdout=writer, stderr=subprocess.PIPE, text=True, check=False)
    finally:
        os.close(writer)
    assert (done.returncode, done.stderr) == (0, "")


def test_a_reader_that_left_keeps_the_exit_code_of_check() -> None:
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run([*COMMAND, "check", str(BROKEN)], stdout=writer, stderr=subprocess.PIPE, text=True, check=False)
    finally:
        os.close(writer)
    assert (done.returncode, done.stderr) == (1, "")


def test_exit_zero_keeps_the_report_and_exits_0() -> None:
    code, out, _ = run("check", "--exit-zero", "--format", "concise", "--quiet", "--select", "OS004", str(BROKEN))
    assert (code, out) == (0, OS004 + "\n")


def test_exit_zero_still_exits_2_for_a_missing_path(tmp_path: Path) -> None:
    code, _, err = run("check", "--exit-zero", str(tmp_path / "gone.xml"))
    assert (code, err) == (2, f"domlint: error: {tmp_path / 'gone.xml'}: no such file or directory\n")


def test_output_file_holds_the_report_and_stdout_stays_empty(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    code, out, _ = run("check", "-o", str(report), "--format", "concise", "--select", "OS004", str(BROKEN))
    assert (code, out) == (1, "")
    assert report.read_bytes() == f"{OS004}\n1 file, 1 error, 0 warnings, 0 skipped\n".encode()


def test_output_file_is_not_made_on_a_usage_error(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    code, _, err = run("check", "--output-file", str(report), "--fix", "--diff", str(BROKEN))
    assert (code, err.splitlines()[-1], report.exists()) == (2, "Error: --fix and --diff cannot be used together", False)


def test_output_file_that_cannot_be_written_is_one_line_and_exit_2(tmp_path: Path) -> None:
    report = tmp_path / "missing-folder" / "report.txt"
    code, out, err = run("check", "--output-file", str(report), str(BROKEN))
    assert (code, out, err) == (2, "", f"domlint: error: {report}: cannot write the report: No such file or directory\n")


def test_statistics_honour_the_json_format() -> None:
    code, out, _ = run("check", "--statistics", "--format", "json", str(BROKEN))
    assert code == 1
    assert json.loads(out) == [
        {"code": "OS003", "name": "unknown-attribute", "severity": "error", "count": 1},
        {"code": "OS004", "name": "invalid-value", "severity": "error", "count": 1},
        {"code": "OS101", "name": "useserial-requires-serial", "severity": "warning", "count": 1},
        {"code": "OS102", "name": "reboot-timeout-range", "severity": "error", "count": 1},
        {"code": "OS601", "name": "smbios-sysinfo-missing", "severity": "warning", "count": 1},
    ]


def test_check_without_a_path_lints_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "vm.xml").write_bytes(BROKEN.read_bytes())
    code, out, _ = run("check", "--format", "concise", "--select", "OS004", cwd=tmp_path)
    assert (code, out.splitlines()[-1]) == (1, "1 file, 1 error, 0 warnings, 0 skipped")
    assert out.startswith("vm.xml:10:11: OS004 invalid-value ")


def test_short_version_option() -> None:
    from importlib.metadata import version

    assert run("-V") == (0, f"domlint, version {version('domlint')}\n", "")


def test_a_rule_typo_suggests_the_rule() -> None:
    code, _, err = run("rule", "unknwn-attribute")
    assert code == 2
    suggestion = "no rule is named or coded 'unknwn-attribute' (did you mean 'unknown-attribute'?)"
    assert err.splitlines()[-1] == f"Error: Invalid value for NAME|CODE: {suggestion}"


HEADLINE = f"{BROKEN}:10:11: error OS004 invalid-value: "
PAINTED = f"{BROKEN}:10:11: \x1b[31merror\x1b[0m \x1b[1mOS004\x1b[0m invalid-value: "


@pytest.mark.parametrize(
    ("env", "painted"),
    [
        ({"FORCE_COLOR": "1"}, True),
        ({"FORCE_COLOR": ""}, False),  # set but empty: not set
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, True),  # forcing is the stronger wish
    ],
)
def test_force_color_is_honoured_when_not_empty(env: dict[str, str], painted: bool) -> None:
    done = program("check", "--select", "OS004", str(BROKEN), env=env)
    assert done.stdout.startswith(PAINTED if painted else HEADLINE)


def test_an_empty_no_color_does_not_turn_colour_off() -> None:
    """On a terminal (a pseudo-terminal here), NO_COLOR="" is as if it were not set; NO_COLOR=1 turns colour off."""
    import pty

    outputs = []
    for value in ("", "1"):
        leader, follower = pty.openpty()
        try:
            program("check", "--select", "OS004", str(BROKEN), env={"NO_COLOR": value}, stdout=follower)
            os.close(follower)
            chunks = []
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            os.close(leader)
        outputs.append(b"".join(chunks).decode().replace("\r\n", "\n"))
    assert outputs[0].startswith(PAINTED)
    assert outputs[1].startswith(HEADLINE)


OS003 = "unknown-attribute unknown attribute 'enabled' on <bootmenu>; did you mean 'enable'?"


def test_concise_marks_a_fixable_finding_at_the_end_and_counts_it() -> None:
    code, out, _ = run("check", "--format", "concise", "--select", "OS003,OS004", str(BROKEN))
    assert (code, out) == (
        1,
        f"{OS004}\n{BROKEN}:11:15: OS003 {OS003} [*]\n1 file, 2 errors, 0 warnings, 0 skipped\n[*] 1 fixable with --fix\n",
    )


def test_full_marks_a_fixable_finding_after_its_code() -> None:
    code, out, _ = run("check", "--select", "OS003", str(BROKEN))
    headline = f"{BROKEN}:11:15: error OS003 [*] unknown-attribute: unknown attribute 'enabled' on <bootmenu>; did you mean 'enable'?\n"
    assert (code, out.startswith(headline), out.splitlines()[-2:]) == (
        1,
        True,
        ["1 file, 1 error, 0 warnings, 0 skipped", "[*] 1 fixable with --fix"],
    )


def test_nothing_fixable_means_no_marker_and_no_count_line() -> None:
    code, out, _ = run("check", "--format", "concise", "--select", "OS004", str(BROKEN))
    assert (code, out) == (1, f"{OS004}\n1 file, 1 error, 0 warnings, 0 skipped\n")


def test_one_applied_fix_is_said_in_the_singular(tmp_path: Path) -> None:
    guest = tmp_path / "guest.xml"
    guest.write_bytes(BROKEN.read_bytes())
    code, _, err = run("check", "--fix", "--select", "OS003", str(guest))
    assert (code, err) == (0, "domlint: applied 1 fix to 1 file\n")


CONFIGURED = (
    'select = ["OS1"]\nextend-select = ["OS004"]\nignore = ["OS102"]\nlibvirt-version = "9.0"\n[severity]\ninvalid-value = "warning"\n'
)


def _configured(tmp_path: Path, text: str = CONFIGURED) -> Path:
    (tmp_path / "domlint.toml").write_text(text)
    (tmp_path / "sub").mkdir()
    guest = tmp_path / "sub" / "vm.xml"
    guest.write_bytes(BROKEN.read_bytes())
    return guest


def _codes(*args: str) -> list[str]:
    code, out, err = run("check", "--format", "json", *args)
    assert code in (0, 1), err
    return [record["code"] for record in json.loads(out)]


def test_select_on_the_command_line_shows_a_rule_the_configuration_ignores(tmp_path: Path) -> None:
    guest = _configured(tmp_path)
    assert _codes(str(guest)) == ["OS004", "OS101"]
    assert _codes("--select", "OS102", str(guest)) == ["OS102"]


def test_extend_select_adds_to_the_select_in_force_and_the_ignore_stays(tmp_path: Path) -> None:
    guest = _configured(tmp_path)
    assert _codes("--extend-select", "OS003,OS102", str(guest)) == ["OS004", "OS003", "OS101"]
    assert _codes("--select", "OS102", "--extend-select", "OS003", str(guest)) == ["OS003", "OS102"]


def test_extend_ignore_adds_to_the_ignore_as_ignore_does(tmp_path: Path) -> None:
    guest = _configured(tmp_path)
    assert _codes("--extend-ignore", "OS101", str(guest)) == _codes("--ignore", "OS101", str(guest)) == ["OS004"]


def test_extend_select_in_the_configuration_is_checked(tmp_path: Path) -> None:
    guest = _configured(tmp_path, 'extend-select = ["OS99"]\n')
    code, _, err = run("check", str(guest))
    assert (code, err) == (
        2,
        f"domlint: error: {tmp_path / 'domlint.toml'}: 'extend-select': no rule is named or coded 'OS99' (see 'domlint rules')\n",
    )


def test_show_settings_names_the_governing_file_and_the_resolved_options(tmp_path: Path) -> None:
    guest = _configured(tmp_path)
    code, out, _ = run("check", "--show-settings", "--ignore", "OS6", str(guest))
    assert (code, out) == (
        0,
        f"{guest}\n  configuration: {tmp_path / 'domlint.toml'}\n  select: OS004, OS1\n  ignore: OS102, OS6\n"
        "  driver: from <domain type>\n  libvirt-version: 9.0.0\n  severity: invalid-value=warning\n",
    )


def test_show_settings_without_a_configuration(tmp_path: Path) -> None:
    code, out, _ = run("check", "--show-settings", "--no-config", str(BROKEN))
    assert (code, out) == (
        0,
        f"{BROKEN}\n  configuration: none\n  select: all\n  ignore: none\n"
        "  driver: from <domain type>\n  libvirt-version: the newest\n  severity: the rules' own\n",
    )


def test_rule_names_and_codes_complete_after_domlint_rule() -> None:
    done = program(env={"_DOMLINT_COMPLETE": "bash_complete", "COMP_WORDS": "domlint rule unknown-", "COMP_CWORD": "2"})
    assert (done.returncode, done.stdout) == (0, "plain,unknown-attribute\nplain,unknown-element\n")
    done = program(env={"_DOMLINT_COMPLETE": "bash_complete", "COMP_WORDS": "domlint rule OS00", "COMP_CWORD": "2"})
    assert done.stdout == "".join(f"plain,OS00{n}\n" for n in range(1, 10))


def test_the_bash_completion_script_is_printed_as_readme_says() -> None:
    done = program(env={"_DOMLINT_COMPLETE": "bash_source"})
    assert (done.returncode, done.stdout.startswith("_domlint_completion() {\n")) == (0, True)


def test_readme_show_settings_example_is_the_output() -> None:
    readme = (FIXTURES.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("  $ domlint check --show-settings --no-config fixtures/examples/xen-hvm.xml\n", 1)[1].split("  ```", 1)[0]
    code, out, _ = run("check", "--show-settings", "--no-config", "fixtures/examples/xen-hvm.xml", cwd=FIXTURES.parent)
    assert (code, out) == (0, "".join(line[2:] + "\n" for line in block.splitlines()))
