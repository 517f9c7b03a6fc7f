"""`<os><boot dev>` rules: the list of device classes to boot from, in order.

libvirt keeps the first four entries and parses them for hvm guests only; QEMU maps each class
to the devices of the domain.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Severity
from .. import fixes
from . import Context, Finding, facts, rule

# The `<disk device>` values QEMU maps each `<boot dev>` class to (qemuProcessPrepareDeviceBootorder).
_QEMU_DISK_DEVICES = {"hd": ("disk", "lun"), "cdrom": ("cdrom",), "fd": ("floppy",)}


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
    for boot, earlier in facts.repeats(facts.kept_boot_devs(context), lambda boot: boot.get("dev")):
        yield Finding(
            boot,
            f"<boot dev='{boot.get('dev')}'/> repeats the entry on {facts.line_of(earlier)}: a device class is tried once, "
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
    for boot in facts.os_boots(context)[facts.MAX_BOOT_DEVS :]:
        if boot.get("dev") not in facts.BOOT_DEV_VALUES:
            continue  # an invalid entry is the grammar's to report
        yield Finding(
            boot,
            f"libvirt keeps only the first {facts.MAX_BOOT_DEVS} <boot dev> entries: this <boot dev='{boot.get('dev')}'/> is ignored",
            help=f"keep at most {facts.MAX_BOOT_DEVS} entries, one per device class (hd, cdrom, network, fd)",
        )


def _qemu_class_present(context: Context, dev: str) -> bool:
    """Whether QEMU finds a device for a `<boot dev>` class (qemuProcessPrepareDeviceBootorder)."""
    if dev == "network":
        return bool(context.devices("interface"))
    return any(device in _QEMU_DISK_DEVICES[dev] for device in facts.disk_devices(context))


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
    kept = facts.kept_boot_devs(context)
    if not kept or [boot.get("dev") for boot in kept] == ["hd"]:
        return  # checked first: the usual case, and the cheapest test
    if context.os is None or context.os.find("kernel") is not None or facts.ordered_boots(context):
        return
    if not any(context.devices(tag) for tag in facts.BOOTABLE_DEVICES):
        return  # a skeleton: its devices come later, so its boot list cannot be judged yet
    repeats = [boot for boot, _ in facts.repeats(kept, lambda boot: boot.get("dev"))]
    for boot in kept:
        dev = boot.get("dev", "")
        if boot not in repeats and not _qemu_class_present(context, dev):
            yield Finding(
                boot,
                f"<boot dev='{dev}'/> has no device to boot from: the domain has no {_CLASS_DEVICE[dev]}, so QEMU skips this entry",
                attribute="dev",
                help="add the device, or remove this <boot> entry",
            )
