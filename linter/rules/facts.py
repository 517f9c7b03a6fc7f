"""Facts about a domain that several rule families need, read the way libvirt reads them."""

from __future__ import annotations

from lxml import etree

from ..diagnostics import Severity
from . import Context

X86 = ("x86_64", "i686")
# Drivers whose default architecture is i686 when `<type arch>` is absent (libvirt docs:
# "For test, ESX and VMWare ... i686 arch will always be chosen"); the others use the host's,
# which domlint assumes to be x86_64 (libvirt's own QEMU tests assume the same).
_I686_DEFAULT_DRIVERS = ("test", "vmx")


def arch(context: Context) -> str:
    """The guest architecture: `<type arch>`, else the driver's default."""
    node = context.os_child("type")
    explicit = node.get("arch") if node is not None else None
    if explicit:
        return explicit
    return "i686" if context.driver in _I686_DEFAULT_DRIVERS else "x86_64"


def machine(context: Context) -> str | None:
    """`<type machine>` as written, or None (QEMU then picks its default, `pc` on x86)."""
    node = context.os_child("type")
    return node.get("machine") if node is not None else None


def is_q35(context: Context) -> bool:
    """libvirt's test for a q35 machine type (`qemuDomainIsQ35`)."""
    name = machine(context) or ""
    return name == "q35" or name.startswith("pc-q35")


def loader(context: Context):  # type: ignore[no-untyped-def]
    """The first `<loader>` (the one libvirt uses), or None."""
    return context.os_child("loader")


def nvram(context: Context):  # type: ignore[no-untyped-def]
    """The first `<nvram>` (the one libvirt uses), or None."""
    return context.os_child("nvram")


def firmware(context: Context) -> str | None:
    """`<os firmware>` (autoselection: 'bios' or 'efi'), or None."""
    return context.os.get("firmware") if context.os is not None else None


def uses_uefi(context: Context) -> bool:
    """UEFI firmware: autoselected (`firmware='efi'`) or a pflash loader (libvirt's old-style UEFI)."""
    node = loader(context)
    return firmware(context) == "efi" or (node is not None and node.get("type") == "pflash")


def firmware_features(context: Context) -> dict[str, str]:
    """`<os><firmware><feature name enabled>` as name -> enabled; the last one wins, as in libvirt."""
    if context.os is None:
        return {}
    return {feature.get("name", ""): feature.get("enabled", "") for feature in context.os.findall("firmware/feature")}


def feature_on(context: Context, name: str) -> bool:
    """A hypervisor feature under `<features>` that is present and not switched off."""
    if context.domain is None:
        return False
    node = context.domain.find(f"features/{name}")
    return node is not None and node.get("state", "on") != "off"


def os_child_with_value(context: Context, tag: str) -> etree._Element | None:
    """The first `<os>/<tag>` when libvirt sees a value in it, else None.

    libvirt reads these with `virXPathString("string(./os/TAG[1])")`, which yields NULL for an
    empty string: `<cmdline/>` counts as no command line at all.
    """
    node = context.os_child(tag)
    if node is None or not "".join(node.itertext()):
        return None
    return node


def refused_by_qemu_only(context: Context) -> Severity:
    """For checks the QEMU driver enforces and the others let pass: an error on QEMU, where the
    domain is refused, and a warning elsewhere, where the setting silently does nothing."""
    return Severity.ERROR if context.driver == "qemu" else Severity.WARNING
