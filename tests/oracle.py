"""A real libvirt as the oracle: does `virsh define` accept a document, and if not, what does it say?

Two connections, as in ../shared/reference/libvirt-os-rules.md:
- `test:///default`: libvirt's generic parser, post-parse and validation (fresh per call);
- `qemu:///embed?root=DIR`: the QEMU driver in-process. DIR gets a qemu.conf that runs QEMU as
  root: with the default `libvirt-qemu` user, /dev/kvm (root-only here) looks unusable and libvirt
  re-probes QEMU's capabilities on every call (8 s instead of 40 ms).

Run as a script to ask about files by hand: `python -m tests.oracle FILE...`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from lxml import etree

TEST_URI = "test:///default"


def available() -> bool:
    return shutil.which("virsh") is not None and Path("/usr/bin/qemu-system-x86_64").exists()


@lru_cache(maxsize=None)
def qemu_uri() -> str:
    root = Path(tempfile.mkdtemp(prefix="domlint-libvirt-"))
    (root / "etc").mkdir()
    (root / "etc" / "qemu.conf").write_text('user = "root"\ngroup = "root"\n', encoding="utf-8")
    return f"qemu:///embed?root={root}"


def define(path: Path, uri: str) -> str | None:
    """None when libvirt defines the document; otherwise libvirt's error message."""
    commands = f"define --file {path}"
    try:
        name = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).findtext("name")
    except etree.XMLSyntaxError:
        name = None
    if name and uri != TEST_URI:
        commands += f"; undefine --nvram --domain {name}"
    result = subprocess.run(["virsh", "-q", "-c", uri, commands], capture_output=True, text=True, timeout=120, check=False)
    lines = result.stderr.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("error: Failed to define domain"):
            return lines[index + 1].removeprefix("error: ") if index + 1 < len(lines) else line
    return None


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        for label, uri in (("test", TEST_URI), ("qemu", qemu_uri())):
            print(f"{argument}\t{label}\t{define(Path(argument), uri) or 'accepted'}")
