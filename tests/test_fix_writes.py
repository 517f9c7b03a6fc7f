"""`check --fix` writes a file only when nothing is lost: links, owner, attributes, concurrent changes."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domlint import autofix, engine, paths

from .test_fix import MESSY, MESSY_FIXED, run

EDITED = MESSY.replace("the team's guest", "edited by hand meanwhile")


def guest(folder: Path, name: str = "guest.xml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(MESSY)
    return path


def plain_report(path: Path) -> str:
    """What `check` (no --fix) prints for the file as it is: a file left unfixed reports the same."""
    code, out, _ = run("check", str(path))
    assert code == 1
    return out


def test_a_named_file_link_fixes_its_target_and_stays_a_link(tmp_path: Path) -> None:
    target = guest(tmp_path / "real")
    link = tmp_path / "link.xml"
    link.symlink_to(target)
    code, out, err = run("check", "--fix", str(link))
    assert (code, out, err) == (0, "1 file, 0 errors, 0 warnings, 0 skipped\n", "domlint: applied 3 fixes to 1 file\n")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == MESSY_FIXED


def test_a_named_folder_that_is_a_link_is_fixed(tmp_path: Path) -> None:
    target = guest(tmp_path / "real")
    (tmp_path / "tree").symlink_to(tmp_path / "real")
    code, _, err = run("check", "--fix", str(tmp_path / "tree"))
    assert (code, err) == (0, "domlint: applied 3 fixes to 1 file\n")
    assert target.read_text() == MESSY_FIXED


def test_write_refuses_a_path_that_leads_out_of_the_named_folder(tmp_path: Path) -> None:
    outside = guest(tmp_path / "outside")
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "linked").symlink_to(tmp_path / "outside")
    with pytest.raises(autofix.NotWritten) as refused:
        autofix.write(str(tmp_path / "tree" / "linked" / "guest.xml"), MESSY.encode(), MESSY_FIXED.encode(), [str(tmp_path / "tree")])
    assert str(refused.value) == f"leads to {outside}, outside the paths named; not fixed"
    assert outside.read_text() == MESSY
    assert sorted(p.name for p in outside.parent.iterdir()) == ["guest.xml"]


def test_fix_never_writes_through_a_walked_link_out_of_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even when the walk yields a file reached through a symlinked folder, --fix leaves it alone."""
    outside = guest(tmp_path / "outside")
    inside = guest(tmp_path / "tree")
    (tmp_path / "tree" / "linked").symlink_to(tmp_path / "outside")
    walked = [str(inside), str(tmp_path / "tree" / "linked" / "guest.xml")]

    def walk(*_arguments: Any) -> Iterator[str]:
        yield from walked

    monkeypatch.setattr(paths, "files_under", walk)
    report = plain_report(outside).replace(str(outside), walked[1]).replace("1 file, ", "2 files, ")
    code, out, err = run("check", "--fix", str(tmp_path / "tree"))
    assert err == (
        f"domlint: error: {walked[1]}: leads to {outside}, outside the paths named; not fixed\ndomlint: applied 3 fixes to 1 file\n"
    )
    assert (code, out) == (2, report)
    assert (outside.read_text(), inside.read_text()) == (MESSY, MESSY_FIXED)


def _edit_after_fixing(monkeypatch: pytest.MonkeyPatch, edit: Any) -> None:
    """Run `edit(path)` between the read and the write of the (first) file fixed: a deterministic race."""
    real_fix = autofix.fix
    calls = []

    def fix_then_edit(data: bytes, path: str, options: engine.Options) -> autofix.Fixed:
        fixed = real_fix(data, path, options)
        calls.append(path)
        if len(calls) == 1:
            edit(path)
        return fixed

    monkeypatch.setattr(autofix, "fix", fix_then_edit)


def test_a_change_made_between_read_and_write_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = guest(tmp_path)
    report = plain_report(path)
    _edit_after_fixing(monkeypatch, lambda name: Path(name).write_text(EDITED))
    code, out, err = run("check", "--fix", str(path))
    assert err == f"domlint: error: {path}: changed since it was read; not fixed\n"
    assert (code, out) == (2, report)
    assert path.read_text() == EDITED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["guest.xml"]


def test_two_concurrent_fix_runs_lose_no_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that fixes one rule finishes while another, fixing a second rule, is between read and write."""
    path = guest(tmp_path)
    only_attribute = MESSY.replace("useSerial", "useserial")
    _edit_after_fixing(monkeypatch, lambda name: run("check", "--fix", "--select", "unknown-attribute", name))
    code, _, err = run("check", "--fix", "--select", "duplicate-boot-device", str(path))
    assert (code, err) == (2, f"domlint: error: {path}: changed since it was read; not fixed\n")
    assert path.read_text() == only_attribute  # the other run's fix is there
    code, _, err = run("check", "--fix", "--select", "duplicate-boot-device", str(path))
    assert (code, err) == (0, "domlint: applied 1 fix to 1 file\n")
    assert path.read_text() == only_attribute.replace("    <boot dev='cdrom'/>\n    <bootmnu", "    <bootmnu")


def test_a_read_only_file_is_not_replaced(tmp_path: Path) -> None:
    path = guest(tmp_path)
    path.chmod(0o444)
    report = plain_report(path)
    code, out, err = run("check", "--fix", str(path))
    assert err == f"domlint: error: {path}: read-only; not fixed\n"
    assert (code, out) == (2, report)
    assert (path.read_text(), stat.S_IMODE(path.stat().st_mode)) == (MESSY, 0o444)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["guest.xml"]


def test_a_hard_linked_file_is_skipped(tmp_path: Path) -> None:
    path = guest(tmp_path)
    other = tmp_path / "other-name.xml"
    os.link(path, other)
    report = plain_report(path)
    code, out, err = run("check", "--fix", str(path))
    assert err == f"domlint: error: {path}: has 2 hard links; not fixed\n"
    assert (code, out) == (2, report)
    assert path.read_text() == other.read_text() == MESSY
    assert path.stat().st_ino == other.stat().st_ino


ROOT_ONLY = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file to another owner")


def user_attribute(path: Path) -> None:
    """Give the file a user.* extended attribute, or skip where the file system has none."""
    try:
        os.setxattr(path, "user.origin", b"golden image 7")
    except (AttributeError, OSError) as error:
        if isinstance(error, OSError) and error.errno not in (errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        pytest.skip(f"no user extended attributes here: {error}")


def refuse(error: int) -> Any:
    def refused(*_arguments: Any) -> None:
        raise OSError(error, os.strerror(error))

    return refused


@ROOT_ONLY
def test_owner_and_group_are_kept(tmp_path: Path) -> None:
    path = guest(tmp_path)
    os.chown(path, 4321, 8765)
    path.chmod(0o2664)  # setgid: changing the owner clears it, so it is set again after
    code, _, err = run("check", "--fix", str(path))
    assert (code, err) == (0, "domlint: applied 3 fixes to 1 file\n")
    status = path.stat()
    assert (path.read_text(), status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (MESSY_FIXED, 4321, 8765, 0o2664)


@ROOT_ONLY
def test_a_file_whose_owner_cannot_be_kept_is_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a user who is not root, a file of another owner (in a folder the user may write) would become the user's."""
    path = guest(tmp_path)
    os.chown(path, 4321, 8765)
    report = plain_report(path)
    monkeypatch.setattr(os, "chown", refuse(errno.EPERM))
    code, out, err = run("check", "--fix", str(path))
    assert err == f"domlint: error: {path}: its owner and group cannot be kept; not fixed\n"
    assert (code, out) == (2, report)
    assert (path.read_text(), path.stat().st_uid) == (MESSY, 4321)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["guest.xml"]


def test_extended_attributes_are_kept(tmp_path: Path) -> None:
    path = guest(tmp_path)
    user_attribute(path)
    code, _, err = run("check", "--fix", str(path))
    assert (code, err) == (0, "domlint: applied 3 fixes to 1 file\n")
    assert path.read_text() == MESSY_FIXED
    assert (os.listxattr(path), os.getxattr(path, "user.origin")) == (["user.origin"], b"golden image 7")


def test_a_file_whose_attributes_cannot_be_kept_is_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = guest(tmp_path)
    user_attribute(path)
    report = plain_report(path)
    monkeypatch.setattr(os, "setxattr", refuse(errno.EPERM))
    code, out, err = run("check", "--fix", str(path))
    assert err == f"domlint: error: {path}: its extended attribute user.origin cannot be kept; not fixed\n"
    assert (code, out) == (2, report)
    assert (path.read_text(), os.getxattr(path, "user.origin")) == (MESSY, b"golden image 7")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["guest.xml"]


def test_a_failed_write_still_reports_the_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = guest(tmp_path)
    report = plain_report(path)
    assert report.endswith("\n1 file, 2 errors, 1 warning, 0 skipped\n[*] 3 fixable with --fix\n")

    monkeypatch.setattr(os, "replace", refuse(errno.ENOSPC))
    code, out, err = run("check", "--fix", str(path))
    assert err == f"domlint: error: {path}: cannot write the fixes: No space left on device\n"
    assert (code, out) == (2, report)
    assert path.read_text() == MESSY
