"""Direct kernel boot rules: kernel, initrd, cmdline, dtb, shim."""

from __future__ import annotations
