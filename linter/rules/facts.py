"""Facts about a domain that several rule families need, read the way libvirt reads them."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Callable, TypeVar

from lxml import etree

from ..integers import decimal
from . import Context

X86 = ("x86_64", "i686")
C_SPACE = " \t\n\v\f\r"  # isspace() in the C locale: what strtol and virUUIDParse skip
# Architectures whose QEMU machines have no SMBIOS tables (QEMU builds SMBIOS for x86, Arm,
# LoongArch and RISC-V only): s390 (CCW) and POWER guests describe themselves otherwise.
NO_SMBIOS = ("s390", "s390x", "ppc", "ppc64", "ppc64le")
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


@dataclass(frozen=True)
class UefiMarker:
    """What makes a guest boot UEFI: the element (and attribute) to point at, and its name in messages."""

    element: etree._Element
    attribute: str | None
    label: str


def uefi_marker(context: Context) -> UefiMarker | None:
    """The one test of "boots UEFI" every rule shares, as libvirt makes it: autoselected UEFI
    (`firmware='efi'`), a pflash loader (old-style UEFI), or a loader with a `<varstore>`
    (12.1's uefi-vars firmware, whose loader is a ROM); None for anything else."""
    if firmware(context) == "efi":
        return UefiMarker(context.os, "firmware", "firmware='efi'")
    node = loader(context)
    if node is None:
        return None
    if node.get("type") == "pflash":
        return UefiMarker(node, "type", "a pflash loader")
    varstore = context.os_child("varstore")
    return UefiMarker(varstore, None, "a loader with a <varstore>") if varstore is not None else None


def uses_uefi(context: Context) -> bool:
    """Whether the guest boots UEFI firmware (see uefi_marker)."""
    return uefi_marker(context) is not None


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
    if node is None or not content(node):
        return None
    return node


# The firmware part of <os>, as libvirt reads it ----------------------------------------------


def hvm_os(context: Context) -> etree._Element | None:
    """`<os>` when it is fully virtualised: only then does libvirt parse its boot settings, firmware,
    features and ACPI tables."""
    return context.os if context.os_type == "hvm" else None


def content(node: etree._Element) -> str:
    """The element's text content as libvirt reads it (`virXMLNodeContentString`); '' is no path."""
    return "".join(node.itertext())


def is_rom(node: etree._Element) -> bool:
    """A ROM `<loader>`: `type='rom'`, or a path without a type (libvirt's post-parse makes it rom)."""
    kind = node.get("type")
    return kind == "rom" or (kind is None and content(node) != "")


def last_features(context: Context) -> dict[str, etree._Element]:
    """`<firmware><feature>` by name: the element libvirt uses for each name (the last one)."""
    os = hvm_os(context)
    if os is None:
        return {}
    return {feature.get("name", ""): feature for feature in os.findall("firmware/feature")}


def feature_enabled(features: dict[str, etree._Element], name: str) -> str | None:
    """The `enabled` value of the feature libvirt uses, or None when the feature is absent."""
    feature = features.get(name)
    return feature.get("enabled") if feature is not None else None


# Boot order: <os><boot dev> and per-device <boot order> ------------------------------------------

# Devices whose `<boot>` child libvirt parses (the schema's deviceBoot; elsewhere it is ignored).
BOOTABLE_DEVICES = ("disk", "interface", "hostdev", "redirdev", "filesystem")
# libvirt keeps this many `<os><boot dev>` entries (VIR_DOMAIN_BOOT_LAST) and drops the rest.
MAX_BOOT_DEVS = 4
BOOT_DEV_VALUES = ("hd", "fd", "cdrom", "network")
MAX_ORDER = 2**32 - 1  # the order is an unsigned int (virXMLPropUInt)
_ORDER = re.compile(r"[0-9]+")

T = TypeVar("T")


@dataclass(frozen=True)
class DeviceBoot:
    """A per-device `<boot>`: the device, its `<boot>` element and its order (None if invalid)."""

    device: etree._Element
    boot: etree._Element
    order: int | None


def _order_value(text: str | None) -> int | None:
    """The boot order as libvirt's schema and parser both accept it: 1 to 2**32-1, digits only."""
    if text is None or not _ORDER.fullmatch(text):
        return None
    number = decimal(text)
    return number if 1 <= number <= MAX_ORDER else None


def device_boots(context: Context) -> list[DeviceBoot]:
    """Every per-device `<boot>` in document order (libvirt reads the first `<boot>` of a device)."""
    if context.domain is None:
        return []
    found = []
    for boot in context.domain.xpath("devices/*/boot[1]"):  # in C: a domain may have hundreds of devices
        device = boot.getparent()
        if device.tag in BOOTABLE_DEVICES:
            found.append(DeviceBoot(device, boot, _order_value(boot.get("order"))))
    return found


def ordered_boots(context: Context) -> list[DeviceBoot]:
    """Per-device boot elements with a valid order: the ones libvirt counts."""
    return [entry for entry in device_boots(context) if entry.order is not None]


def os_boots(context: Context) -> list[etree._Element]:
    """`<os><boot>` entries; libvirt parses them only for hvm guests."""
    os = hvm_os(context)
    return os.findall("boot") if os is not None else []


def kept_boot_devs(context: Context) -> list[etree._Element]:
    """The `<os><boot>` entries libvirt keeps (the first four) that name a valid device class."""
    return [boot for boot in os_boots(context)[:MAX_BOOT_DEVS] if boot.get("dev") in BOOT_DEV_VALUES]


def repeats(items: Iterable[T], key: Callable[[T], Hashable]) -> Iterator[tuple[T, T]]:
    """Each item whose key an earlier item already had, paired with that first item."""
    first: dict[Hashable, T] = {}
    for item in items:
        earlier = first.setdefault(key(item), item)
        if earlier is not item:
            yield item, earlier


def disk_devices(context: Context) -> list[str]:
    """The `device` of every `<disk>` (libvirt's default is 'disk')."""
    return [disk.get("device", "disk") for disk in context.devices("disk")]


def line_of(element: etree._Element) -> str:
    """Where an earlier element stands, for a message that points back to it."""
    return f"line {element.sourceline}"


# SMBIOS: <os><smbios> and <sysinfo> -------------------------------------------------------------


def sysinfo_mode(context: Context) -> etree._Element | None:
    """The `<smbios>` of an hvm `<os>` when its mode is `sysinfo`, else None.

    libvirt reads the mode of the first `<smbios>` only; the schema allows `<smbios>` on hvm only.
    """
    os = hvm_os(context)
    node = os.find("smbios") if os is not None else None
    return node if node is not None and node.get("mode") == "sysinfo" else None


def smbios_sysinfos(context: Context) -> list[etree._Element]:
    """The domain's `<sysinfo type='smbios'>` elements (fwcfg sysinfo carries no SMBIOS tables)."""
    if context.domain is None:
        return []
    return [node for node in context.domain.findall("sysinfo") if node.get("type") == "smbios"]
