"""Per-device boot order rules: `<boot order>` on a disk, interface, hostdev, redirdev or filesystem.

Two ways to order boot devices exist and libvirt forbids mixing them: `<os><boot dev>` (a list
of device classes) and per-device `<boot order>`. This module checks the orders themselves and
the devices that carry them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from ..diagnostics import Severity
from .. import versions
from . import ALL_DRIVERS, Context, Finding, facts, rule
from .facts import arch

_LOADPARM_LENGTH = 8
_LOADPARM_CHARS = re.compile(r"[a-zA-Z0-9. ]*")


def _shown(value: str) -> str:
    """An attribute value for a message, with tabs and line breaks made visible."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in value)


@rule(
    code="OS302",
    name="boot-order-conflict",
    triggers=("device-boot",),
    severity=Severity.ERROR,
    summary="Per-device <boot order> together with <os><boot dev>.",
    drivers=ALL_DRIVERS - {"vmx"},
)
def boot_order_conflict(context: Context) -> Iterator[Finding]:
    """Per-device `<boot order>` elements and `<os><boot dev>` elements in the same domain.

    ## What it catches
    A fully virtualised (hvm) guest with at least one `<boot dev>` under `<os>` and at least one
    device (`<disk>`, `<interface>`, `<hostdev>`, `<redirdev>` or `<filesystem>`) with its own
    `<boot order>`. The diagnostic stands at the first per-device `<boot>` and names the
    `<os><boot>` line.

    ## Why it matters
    The two ways of ordering boot devices are mutually exclusive: libvirt refuses the domain
    with "per-device boot elements cannot be used together with os/boot elements". The
    VMware/ESX driver (vmx) translates neither, so it does not check.

    ## Example
    ```xml
    <os><type>hvm</type><boot dev='hd'/></os>
    <devices>
      <disk type='file' device='disk'>
        <source file='/var/lib/libvirt/images/guest.qcow2'/>
        <target dev='vda' bus='virtio'/>
        <boot order='1'/>
      </disk>
    </devices>
    ```

    ## Use instead
    ```xml
    <os><type>hvm</type></os>
    <devices>
      <disk type='file' device='disk'>
        <source file='/var/lib/libvirt/images/guest.qcow2'/>
        <target dev='vda' bus='virtio'/>
        <boot order='1'/>
      </disk>
    </devices>
    ```
    Per-device boot orders are the finer tool (they pick one disk or NIC, not a class).

    ## Reference
    formatdomain, "BIOS bootloader" (`boot`: "The boot element and per-device boot elements
    are mutually exclusive", per-device boot since 0.8.8); `virDomainDefBootOrderPostParse`.
    """
    ordered = facts.ordered_boots(context)
    listed = facts.kept_boot_devs(context)
    if ordered and listed:
        first, dev = ordered[0], listed[0].get("dev")
        yield Finding(
            first.boot,
            f"per-device <boot order='{first.boot.get('order')}'/> cannot be used together with "
            f"<os><boot dev='{dev}'/> ({facts.line_of(listed[0])}): libvirt accepts one way of ordering boot devices, not both",
            help="remove the <boot dev> elements from <os> and give each bootable device a <boot order>, "
            "or remove the per-device <boot order> elements",
        )


@rule(
    code="OS303",
    name="duplicate-boot-order",
    triggers=("device-boot",),
    severity=Severity.ERROR,
    summary="Two devices have the same <boot order>.",
    drivers=ALL_DRIVERS - {"vmx"},
)
def duplicate_boot_order(context: Context) -> Iterator[Finding]:
    """Two devices with the same `<boot order>` value.

    ## What it catches
    A per-device `<boot order>` whose number another device already uses (`01` and `1` are the
    same number). The diagnostic stands at every repeat, after the first use.

    ## Why it matters
    libvirt refuses the domain: "boot order '1' used for more than one device". The check
    applies to hvm guests on every driver except VMware/ESX (vmx), which ignores boot orders.

    ## Example
    ```xml
    <disk type='file' device='disk'>...<boot order='1'/></disk>
    <interface type='network'>...<boot order='1'/></interface>
    ```

    ## Use instead
    ```xml
    <disk type='file' device='disk'>...<boot order='1'/></disk>
    <interface type='network'>...<boot order='2'/></interface>
    ```

    ## Reference
    formatdomain, "Hard drives, floppy disks, CDROMs" (`boot`, since 0.8.8);
    `virDomainDefCollectBootOrder`.
    """
    if facts.hvm_os(context) is None:
        return
    for entry, earlier in facts.repeats(facts.ordered_boots(context), lambda entry: entry.order):
        yield Finding(
            entry.boot,
            f"boot order {entry.order} is already used by the <{earlier.device.tag}> on "
            f"{facts.line_of(earlier.device)}: each device needs its own order",
            attribute="order",
            help="give this device an order no other device uses",
        )


@rule(
    code="OS304",
    name="device-boot-order-invalid",
    triggers=("device-boot",),
    severity=Severity.ERROR,
    summary="A device <boot> without order, or with an order that is not a positive integer.",
)
def device_boot_order_invalid(context: Context) -> Iterator[Finding]:
    """A per-device `<boot>` whose `order` is missing, 0, or not a positive integer.

    ## What it catches
    `<boot>` inside a `<disk>`, `<interface>`, `<hostdev>`, `<redirdev>` or `<filesystem>`
    without an `order` attribute, or with an order that is not a whole number from 1 to
    4294967295 written in digits only.

    ## Why it matters
    libvirt refuses the domain: "Missing required attribute 'order' in element 'boot'",
    "Invalid value for attribute 'order' in element 'boot': Zero is not permitted", or
    "... Expected non-negative integer value". libvirt's schema (positiveInteger, digits only)
    also rejects signs and blanks that its parser would let through, so
    `virsh define --validate` fails on `'+1'` and `' 1'`.

    ## Example
    ```xml
    <boot order='0'/>
    ```

    ## Use instead
    ```xml
    <boot order='1'/>
    ```

    ## Reference
    formatdomain, "Hard drives, floppy disks, CDROMs" (`boot`, since 0.8.8); libvirt's schema
    (`deviceBoot`); `virDomainDeviceBootParseXML`.
    """
    for entry in facts.device_boots(context):
        value = entry.boot.get("order")
        if value is None:
            yield Finding(
                entry.boot,
                f"<boot> in this <{entry.device.tag}> has no order: libvirt needs a boot order from 1 up",
                help="add order='1' for the first device to boot, order='2' for the next, and so on",
            )
        elif entry.order is None:
            yield Finding(
                entry.boot,
                f"boot order '{value}' is not a positive integer: libvirt accepts a whole number from 1 to {facts.MAX_ORDER}",
                attribute="order",
                help="number the bootable devices 1, 2, 3... in the order they should be tried",
            )


@rule(
    code="OS305",
    name="boot-loadparm-invalid",
    triggers=("device-boot",),
    severity=Severity.ERROR,
    summary="A device boot loadparm longer than 8 characters or with characters libvirt refuses.",
)
def boot_loadparm_invalid(context: Context) -> Iterator[Finding]:
    """`<boot loadparm>` that is empty, longer than 8 characters, or has characters outside
    letters, digits, `.` and blanks.

    ## What it catches
    The `loadparm` of a per-device `<boot>` (an s390 IPL parameter that picks a boot menu
    entry) that is empty, has more than 8 characters, or contains anything but ASCII letters,
    digits, `.` and spaces. Tabs and line breaks count as wrong: libvirt's schema lets them
    through (`\\s`), its parser does not.

    ## Why it matters
    libvirt refuses the domain: "loadparm value '...' must be between 1 and 8 characters" or
    "invalid loadparm value '...', expecting chars in set of [a-zA-Z0-9.] and blank spaces".
    libvirt upper-cases a valid value (`sys1` is stored as `SYS1`).

    ## Example
    ```xml
    <boot order='1' loadparm='SYS1?'/>
    ```

    ## Use instead
    ```xml
    <boot order='1' loadparm='SYS1'/>
    ```

    ## Reference
    formatdomain, "Hard drives, floppy disks, CDROMs" (`boot` loadparm, since 3.5.0);
    `virDomainDeviceLoadparmIsValid`.
    """
    for entry in facts.device_boots(context):
        value = entry.boot.get("loadparm")
        if value is None:
            continue
        if not 1 <= len(value) <= _LOADPARM_LENGTH:
            problem = f"has {len(value)} characters: libvirt accepts 1 to {_LOADPARM_LENGTH}"
        elif not _LOADPARM_CHARS.fullmatch(value):
            problem = "has characters libvirt refuses: it accepts letters, digits, '.' and spaces"
        else:
            continue
        yield Finding(
            entry.boot,
            f"loadparm '{_shown(value)}' {problem}",
            attribute="loadparm",
            help="use at most 8 letters, digits, dots or spaces (libvirt stores them upper-cased)",
        )


@rule(
    code="OS306",
    name="filesystem-boot-order-requires-virtiofs",
    triggers=("device-boot",),
    severity=Severity.ERROR,
    summary="A <filesystem> with a <boot order> whose driver is not virtiofs.",
)
def filesystem_boot_order_requires_virtiofs(context: Context) -> Iterator[Finding]:
    """`<boot order>` on a `<filesystem>` that does not use the virtiofs driver.

    ## What it catches
    A `<filesystem>` with a `<boot order>` whose `<driver type>` is absent (the hypervisor's
    default, 9p for QEMU) or anything but `virtiofs`.

    ## Why it matters
    Only a virtiofs filesystem can be a boot device; libvirt refuses the domain on every
    driver: "boot order is only supported for virtiofs". QEMU also needs a build that can set
    a virtiofs boot order ("setting virtiofs boot order is not supported with this QEMU
    binary"); that depends on the host's emulator, so domlint does not check it.

    ## Example
    ```xml
    <filesystem type='mount' accessmode='passthrough'>
      <source dir='/srv/root'/>
      <target dir='root'/>
      <boot order='1'/>
    </filesystem>
    ```

    ## Use instead
    ```xml
    <filesystem type='mount'>
      <driver type='virtiofs'/>
      <source dir='/srv/root'/>
      <target dir='root'/>
      <boot order='1'/>
    </filesystem>
    ```

    ## Reference
    formatdomain, "Filesystems" (virtiofs); `virDomainFSDefValidate` (libvirt 9.0.0 and newest).
    """
    for entry in facts.ordered_boots(context):
        if entry.device.tag != "filesystem":
            continue
        driver = entry.device.find("driver")
        kind = driver.get("type") if driver is not None else None
        if kind != "virtiofs":
            found = f"driver type '{kind}'" if kind is not None else "the default driver"
            yield Finding(
                entry.boot,
                f"boot order on a <filesystem> with {found}: libvirt supports a boot order only for virtiofs",
                help="add <driver type='virtiofs'/> to the filesystem, or remove its <boot>",
            )


def _unbootable_hostdev(hostdev: etree._Element) -> str | None:
    """What QEMU calls a hostdev that cannot boot, or None when it can."""
    if hostdev.get("mode", "subsystem") != "subsystem":
        return None
    kind = hostdev.get("type")
    if kind == "scsi_host":
        return "vhost SCSI devices"
    if kind == "mdev" and hostdev.get("model") in ("vfio-pci", "vfio-ap"):
        return f"mediated devices of model {hostdev.get('model')}"
    return None


def _virtiofs_off_pci(context: Context, filesystem: etree._Element) -> str | None:
    """The bus of a virtiofs `<filesystem>` that is not on PCI, or None: its `<address type>`,
    else CCW on s390 guests (where QEMU's virtio devices go when no address is given)."""
    if versions.before(context.libvirt_version, versions.VIRTIOFS_BOOT_PCI_CHECK):
        return None
    driver = filesystem.find("driver")
    if driver is None or driver.get("type") != "virtiofs":
        return None  # not virtiofs: filesystem-boot-order-requires-virtiofs reports it
    address = filesystem.find("address")
    bus = (address.get("type") if address is not None else None) or ("ccw" if arch(context) in ("s390", "s390x") else "pci")
    return None if bus == "pci" else bus


@rule(
    code="OS307",
    name="boot-order-unsupported-device",
    triggers=("device-boot",),
    severity=Severity.ERROR,
    summary="A <boot order> on a device QEMU cannot boot from (vfio-pci or vfio-ap mdev, vhost-scsi, virtiofs off PCI).",
    drivers=("qemu",),
)
def boot_order_unsupported_device(context: Context) -> Iterator[Finding]:
    """`<boot order>` on a mediated device of model vfio-pci or vfio-ap, on a vhost-scsi host
    device, or on a virtiofs filesystem that is not on a PCI bus.

    ## What it catches
    A `<hostdev mode='subsystem'>` with a `<boot order>` that is either `type='mdev'` with
    `model='vfio-pci'` or `model='vfio-ap'`, or `type='scsi_host'` (vhost-scsi). A vfio-ccw
    mdev (an s390 DASD) can boot and is not flagged. And a virtiofs `<filesystem>` with a
    `<boot order>` on another bus than PCI: an `<address type='ccw'>`, or no address on an
    s390x guest, whose virtio devices libvirt puts on the CCW bus.

    ## Why it matters
    The QEMU driver refuses the domain: "booting from assigned devices is not supported by
    mediated devices of model vfio-pci" (likewise vfio-ap) or "... by vhost SCSI devices";
    for virtiofs, "setting virtiofs boot order is supported only with PCI bus".

    ## Example
    ```xml
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>
      <source><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source>
      <boot order='1'/>
    </hostdev>
    ```

    ## Use instead
    ```xml
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>
      <source><address uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></source>
    </hostdev>
    ```
    and give the boot order to the disk or NIC the guest really boots from.

    ## Reference
    formatdomain, "Host device assignment" (`boot`) and "Filesystems"; `qemuValidateDomainMdevDefVFIOPCI`,
    `qemuValidateDomainMdevDefVFIOAP`, `qemuValidateDomainDeviceDefHostdev`,
    `qemuValidateDomainDeviceDefFS` (libvirt 9.0.0 and newest; the virtiofs bus check only
    since 10.4.0, assumed: with an older target (`--libvirt-version`) it is silent).
    """
    for entry in facts.ordered_boots(context):
        if entry.device.tag == "hostdev" and (what := _unbootable_hostdev(entry.device)):
            yield Finding(
                entry.boot,
                f"QEMU cannot boot from this <hostdev>: booting from assigned devices is not supported by {what}",
                help="remove this <boot> and give the boot order to a disk or network interface",
            )
        elif entry.device.tag == "filesystem" and (bus := _virtiofs_off_pci(context, entry.device)):
            yield Finding(
                entry.boot,
                f"setting virtiofs boot order is supported only with PCI bus, but this filesystem is on '{bus}'",
                help="remove this <boot> and give the boot order to a disk or network interface, or put the filesystem on PCI",
            )
