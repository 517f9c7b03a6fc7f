"""`<loader>` rules: which guests may have one, its path, and what a ROM loader may be.

libvirt reads the FIRST `<loader>`. A loader with a path but no `type` becomes a ROM loader
(libvirt's post-parse). Checks follow the newest libvirt (`virDomainDefOSValidate`,
`qemuValidateDomainDef`, `qemuValidateDomainDefBoot`); where libvirt 9.0.0 differs, the rule's
documentation says so.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Severity
from .. import versions
from . import Context, Finding, facts, rule

NOT_FULLY_VIRTUALISED = ("xen", "linux", "xenpvh", "exe")


@rule(
    code="OS201",
    name="loader-requires-hvm",
    triggers=("os:loader",),
    severity=Severity.ERROR,
    summary="A <loader> on a guest that is not fully virtualised (<type> is not hvm).",
    needs_domain=False,
)
def loader_requires_hvm(context: Context) -> Iterator[Finding]:
    """A `<loader>` on a guest whose OS type is not `hvm`.

    ## What it catches
    `<os><loader>` when `<type>` is `xen` or `linux` (Xen paravirtualised), `xenpvh` or `exe`
    (a container).

    ## Why it matters
    The loader is the firmware (BIOS or UEFI) of a fully virtualised guest. libvirt's schema
    allows it only with `<type>hvm</type>`. On a Xen paravirtualised guest (`xen`, `linux`,
    `xenpvh`) libvirt's parser keeps the loader (a path without a type, so a ROM loader), but
    the libxl driver uses a loader only for HVM guests, so it has no effect; for a container
    (`exe`) the parser drops it. Either way the file does not do what it says. A loader on an
    hvm guest is fine for every hypervisor (Xen's hvmloader, QEMU/KVM firmware, bhyve's UEFI
    ROM).

    ## Example
    ```xml
    <os>
      <type>xen</type>
      <loader>/usr/lib/xen/boot/hvmloader</loader>
    </os>
    ```

    ## Use instead
    ```xml
    <os>
      <type>hvm</type>
      <loader>/usr/lib/xen/boot/hvmloader</loader>
    </os>
    ```
    or remove `<loader>` from the paravirtualised guest.

    ## Reference
    formatdomain, "Operating system booting" (BIOS bootloader / Guest firmware); libvirt's
    domain schema (`osxen` has no loader) since 0.1.0; `libxlMakeDomBuildInfo` (the loader
    is read in the HVM branch only).
    """
    os_type = context.os_type
    if context.os is None or os_type not in NOT_FULLY_VIRTUALISED:
        return
    for loader in context.os.findall("loader"):
        yield Finding(
            loader,
            f"<loader> needs a fully virtualised guest (<type>hvm</type>), but this guest's OS type is '{os_type}'",
            help="remove <loader>, or change <type> to hvm if the guest is fully virtualised",
        )


@rule(
    code="OS205",
    name="loader-path-required",
    triggers=("os:loader", "os:nvram"),
    severity=Severity.ERROR,
    summary="A <loader> without a path (or an <nvram> without a loader) and no firmware autoselection.",
    needs_domain=False,
)
def loader_path_required(context: Context) -> Iterator[Finding]:
    """`<loader>` without a path, or `<nvram>` without a `<loader>`, when nothing fills them in.

    ## What it catches
    `<os>` has no `firmware` attribute (no firmware autoselection), and either its first
    `<loader>` is empty (attributes only) or there is an `<nvram>` but no `<loader>`.

    ## Why it matters
    Only firmware autoselection can fill in a missing firmware path. libvirt refuses the
    domain: "no loader path specified and firmware auto selection disabled".

    ## Example
    ```xml
    <os>
      <type arch='x86_64' machine='q35'>hvm</type>
      <loader readonly='yes' type='pflash'/>
    </os>
    ```

    ## Use instead
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
    </os>
    ```
    or give the path: `<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>`.

    ## Reference
    formatdomain, "Guest firmware" (loader); `virDomainDefOSValidate` (libvirt 9.0.0 and newer).
    """
    os = facts.hvm_os(context)
    if os is None or facts.firmware(context) is not None:
        return
    loader = facts.loader(context)
    nvram = facts.nvram(context)
    if loader is not None and facts.content(loader) == "":
        yield Finding(
            loader,
            "<loader> has no firmware path, and firmware autoselection is off (no firmware attribute on <os>)",
            help="give the firmware path as the text of <loader>, or use <os firmware='efi'> (or 'bios') instead",
        )
    elif loader is None and nvram is not None:
        yield Finding(
            nvram,
            "<nvram> needs a <loader> with a firmware path, and firmware autoselection is off (no firmware attribute on <os>)",
            help="add <loader readonly='yes' type='pflash'>PATH</loader>, or use <os firmware='efi'>",
        )


@rule(
    code="OS209",
    name="rom-loader-read-write",
    triggers=("os:loader",),
    severity=Severity.ERROR,
    summary="A ROM loader (type='rom', or a path without a type) with readonly='no'.",
    needs_domain=False,
)
def rom_loader_read_write(context: Context) -> Iterator[Finding]:
    """`<loader readonly='no'>` on a ROM loader.

    ## What it catches
    A loader of type `rom`, explicit or implicit (a loader path without `type` is a ROM
    loader), declared writable with `readonly='no'`.

    ## Why it matters
    A ROM cannot be written. The newest libvirt refuses the domain: "ROM loader type cannot be
    used as read/write". libvirt 9.0.0 accepted it and loaded the image as a ROM (`-bios`)
    anyway.

    ## Example
    ```xml
    <loader readonly='no'>/usr/share/seabios/bios.bin</loader>
    ```

    ## Use instead
    ```xml
    <loader readonly='yes' type='rom'>/usr/share/seabios/bios.bin</loader>
    ```
    or `type='pflash'` if the image really must be writable.

    ## Reference
    formatdomain, "Guest firmware" (readonly and type, since 1.2.8); `virDomainDefOSValidate`
    since 11.8.0 (assumed, as for variable-store-read-write-loader). With an older target
    (`--libvirt-version`) the rule is silent: those releases accept it.
    """
    loader = facts.loader(context)
    if versions.before(context.libvirt_version, versions.READ_WRITE_LOADER_CHECKS):
        return
    if facts.hvm_os(context) is not None and loader is not None and facts.is_rom(loader) and loader.get("readonly") == "no":
        yield Finding(
            loader,
            "ROM loader type cannot be used as read/write (readonly='no')",
            attribute="readonly",
            help="drop readonly='no', or use type='pflash' for a writable firmware image",
        )


@rule(
    code="OS210",
    name="rom-loader-format",
    triggers=("os:loader",),
    severity=Severity.ERROR,
    summary="A ROM loader whose format is not raw.",
    needs_domain=False,
)
def rom_loader_format(context: Context) -> Iterator[Finding]:
    """`<loader format=...>` other than `raw` on a ROM loader.

    ## What it catches
    A loader of type `rom`, explicit or implicit (a loader path without `type`), with
    `format='qcow2'`.

    ## Why it matters
    A ROM image is loaded as is; only flash (pflash) images may be qcow2. The newest libvirt
    refuses the domain: "Invalid format 'qcow2' for ROM loader type".

    ## Example
    ```xml
    <loader type='rom' format='qcow2'>/usr/share/seabios/bios.qcow2</loader>
    ```

    ## Use instead
    ```xml
    <loader type='rom' format='raw'>/usr/share/seabios/bios.bin</loader>
    ```

    ## Reference
    formatdomain, "Guest firmware" (loader format, since 9.2.0); `virDomainDefOSValidate` since
    11.8.0 (assumed, as for variable-store-read-write-loader). With an older target
    (`--libvirt-version`) the rule is silent: 9.2.0 to 11.7 accept the format, and before
    9.2.0 the attribute itself is unknown (requires-newer-libvirt).
    """
    loader = facts.loader(context)
    if versions.before(context.libvirt_version, versions.READ_WRITE_LOADER_CHECKS):
        return
    if facts.hvm_os(context) is None or loader is None or not facts.is_rom(loader):
        return
    image_format = loader.get("format")
    if image_format is not None and image_format != "raw":
        yield Finding(
            loader,
            f"Invalid format '{image_format}' for ROM loader type; a ROM image must be raw",
            attribute="format",
            help="use format='raw' (or drop the attribute), or type='pflash' for a qcow2 flash image",
        )


@rule(
    code="OS223",
    name="bios-firmware-loader-mismatch",
    triggers=("os:loader",),
    severity=Severity.ERROR,
    summary="Autoselected BIOS firmware (firmware='bios') with a read/write (readonly='no') or stateful (stateless='no') loader.",
    drivers=("qemu",),
    needs_domain=False,
)
def bios_firmware_loader_mismatch(context: Context) -> Iterator[Finding]:
    """`<os firmware='bios'>` with `<loader readonly='no'>` or `<loader stateless='no'>`.

    ## What it catches
    Firmware autoselection asked for a BIOS, and the first `<loader>` asks for firmware that
    is writable (`readonly='no'`) or that keeps state in NVRAM (`stateless='no'`). Since 9.2.0
    these loader attributes are filters for the selection.

    ## Why it matters
    No BIOS build is read/write or keeps NVRAM, so the selection finds nothing and the QEMU
    driver refuses the domain: "Unable to find 'bios' firmware that is compatible with the
    current configuration" (for `readonly='no'` when the domain is defined, for
    `stateless='no'` when it starts).

    ## Example
    ```xml
    <os firmware='bios'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <loader readonly='no'/>
    </os>
    ```

    ## Use instead
    ```xml
    <os firmware='bios'>
      <type arch='x86_64' machine='q35'>hvm</type>
    </os>
    ```
    or `firmware='efi'` for UEFI firmware with a writable image or NVRAM.

    ## Reference
    formatdomain, "Guest firmware" (firmware, since 5.2.0; readonly; stateless, since 8.6.0);
    `qemuFirmwareFillDomain` (src/qemu/qemu_firmware.c). Older targets (`--libvirt-version`)
    refuse the same loaders with other messages, which other rules report:
    loader-settings-with-autoselect before 9.2.0, stateless-no-requires-efi before 12.1.0, and
    a writable ROM loader is rom-loader-read-write.
    """
    loader = facts.loader(context)
    if facts.hvm_os(context) is None or loader is None or facts.firmware(context) != "bios":
        return
    target = context.libvirt_version
    writable_rom = facts.is_rom(loader) and not versions.before(target, versions.READ_WRITE_LOADER_CHECKS)
    unable = "Unable to find 'bios' firmware that is compatible with the current configuration"
    if loader.get("readonly") == "no" and not writable_rom and not versions.before(target, versions.AUTOSELECT_LOADER_CHECKS.dropped):
        yield Finding(
            loader,
            f"{unable}: no BIOS firmware is read/write (readonly='no')",
            attribute="readonly",
            help="remove readonly='no' to keep the BIOS, or use firmware='efi' for a writable UEFI image",
        )
    if loader.get("stateless") == "no" and not versions.before(target, versions.STATELESS_NO_CHECKS.dropped):
        yield Finding(
            loader,
            f"{unable}: a BIOS keeps no NVRAM (stateless='no')",
            attribute="stateless",
            help="remove stateless='no' to keep the BIOS, or use firmware='efi' for UEFI firmware with NVRAM",
        )
