"""`<os><bios>` rules: BIOS serial output and the reboot timeout."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from ..diagnostics import Severity
from .. import fixes
from . import Context, Finding, facts, rule
from ..integers import decimal
from .ranges import os_child_ranges, out_of_range


def _has_serial_port(context: Context) -> bool:
    """A `<serial>`, or a `<console>` that libvirt turns into one on hvm (serial or no target type)."""
    if context.devices("serial"):
        return True
    for console in context.devices("console"):
        target = console.find("target")
        if target is None or target.get("type") in (None, "serial"):
            return True
    return False


@rule(
    code="OS101",
    name="useserial-requires-serial",
    triggers=("os:bios",),
    severity=Severity.WARNING,
    severity_by_driver={"qemu": Severity.ERROR},
    summary="BIOS serial output (useserial='yes') without a serial port.",
)
def useserial_requires_serial(context: Context) -> Iterator[Finding]:
    """`<bios useserial='yes'/>` on a domain that has no serial port.

    ## What it catches
    `useserial='yes'` turns on the Serial Graphics Adapter, which copies BIOS output to the
    first serial port. The domain has no `<serial>` device and no `<console>` that libvirt
    turns into one (a console whose target type is `serial` or absent; a `virtio` console
    does not count).

    ## Why it matters
    The QEMU driver refuses to define the domain: "need at least one serial port to use BIOS
    serial output" (error). Other drivers accept it and the BIOS output goes nowhere
    (warning).

    ## Example
    ```xml
    <os><type>hvm</type><bios useserial='yes'/></os>
    <devices/>
    ```

    ## Use instead
    ```xml
    <os><type>hvm</type><bios useserial='yes'/></os>
    <devices><serial type='pty'><target port='0'/></serial></devices>
    ```

    ## Reference
    formatdomain, "BIOS bootloader" (useserial, since 0.9.4); QEMU driver check
    `qemuValidateDomainDef`.
    """
    if context.os is None or context.os_type != "hvm":
        return
    for bios in context.os.findall("bios"):
        if bios.get("useserial") == "yes" and not _has_serial_port(context):
            yield Finding(
                bios,
                "BIOS serial output (useserial='yes') needs a serial port, but the domain has no <serial> device and no serial <console>",
                attribute="useserial",
                help="add <serial type='pty'><target port='0'/></serial> to <devices>, or remove useserial",
            )


@rule(
    code="OS102",
    name="reboot-timeout-range",
    triggers=("os:bios",),
    severity=Severity.ERROR,
    summary="rebootTimeout is not an integer from -1 to 65535.",
    needs_domain=False,
)
def reboot_timeout_range(context: Context) -> Iterator[Finding]:
    """`<bios rebootTimeout>` that is not an integer in [-1, 65535].

    ## What it catches
    A reboot timeout (milliseconds the BIOS waits before rebooting after a failed boot) that
    is not a whole number, is below -1 or above 65535. `-1` disables the reboot.

    ## Why it matters
    libvirt refuses the domain: "Expected integer value" for text, "invalid value for
    rebootTimeout, must be in range [-1,65535]" for numbers outside the range. libvirt's own
    schema stops at 32767 (xsd:short), but libvirt accepts and passes on values up to 65535,
    as its documentation says; domlint follows libvirt.

    ## Example
    ```xml
    <bios useserial='yes' rebootTimeout='70000'/>
    ```

    ## Use instead
    ```xml
    <bios useserial='yes' rebootTimeout='65535'/>
    ```

    ## Reference
    formatdomain, "BIOS bootloader" (rebootTimeout, since 0.10.2); `virDomainDefBootValidate`.
    """
    return os_child_ranges(
        context,
        "bios",
        "rebootTimeout",
        "rebootTimeout",
        "milliseconds; -1 disables the reboot",
        "use a number of milliseconds up to 65535, or -1 to never reboot",
    )


# libvirt's own schema types rebootTimeout as xsd:short; its parser and docs allow up to 65535.
LIBVIRT_SCHEMA_REBOOT_TIMEOUT_MAX = 32767


@rule(
    code="OS106",
    name="reboot-timeout-schema-limit",
    triggers=("os:bios",),
    severity=Severity.WARNING,
    summary="rebootTimeout above 32767, which libvirt accepts but its own schema rejects.",
    needs_domain=False,
)
def reboot_timeout_schema_limit(context: Context) -> Iterator[Finding]:
    """`<bios rebootTimeout>` from 32768 to 65535.

    ## What it catches
    A reboot timeout libvirt itself accepts (its documentation and its validator allow up to
    65535 ms) but that libvirt's RelaxNG schema refuses, because the schema types the
    attribute as `xsd:short` (at most 32767).

    ## Why it matters
    `virsh define` takes the file, but `virsh define --validate`, `virt-xml-validate` and any
    pipeline that validates against libvirt's schema reject it. Below 32768 both agree.

    ## Example
    ```xml
    <bios rebootTimeout='40000'/>
    ```

    ## Use instead
    ```xml
    <bios rebootTimeout='30000'/>
    ```

    ## Reference
    formatdomain, "BIOS bootloader" (rebootTimeout, since 0.10.2); libvirt's `domaincommon.rng`
    (`xsd:short`, minInclusive -1) against `virDomainDefBootValidate` ([-1, 65535]), unchanged
    from 9.0.0 to the newest release.
    """
    if context.os is None:
        return
    for bios in context.os.findall("bios"):
        value = bios.get("rebootTimeout")
        if value is None or out_of_range(value, "bios", "rebootTimeout"):
            continue  # absent, or reboot-timeout-range's error
        if decimal(value) > LIBVIRT_SCHEMA_REBOOT_TIMEOUT_MAX:
            yield Finding(
                bios,
                f"rebootTimeout '{value}' is above {LIBVIRT_SCHEMA_REBOOT_TIMEOUT_MAX}: libvirt accepts it, but libvirt's "
                "own schema rejects it (virt-xml-validate and virsh define --validate fail)",
                attribute="rebootTimeout",
                help=f"use at most {LIBVIRT_SCHEMA_REBOOT_TIMEOUT_MAX} ms if the file is validated against libvirt's schema",
            )


def _bios_attribute(context: Context, name: str) -> etree._Element | None:
    """The `<bios>` libvirt reads (the first) when it carries attribute `name` on an hvm guest."""
    if context.os is None or context.os_type != "hvm":
        return None
    bios = context.os.find("bios")
    return bios if bios is not None and bios.get(name) is not None else None


@rule(
    code="OS103",
    name="useserial-requires-x86",
    triggers=("os:bios",),
    severity=Severity.ERROR,
    summary="BIOS serial output (useserial='yes') on a QEMU guest that is not x86.",
    drivers=("qemu",),
    needs_domain=False,
)
def useserial_requires_x86(context: Context) -> Iterator[Finding]:
    """`<bios useserial='yes'/>` on a QEMU/KVM guest whose architecture is not i686 or x86_64.

    ## What it catches
    BIOS serial output asked for on, say, an aarch64, ppc64 or s390x guest (`<type arch>`; when
    it is absent the host's architecture, taken to be x86_64).

    ## Why it matters
    libvirt implements `useserial` with QEMU's `-machine graphics=off`, which switches SeaBIOS
    to the serial console on x86 but changes which devices QEMU creates elsewhere. The QEMU
    driver refuses the domain: "BIOS serial console only supported on x86 architectures".

    ## Example
    ```xml
    <os>
      <type arch='aarch64' machine='virt'>hvm</type>
      <bios useserial='yes'/>
    </os>
    ```

    ## Use instead
    ```xml
    <os>
      <type arch='aarch64' machine='virt'>hvm</type>
    </os>
    ```
    and a `<serial>` device, whose console the firmware uses anyway.

    ## Reference
    formatdomain, "Guest firmware" (useserial, since 0.9.4); `qemuValidateDomainDef` (from the
    source: the oracle here has only x86 QEMU).
    """
    bios = _bios_attribute(context, "useserial")
    guest_arch = facts.arch(context)
    if bios is not None and bios.get("useserial") == "yes" and guest_arch not in facts.X86:
        yield Finding(
            bios,
            f"BIOS serial console only supported on x86 architectures, but the architecture is '{guest_arch}'",
            attribute="useserial",
            help="remove useserial='yes'; non-x86 firmware writes to the serial console by itself",
        )


@rule(
    code="OS104",
    name="reboot-timeout-with-uefi",
    triggers=("os:bios",),
    severity=Severity.WARNING,
    summary="A BIOS rebootTimeout on a guest that boots UEFI firmware.",
    drivers=("qemu",),
    needs_domain=False,
)
def reboot_timeout_with_uefi(context: Context) -> Iterator[Finding]:
    """`<bios rebootTimeout=...>` when the firmware is UEFI (`firmware='efi'`, a pflash loader, or a loader with a `<varstore>`).

    ## What it catches
    A reboot timeout on a QEMU/KVM guest that boots UEFI: `<os firmware='efi'>`, a
    `<loader type='pflash'>`, or a `<loader>` with a `<varstore>` (libvirt 12.1's uefi-vars
    firmware).

    ## Why it matters
    The reboot timeout is a SeaBIOS setting. libvirt's documentation says it "doesn't make
    sense for UEFI": libvirt accepts it and passes it on, and the UEFI firmware ignores it, so
    the guest does not reboot after a failed boot as the file suggests.

    ## Example
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <bios rebootTimeout='5000'/>
    </os>
    ```

    ## Use instead
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
    </os>
    ```

    ## Reference
    formatdomain, "Guest firmware" (rebootTimeout, since 0.10.2); `qemuBuildBootCommandLine`.
    """
    bios = _bios_attribute(context, "rebootTimeout")
    marker = facts.uefi_marker(context)
    if bios is not None and marker is not None:
        yield Finding(
            bios,
            f"rebootTimeout is a BIOS setting and has no effect with UEFI firmware ({marker.label})",
            attribute="rebootTimeout",
            help="remove rebootTimeout, or boot a BIOS firmware if the guest must reboot after a failed boot",
            fix=fixes.single("remove the ignored rebootTimeout", fixes.delete_attribute(context.document, bios, "rebootTimeout")),
        )


@rule(
    code="OS105",
    name="useserial-with-uefi",
    triggers=("os:bios",),
    severity=Severity.WARNING,
    summary="BIOS serial output (useserial='yes') on a guest that boots UEFI firmware.",
    drivers=("qemu",),
    needs_domain=False,
)
def useserial_with_uefi(context: Context) -> Iterator[Finding]:
    """`<bios useserial='yes'/>` when the firmware is UEFI (`firmware='efi'`, a pflash loader, or a loader with a `<varstore>`).

    ## What it catches
    BIOS serial output asked for on an x86 QEMU/KVM guest that boots UEFI: `<os
    firmware='efi'>`, a `<loader type='pflash'>`, or a `<loader>` with a `<varstore>`. (On
    other architectures useserial-requires-x86 reports the attribute as an error.) The help
    suggests a `<serial>` console only when the domain has none.

    ## Why it matters
    `useserial` turns on SeaBIOS's Serial Graphics Adapter. libvirt accepts it with UEFI and
    passes `-machine graphics=off` to QEMU, but OVMF does not use the Serial Graphics Adapter
    (it writes to the serial console by its own settings), so the attribute does not do what
    it says.

    ## Example
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <bios useserial='yes'/>
    </os>
    ```

    ## Use instead
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
    </os>
    ```
    with a `<serial>` device for the firmware's and the guest's console.

    ## Reference
    formatdomain, "Guest firmware" (useserial, since 0.9.4); `qemuBuildMachineCommandLine`.
    """
    bios = _bios_attribute(context, "useserial")
    marker = facts.uefi_marker(context)
    if (
        bios is not None
        and bios.get("useserial") == "yes"
        and marker is not None
        and facts.arch(context) in facts.X86  # elsewhere useserial-requires-x86 reports the error
    ):
        yield Finding(
            bios,
            f"useserial='yes' turns on the BIOS Serial Graphics Adapter, which UEFI firmware ({marker.label}) does not use",
            attribute="useserial",
            help="remove useserial; the firmware writes to the guest's serial console by itself"
            if _has_serial_port(context)
            else "remove useserial and give the guest a <serial> console",
            fix=fixes.single("remove the unused useserial", fixes.delete_attribute(context.document, bios, "useserial")),
        )
