"""Configuration files as a user writes them: discovery, every key, every mistake, and the command line on top."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from domlint import config, engine

from .test_cli import BROKEN, WARNING_ONLY, run

# What BROKEN reports with no configuration, in output order (it is a Xen domain: two warnings).
ALL = ["invalid-value", "unknown-attribute", "smbios-sysinfo-missing", "useserial-requires-serial", "reboot-timeout-range"]
OS1 = ["useserial-requires-serial", "reboot-timeout-range"]
OS0 = ["invalid-value", "unknown-attribute"]


def tree(root: Path, files: dict[str, str | None]) -> Path:
    """Write `files` under `root`: text for configuration files, None for a copy of BROKEN."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text is None:
            shutil.copy(BROKEN, path)
        else:
            path.write_text(text, encoding="utf-8")
    return root


def lint_json(*args: str, input: bytes | None = None) -> dict[str, list[str]]:
    """Rule names reported per path (a path without findings is absent)."""
    code, out, err = run("check", "--format", "json", *args, input=input)
    assert code in (0, 1), err
    found: dict[str, list[str]] = {}
    for record in json.loads(out):
        found.setdefault(record["path"], []).append(record["name"])
    return found


def names(*args: str, input: bytes | None = None) -> list[str]:
    """Rule names reported for a run over one document."""
    (only,) = lint_json(*args, input=input).values()
    return only


# Discovery


def test_nearest_configuration_wins(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "domlint.toml": 'select = ["OS1"]\n',
            "a.xml": None,
            "inner/domlint.toml": 'select = ["OS0"]\n',
            "inner/deeper/b.xml": None,
        },
    )
    assert lint_json(str(tmp_path)) == {str(tmp_path / "a.xml"): OS1, str(tmp_path / "inner/deeper/b.xml"): OS0}


@pytest.mark.parametrize(
    ("present", "winner"),
    [
        (["domlint.toml", ".domlint.toml", "pyproject.toml"], "domlint.toml"),
        ([".domlint.toml", "pyproject.toml"], ".domlint.toml"),
        (["pyproject.toml"], "pyproject.toml"),
    ],
)
def test_file_names_in_order_within_a_folder(tmp_path: Path, present: list[str], winner: str) -> None:
    """domlint.toml, then .domlint.toml, then pyproject.toml; each here selects one rule, to tell them apart."""
    chosen = {"domlint.toml": "invalid-value", ".domlint.toml": "unknown-attribute", "pyproject.toml": "reboot-timeout-range"}
    for name in present:
        table = "[tool.domlint]\n" if name == "pyproject.toml" else ""
        (tmp_path / name).write_text(f'{table}select = ["{chosen[name]}"]\n', encoding="utf-8")
    shutil.copy(BROKEN, tmp_path / "vm.xml")
    assert names(str(tmp_path / "vm.xml")) == [chosen[winner]]


def test_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "domlint.toml": 'select = ["OS1"]\n',
            "project/pyproject.toml": '[project]\nname = "vms"\n[tool.other]\nselect = ["OS0"]\n',
            "project/vm.xml": None,
        },
    )
    assert names(str(tmp_path / "project" / "vm.xml")) == OS1


def test_empty_configuration_file_stops_the_search(tmp_path: Path) -> None:
    tree(tmp_path, {"domlint.toml": 'select = ["OS1"]\n', "inner/.domlint.toml": "", "inner/vm.xml": None})
    assert names(str(tmp_path / "inner" / "vm.xml")) == ALL


def test_standard_input_uses_the_current_folder_or_the_stdin_filename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree(tmp_path, {"domlint.toml": 'select = ["OS1"]\n', "inner/domlint.toml": 'select = ["OS0"]\n'})
    monkeypatch.chdir(tmp_path)
    assert names("-", input=BROKEN.read_bytes()) == OS1
    assert names("--stdin-filename", "inner/vm.xml", "-", input=BROKEN.read_bytes()) == OS0


def test_each_folder_is_searched_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree(tmp_path, {"domlint.toml": "", "a/1.xml": None, "a/2.xml": None, "a/b/3.xml": None, "c/4.xml": None})
    searched: list[str] = []
    real_load_from = config._load_from

    def counting(folder: str) -> config.Config | None:
        searched.append(folder)
        return real_load_from(folder)

    monkeypatch.setattr(config, "_load_from", counting)
    resolver = config.Resolver()
    for file in sorted(tmp_path.rglob("*.xml")):
        resolver.options_for(file)
    assert len(searched) == len(set(searched)) == 4  # a/b, a, the root (found there, so no higher), c


# Keys, each on a real document


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('select = ["OS1"]', OS1),
        ('select = ["reboot-timeout-range", "os003"]', ["unknown-attribute", "reboot-timeout-range"]),
        ('ignore = ["OS0", "smbios-sysinfo-missing"]', OS1),
        ('select = ["OS0", "OS1"]\nignore = ["invalid-value"]', ["unknown-attribute", *OS1]),
        ("select = []", ALL),
    ],
)
def test_select_and_ignore(tmp_path: Path, text: str, expected: list[str]) -> None:
    tree(tmp_path, {"domlint.toml": text, "vm.xml": None})
    assert names(str(tmp_path / "vm.xml")) == expected


def test_severity_changes_the_output_and_fail_on(tmp_path: Path) -> None:
    tree(tmp_path, {"domlint.toml": '[severity]\nOS102 = "info"\nuseserial-requires-serial = "error"\n', "vm.xml": None})
    code, out, _ = run("check", "--format", "json", str(tmp_path / "vm.xml"))
    assert code == 1
    assert {r["name"]: r["severity"] for r in json.loads(out)} == {
        "invalid-value": "error",
        "unknown-attribute": "error",
        "smbios-sysinfo-missing": "warning",
        "useserial-requires-serial": "error",
        "reboot-timeout-range": "info",
    }
    shutil.copy(WARNING_ONLY, tmp_path / "warning.xml")
    assert run("check", str(tmp_path / "warning.xml"))[0] == 1  # a warning made an error fails at the default --fail-on
    (tmp_path / "domlint.toml").write_text('severity = { useserial-requires-serial = "info" }\n', encoding="utf-8")
    assert run("check", "--fail-on", "warning", str(tmp_path / "warning.xml"))[0] == 0


def test_driver(tmp_path: Path) -> None:
    shutil.copy(WARNING_ONLY, tmp_path / "vm.xml")
    (tmp_path / "domlint.toml").write_text('driver = "qemu"\n', encoding="utf-8")
    _, out, _ = run("check", "--format", "json", str(tmp_path / "vm.xml"))
    assert [r["severity"] for r in json.loads(out)] == ["error"]  # a warning on Xen (libxl), an error on QEMU


@pytest.mark.parametrize(
    ("text", "version"), [("", None), ('libvirt-version = "9.0"', (9, 0, 0)), ('libvirt-version = "10.5.1"', (10, 5, 1))]
)
def test_libvirt_version_reaches_the_options(tmp_path: Path, text: str, version: tuple[int, int, int] | None) -> None:
    tree(tmp_path, {"domlint.toml": text})
    assert config.Resolver().options_for(tmp_path / "vm.xml").libvirt_version == version


def test_include_and_exclude_on_a_folder_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(
        tmp_path / "repo",
        {
            "domlint.toml": 'include = ["hosts/**/*.xml", "*.domain"]\nexclude = ["templates", "hosts/old-*.xml"]\n',
            "hosts/a.xml": None,
            "hosts/deep/b.xml": None,
            "hosts/old-1.xml": None,
            "hosts/.hidden/h.xml": None,
            "templates/t.xml": None,
            "hosts/templates/t.xml": None,
            "other/o.xml": None,
            "other/vm.domain": None,
        },
    )
    expected = {"hosts/a.xml", "hosts/deep/b.xml", "other/vm.domain"}
    monkeypatch.chdir(tmp_path)  # patterns are relative to the configuration's folder, not to the current one
    assert set(lint_json("repo")) == {f"repo/{name}" for name in expected}
    monkeypatch.chdir(root / "hosts")
    assert set(lint_json(".")) == {"a.xml", "deep/b.xml"}


def test_a_file_named_on_the_command_line_is_always_linted(tmp_path: Path) -> None:
    root = tree(tmp_path, {"domlint.toml": 'exclude = ["templates"]\ninclude = ["hosts/*.xml"]\n', "templates/t.xml": None, "x.xml": None})
    assert set(lint_json(str(root / "templates" / "t.xml"), str(root / "x.xml"))) == {str(root / "templates/t.xml"), str(root / "x.xml")}
    # A folder is walked like any other: an excluded one yields nothing.
    assert run("check", str(root / "templates"))[1] == "0 files, 0 errors, 0 warnings, 0 skipped\n"


def test_per_file_ignores(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "domlint.toml": '[per-file-ignores]\n"legacy/**" = ["OS1"]\n"*-xen.xml" = ["smbios-sysinfo-missing", "OS0"]\n',
            "legacy/old/a.xml": None,
            "b-xen.xml": None,
            "c.xml": None,
        },
    )
    assert lint_json(str(root)) == {
        str(root / "b-xen.xml"): OS1,
        str(root / "c.xml"): ALL,
        str(root / "legacy/old/a.xml"): ["invalid-value", "unknown-attribute", "smbios-sysinfo-missing"],
    }
    assert names("--stdin-filename", str(root / "legacy" / "vm.xml"), "-", input=BROKEN.read_bytes()) == ALL[:3]


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**/*.xml", "a.xml", True),
        ("**/*.xml", "x/y/a.xml", True),
        ("*.xml", "x/a.xml", True),  # no '/': a name at any depth
        ("/a.xml", "x/a.xml", False),  # a leading '/' anchors
        ("./a.xml", "a.xml", True),
        ("hosts/*.xml", "hosts/x/a.xml", False),  # '*' stays in one folder
        ("hosts/**", "hosts", True),
        ("hosts/**/a.xml", "hosts/a.xml", True),
        ("hosts/**/a.xml", "hosts/x/y/a.xml", True),
        ("h?sts/[!x]*.xml", "hosts/a.xml", True),
        ("[ab].xml", "c.xml", False),
        ("a[.xml", "a[.xml", True),  # an unclosed '[' is a plain character
        ("a.xml", "a-xml", False),
    ],
)
def test_glob(pattern: str, path: str, matches: bool) -> None:
    assert config.Glob(pattern).matches(path) is matches


# Mistakes: one line naming the file and the key, exit code 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("selct = []", "unknown key 'selct' (did you mean 'select'?)"),
        ("libvirt_version = '9.0'", "unknown key 'libvirt_version' (did you mean 'libvirt-version'?)"),
        ("zzz = 1", "unknown key 'zzz'"),
        ('select = "OS1"', "'select' must be a list of strings, not a string"),
        ('ignore = ["OS1", 3]', "'ignore' must be a list of strings, but item 2 is an integer"),
        (
            'select = ["reboot-timeout-rang"]',
            "'select': no rule is named or coded 'reboot-timeout-rang' (did you mean 'reboot-timeout-range'?)",
        ),
        ('ignore = ["XX9"]', "'ignore': no rule is named or coded 'XX9' (see 'domlint rules')"),
        ('ignore = [""]', "'ignore': no rule is named or coded '' (see 'domlint rules')"),
        ('severity = "error"', "'severity' must be a table, not a string"),
        ('severity = { OS1 = "info" }', "'severity': no rule is named or coded 'OS1' (see 'domlint rules')"),
        ('severity = { OS102 = "fatal" }', "'severity.OS102': unknown severity 'fatal' (expected 'error', 'warning' or 'info')"),
        ("severity = { OS102 = 1 }", "'severity.OS102' must be a string, not an integer"),
        (
            'severity = { OS102 = "info", reboot-timeout-range = "error" }',
            "'severity': OS102 reboot-timeout-range is given twice ('OS102' and 'reboot-timeout-range')",
        ),
        ("driver = true", "'driver' must be a string, not a boolean"),
        ('driver = "kvm"', "'driver': unknown driver 'kvm' (did you mean 'qemu'?)"),
        ('driver = "libxI"', "'driver': unknown driver 'libxI' (did you mean 'libxl'?)"),
        (
            'driver = "esxi-server"',
            "'driver': unknown driver 'esxi-server' (expected one of bhyve, ch, hyperv, libxl, lxc, openvz, qemu, test, vbox, vmx, vz)",
        ),
        ("libvirt-version = 9.0", "'libvirt-version' must be a string, not a float"),
        ('libvirt-version = "9"', "'libvirt-version': invalid libvirt version '9' (expected X.Y or X.Y.Z, e.g. 9.0 or 10.5.0)"),
        (
            'libvirt-version = "v9.0.1.2"',
            "'libvirt-version': invalid libvirt version 'v9.0.1.2' (expected X.Y or X.Y.Z, e.g. 9.0 or 10.5.0)",
        ),
        ("include = [[1]]", "'include' must be a list of strings, but item 1 is an array"),
        ('exclude = ["/"]', "'exclude': empty pattern '/'"),
        ('per-file-ignores = ["a"]', "'per-file-ignores' must be a table, not an array"),
        ('[per-file-ignores]\n"hosts/*.xml" = "OS1"', "'per-file-ignores.\"hosts/*.xml\"' must be a list of strings, not a string"),
        ('[per-file-ignores]\nlegacy = ["nope"]', "'per-file-ignores.legacy': no rule is named or coded 'nope' (see 'domlint rules')"),
        ('[per-file-ignores]\n"" = ["OS1"]', "'per-file-ignores': empty pattern ''"),
        ("driver = 2024-01-01", "'driver' must be a string, not a date or time"),
    ],
)
def test_configuration_mistakes(tmp_path: Path, text: str, message: str) -> None:
    tree(tmp_path, {"domlint.toml": text + "\n", "vm.xml": None})
    assert run("check", str(tmp_path / "vm.xml")) == (2, "", f"domlint: error: {tmp_path / 'domlint.toml'}: {message}\n")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("domlint.toml", 'select = [\n  "OS1",\n  OS2\n]\n', ":3:3: invalid TOML: Invalid value"),
        (".domlint.toml", "[severity\n", ":1:10: invalid TOML: Expected ']' at the end of a table declaration"),
        ("pyproject.toml", '[tool.domlint]\ndriver = "qemu"\ndriver = "lxc"', ":3:15: invalid TOML: Cannot overwrite a value"),
        ("domlint.toml", "\udcff", ": invalid TOML: the file is not UTF-8 text"),
        ("pyproject.toml", "[tool]\ndomlint = 1\n", ": 'tool.domlint' must be a table, not an integer"),
        ("pyproject.toml", '[tool.domlint]\nselect = ["OS1"]\nfail-on = "warning"\n', ": unknown key 'fail-on'"),
    ],
)
def test_file_level_mistakes(tmp_path: Path, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_bytes(text.encode("utf-8", "surrogateescape"))
    shutil.copy(BROKEN, tmp_path / "vm.xml")
    assert run("check", str(tmp_path / "vm.xml")) == (2, "", f"domlint: error: {tmp_path / name}{message}\n")


def test_installed_command_reports_a_mistake_in_one_line(tmp_path: Path) -> None:
    """Through the real entry point: exit 2, one line, no traceback."""
    tree(tmp_path, {"domlint.toml": "selct = []\n", "vm.xml": None})
    script = Path(sys.executable).parent / "domlint"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "domlint"]
    result = subprocess.run([*command, "check", str(tmp_path / "vm.xml")], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"domlint: error: {tmp_path / 'domlint.toml'}: unknown key 'selct' (did you mean 'select'?)\n"


# --config and --no-config


def test_config_option_is_used_for_every_path(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "ci/lint.toml": 'select = ["OS1"]\n[per-file-ignores]\n"../hosts/a.xml" = ["reboot-timeout-range"]\n',
            "hosts/domlint.toml": 'select = ["OS0"]\n',
            "hosts/a.xml": None,
            "hosts/b.xml": None,
        },
    )
    assert lint_json("--config", str(root / "ci" / "lint.toml"), str(root / "hosts")) == {
        str(root / "hosts/a.xml"): ["useserial-requires-serial"],
        str(root / "hosts/b.xml"): OS1,
    }


def test_config_option_reads_tool_domlint_of_a_pyproject(tmp_path: Path) -> None:
    tree(tmp_path, {"elsewhere/pyproject.toml": '[tool.domlint]\nselect = ["OS1"]\n', "vm.xml": None})
    assert names("--config", str(tmp_path / "elsewhere" / "pyproject.toml"), str(tmp_path / "vm.xml")) == OS1
    (tmp_path / "elsewhere" / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    code, out, err = run("check", "--config", str(tmp_path / "elsewhere" / "pyproject.toml"), str(tmp_path / "vm.xml"))
    assert (code, out, err) == (2, "", f"domlint: error: {tmp_path / 'elsewhere' / 'pyproject.toml'}: no [tool.domlint] table\n")


def test_config_option_with_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert run("check", "--config", str(missing), str(BROKEN)) == (
        2,
        "",
        f"domlint: error: {missing}: cannot read: No such file or directory\n",
    )


def test_no_config_ignores_every_file(tmp_path: Path) -> None:
    tree(tmp_path, {"domlint.toml": 'select = ["OS1"]\n', "inner/domlint.toml": "selct = []\n", "inner/vm.xml": None, "vm.xml": None})
    assert lint_json("--no-config", str(tmp_path)) == {str(tmp_path / "inner/vm.xml"): ALL, str(tmp_path / "vm.xml"): ALL}


def test_config_and_no_config_together_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("check", "--config", str(tmp_path / "x.toml"), "--no-config", str(BROKEN))
    assert code == 2
    assert err.endswith("Error: --config and --no-config cannot be used together\n")


# The command line wins


@pytest.mark.parametrize(
    ("text", "arguments", "expected"),
    [
        ('select = ["OS1"]', ["--select", "OS0"], OS0),  # --select replaces
        ('ignore = ["OS0"]', ["--ignore", "OS6"], OS1),  # --ignore adds
        ('ignore = ["reboot-timeout-range"]', ["--select", "OS1"], OS1),  # --select starts over, as in ruff: the file's ignore goes
        ('[per-file-ignores]\n"*.xml" = ["OS0"]', ["--select", "OS0,OS1"], OS1),  # so do its per-file ignores
    ],
)
def test_command_line_selection_over_the_file(tmp_path: Path, text: str, arguments: list[str], expected: list[str]) -> None:
    tree(tmp_path, {"domlint.toml": text, "vm.xml": None})
    assert names(*arguments, str(tmp_path / "vm.xml")) == expected


def test_command_line_driver_wins(tmp_path: Path) -> None:
    tree(tmp_path, {"domlint.toml": 'driver = "qemu"\n'})
    shutil.copy(WARNING_ONLY, tmp_path / "vm.xml")
    _, out, _ = run("check", "--format", "json", "--driver", "libxl", str(tmp_path / "vm.xml"))
    assert [r["severity"] for r in json.loads(out)] == ["warning"]


def test_command_line_libvirt_version_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree(tmp_path, {"domlint.toml": 'libvirt-version = "9.0"\n', "vm.xml": None})
    seen: list[engine.Options] = []
    real_lint = engine.lint

    def spy(data: bytes, path: str, options: engine.Options) -> engine.Result:
        seen.append(options)
        return real_lint(data, path, options)

    monkeypatch.setattr(engine, "lint", spy)
    run("check", str(tmp_path / "vm.xml"))
    run("check", "--libvirt-version", "10.5", str(tmp_path / "vm.xml"))
    assert [options.libvirt_version for options in seen] == [(9, 0, 0), (10, 5, 0)]


def test_bad_libvirt_version_option_is_a_usage_error() -> None:
    code, _, err = run("check", "--libvirt-version", "9", str(BROKEN))
    assert code == 2
    assert err.endswith(
        "Error: Invalid value for '--libvirt-version': invalid libvirt version '9' (expected X.Y or X.Y.Z, e.g. 9.0 or 10.5.0)\n"
    )


def test_readme_examples_are_valid_and_alike(tmp_path: Path) -> None:
    """Both file forms README.md shows load, and configure the same thing."""
    from .conftest import ROOT

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Configuration\n", 1)[1].split("\n## ", 1)[0]
    plain, pyproject = (block.split("\n```", 1)[0] for block in section.split("```toml\n")[1:3])
    tree(tmp_path, {"plain/domlint.toml": plain, "project/pyproject.toml": pyproject})
    resolver = config.Resolver()
    for name in ("hosts/xen/a.xml", "b-legacy.xml", "templates/c.xml", "hosts/old-1.xml", "d.xml"):
        first, second = (tmp_path / folder / name for folder in ("plain", "project"))
        assert resolver.options_for(first) == resolver.options_for(second)
        assert resolver.walks(first) == resolver.walks(second)
    assert resolver.options_for(tmp_path / "plain" / "hosts/xen/a.xml").ignore == {"boot-device-missing", "OS7"}


def test_another_tools_pyproject_is_not_parsed(tmp_path: Path) -> None:
    """A pyproject.toml that never mentions domlint is passed over unread, even when it is not valid TOML."""
    tree(tmp_path, {"domlint.toml": 'select = ["OS1"]\n', "project/pyproject.toml": "[tool.black\n", "project/vm.xml": None})
    assert names(str(tmp_path / "project" / "vm.xml")) == OS1
