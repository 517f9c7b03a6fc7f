"""ACPI rules: the `<acpi>` feature against the firmware and machine, and `<os><acpi>` tables.

Checks follow the newest libvirt (`qemuValidateDomainDef`, `virDomainDefParseBootAcpiOptions`);
where libvirt 9.0.0 differs, the rule's documentation says so.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from ..diagnostics import Severity
from .. import versions
from . import Context, Finding, facts, rule

# ACPI table types that may be given more than once (virDomainDefParseBootAcpiOptions).
REPEATABLE_ACPI_TABLES = ("raw",)


def _acpi_feature(context: Context) -> etree._Element | None:
    """`<features><acpi>`: libvirt turns ACPI on for the element whatever its attributes say."""
    return context.domain.find("features/acpi") if context.domain is not None else None


@rule(
    code="OS219",
    name="uefi-requires-acpi",
    triggers=("os@firmware", "os:loader"),
    severity=Severity.ERROR,
    summary="UEFI firmware on x86 without <features><acpi/>.",
    drivers=("qemu",),
)
def uefi_requires_acpi(context: Context) -> Iterator[Finding]:
    """UEFI (`firmware='efi'`, a pflash loader, or a loader with a `<varstore>`) on x86 without ACPI.

    ## What it catches
    An x86 (i686 or x86_64) QEMU/KVM guest that boots UEFI, as libvirt tells it: `<os
    firmware='efi'>`, a `<loader type='pflash'>`, or a `<loader>` with a `<varstore>` (the
    uefi-vars firmware of libvirt 12.1), and no `<acpi/>` in `<features>`. A ROM loader
    without a varstore and without ACPI is fine.

    ## Why it matters
    OVMF needs ACPI on x86. The QEMU driver refuses the domain: "UEFI requires ACPI on this
    architecture".

    ## Example
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
    </os>
    <features/>
    ```

    ## Use instead
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
    </os>
    <features><acpi/></features>
    ```

    ## Reference
    formatdomain, "Hypervisor features" (acpi) and "Guest firmware"; `qemuValidateDomainDef`
    (libvirt 9.0.0 and newer).
    """
    if facts.hvm_os(context) is None or facts.arch(context) not in facts.X86 or _acpi_feature(context) is not None:
        return
    marker = facts.uefi_marker(context)
    if marker is not None:
        yield Finding(
            marker.element,
            f"UEFI requires ACPI on this architecture ('{facts.arch(context)}'), but <features> has no <acpi/>",
            attribute=marker.attribute,
            help="add <acpi/> to <features>",
        )


@rule(
    code="OS220",
    name="acpi-requires-uefi",
    triggers=("arch=aarch64",),
    severity=Severity.ERROR,
    summary="ACPI on an aarch64 guest without UEFI firmware.",
    drivers=("qemu",),
)
def acpi_requires_uefi(context: Context) -> Iterator[Finding]:
    """`<features><acpi/>` on aarch64 without UEFI (`firmware='efi'`, a pflash loader, or a loader with a `<varstore>`).

    ## What it catches
    A QEMU/KVM guest with `<type arch='aarch64'>`, ACPI on, and no UEFI firmware as libvirt
    tells it: no firmware autoselection for UEFI, no pflash loader, and no loader with a
    `<varstore>` (libvirt 12.1's uefi-vars firmware). A loader path without a `type` is a ROM
    for libvirt, not UEFI: virt-install writes such loaders for aarch64, and the help then
    says to add `type='pflash'`.

    ## Why it matters
    On aarch64, ACPI tables reach the guest only through UEFI firmware. The QEMU driver refuses
    the domain: "ACPI requires UEFI on this architecture".

    ## Example
    ```xml
    <os>
      <type arch='aarch64' machine='virt'>hvm</type>
      <kernel>/boot/vmlinuz</kernel>
    </os>
    <features><acpi/></features>
    ```

    ## Use instead
    ```xml
    <os firmware='efi'>
      <type arch='aarch64' machine='virt'>hvm</type>
    </os>
    <features><acpi/></features>
    ```
    or remove `<acpi/>` for a guest booted without UEFI.

    ## Reference
    formatdomain, "Hypervisor features" (acpi); `qemuValidateDomainDef` (from the source: the
    oracle here has no aarch64 QEMU).
    """
    acpi = _acpi_feature(context)
    if acpi is None or facts.hvm_os(context) is None or facts.arch(context) != "aarch64" or facts.uses_uefi(context):
        return
    loader = facts.loader(context)
    if loader is not None and loader.get("type") is None and facts.content(loader):
        help = "add type='pflash' to <loader>: a loader path without a type is a ROM, not UEFI (or remove <acpi/>)"
    else:
        help = "use <os firmware='efi'>, or remove <acpi/> from <features>"
    yield Finding(
        acpi,
        "ACPI requires UEFI on this architecture ('aarch64'), but the guest boots no UEFI firmware "
        "(no firmware='efi', pflash loader or loader with a <varstore>)",
        help=help,
    )


@rule(
    code="OS221",
    name="acpi-table-duplicate-type",
    triggers=("os:acpi",),
    severity=Severity.ERROR,
    summary="The same ACPI table type (other than raw) is given twice.",
    needs_domain=False,
)
def acpi_table_duplicate_type(context: Context) -> Iterator[Finding]:
    """A second `<os><acpi><table>` of a type that may appear once (all but `raw`).

    ## What it catches
    Two `<table>` elements under `<os><acpi>` with the same `type`, when the type is `slic`,
    `msdm` or `rawset`. Several `raw` tables are allowed.

    ## Why it matters
    libvirt refuses the domain: "ACPI table type 'slic' may only appear once". libvirt 9.0.0
    allowed only one table of any type ("Only one acpi table is supported").

    ## Example
    ```xml
    <acpi>
      <table type='slic'>/var/lib/libvirt/acpi/slic.dat</table>
      <table type='slic'>/var/lib/libvirt/acpi/slic2.dat</table>
    </acpi>
    ```

    ## Use instead
    ```xml
    <acpi>
      <table type='slic'>/var/lib/libvirt/acpi/slic.dat</table>
      <table type='raw'>/var/lib/libvirt/acpi/ssdt.dat</table>
    </acpi>
    ```

    ## Reference
    formatdomain, "Common <os> element configuration" (acpi tables; several tables since
    11.2.0); `virDomainDefParseBootAcpiOptions`.
    """
    os = facts.hvm_os(context)
    if os is None:
        return
    first_line: dict[str, int] = {}
    for table in os.findall("acpi/table"):
        kind = table.get("type")
        if kind is None or kind in REPEATABLE_ACPI_TABLES:
            continue
        if kind in first_line:
            yield Finding(
                table,
                f"ACPI table type '{kind}' may only appear once (first given on line {first_line[kind]})",
                attribute="type",
                help="keep one table of this type; only raw tables may be repeated",
            )
        else:
            first_line[kind] = table.sourceline or 0


@rule(
    code="OS222",
    name="acpi-table-type-unsupported",
    triggers=("os:acpi",),
    severity=Severity.ERROR,
    summary="An ACPI table type QEMU does not support (rawset).",
    drivers=("qemu",),
    needs_domain=False,
)
def acpi_table_type_unsupported(context: Context) -> Iterator[Finding]:
    """`<os><acpi><table type='rawset'>` on a QEMU/KVM domain.

    ## What it catches
    A table of type `rawset` (several concatenated tables in one file), which only Xen reads.

    ## Why it matters
    The QEMU driver refuses the domain: "ACPI table type 'rawset' is not supported".

    ## Example
    ```xml
    <acpi>
      <table type='rawset'>/var/lib/libvirt/acpi/tables.dat</table>
    </acpi>
    ```

    ## Use instead
    ```xml
    <acpi>
      <table type='raw'>/var/lib/libvirt/acpi/ssdt1.dat</table>
      <table type='raw'>/var/lib/libvirt/acpi/ssdt2.dat</table>
    </acpi>
    ```
    (one file per table).

    ## Reference
    formatdomain, "Common <os> element configuration" (acpi table types, since 11.2.0);
    `qemuValidateDomainDefBoot`.
    """
    os = facts.hvm_os(context)
    if os is None:
        return
    for table in os.findall("acpi/table"):
        if table.get("type") == "rawset":
            yield Finding(
                table,
                "ACPI table type 'rawset' is not supported by QEMU (it is Xen's)",
                attribute="type",
                help="split the file into one table per file and use type='raw' for each",
            )


@rule(
    code="OS224",
    name="acpi-unsupported-machine",
    triggers=("arch=s390x", "arch=s390"),
    severity=Severity.ERROR,
    summary="ACPI on an s390x guest, whose machine type (s390-ccw-virtio) has no ACPI.",
    drivers=("qemu",),
)
def acpi_unsupported_machine(context: Context) -> Iterator[Finding]:
    """`<features><acpi/>` on an s390 or s390x guest.

    ## What it catches
    A QEMU/KVM guest with `<type arch='s390x'>` (or `s390`) and ACPI on. Every QEMU machine
    type of these architectures is an `s390-ccw-virtio` one (without a machine, libvirt picks
    `s390-ccw-virtio`), and none has ACPI.

    ## Why it matters
    The QEMU driver refuses a domain that is defined new: "machine type 's390-ccw-virtio' does
    not support ACPI". Older libvirt releases accepted the element and ignored it, so
    templates that add `<acpi/>` everywhere fail on newer hosts.

    ## Example
    ```xml
    <os>
      <type arch='s390x' machine='s390-ccw-virtio'>hvm</type>
    </os>
    <features><acpi/></features>
    ```

    ## Use instead
    ```xml
    <os>
      <type arch='s390x' machine='s390-ccw-virtio'>hvm</type>
    </os>
    ```

    ## Reference
    formatdomain, "Hypervisor features" (acpi); `qemuValidateDomainDef` (the machine's ACPI
    support comes from QEMU's capabilities). Not in 9.0.0; refused by 10.0 (assumed 10.0.0: with
    an older target, `--libvirt-version`, the rule is silent).
    """
    acpi = _acpi_feature(context)
    if acpi is None or facts.hvm_os(context) is None or facts.arch(context) not in ("s390", "s390x"):
        return
    if versions.before(context.libvirt_version, versions.MACHINE_ACPI_CHECK):
        return
    yield Finding(
        acpi,
        f"machine type '{facts.machine(context) or 's390-ccw-virtio'}' does not support ACPI (s390 guests have none)",
        help="remove <acpi/> from <features>",
    )
