"""Host bootloader rules: `<bootloader>` and `<bootloader_args>`.

A host bootloader (Xen's pygrub, bhyve's bhyveload or grub-bhyve) replaces the `<os>` boot
settings on the drivers that have one; QEMU has none.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from ..diagnostics import Severity
from . import ALL_DRIVERS, Context, Finding, facts, rule
from .facts import X86, arch

# The `<disk device>` values bhyveload can boot from (virBhyveGetBootDisk).
_BHYVE_DISK_DEVICES = {"hd": ("disk",), "cdrom": ("cdrom",)}
_GRUB_BHYVE = "grub-bhyve"


def _set_child(context: Context, tag: str) -> etree._Element | None:
    """A `<domain>` child libvirt counts as set: present with non-empty text (XPath string())."""
    node = context.domain.find(tag) if context.domain is not None else None
    return node if node is not None and facts.content(node) else None


def _bootloader(context: Context) -> str | None:
    """The host bootloader path, or None when `<bootloader>` is absent or empty."""
    node = _set_child(context, "bootloader")
    return facts.content(node) if node is not None else None


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
        return element.get("dev") in facts.BOOT_DEV_VALUES
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
    path, os = _bootloader(context), facts.hvm_os(context)
    if path is None or os is None:
        return
    for element in os.iterchildren(*_DROPPED_WITH_BOOTLOADER):
        if _stored(element):
            yield Finding(
                element,
                f"<{element.tag}> is dropped when the domain is defined, because a <bootloader> ({path}) is set",
                help="remove this element, or remove <bootloader> to boot through the firmware",
            )


def _firmware_fills_loader(context: Context) -> bool:
    """bhyve boots through a UEFI ROM: a `<loader>`, or one filled in at start (`@firmware`)."""
    return context.os is not None and (context.os.find("loader") is not None or context.os.get("firmware") is not None)


def _uses_bhyveload(context: Context) -> bool:
    """bhyve loads the guest with bhyveload: x86, no loader, no firmware autoselection, no bootloader."""
    if facts.hvm_os(context) is None or arch(context) not in X86:
        return False
    return not _firmware_fills_loader(context) and _bootloader(context) is None


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
    if not any(device in _BHYVE_DISK_DEVICES[dev] for device in facts.disk_devices(context)):
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
    listed = facts.kept_boot_devs(context)
    for extra in listed[1:]:
        yield Finding(
            extra,
            "bhyveload boots from one device only, but <os> lists more than one <boot> entry",
            help="keep a single <boot dev> (hd or cdrom)",
        )
    if len(listed) == 1 and (problem := _bhyveload_boot_dev(context, listed[0])):
        yield problem
    if not listed:
        disks = [entry for entry in facts.ordered_boots(context) if entry.device.tag == "disk"]
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
    path, os = _bootloader(context), facts.hvm_os(context)
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
