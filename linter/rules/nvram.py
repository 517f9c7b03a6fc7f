"""UEFI variable store rules: `<nvram>` and `<varstore>`, and the loaders they need.

libvirt reads the FIRST `<nvram>`; an `<nvram/>` that gives nothing asks for no store. Checks
follow the newest libvirt (`virDomainDefOSValidate`, `qemuValidateDomainDefNvram`); where
libvirt 9.0.0 differs, the rule's documentation says so.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from ..diagnostics import Severity
from .. import versions
from . import Context, Finding, facts, rule

# <nvram type> values QEMU has no NVRAM backend for (qemuValidateDomainDefNvram).
QEMU_UNSUPPORTED_NVRAM_TYPES = ("dir", "volume", "nvme", "vhostuser", "vhostvdpa", "ctl")


def _variable_store(context: Context) -> etree._Element | None:
    """The `<nvram>` or `<varstore>` that asks for UEFI variable storage, or None.

    An `<nvram/>` with no path, type, template or format asks for nothing: libvirt 9.0.0 ignores
    it (e.g. it is accepted with a stateless loader), so it is not counted.
    """
    os = facts.hvm_os(context)
    if os is None:
        return None
    nvram = facts.nvram(context)
    if nvram is not None and (nvram.attrib or facts.content(nvram) or len(nvram)):
        return nvram
    return os.find("varstore")


def _store_label(store: etree._Element) -> str:
    """How messages name the variable store found."""
    return "<varstore>" if store.tag == "varstore" else "<nvram>"


@rule(
    code="OS206",
    name="bios-firmware-variable-store",
    triggers=("os:nvram", "os:varstore"),
    severity=Severity.ERROR,
    summary="Autoselected BIOS firmware (firmware='bios') with an <nvram> or <varstore>.",
    needs_domain=False,
)
def bios_firmware_variable_store(context: Context) -> Iterator[Finding]:
    """`<os firmware='bios'>` with an `<nvram>` or `<varstore>`.

    ## What it catches
    Firmware autoselection asked for a BIOS, and `<os>` also has UEFI variable storage: an
    `<nvram>` (path, `<source>` or `template`) or a `<varstore>`.

    ## Why it matters
    A BIOS keeps no UEFI variables. libvirt refuses the domain: "Firmware type 'bios' does not
    support variable storage (NVRAM/varstore)" (libvirt 9.0.0: "firmware type 'bios' does not
    support nvram").

    ## Example
    ```xml
    <os firmware='bios'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <nvram>/var/lib/libvirt/qemu/nvram/guest_VARS.fd</nvram>
    </os>
    ```

    ## Use instead
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <nvram>/var/lib/libvirt/qemu/nvram/guest_VARS.fd</nvram>
    </os>
    ```
    or remove `<nvram>` to keep the BIOS.

    ## Reference
    formatdomain, "Guest firmware" (firmware, since 5.2.0; varstore, since 12.1.0);
    `virDomainDefOSValidate`.
    """
    store = _variable_store(context)
    if store is not None and facts.firmware(context) == "bios":
        yield Finding(
            store,
            f"Firmware type 'bios' does not support variable storage (NVRAM/varstore), but <os> has {_store_label(store)}",
            help="use firmware='efi' for UEFI with variable storage, or remove the element to keep the BIOS",
        )


@rule(
    code="OS207",
    name="stateless-loader-variable-store",
    triggers=("os:nvram", "os:varstore"),
    severity=Severity.ERROR,
    summary="A stateless loader (stateless='yes') with an <nvram> or <varstore>.",
    needs_domain=False,
)
def stateless_loader_variable_store(context: Context) -> Iterator[Finding]:
    """`<loader stateless='yes'>` with an `<nvram>` or `<varstore>`.

    ## What it catches
    The loader is declared stateless (it runs without any variable store and forgets changes
    at shutdown), and `<os>` also gives an `<nvram>` (path, `<source>` or `template`) or a
    `<varstore>`.

    ## Why it matters
    The two contradict each other. libvirt refuses the domain: "Variable storage
    (NVRAM/varstore) is not permitted when loader is stateless" (libvirt 9.0.0: "NVRAM is not
    permitted when loader is stateless" or "NVRAM template is not permitted when loader is
    stateless").

    ## Example
    ```xml
    <loader readonly='yes' type='pflash' stateless='yes'>/usr/share/OVMF/OVMF_CODE.fd</loader>
    <nvram>/var/lib/libvirt/qemu/nvram/guest_VARS.fd</nvram>
    ```

    ## Use instead
    ```xml
    <loader readonly='yes' type='pflash' stateless='yes'>/usr/share/OVMF/OVMF_CODE.fd</loader>
    ```

    ## Reference
    formatdomain, "Guest firmware" (stateless, since 8.6.0); `virDomainDefOSValidate`.
    """
    store = _variable_store(context)
    loader = facts.loader(context)
    if store is not None and loader is not None and loader.get("stateless") == "yes":
        yield Finding(
            store,
            f"Variable storage (NVRAM/varstore) is not permitted when loader is stateless, but <os> has {_store_label(store)}",
            help="remove the variable store, or drop stateless='yes' from <loader>",
        )


@rule(
    code="OS208",
    name="variable-store-read-write-loader",
    triggers=("os:nvram", "os:varstore"),
    severity=Severity.ERROR,
    summary="An <nvram> or <varstore> with a read/write loader (readonly='no').",
    needs_domain=False,
)
def variable_store_read_write_loader(context: Context) -> Iterator[Finding]:
    """`<nvram>` or `<varstore>` together with `<loader readonly='no'>`.

    ## What it catches
    The loader image is mapped writable, so the firmware keeps its variables in the image
    itself, and `<os>` also gives an `<nvram>` (path, `<source>` or `template`) or a
    `<varstore>`.

    ## Why it matters
    A writable firmware image keeps its variables in itself, so a separate variable store
    contradicts it. The newest libvirt refuses the domain: "Variable storage (NVRAM/varstore)
    is not permitted when loader is read/write". libvirt 9.0.0 accepted it and gave QEMU the
    store as a second flash device.

    ## Example
    ```xml
    <loader readonly='no' type='pflash'>/var/lib/libvirt/qemu/nvram/guest-bios.fd</loader>
    <nvram>/var/lib/libvirt/qemu/nvram/guest_VARS.fd</nvram>
    ```

    ## Use instead
    ```xml
    <loader readonly='no' type='pflash'>/var/lib/libvirt/qemu/nvram/guest-bios.fd</loader>
    ```
    or a read-only loader (`readonly='yes'`) with the `<nvram>`.

    ## Reference
    formatdomain, "Guest firmware" (readonly, since 1.2.8); `virDomainDefOSValidate` since
    11.8.0 (assumed: absent from 11.x copies with `<shim>`, present in later 11.x ones; NEWS
    11.8.0 fixed the selection of read/write "combined" firmware). With an older target
    (`--libvirt-version`) the rule is silent: those releases accept the combination.
    """
    store = _variable_store(context)
    loader = facts.loader(context)
    if versions.before(context.libvirt_version, versions.READ_WRITE_LOADER_CHECKS):
        return
    if store is not None and loader is not None and loader.get("readonly") == "no":
        yield Finding(
            store,
            f"Variable storage (NVRAM/varstore) is not permitted when loader is read/write (readonly='no'), "
            f"but <os> has {_store_label(store)}",
            help="remove the variable store, or make the loader read-only (readonly='yes')",
        )


@rule(
    code="OS211",
    name="nvram-with-rom-loader",
    triggers=("os:nvram",),
    severity=Severity.WARNING,
    summary="An <nvram> with a ROM loader, which never uses it.",
    needs_domain=False,
)
def nvram_with_rom_loader(context: Context) -> Iterator[Finding]:
    """`<nvram>` next to a ROM loader, without firmware autoselection.

    ## What it catches
    The loader is a ROM (`type='rom'`, or a path without `type`) and `<os>` also gives an
    `<nvram>`; `<os>` has no `firmware` attribute that could replace the loader.

    ## Why it matters
    Only a flash (pflash) loader reads a variable store. libvirt accepts the file but starts
    QEMU with just `-bios PATH`, so the NVRAM is silently unused; usually `type='pflash'` was
    forgotten on a UEFI loader. (libvirt 9.0.0 rejected the combination only when the loader
    said `stateless='no'`: "Only pflash loader type permits NVRAM".)

    ## Example
    ```xml
    <loader readonly='yes'>/usr/share/OVMF/OVMF_CODE.fd</loader>
    <nvram>/var/lib/libvirt/qemu/nvram/guest_VARS.fd</nvram>
    ```

    ## Use instead
    ```xml
    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>
    <nvram>/var/lib/libvirt/qemu/nvram/guest_VARS.fd</nvram>
    ```

    ## Reference
    formatdomain, "Guest firmware" (loader type and nvram, since 1.2.8);
    `qemuBuildDomainLoaderCommandLine`. With a target before 12.1.0 (`--libvirt-version`), a
    ROM loader with `stateless='no'` is an error instead (stateless-no-requires-pflash); with a
    target before 11.8.0, `readonly='no'` is no error, and this warning applies to it too.
    """
    loader = facts.loader(context)
    store = _variable_store(context)
    if (
        store is None
        or store.tag != "nvram"
        or loader is None
        or not facts.is_rom(loader)
        or facts.firmware(context) is not None
        # already an error (variable-store-read-write-loader), unless the target predates that check
        or (loader.get("readonly") == "no" and not versions.before(context.libvirt_version, versions.READ_WRITE_LOADER_CHECKS))
        or loader.get("stateless") == "yes"  # already an error (stateless-loader-variable-store)
        # an error for targets that still refuse it (stateless-no-requires-pflash)
        or (loader.get("stateless") == "no" and versions.STATELESS_NO_CHECKS.made_by(context.libvirt_version))
    ):
        return
    yield Finding(
        store,
        "<nvram> is never used: the loader is a ROM (type='rom', or a path without a type), "
        "and only a pflash loader reads a variable store",
        help="add type='pflash' to a UEFI <loader>, or remove <nvram> from a BIOS guest",
    )


@rule(
    code="OS212",
    name="nvram-type-requires-source",
    triggers=("os:nvram",),
    severity=Severity.ERROR,
    summary="An <nvram type=...> without a <source> child.",
    needs_domain=False,
)
def nvram_type_requires_source(context: Context) -> Iterator[Finding]:
    """`<nvram type=...>` with no `<source>` element.

    ## What it catches
    An `<nvram>` that describes its storage like a disk (`type='file'`, `'block'`,
    `'network'`, ...) but has no `<source>` child saying where that storage is.

    ## Why it matters
    With a `type`, libvirt reads the storage only from `<source>`, never from the element's
    text. Without it, libvirt refuses the domain with no explanation at all: "An error
    occurred, but the cause is unknown". This holds for every type, `file` included, in
    libvirt 9.0.0 and in the newest libvirt.

    ## Example
    ```xml
    <nvram type='file'>/var/lib/libvirt/qemu/nvram/guest_VARS.fd</nvram>
    ```

    ## Use instead
    ```xml
    <nvram type='file'>
      <source file='/var/lib/libvirt/qemu/nvram/guest_VARS.fd'/>
    </nvram>
    ```
    or `<nvram>/var/lib/libvirt/qemu/nvram/guest_VARS.fd</nvram>` without `type`.

    ## Reference
    formatdomain, "Guest firmware" (nvram type, since 8.5.0); `virDomainLoaderDefParseXMLNvram`.
    """
    nvram = facts.nvram(context) if facts.hvm_os(context) is not None else None
    if nvram is not None and nvram.get("type") is not None and nvram.find("source") is None:
        yield Finding(
            nvram,
            f"<nvram type='{nvram.get('type')}'> needs a <source> child; without it libvirt fails "
            "with 'An error occurred, but the cause is unknown'",
            attribute="type",
            help="describe the storage in <source> (e.g. <source file='/path/VARS.fd'/>), or drop type and give the path as text",
        )


@rule(
    code="OS213",
    name="nvram-source-type-unsupported",
    triggers=("os:nvram",),
    severity=Severity.ERROR,
    summary="An <nvram> storage type QEMU cannot use (only file, block and network work).",
    drivers=("qemu",),
    needs_domain=False,
)
def nvram_source_type_unsupported(context: Context) -> Iterator[Finding]:
    """`<nvram type=...>` other than `file`, `block` or `network` on a QEMU/KVM domain.

    ## What it catches
    An `<nvram>` of type `dir`, `volume`, `nvme`, `vhostuser`, `vhostvdpa` or `ctl`.

    ## Why it matters
    The schema shares these types with disks, but QEMU can back a variable store only by a
    file, a block device or network storage. The QEMU driver refuses the domain: "unsupported
    nvram disk type 'dir'".

    ## Example
    ```xml
    <nvram type='volume'>
      <source pool='default' volume='guest_VARS.fd'/>
    </nvram>
    ```

    ## Use instead
    ```xml
    <nvram type='file'>
      <source file='/var/lib/libvirt/images/guest_VARS.fd'/>
    </nvram>
    ```

    ## Reference
    formatdomain, "Guest firmware" (nvram type, since 8.5.0); `qemuValidateDomainDefNvram`
    (`vhostvdpa` since 9.8.0, `ctl` since 12.0.0).
    """
    nvram = facts.nvram(context) if facts.hvm_os(context) is not None else None
    if nvram is not None and nvram.get("type") in QEMU_UNSUPPORTED_NVRAM_TYPES:
        yield Finding(
            nvram,
            f"unsupported nvram disk type '{nvram.get('type')}'; QEMU keeps NVRAM only in a file, a block device or network storage",
            attribute="type",
            help="use type='file', 'block' or 'network'",
        )


@rule(
    code="OS214",
    name="nvram-template-network",
    triggers=("os:nvram",),
    severity=Severity.WARNING,
    summary="A template= on network-backed NVRAM, which is never filled from a template.",
    needs_domain=False,
)
def nvram_template_network(context: Context) -> Iterator[Finding]:
    """`<nvram type='network' template=...>`.

    ## What it catches
    A variable store on network storage that names a template to create it from.

    ## Why it matters
    libvirt never instantiates network-backed NVRAM from a template: the image on the network
    must already be a valid variable store. libvirt accepts and keeps the attribute, but it
    has no effect.

    ## Example
    ```xml
    <nvram type='network' template='/usr/share/OVMF/OVMF_VARS.fd'>
      <source protocol='nbd' name='vars'>
        <host name='storage.example.org' port='10809'/>
      </source>
    </nvram>
    ```

    ## Use instead
    ```xml
    <nvram type='network'>
      <source protocol='nbd' name='vars'>
        <host name='storage.example.org' port='10809'/>
      </source>
    </nvram>
    ```
    and copy the template to the network storage yourself.

    ## Reference
    formatdomain, "Guest firmware" (nvram type, since 8.5.0: "network backed NVRAM the
    variables are not instantiated from the template").
    """
    nvram = facts.nvram(context) if facts.hvm_os(context) is not None else None
    if nvram is not None and nvram.get("type") == "network" and nvram.get("template") is not None:
        yield Finding(
            nvram,
            "template= has no effect on network-backed NVRAM: libvirt never fills it from a template",
            attribute="template",
            help="remove template= and put a valid variable store on the network storage yourself",
        )
