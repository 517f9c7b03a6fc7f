"""Rules about which hypervisor driver accepts what: domain type against OS type, driver-only limits."""

from __future__ import annotations
