"""SMBIOS and <sysinfo> rules."""

from __future__ import annotations
