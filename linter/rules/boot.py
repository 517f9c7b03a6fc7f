"""Boot order, boot menu and host bootloader rules.

Two ways to order boot devices exist and libvirt forbids mixing them: `<os><boot dev>` (a list
of device classes) and per-device `<boot order>` (on a disk, interface, hostdev, redirdev or
filesystem). A host `<bootloader>` (Xen's pygrub, bhyve's bhyveload or grub-bhyve) replaces
both on the drivers that have one.
"""

from __future__ import annotations

from typing import Callable, TypeVar
from collections.abc import Hashable, Iterable, Iterator

from lxml import etree

from ..diagnostics import Severity
from .. import fixes, versions
from . import ALL_DRIVERS, Context, Finding, rule
from .facts import X86, arch
from .ranges import out_of_range
from ..integers import decimal
from ..lazy import Regex, dataclass_on_first_use

# Devices whose `<boot>` child libvirt parses (the schema's deviceBoot; elsewhere it is ignored).
_BOOTABLE_DEVICES = ("disk", "interface", "hostdev", "redirdev", "filesystem")
# libvirt keeps this many `<os><boot dev>` entries (VIR_DOMAIN_BOOT_LAST) and drops the rest.
_MAX_BOOT_DEVS = 4
_BOOT_DEV_VALUES = ("hd", "fd", "cdrom", "network")
_MAX_ORDER = 2**32 - 1  # the order is an unsigned int (virXMLPropUInt)
_ORDER = Regex(r"[0-9]+")
_LOADPARM_LENGTH = 8
_LOADPARM_CHARS = Regex(r"[a-zA-Z0-9. ]*")
# The `<disk device>` values QEMU maps each `<boot dev>` class to (qemuProcessPrepareDeviceBootorder).
_QEMU_DISK_DEVICES = {"hd": ("disk", "lun"), "cdrom": ("cdrom",), "fd": ("floppy",)}
# The `<disk device>` values bhyveload can boot from (virBhyveGetBootDisk).
_BHYVE_DISK_DEVICES = {"hd": ("disk",), "cdrom": ("cdrom",)}
_GRUB_BHYVE = "grub-bhyve"

T = TypeVar("T")


@dataclass_on_first_use(frozen=True)
class _DeviceBoot:
    """A per-device `<boot>`: the device, its `<boot>` element and its order (None if invalid)."""

    device: etree._Element
    boot: etree._Element
    order: int | None


def _order_value(text: str | None) -> int | None:
    """The boot order as libvirt's schema and parser both accept it: 1 to 2**32-1, digits only."""
    if text is None or not _ORDER.fullmatch(text):
        return None
    number = decimal(text)
    return number if 1 <= number <= _MAX_ORDER else None


def _device_boots(context: Context) -> list[_DeviceBoot]:
    """Every per-device `<boot>` in document order (libvirt reads the first `<boot>` of a device)."""
    if context.domain is None:
        return []
    found = []
    for boot in context.domain.xpath("devices/*/boot[1]"):  # in C: a domain may have hundreds of devices
        device = boot.getparent()
        if device.tag in _BOOTABLE_DEVICES:
            found.append(_DeviceBoot(device, boot, _order_value(boot.get("order"))))
    return found


def _ordered_boots(context: Context) -> list[_DeviceBoot]:
    """Per-device boot elements with a valid order: the ones libvirt counts."""
    return [entry for entry in _device_boots(context) if entry.order is not None]


def _hvm_os(context: Context) -> etree._Element | None:
    """`<os>` of a fully virtualised guest: the only kind whose boot settings libvirt parses."""
    return context.os if context.os is not None and context.os_type == "hvm" else None


def _os_boots(context: Context) -> list[etree._Element]:
    """`<os><boot>` entries; libvirt parses them only for hvm guests."""
    os = _hvm_os(context)
    return os.findall("boot") if os is not None else []


def _kept_boot_devs(context: Context) -> list[etree._Element]:
    """The `<os><boot>` entries libvirt keeps (the first four) that name a valid device class."""
    return [boot for boot in _os_boots(context)[:_MAX_BOOT_DEVS] if boot.get("dev") in _BOOT_DEV_VALUES]


def _set_child(context: Context, tag: str) -> etree._Element | None:
    """A `<domain>` child libvirt counts as set: present with non-empty text (XPath string())."""
    node = context.domain.find(tag) if context.domain is not None else None
    return node if node is not None and "".join(node.itertext()) else None


def _bootloader(context: Context) -> str | None:
    """The host bootloader path, or None when `<bootloader>` is absent or empty."""
    node = _set_child(context, "bootloader")
    return "".join(node.itertext()) if node is not None else None


def _repeats(items: Iterable[T], key: Callable[[T], Hashable]) -> Iterator[tuple[T, T]]:
    """Each item whose key an earlier item already had, paired with that first item."""
    first: dict[Hashable, T] = {}
    for item in items:
        earlier = first.setdefault(key(item), item)
        if earlier is not item:
            yield item, earlier


def _disk_devices(context: Context) -> list[str]:
    return [disk.get("device", "disk") for disk in context.devices("disk")]


def _line(element: etree._Element) -> str:
    return f"line {element.sourceline}"


def _shown(value: str) -> str:
    """An attribute value for a message, with tabs and line breaks made visible."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in value)


# --- per-device boot order ------------------------------------------------------------------


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
    ordered = _ordered_boots(context)
    listed = _kept_boot_devs(context)
    if ordered and listed:
        first, dev = ordered[0], listed[0].get("dev")
        yield Finding(
            first.boot,
            f"per-device <boot order='{first.boot.get('order')}'/> cannot be used together with "
            f"<os><boot dev='{dev}'/> ({_line(listed[0])}): libvirt accepts one way of ordering boot devices, not both",
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
    if _hvm_os(context) is None:
        return
    for entry, earlier in _repeats(_ordered_boots(context), lambda entry: entry.order):
        yield Finding(
            entry.boot,
            f"boot order {entry.order} is already used by the <{earlier.device.tag}> on "
            f"{_line(earlier.device)}: each device needs its own order",
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
    for entry in _device_boots(context):
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
                f"boot order '{value}' is not a positive integer: libvirt accepts a whole number from 1 to {_MAX_ORDER}",
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
    for entry in _device_boots(context):
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
    for entry in _ordered_boots(context):
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
    for entry in _ordered_boots(context):
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


# --- <os><boot dev> and the boot menu -------------------------------------------------------


@rule(
    code="OS308",
    name="duplicate-boot-device",
    triggers=("os:boot*2",),
    severity=Severity.WARNING,
    summary="The same <boot dev> is listed twice.",
    needs_domain=False,
)
def duplicate_boot_device(context: Context) -> Iterator[Finding]:
    """The same `<boot dev>` value twice in `<os>`.

    ## What it catches
    A `<boot dev>` (hd, fd, cdrom or network) that an earlier `<boot>` of the same guest
    already names, among the four entries libvirt keeps.

    ## Why it matters
    libvirt keeps both entries, but a device class is tried once: the repeat does not add a
    second attempt. QEMU gives the device the place of the last entry, so `hd, cdrom, hd`
    boots the CD-ROM first, which is rarely what the list seems to say.

    ## Example
    ```xml
    <boot dev='hd'/>
    <boot dev='cdrom'/>
    <boot dev='hd'/>
    ```

    ## Use instead
    ```xml
    <boot dev='hd'/>
    <boot dev='cdrom'/>
    ```

    ## Reference
    formatdomain, "BIOS bootloader" (`boot`, since 0.1.3); `virDomainDefParseBootXML` (keeps
    duplicates), `qemuProcessPrepareDeviceBootorder` (last entry wins).
    """
    for boot, earlier in _repeats(_kept_boot_devs(context), lambda boot: boot.get("dev")):
        yield Finding(
            boot,
            f"<boot dev='{boot.get('dev')}'/> repeats the entry on {_line(earlier)}: a device class is tried once, "
            "and QEMU uses the place of the last entry",
            attribute="dev",
            help="keep one <boot dev> per device class, in the order they should be tried",
            fix=fixes.single(f"remove the repeated <boot dev='{boot.get('dev')}'/>", fixes.delete_element(context.document, boot)),
        )


@rule(
    code="OS309",
    name="too-many-boot-devices",
    triggers=("os:boot*2",),
    severity=Severity.WARNING,
    summary="More than 4 <boot dev> entries; libvirt drops the 5th and later.",
    needs_domain=False,
)
def too_many_boot_devices(context: Context) -> Iterator[Finding]:
    """More than four `<boot dev>` entries in `<os>`.

    ## What it catches
    A fifth and any later `<boot>` element under `<os>` of an hvm guest.

    ## Why it matters
    libvirt keeps only the first four boot entries (one per device class) and silently drops
    the rest, even when the dropped entry names a class not listed before: with
    `cdrom, cdrom, cdrom, cdrom, hd` the disk is not bootable.

    ## Example
    ```xml
    <boot dev='cdrom'/><boot dev='cdrom'/><boot dev='network'/><boot dev='fd'/>
    <boot dev='hd'/>
    ```

    ## Use instead
    ```xml
    <boot dev='cdrom'/><boot dev='hd'/><boot dev='network'/><boot dev='fd'/>
    ```

    ## Reference
    formatdomain, "BIOS bootloader" (`boot`, since 0.1.3); `virDomainDefParseBootXML`
    (VIR_DOMAIN_BOOT_LAST).
    """
    for boot in _os_boots(context)[_MAX_BOOT_DEVS:]:
        if boot.get("dev") not in _BOOT_DEV_VALUES:
            continue  # an invalid entry is the grammar's to report
        yield Finding(
            boot,
            f"libvirt keeps only the first {_MAX_BOOT_DEVS} <boot dev> entries: this <boot dev='{boot.get('dev')}'/> is ignored",
            help=f"keep at most {_MAX_BOOT_DEVS} entries, one per device class (hd, cdrom, network, fd)",
        )


def _qemu_class_present(context: Context, dev: str) -> bool:
    """Whether QEMU finds a device for a `<boot dev>` class (qemuProcessPrepareDeviceBootorder)."""
    if dev == "network":
        return bool(context.devices("interface"))
    return any(device in _QEMU_DISK_DEVICES[dev] for device in _disk_devices(context))


_CLASS_DEVICE = {
    "hd": "<disk device='disk'> or <disk device='lun'>",
    "cdrom": "<disk device='cdrom'>",
    "fd": "<disk device='floppy'>",
    "network": "<interface>",
}


@rule(
    code="OS310",
    name="boot-device-missing",
    triggers=("os:boot*2", "os:boot!hd"),  # silent for a lone <boot dev='hd'/>
    severity=Severity.WARNING,
    summary="A <boot dev> class the domain has no device for.",
    drivers=("qemu",),
)
def boot_device_missing(context: Context) -> Iterator[Finding]:
    """`<boot dev>` naming a device class the domain has no device of.

    ## What it catches
    On a QEMU/KVM guest: `<boot dev='cdrom'/>` without a `<disk device='cdrom'>`, `'fd'`
    without a `<disk device='floppy'>`, `'network'` without an `<interface>`, `'hd'` without a
    `<disk>` of device `disk` or `lun`. A lone `<boot dev='hd'/>` is left alone: libvirt writes
    it into every hvm guest that has no boot configuration, so XML saved with `virsh dumpxml`
    carries it whether or not anyone chose it. Also skipped: guests with direct kernel boot
    (`<kernel>`), guests that use per-device boot orders, and skeleton domains without any
    disk, interface, hostdev, redirdev or filesystem (templates whose devices are added later,
    where nothing can be compared).

    ## Why it matters
    QEMU gives the first device of each listed class a boot index and starts the guest with
    `-boot strict=on`, so only devices with an index are tried. An entry without a device
    gives no index: the entry is ignored, and if no entry has a device the guest has nothing
    to boot from. A `<hostdev>` (a passed-through NVMe disk, say) never gets an index from
    `<boot dev>`: give it a per-device `<boot order>` (a NIC passed through as
    `<interface type='hostdev'>` counts as an interface).

    ## Example
    ```xml
    <os><type>hvm</type><boot dev='network'/></os>
    <devices>
      <disk type='file' device='disk'>...</disk>
    </devices>
    ```

    ## Use instead
    ```xml
    <os><type>hvm</type><boot dev='network'/><boot dev='hd'/></os>
    <devices>
      <disk type='file' device='disk'>...</disk>
      <interface type='network'><source network='default'/></interface>
    </devices>
    ```

    ## Reference
    formatdomain, "BIOS bootloader" (`boot`, since 0.1.3); `qemuProcessPrepareDeviceBootorder`,
    `qemuBuildBootCommandLine` (`strict=on`).
    """
    kept = _kept_boot_devs(context)
    if not kept or [boot.get("dev") for boot in kept] == ["hd"]:
        return  # checked first: the usual case, and the cheapest test
    if context.os is None or context.os.find("kernel") is not None or _ordered_boots(context):
        return
    if not any(context.devices(tag) for tag in _BOOTABLE_DEVICES):
        return  # a skeleton: its devices come later, so its boot list cannot be judged yet
    repeats = [boot for boot, _ in _repeats(kept, lambda boot: boot.get("dev"))]
    for boot in kept:
        dev = boot.get("dev", "")
        if boot not in repeats and not _qemu_class_present(context, dev):
            yield Finding(
                boot,
                f"<boot dev='{dev}'/> has no device to boot from: the domain has no {_CLASS_DEVICE[dev]}, so QEMU skips this entry",
                attribute="dev",
                help="add the device, or remove this <boot> entry",
            )


@rule(
    code="OS301",
    name="bootmenu-timeout-range",
    triggers=("os:bootmenu",),
    severity=Severity.ERROR,
    summary="The boot menu timeout is not an integer from 0 to 65535.",
    needs_domain=False,
)
def bootmenu_timeout_range(context: Context) -> Iterator[Finding]:
    """`<bootmenu timeout>` that is not an integer in [0, 65535].

    ## What it catches
    A boot menu timeout (milliseconds the menu waits for a key) that is not a whole number,
    is negative or is above 65535.

    ## Why it matters
    With `enable='yes'` libvirt refuses the domain ("Expected non-negative integer value",
    "invalid value for boot menu timeout, must be in range [0,65535]"). With `enable='no'`
    libvirt's parser skips the timeout, but its schema (xsd:unsignedShort) still rejects the
    file, so `virsh define --validate` and `virt-xml-validate` fail.

    ## Example
    ```xml
    <bootmenu enable='yes' timeout='70000'/>
    ```

    ## Use instead
    ```xml
    <bootmenu enable='yes' timeout='3000'/>
    ```

    ## Reference
    formatdomain, "BIOS bootloader" (bootmenu timeout, since 1.2.8); `virDomainDefBootValidate`.
    """
    if context.os is None:
        return
    for bootmenu in context.os.findall("bootmenu"):
        value = bootmenu.get("timeout")
        problem = out_of_range(value, "bootmenu", "timeout") if value is not None else None
        if problem:
            yield Finding(
                bootmenu,
                f"boot menu timeout '{value}' {problem} (milliseconds)",
                attribute="timeout",
                help="use a number of milliseconds from 0 to 65535",
            )


@rule(
    code="OS311",
    name="bootmenu-timeout-ignored",
    triggers=("os:bootmenu",),
    severity=Severity.WARNING,
    summary="A boot menu timeout while the boot menu is disabled.",
    needs_domain=False,
)
def bootmenu_timeout_ignored(context: Context) -> Iterator[Finding]:
    """`<bootmenu enable='no' timeout='...'/>`: a timeout for a menu that is not shown.

    ## What it catches
    A boot menu `timeout` on a `<bootmenu>` whose `enable` is `no`.

    ## Why it matters
    libvirt reads the timeout only when the menu is enabled; otherwise it drops the attribute
    without a word, so the stored domain no longer has it. Either the menu was meant to be on,
    or the timeout is dead text. (An out-of-range timeout is `bootmenu-timeout-range`.)

    ## Example
    ```xml
    <bootmenu enable='no' timeout='3000'/>
    ```

    ## Use instead
    ```xml
    <bootmenu enable='yes' timeout='3000'/>
    ```
    or `<bootmenu enable='no'/>`.

    ## Reference
    formatdomain, "BIOS bootloader" (bootmenu timeout, "ignored unless enable is set to yes",
    since 1.2.8); `virDomainDefParseBootXML`.
    """
    os = _hvm_os(context)
    for bootmenu in os.findall("bootmenu") if os is not None else []:
        value = bootmenu.get("timeout")
        if value is None or out_of_range(value, "bootmenu", "timeout"):
            continue
        if bootmenu.get("enable") == "no":
            yield Finding(
                bootmenu,
                f"boot menu timeout '{value}' is ignored because the boot menu is disabled (enable='no')",
                attribute="timeout",
                help="set enable='yes' to show the menu, or remove the timeout",
                fix=fixes.single("remove the ignored timeout", fixes.delete_attribute(context.document, bootmenu, "timeout")),
            )
        elif bootmenu.get("enable") is None:
            # At the start tag, where the grammar reports the missing attribute: this replaces it.
            yield Finding(
                bootmenu,
                f"<bootmenu> has a timeout ('{value}') but no enable attribute: libvirt's schema requires it, "
                "and libvirt drops the whole element without it",
                help="add enable='yes' to show the menu with this timeout",
                severity=Severity.ERROR,
                fix=fixes.single("add enable='yes'", fixes.insert_attribute(context.document, bootmenu, "enable", "yes")),
            )


# --- host bootloader ------------------------------------------------------------------------


@rule(
    code="OS312",
    name="qemu-bootloader",
    triggers=("domain:bootloader",),  # "<bootloader" is in "<bootloader_args" too
    severity=Severity.ERROR,
    summary="<bootloader> or <bootloader_args> on a QEMU/KVM domain.",
    drivers=("qemu",),
)
def qemu_bootloader(context: Context) -> Iterator[Finding]:
    """`<bootloader>` or `<bootloader_args>` on a QEMU/KVM domain.

    ## What it catches
    A non-empty `<bootloader>` or `<bootloader_args>` in a domain of type `kvm` or `qemu`. An
    empty `<bootloader/>` counts as absent, as it does for libvirt. With both, one diagnostic
    names both, at the first, as libvirt raises one error for them.

    ## Why it matters
    QEMU has no host bootloader: the guest boots through its firmware or a directly loaded
    kernel. The QEMU driver refuses the domain: "bootloader is not supported by QEMU"
    (libvirt 9.0.0 already does).

    ## Example
    ```xml
    <bootloader>/usr/bin/pygrub</bootloader>
    <os><type arch='x86_64' machine='pc'>hvm</type></os>
    ```

    ## Use instead
    ```xml
    <os>
      <type arch='x86_64' machine='pc'>hvm</type>
      <kernel>/var/lib/libvirt/boot/vmlinuz</kernel>
      <initrd>/var/lib/libvirt/boot/initrd.img</initrd>
    </os>
    ```
    or let the guest firmware boot from a disk.

    ## Reference
    formatdomain, "Host bootloader" (since 0.1.0); QEMU driver post-parse check (present in
    9.0.0 and newest).
    """
    found = [node for tag in ("bootloader", "bootloader_args") if (node := _set_child(context, tag)) is not None]
    if found:  # libvirt raises one error for both, and so does domlint, at <bootloader> when it is set
        named = " and ".join(f"<{node.tag}>" for node in found)
        verb = "are" if len(found) > 1 else "is"
        yield Finding(
            found[0],
            f"{named} {verb} not supported by QEMU: a QEMU/KVM guest boots through its firmware or <os><kernel>",
            help=f"remove {named}; to boot a kernel from the host use <os><kernel> (and <initrd>, <cmdline>)",
        )


_DROPPED_WITH_BOOTLOADER = ("boot", "bootmenu", "bios")


def _stored(element: etree._Element) -> bool:
    """Whether libvirt would store this `<os>` child without a bootloader: it is valid, and not
    dropped anyway (invalid ones are the grammar's to report)."""
    if element.tag == "boot":
        return element.get("dev") in _BOOT_DEV_VALUES
    if element.tag == "bootmenu":
        return element.get("enable") in ("yes", "no")
    return element.get("useserial") is not None or element.get("rebootTimeout") is not None


@rule(
    code="OS313",
    name="bootloader-drops-hvm-boot-settings",
    triggers=("domain:bootloader",),
    severity=Severity.WARNING,
    summary="<bootloader> on an hvm guest: its <boot>, <bootmenu> and <bios> are lost on define.",
    drivers=ALL_DRIVERS - {"qemu"},
)
def bootloader_drops_hvm_boot_settings(context: Context) -> Iterator[Finding]:
    """`<os><boot>`, `<bootmenu>` or `<bios>` on an hvm guest that also has a `<bootloader>`.

    ## What it catches
    A fully virtualised guest with a non-empty `<bootloader>` whose `<os>` has `<boot dev>`,
    `<bootmenu>` or `<bios>` settings. QEMU refuses any bootloader outright (`qemu-bootloader`),
    so this rule covers the other drivers.

    ## Why it matters
    libvirt parses these settings but does not write them back when a bootloader is set: after
    `virsh define`, `virsh dumpxml` shows the guest without them, and the next daemon restart
    loads it without them. Xen ignores `<bootloader>` for hvm guests; bhyve runs the bootloader
    and never uses these settings.

    ## Example
    ```xml
    <bootloader>/usr/local/sbin/grub-bhyve</bootloader>
    <os><type>hvm</type><boot dev='cdrom'/></os>
    ```

    ## Use instead
    ```xml
    <bootloader>/usr/local/sbin/grub-bhyve</bootloader>
    <os><type>hvm</type></os>
    ```
    or remove `<bootloader>` to boot through the firmware with these settings.

    ## Reference
    formatdomain, "Host bootloader" (since 0.1.0) and "BIOS bootloader";
    `virDomainDefFormatInternalSetRootName` (formats boot, bootmenu and bios only without a
    bootloader).
    """
    path, os = _bootloader(context), _hvm_os(context)
    if path is None or os is None:
        return
    for element in os.iterchildren(*_DROPPED_WITH_BOOTLOADER):
        if _stored(element):
            yield Finding(
                element,
                f"<{element.tag}> is dropped when the domain is defined, because a <bootloader> ({path}) is set",
                help="remove this element, or remove <bootloader> to boot through the firmware",
            )


# --- bhyve ----------------------------------------------------------------------------------


def _firmware_fills_loader(context: Context) -> bool:
    """bhyve boots through a UEFI ROM: a `<loader>`, or one filled in at start (`@firmware`)."""
    return context.os is not None and (context.os.find("loader") is not None or context.os.get("firmware") is not None)


def _uses_bhyveload(context: Context) -> bool:
    """bhyve loads the guest with bhyveload: x86, no loader, no firmware autoselection, no bootloader."""
    return _hvm_os(context) is not None and arch(context) in X86 and not _firmware_fills_loader(context) and _bootloader(context) is None


def _bhyveload_boot_dev(context: Context, boot: etree._Element) -> Finding | None:
    """What is wrong with the single `<boot dev>` bhyveload gets, if anything."""
    dev = boot.get("dev")
    if dev not in _BHYVE_DISK_DEVICES:
        return Finding(
            boot,
            f"bhyveload cannot boot from device '{dev}': it boots from a disk or a CD-ROM",
            attribute="dev",
            help="use <boot dev='hd'/> or <boot dev='cdrom'/>, or a UEFI <loader> for network boot",
        )
    if not any(device in _BHYVE_DISK_DEVICES[dev] for device in _disk_devices(context)):
        return Finding(
            boot,
            f"bhyveload cannot find a boot device of type '{dev}': the domain has no <disk device='{_BHYVE_DISK_DEVICES[dev][0]}'>",
            attribute="dev",
            help="add that disk, or boot from a class the domain has",
        )
    return None


@rule(
    code="OS314",
    name="bhyve-boot-device",
    triggers=("os:boot", "device-boot"),
    severity=Severity.ERROR,
    summary="bhyveload boot settings it cannot follow (several boot devices, fd, network, no such disk).",
    drivers=("bhyve",),
)
def bhyve_boot_device(context: Context) -> Iterator[Finding]:
    """Boot settings bhyveload cannot follow: more than one boot device, or a device class it
    has no driver for.

    ## What it catches
    A bhyve guest on x86 that boots with bhyveload (no `<bootloader>`, no `<loader>`, no
    `firmware=` attribute) and has any of: more than one `<os><boot>` entry; a single
    `<boot dev>` of `fd` or `network`; a single `<boot dev>` of `hd` or `cdrom` with no disk of
    that kind; per-device `<boot order>` on more than one disk.

    ## Why it matters
    bhyveload loads one disk or CD-ROM. The guest fails to start: "Only one boot device is
    supported", "Cannot boot from device fd", "Cannot find boot device of requested type
    cdrom". With neither `<os><boot>` nor a boot order, bhyveload uses the first usable disk
    (and fails with "Domain should have at least one disk defined" when there is none; domlint
    does not report that case, which has no element to point at). grub-bhyve and a UEFI loader
    do not have these limits.

    ## Example
    ```xml
    <os><type>hvm</type><boot dev='cdrom'/><boot dev='hd'/></os>
    ```

    ## Use instead
    ```xml
    <os><type>hvm</type><boot dev='cdrom'/></os>
    ```
    or a UEFI `<loader>` (which honours a boot order), or grub-bhyve as `<bootloader>`.

    ## Reference
    formatdomain, "Host bootloader" (bhyveload, grub-bhyve); bhyve driver `virBhyveGetBootDisk`
    (checked when the guest starts).
    """
    if not _uses_bhyveload(context):
        return
    listed = _kept_boot_devs(context)
    for extra in listed[1:]:
        yield Finding(
            extra,
            "bhyveload boots from one device only, but <os> lists more than one <boot> entry",
            help="keep a single <boot dev> (hd or cdrom)",
        )
    if len(listed) == 1 and (problem := _bhyveload_boot_dev(context, listed[0])):
        yield problem
    if not listed:
        disks = [entry for entry in _ordered_boots(context) if entry.device.tag == "disk"]
        for extra in disks[1:]:
            yield Finding(
                extra.boot,
                f"bhyveload boots from one disk only, but {len(disks)} disks have a <boot order>",
                help="keep <boot order> on the one disk to boot from",
            )


@rule(
    code="OS315",
    name="bhyve-bootloader-args-required",
    triggers=("domain:bootloader",),
    severity=Severity.ERROR,
    summary="A custom bhyve <bootloader> without <bootloader_args>.",
    drivers=("bhyve",),
)
def bhyve_bootloader_args_required(context: Context) -> Iterator[Finding]:
    """A bhyve `<bootloader>` other than grub-bhyve without `<bootloader_args>`.

    ## What it catches
    A bhyve guest whose `<bootloader>` path does not contain `grub-bhyve` (a custom loader,
    which includes naming bhyveload explicitly) and that has no non-empty `<bootloader_args>`,
    while no `<loader>` or `firmware=` makes bhyve skip the bootloader.

    ## Why it matters
    libvirt builds command lines only for bhyveload (when no bootloader is given) and
    grub-bhyve; any other program gets exactly the `<bootloader_args>`. Without them the guest
    fails to start: "Custom loader requires explicit bootloader_args configuration".

    ## Example
    ```xml
    <bootloader>/usr/local/sbin/my-loader</bootloader>
    ```

    ## Use instead
    ```xml
    <bootloader>/usr/local/sbin/my-loader</bootloader>
    <bootloader_args>-m 1024 -d /var/vm/guest.img guest</bootloader_args>
    ```

    ## Reference
    formatdomain, "Host bootloader" (since 0.1.0, bootloader_args since 0.2.3); bhyve driver
    `virBhyveProcessBuildCustomLoaderCmd` (checked when the guest starts).
    """
    node, path = _set_child(context, "bootloader"), _bootloader(context)
    if (
        node is None
        or path is None
        or _GRUB_BHYVE in path
        or _firmware_fills_loader(context)
        or _set_child(context, "bootloader_args") is not None
    ):
        return
    yield Finding(
        node,
        f"bhyve runs the custom bootloader '{path}' with <bootloader_args> only, and there are none",
        help="add <bootloader_args> with the loader's full command line, or use grub-bhyve, or remove <bootloader> to use bhyveload",
    )


@rule(
    code="OS316",
    name="loader-ignored-with-bootloader",
    triggers=("domain:bootloader",),
    severity=Severity.WARNING,
    summary="A bhyve <loader> together with a <bootloader>: bhyve uses neither.",
    drivers=("bhyve",),
)
def loader_ignored_with_bootloader(context: Context) -> Iterator[Finding]:
    """A bhyve `<loader>` (or `firmware=`) together with a `<bootloader>`.

    ## What it catches
    A bhyve guest with a non-empty `<bootloader>` and an `<os><loader>` or an `<os firmware>`
    attribute (which fills in a loader when the guest starts).

    ## Why it matters
    bhyve passes the UEFI ROM (`-l bootrom`) only when no bootloader is set, and runs the
    bootloader only when no loader is set: with both, neither is used and the guest has
    nothing to boot it. libvirt starts it without a word.

    ## Example
    ```xml
    <bootloader>/usr/local/sbin/grub-bhyve</bootloader>
    <os>
      <type>hvm</type>
      <loader readonly='yes' type='pflash'>/usr/local/share/uefi-firmware/BHYVE_UEFI.fd</loader>
    </os>
    ```

    ## Use instead
    ```xml
    <os>
      <type>hvm</type>
      <loader readonly='yes' type='pflash'>/usr/local/share/uefi-firmware/BHYVE_UEFI.fd</loader>
    </os>
    ```
    or keep `<bootloader>` and remove `<loader>`.

    ## Reference
    formatdomain, "Host bootloader" and "BIOS bootloader"; bhyve driver
    `virBhyveProcessBuildBhyveCmd` (bootrom only without a bootloader) and
    `virBhyveProcessStartImpl` (bootloader only without a loader); `bhyveFirmwareFillDomain`.
    """
    path, os = _bootloader(context), _hvm_os(context)
    if path is None or os is None:
        return
    why = "it passes a loader only without a bootloader, and runs a bootloader only without a loader"
    loader = os.find("loader")
    if loader is not None:
        yield Finding(
            loader,
            f"bhyve uses neither this <loader> nor the <bootloader> ({path}): {why}",
            help="remove <loader> to boot with the bootloader, or remove <bootloader> to boot through UEFI",
        )
    elif (firmware := os.get("firmware")) is not None:
        yield Finding(
            os,
            f"bhyve uses neither the firmware chosen by firmware='{firmware}' nor the <bootloader> ({path}): {why}",
            attribute="firmware",
            help="remove firmware= to boot with the bootloader, or remove <bootloader> to boot through UEFI",
        )
