"""Walks and configuration lookups stay inside what the user named: no symbolic link out of the
tree, no device or FIFO, bounded reads, no recursion limit, linear-time patterns (issue 13)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from domlint import config
from domlint.grammar import schema_path

from .test_cli import BROKEN, EXAMPLE, run
from .test_config import OS1, names, tree

MARKER = "DOMLINT-SECRET-MARKER-7f3a"
COMMAND = [sys.executable, "-m", "domlint"]


def _secret(path: Path) -> Path:
    path.write_text(f'password = "{MARKER}"\n', encoding="utf-8")
    return path


def _json_paths(out: str) -> list[str]:
    return sorted({record["path"] for record in json.loads(out)})


# Item 7: symbolic links in a walked folder


@pytest.mark.parametrize("arguments", [["check"], ["check", "--diff"], ["validate", "--schema", "SCHEMA"]])
def test_a_walk_skips_links_out_of_the_named_folders_and_never_shows_their_text(tmp_path: Path, arguments: list[str]) -> None:
    walked = tmp_path / "tree"
    walked.mkdir()
    shutil.copy(EXAMPLE, walked / "a.xml")
    (walked / "leak.xml").symlink_to(Path("..") / _secret(tmp_path / "secret.conf").name)
    outside = tmp_path / "usr"
    outside.mkdir()
    _secret(outside / "vendor.xml")
    (walked / "vendor").symlink_to(outside)
    (walked / "notes.txt").symlink_to(tmp_path / "secret.conf")  # never linted: not counted
    (walked / ".cache").symlink_to(outside)  # hidden: never entered, not counted
    schema = schema_path("domain.rng")
    code, out, err = run(*[schema if argument == "SCHEMA" else argument for argument in arguments], str(walked))
    assert MARKER not in out + err
    assert err == f"domlint: warning: skipped 2 symbolic links that lead outside the folders named (first: {walked / 'leak.xml'})\n"
    assert code == 0
    assert out == ("" if "--diff" in arguments else "1 file, 0 errors, 0 warnings, 0 skipped\n")


def test_one_skipped_link_is_said_in_the_singular(tmp_path: Path) -> None:
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "leak.xml").symlink_to(_secret(tmp_path / "secret.conf"))
    assert run("check", str(tmp_path / "tree")) == (
        0,
        "0 files, 0 errors, 0 warnings, 0 skipped\n",
        f"domlint: warning: skipped 1 symbolic link that leads outside the folders named (first: {tmp_path / 'tree' / 'leak.xml'})\n",
    )


def test_links_inside_the_named_folders_are_walked_and_loops_once(tmp_path: Path) -> None:
    root = tree(tmp_path, {"repo/hosts/a.xml": None, "other/b.xml": None})
    repo = root / "repo"
    (repo / "alias.xml").symlink_to(Path("hosts") / "a.xml")
    (repo / "same").symlink_to("hosts")  # the same folder again: walked once
    (repo / "hosts" / "loop").symlink_to("..")
    (repo / "b.xml").symlink_to(root / "other" / "b.xml")  # inside another folder named
    code, out, err = run("check", "--format", "json", str(repo), str(root / "other"))
    assert (code, err) == (1, "")
    assert _json_paths(out) == sorted(
        str(path) for path in (repo / "alias.xml", repo / "b.xml", repo / "hosts/a.xml", root / "other/b.xml")
    )


# Item 9: configuration files


def test_a_configuration_link_out_of_its_folder_is_refused_unread(tmp_path: Path) -> None:
    tree(tmp_path, {"repo/vm.xml": None})
    (tmp_path / "repo" / "domlint.toml").symlink_to(_secret(tmp_path / "secret.toml"))
    assert run("check", str(tmp_path / "repo" / "vm.xml")) == (
        2,
        "",
        f"domlint: error: {tmp_path / 'repo' / 'domlint.toml'}: a symbolic link that leads outside its folder: not read\n",
    )


def test_a_configuration_link_inside_its_folder_is_read(tmp_path: Path) -> None:
    tree(tmp_path, {"conf/lint.toml": 'select = ["OS1"]\n', "vm.xml": None})
    (tmp_path / "domlint.toml").symlink_to(Path("conf") / "lint.toml")
    assert names(str(tmp_path / "vm.xml")) == OS1


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_config_option_refuses_a_device_or_a_fifo_at_once(tmp_path: Path, kind: str) -> None:
    special = Path("/dev/zero")
    if kind == "fifo":
        special = tmp_path / "lint.toml"
        os.mkfifo(special)
    result = subprocess.run(
        [*COMMAND, "check", "--config", str(special), str(EXAMPLE)], capture_output=True, text=True, timeout=10, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"domlint: error: {special}: not a regular file\n")


@pytest.mark.parametrize("option", [False, True])
def test_a_configuration_larger_than_1_mib_is_refused(tmp_path: Path, option: bool) -> None:
    tree(tmp_path, {"domlint.toml": "#" * (1024 * 1024) + "\n", "vm.xml": None})
    arguments = ["--config", str(tmp_path / "domlint.toml")] if option else []
    assert run("check", *arguments, str(tmp_path / "vm.xml")) == (
        2,
        "",
        f"domlint: error: {tmp_path / 'domlint.toml'}: larger than 1 MiB: not read\n",
    )


def test_a_configuration_of_1_mib_is_read(tmp_path: Path) -> None:
    text = 'select = ["OS1"]\n'
    tree(tmp_path, {"domlint.toml": text + "#" * (1024 * 1024 - len(text) - 1) + "\n", "vm.xml": None})
    assert names(str(tmp_path / "vm.xml")) == OS1


# Item 10: deep or malformed values, bad classes, deep files, unreadable folders


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("[" * 10_000 + "]" * 10_000, "invalid TOML: values nested too deeply"),
        ("{ a = " * 2_000 + "1" + " }" * 2_000, "invalid TOML: values nested too deeply"),
        pytest.param(
            "1" * 5_000,
            "invalid TOML: Exceeds the limit (4300 digits) for integer string conversion",
            marks=pytest.mark.skipif(not hasattr(sys, "get_int_max_str_digits"), reason="this Python reads integers of any length"),
        ),
    ],
    ids=["arrays", "tables", "long-integer"],
)
def test_a_value_the_toml_parser_cannot_read_is_one_line(tmp_path: Path, value: str, problem: str) -> None:
    tree(tmp_path, {"domlint.toml": f"select = {value}\n", "vm.xml": None})
    assert run("check", str(tmp_path / "vm.xml")) == (2, "", f"domlint: error: {tmp_path / 'domlint.toml'}: {problem}\n")


def test_a_reversed_character_range_is_a_configuration_mistake(tmp_path: Path) -> None:
    tree(tmp_path, {"domlint.toml": 'exclude = ["hosts/[z-a].xml"]\n', "vm.xml": None})
    assert run("check", str(tmp_path / "vm.xml")) == (
        2,
        "",
        f"domlint: error: {tmp_path / 'domlint.toml'}: 'exclude': invalid character range 'z-a' in '[z-a]'\n",
    )


def test_a_file_1000_folders_deep_is_found_and_linted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    folders = ["/".join(["d"] * depth) for depth in range(1, 1001)]
    file = f"{folders[-1]}/vm.xml"
    try:
        for folder in folders:  # one level at a time: os.makedirs, Path.mkdir and shutil.rmtree recurse
            os.mkdir(folder)
        tree(tmp_path, {"domlint.toml": 'select = ["OS1"]\n', "top.xml": None})
        shutil.copy(BROKEN, file)
        assert names(file) == OS1
        code, out, err = run("check", "--format", "json", ".")
        assert (code, err) == (1, "")
        assert _json_paths(out) == sorted([file, "top.xml"])
    finally:  # pytest's own clean-up of old temporary folders would meet the recursion limit
        if os.path.exists(file):
            os.remove(file)
        for folder in reversed(folders):
            if os.path.isdir(folder):
                os.rmdir(folder)


def test_an_unreadable_folder_is_reported_and_the_others_walked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree(tmp_path, {"a/vm.xml": None, "locked/vm.xml": None, "z/vm.xml": None})
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, err = run("check", "--format", "concise", "--select", "OS003", "-q", str(tmp_path))
    assert (code, err) == (2, f"domlint: error: {tmp_path / 'locked'}: cannot read folder: Permission denied\n")
    assert [line.split(":")[0] for line in out.splitlines()] == [str(tmp_path / "a/vm.xml"), str(tmp_path / "z/vm.xml")]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any folder")
def test_a_folder_without_read_permission(tmp_path: Path) -> None:
    tree(tmp_path, {"locked/vm.xml": None, "vm.xml": None})
    (tmp_path / "locked").chmod(0)
    try:
        code, _, err = run("check", str(tmp_path))
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert (code, err) == (2, f"domlint: error: {tmp_path / 'locked'}: cannot read folder: Permission denied\n")


# Item 13: patterns in linear time


def test_many_stars_match_in_linear_time() -> None:
    """Sizes a backtracking matcher would need hours for (it doubles per `**`): here well under the 10 s limit."""
    probe = (
        "from domlint.config import Glob\n"
        "folders = Glob('/'.join(['**', 'a'] * 40) + '/b').matches('/'.join(['a'] * 200) + '/c')\n"
        "names = Glob('/' + '*a' * 40 + '*b').matches('a' * 250)\n"
        "covers = Glob('/'.join(['**', 'a'] * 40) + '/b').covers('/'.join(['a'] * 200) + '/c')\n"
        "print(folders, names, covers)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=10, check=True)
    assert result.stdout == "False False False\n"


def test_matching_work_is_bounded_by_pattern_times_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counted: each name of the path meets each name pattern at most once, never exponentially often."""
    from domlint import globs

    tried: list[str] = []
    real = globs._Name.matches

    def counting(self: globs._Name, name: str) -> bool:
        tried.append(name)
        return real(self, name)

    monkeypatch.setattr(globs._Name, "matches", counting)
    pattern = ["**", "a"] * 12 + ["b"]  # 25 names, 12 of them `**`
    path = ["a"] * 10 + ["x"] * 20 + ["a", "b"]  # 32 names: one `a` too few
    assert config.Glob("/".join(pattern)).matches("/".join(path)) is False
    assert 12 <= len(tried) <= 12 * 32


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**", "a/b", True),
        ("a/**/b/**/c", "a/b/c", True),
        ("a/**/b/**/c", "a/x/b/y/z/c", True),
        ("a/**/b/**/c", "a/c/b", False),
        ("*a*b", "xaybzb", True),
        ("*a*b", "xaybz", False),
        ("[a-c]?.xml", "bz.xml", True),
        ("[!a-c]*.xml", "b.xml", False),
        ("[]x].xml", "].xml", True),
        ("[a-].xml", "-.xml", True),
        ("[\\].xml", "\\.xml", True),
        ("*.xml", "../up/a.xml", True),
    ],
)
def test_glob_stars_and_classes(pattern: str, path: str, matches: bool) -> None:
    assert config.Glob(pattern).matches(path) is matches


def test_covers_matches_a_folder_above() -> None:
    glob = config.Glob("hosts/*/old")
    assert [glob.covers(path) for path in ("hosts/x/old/a.xml", "hosts/x/old", "hosts/old/a.xml", "hosts/x/y/old/a.xml")] == [
        True,
        True,
        False,
        False,
    ]
