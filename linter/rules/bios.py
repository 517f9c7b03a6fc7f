"""`<os><bios>` rules: BIOS serial output and the reboot timeout."""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Severity
from . import Context, Finding, rule
from .ranges import out_of_range


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
    severity=Severity.ERROR,
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
    if context.os is None or context.os_type() != "hvm":
        return
    for bios in context.os.findall("bios"):
        if bios.get("useserial") == "yes" and not _has_serial_port(context):
            yield Finding(
                bios,
                "BIOS serial output (useserial='yes') needs a serial port, but the domain has no <serial> "
                "device and no serial <console>",
                attribute="useserial",
                help="add <serial type='pty'><target port='0'/></serial> to <devices>, or remove useserial",
                severity=Severity.ERROR if context.driver == "qemu" else Severity.WARNING,
            )


@rule(
    code="OS102",
    name="reboot-timeout-range",
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
    if context.os is None:
        return
    for bios in context.os.findall("bios"):
        value = bios.get("rebootTimeout")
        problem = out_of_range(value, "bios", "rebootTimeout") if value is not None else None
        if problem:
            yield Finding(
                bios,
                f"rebootTimeout '{value}' {problem} (milliseconds; -1 disables the reboot)",
                attribute="rebootTimeout",
                help="use a number of milliseconds up to 65535, or -1 to never reboot",
            )
