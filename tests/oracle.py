"""A real libvirt as the oracle: does `virsh define` accept a document, and if not, what does it say?

Two connections, as in ../shared/reference/libvirt-os-rules.md:
- `test:///default`: libvirt's generic parser, post-parse and validation (fresh per call);
- `qemu:///embed?root=DIR`: the QEMU driver in-process. DIR gets a qemu.conf that runs QEMU as
  root: with the default `libvirt-qemu` user, /dev/kvm (root-only here) looks unusable and libvirt
  re-probes QEMU's capabilities on every call (8 s instead of 40 ms).

"Refuses" means: `virsh define --validate` fails (libvirt's schema or its define-time checks), or
for QEMU, `virsh domxml-to-native qemu-argv` fails (the checks made when the guest starts).
Run as a script to ask about files by hand: `python -m tests.oracle FILE...`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

from lxml import etree

TEST_URI = "test:///default"


def available() -> bool:
    return shutil.which("virsh") is not None and Path("/usr/bin/qemu-system-x86_64").exists()


@cache
def qemu_uri() -> str:
    root = Path(tempfile.mkdtemp(prefix="domlint-libvirt-"))
    (root / "etc").mkdir()
    (root / "etc" / "qemu.conf").write_text('user = "root"\ngroup = "root"\n', encoding="utf-8")
    return f"qemu:///embed?root={root}"


def _virsh(uri: str, commands: str) -> list[str]:
    result = subprocess.run(["virsh", "-q", "-c", uri, commands], capture_output=True, text=True, timeout=120, check=False)
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


def define(path: Path, uri: str, validate: bool = True) -> str | None:
    """None when `virsh define` (with libvirt's schema check, unless `validate` is False)
    accepts the document; otherwise libvirt's error message."""
    commands = f"define {'--validate ' if validate else ''}--file {path}"
    try:
        name = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).findtext("name")
    except etree.XMLSyntaxError:
        name = None
    if name and uri != TEST_URI:
        commands += f"; undefine --nvram --domain {name}"
    errors = _virsh(uri, commands)
    for index, line in enumerate(errors):
        if line.startswith("error: Failed to define domain"):
            return errors[index + 1].removeprefix("error: ") if index + 1 < len(errors) else line
    return None


def prepare_start(path: Path) -> str | None:
    """QEMU's start-time preparation without starting a guest (`domxml-to-native qemu-argv`):
    firmware autoselection, SMBIOS, command line. None when it succeeds."""
    errors = _virsh(qemu_uri(), f"domxml-to-native --format qemu-argv --xml {path}")
    return errors[0].removeprefix("error: ") if errors else None


def rejection(path: Path, driver: str) -> str | None:
    """Why libvirt (driver 'test' or 'qemu') refuses the document at define or guest start."""
    if driver == "test":
        return define(path, TEST_URI)
    return define(path, qemu_uri()) or prepare_start(path)


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        for driver in ("test", "qemu"):
            print(f"{argument}\t{driver}\t{rejection(Path(argument), driver) or 'accepted'}")
