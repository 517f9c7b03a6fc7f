"""Firmware rules: `<loader>`, `<nvram>`/`<varstore>`, `<firmware>` features, Secure Boot and ACPI.

libvirt reads the FIRST `<loader>` and `<nvram>`, and the LAST `<feature>` of a name. A loader
with a path but no `type` becomes a ROM loader (libvirt's post-parse). Checks follow the newest
libvirt (`virDomainDefOSValidate`, `qemuValidateDomainDef`, `qemuValidateDomainDefBoot`,
`libxlDomainDefValidate`); where libvirt 9.0.0 differs, the rule's documentation says so.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from ..diagnostics import Severity
from .. import fixes, versions
from . import Context, Finding, facts, rule

NOT_FULLY_VIRTUALISED = ("xen", "linux", "xenpvh", "exe")
# <nvram type> values QEMU has no NVRAM backend for (qemuValidateDomainDefNvram).
QEMU_UNSUPPORTED_NVRAM_TYPES = ("dir", "volume", "nvme", "vhostuser", "vhostvdpa", "ctl")
# ACPI table types that may be given more than once (virDomainDefParseBootAcpiOptions).
REPEATABLE_ACPI_TABLES = ("raw",)


# ---------------------------------------------------------------------------------------------
# How libvirt reads the firmware part of <os>
# ---------------------------------------------------------------------------------------------


def _hvm_os(context: Context) -> etree._Element | None:
    """`<os>` when it is fully virtualised: only then does libvirt parse firmware, features and ACPI."""
    return context.os if context.os_type == "hvm" else None


def _content(node: etree._Element) -> str:
    """The element's text content as libvirt reads it (`virXMLNodeContentString`); '' is no path."""
    return "".join(node.itertext())


def _is_rom(loader: etree._Element) -> bool:
    """A ROM loader: `type='rom'`, or a path without a type (libvirt's post-parse makes it rom)."""
    kind = loader.get("type")
    return kind == "rom" or (kind is None and _content(loader) != "")


def _variable_store(context: Context) -> etree._Element | None:
    """The `<nvram>` or `<varstore>` that asks for UEFI variable storage, or None.

    An `<nvram/>` with no path, type, template or format asks for nothing: libvirt 9.0.0 ignores
    it (e.g. it is accepted with a stateless loader), so it is not counted.
    """
    os = _hvm_os(context)
    if os is None:
        return None
    nvram = facts.nvram(context)
    if nvram is not None and (nvram.attrib or _content(nvram) or len(nvram)):
        return nvram
    return os.find("varstore")


def _last_features(context: Context) -> dict[str, etree._Element]:
    """`<firmware><feature>` by name: the element libvirt uses for each name (the last one)."""
    os = _hvm_os(context)
    if os is None:
        return {}
    return {feature.get("name", ""): feature for feature in os.findall("firmware/feature")}


def _enabled(features: dict[str, etree._Element], name: str) -> str | None:
    """The `enabled` value of the feature libvirt uses, or None when the feature is absent."""
    feature = features.get(name)
    return feature.get("enabled") if feature is not None else None


def _store_label(store: etree._Element) -> str:
    """How messages name the variable store found."""
    return "<varstore>" if store.tag == "varstore" else "<nvram>"


def _machine_label(context: Context) -> str:
    """The machine type for a message; without one, QEMU's default (libvirt fills it in)."""
    machine = facts.machine(context)
    return f"'{machine}'" if machine else "QEMU's default ('pc' on x86)"


# ---------------------------------------------------------------------------------------------
# <loader> on a guest that is not fully virtualised
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# <firmware> features
# ---------------------------------------------------------------------------------------------


@rule(
    code="OS202",
    name="enrolled-keys-requires-secure-boot",
    triggers=("os:firmware",),
    severity=Severity.ERROR,
    summary="Firmware feature enrolled-keys is enabled while secure-boot is disabled.",
    needs_domain=False,
)
def enrolled_keys_requires_secure_boot(context: Context) -> Iterator[Finding]:
    """`<feature name='enrolled-keys' enabled='yes'/>` together with `secure-boot` disabled.

    ## What it catches
    With firmware autoselection (`<os firmware=...>`), the `<firmware>` features ask for
    firmware whose variable store has the default Secure Boot keys enrolled, and at the same
    time for firmware without Secure Boot. libvirt uses the last `<feature>` of each name.

    ## Why it matters
    Enrolled keys only mean something for firmware that implements Secure Boot, so the request
    cannot be met. libvirt refuses the domain: "firmware feature 'enrolled-keys' cannot be
    enabled when firmware feature 'secure-boot' is disabled".

    ## Example
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <firmware>
        <feature enabled='yes' name='enrolled-keys'/>
        <feature enabled='no' name='secure-boot'/>
      </firmware>
    </os>
    ```

    ## Use instead
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <firmware>
        <feature enabled='no' name='enrolled-keys'/>
        <feature enabled='no' name='secure-boot'/>
      </firmware>
    </os>
    ```
    (or enable both, for Secure Boot with the default keys).

    ## Reference
    formatdomain, "Guest firmware" (firmware features, since 7.2.0); `virDomainDefOSValidate`
    in the newest libvirt (libvirt 9.0.0 makes the same check in `virDomainDefPostParseOs`,
    even without `firmware=`; the newest libvirt reports features without autoselection as
    firmware-features-require-autoselect instead).
    """
    os = _hvm_os(context)
    if os is None or facts.firmware(context) is None:
        return
    features = _last_features(context)
    if _enabled(features, "enrolled-keys") == "yes" and _enabled(features, "secure-boot") == "no":
        yield Finding(
            features["enrolled-keys"],
            "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is disabled",
            attribute="enabled",
            help="enable secure-boot for Secure Boot with enrolled keys, or set enrolled-keys to enabled='no'",
        )


@rule(
    code="OS203",
    name="firmware-features-require-autoselect",
    triggers=("os:firmware",),
    severity=Severity.WARNING,
    severity_by_driver={"qemu": Severity.ERROR},
    summary="<firmware> features without firmware autoselection (no <os firmware=...>).",
    needs_domain=False,
)
def firmware_features_require_autoselect(context: Context) -> Iterator[Finding]:
    """`<os><firmware><feature>` on an `<os>` without the `firmware` attribute.

    ## What it catches
    Firmware features are filters for firmware autoselection, which only runs when `<os>` has
    `firmware='efi'` (or `'bios'`). Without it the features have nothing to act on.

    ## Why it matters
    When a domain is defined, the QEMU driver refuses it: "cannot use feature-based firmware
    autoselection when firmware autoselection is disabled" (error). libvirt reads such
    features without complaint only from XML saved by libvirt 8.6.0 to 9.1.0 (a migration
    compatibility rule) and otherwise ignores them, which is what other drivers do when they
    define a domain (warning).

    ## Example
    ```xml
    <os>
      <type arch='x86_64' machine='q35'>hvm</type>
      <firmware>
        <feature enabled='yes' name='secure-boot'/>
      </firmware>
    </os>
    ```

    ## Use instead
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <firmware>
        <feature enabled='yes' name='secure-boot'/>
      </firmware>
    </os>
    ```

    ## Reference
    formatdomain, "Guest firmware" (firmware features, since 7.2.0);
    `virDomainDefParseBootFirmwareOptions` and `virDomainDefOSValidate`. libvirt 9.0.0 rejects
    it for every driver (the Debian 9.0.0 build carries the 9.2 compatibility rule).
    """
    os = _hvm_os(context)
    if os is None or facts.firmware(context) is not None:
        return
    for firmware in os.findall("firmware"):
        if firmware.find("feature") is not None:
            yield Finding(
                firmware,
                "<firmware> features need firmware autoselection, but <os> has no firmware attribute",
                help="add firmware='efi' to <os>, or remove <firmware> when the loader is given by path",
            )


@rule(
    code="OS204",
    name="duplicate-firmware-feature",
    triggers=("os:firmware",),
    severity=Severity.WARNING,
    summary="The same firmware feature is given twice; libvirt uses the last one.",
    needs_domain=False,
)
def duplicate_firmware_feature(context: Context) -> Iterator[Finding]:
    """A `<firmware><feature name=...>` that a later feature of the same name overrides.

    ## What it catches
    Two `<feature>` elements with the same `name` under `<os><firmware>`.

    ## Why it matters
    libvirt keeps only the last one and silently ignores the earlier ones, so a reader of the
    file may believe the opposite of what libvirt does.

    ## Example
    ```xml
    <firmware>
      <feature enabled='yes' name='secure-boot'/>
      <feature enabled='no' name='secure-boot'/>
    </firmware>
    ```

    ## Use instead
    ```xml
    <firmware>
      <feature enabled='no' name='secure-boot'/>
    </firmware>
    ```

    ## Reference
    formatdomain, "Guest firmware" (firmware features, since 7.2.0);
    `virDomainDefParseBootFirmwareOptions` (each feature overwrites the previous value).
    """
    os = _hvm_os(context)
    if os is None:
        return
    last = _last_features(context)
    for feature in os.findall("firmware/feature"):
        winner = last[feature.get("name", "")]
        if winner is not feature and feature.get("name"):
            yield Finding(
                feature,
                f"firmware feature '{feature.get('name')}' is given again on line {winner.sourceline}; "
                "libvirt ignores this one and uses the last",
                attribute="name",
                help="keep a single <feature> per name",
                fix=fixes.single(
                    f"remove the ignored <feature name='{feature.get('name')}'>", fixes.delete_element(context.document, feature)
                ),
            )


# ---------------------------------------------------------------------------------------------
# <loader>, <nvram> and <varstore>
# ---------------------------------------------------------------------------------------------


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
    os = _hvm_os(context)
    if os is None or facts.firmware(context) is not None:
        return
    loader = facts.loader(context)
    nvram = facts.nvram(context)
    if loader is not None and _content(loader) == "":
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
    if _hvm_os(context) is not None and loader is not None and _is_rom(loader) and loader.get("readonly") == "no":
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
    if _hvm_os(context) is None or loader is None or not _is_rom(loader):
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
        or not _is_rom(loader)
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
    nvram = facts.nvram(context) if _hvm_os(context) is not None else None
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
    nvram = facts.nvram(context) if _hvm_os(context) is not None else None
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
    nvram = facts.nvram(context) if _hvm_os(context) is not None else None
    if nvram is not None and nvram.get("type") == "network" and nvram.get("template") is not None:
        yield Finding(
            nvram,
            "template= has no effect on network-backed NVRAM: libvirt never fills it from a template",
            attribute="template",
            help="remove template= and put a valid variable store on the network storage yourself",
        )


# ---------------------------------------------------------------------------------------------
# Secure Boot
# ---------------------------------------------------------------------------------------------


def _secure_loader(context: Context) -> etree._Element | None:
    """The first `<loader>` when it says `secure='yes'` on an hvm guest."""
    loader = facts.loader(context)
    if _hvm_os(context) is None or loader is None or loader.get("secure") != "yes":
        return None
    return loader


def _secure_boot_feature(context: Context) -> etree._Element | None:
    """With `firmware='efi'`, the feature that makes autoselection look for Secure Boot firmware.

    That is `secure-boot` enabled, or `enrolled-keys` enabled (only Secure Boot firmware has
    enrolled keys) while `secure-boot` is not disabled.
    """
    if facts.firmware(context) != "efi":
        return None
    features = _last_features(context)
    if _enabled(features, "secure-boot") == "yes":
        return features["secure-boot"]
    if _enabled(features, "enrolled-keys") == "yes" and _enabled(features, "secure-boot") is None:
        return features["enrolled-keys"]
    return None


@rule(
    code="OS215",
    name="secure-boot-requires-q35",
    triggers=("os:loader", "os:firmware"),
    severity=Severity.ERROR,
    summary="Secure Boot (loader secure='yes' or an autoselected Secure Boot firmware) on a machine that is not q35.",
    drivers=("qemu",),
    needs_domain=False,
)
def secure_boot_requires_q35(context: Context) -> Iterator[Finding]:
    """Secure Boot firmware on an x86 machine type other than q35.

    ## What it catches
    On an x86 QEMU/KVM guest whose machine type is not q35 (`pc`, `pc-i440fx-*`, or no machine,
    for which QEMU picks `pc`):
    - `<loader secure='yes'>` (any loader type, with or without autoselection), or
    - `<os firmware='efi'>` with `<feature name='secure-boot' enabled='yes'/>`, or with
      `enrolled-keys` enabled (which only Secure Boot firmware has).

    ## Why it matters
    QEMU's Secure Boot firmware needs SMM, which libvirt supports only with q35. For a secure
    loader the QEMU driver refuses the domain: "Secure boot is supported with q35 machine types
    only". For the features, autoselection finds no firmware: the standard firmware
    descriptors offer Secure Boot builds for q35 machines only, so libvirt fails with "Unable to
    find any firmware to satisfy 'efi'" (newest: "Unable to find 'efi' firmware that is
    compatible with the current configuration") when the domain is defined (releases before
    9.2: when it starts). A host with a custom descriptor for i440fx would be the exception.

    ## Example
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='pc'>hvm</type>
      <firmware>
        <feature enabled='yes' name='secure-boot'/>
      </firmware>
    </os>
    ```

    ## Use instead
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <firmware>
        <feature enabled='yes' name='secure-boot'/>
      </firmware>
    </os>
    ```

    ## Reference
    formatdomain, "Guest firmware" (secure, since 2.1.0; firmware features, since 7.2.0);
    `qemuValidateDomainDefBoot`, `qemuFirmwareFillDomain`. The firmware descriptors installed on
    the host are not read: a descriptor-dependent check is reported only for this common case.
    """
    if facts.is_q35(context) or facts.arch(context) not in facts.X86:
        return
    loader = _secure_loader(context)
    feature = _secure_boot_feature(context)
    if loader is not None:
        yield Finding(
            loader,
            f"Secure boot is supported with q35 machine types only, but the machine type is {_machine_label(context)}",
            attribute="secure",
            help="use machine='q35' in <type>, or drop secure='yes'",
        )
    elif feature is not None:  # one diagnostic for the one problem, the machine type
        yield Finding(
            feature,
            f"Secure Boot firmware (feature '{feature.get('name')}' enabled) exists for q35 machine types only, "
            f"but the machine type is {_machine_label(context)}",
            attribute="enabled",
            help="use machine='q35' in <type>, or disable the feature",
        )


@rule(
    code="OS216",
    name="secure-boot-requires-x86-64",
    triggers=("os:loader",),
    severity=Severity.ERROR,
    summary="A secure loader (secure='yes') on an architecture other than x86_64.",
    drivers=("qemu",),
    needs_domain=False,
)
def secure_boot_requires_x86_64(context: Context) -> Iterator[Finding]:
    """`<loader secure='yes'>` on a QEMU/KVM guest that is not x86_64.

    ## What it catches
    A loader marked as Secure Boot capable when `<type arch>` (or the host default, x86_64) is
    anything else, i686 included.

    ## Why it matters
    libvirt implements QEMU Secure Boot for x86_64 only. The QEMU driver refuses the domain:
    "Secure boot is supported for x86_64 architecture only".

    ## Example
    ```xml
    <type arch='i686' machine='q35'>hvm</type>
    <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF32_CODE.secboot.fd</loader>
    ```

    ## Use instead
    ```xml
    <type arch='x86_64' machine='q35'>hvm</type>
    <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.secboot.fd</loader>
    ```

    ## Reference
    formatdomain, "Guest firmware" (secure, since 2.1.0); `qemuValidateDomainDefBoot`.
    """
    loader = _secure_loader(context)
    guest_arch = facts.arch(context)
    if loader is not None and guest_arch != "x86_64":
        yield Finding(
            loader,
            f"Secure boot is supported for x86_64 architecture only, but the architecture is '{guest_arch}'",
            attribute="secure",
            help="drop secure='yes', or use arch='x86_64'",
        )


@rule(
    code="OS217",
    name="secure-boot-requires-smm",
    triggers=("os:loader",),
    severity=Severity.ERROR,
    summary="A secure loader (secure='yes') without firmware autoselection and without <smm state='on'/>.",
    drivers=("qemu",),
)
def secure_boot_requires_smm(context: Context) -> Iterator[Finding]:
    """`<loader secure='yes'>` without SMM, when no firmware autoselection turns it on.

    ## What it catches
    An x86 QEMU/KVM guest with a secure loader, no `firmware` attribute on `<os>`, and no
    `<features><smm/>` (or `<smm state='off'/>`). `<smm/>` without `state` counts as on.

    ## Why it matters
    Secure Boot firmware protects its variables with System Management Mode. The QEMU driver
    refuses the domain: "Secure boot requires SMM feature enabled". With autoselection libvirt
    turns SMM on itself.

    ## Example
    ```xml
    <os>
      <type arch='x86_64' machine='q35'>hvm</type>
      <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.secboot.fd</loader>
    </os>
    <features><acpi/></features>
    ```

    ## Use instead
    ```xml
    <os>
      <type arch='x86_64' machine='q35'>hvm</type>
      <loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.secboot.fd</loader>
    </os>
    <features><acpi/><smm state='on'/></features>
    ```

    ## Reference
    formatdomain, "Hypervisor features" (smm, since 2.1.0) and "Guest firmware" (secure);
    `qemuValidateDomainDefBoot`.
    """
    loader = _secure_loader(context)
    if loader is None or facts.firmware(context) is not None or facts.arch(context) not in facts.X86 or facts.feature_on(context, "smm"):
        return
    yield Finding(
        loader,
        "Secure boot requires SMM feature enabled, but <features> has no <smm state='on'/>",
        attribute="secure",
        help="add <smm state='on'/> to <features>",
    )


@rule(
    code="OS218",
    name="secure-boot-unsupported-xen",
    triggers=("os:loader", "os:firmware"),
    severity=Severity.ERROR,
    summary="Secure Boot requested on a Xen (libxl) domain.",
    drivers=("libxl",),
    needs_domain=False,
)
def secure_boot_unsupported_xen(context: Context) -> Iterator[Finding]:
    """Secure Boot on Xen: a `secure-boot` firmware feature with `firmware='efi'`, or a secure pflash loader.

    ## What it catches
    On a Xen domain (`<domain type='xen'>`):
    - `<os firmware='efi'>` with any `<feature name='secure-boot'>`, even `enabled='no'`
      (libvirt tests only that the feature is there), or
    - `<loader type='pflash' secure='yes'>`.

    ## Why it matters
    Xen's OVMF has no Secure Boot. The libxl driver refuses the domain: "Secure boot is not
    supported on Xen".

    ## Example
    ```xml
    <os firmware='efi'>
      <type>hvm</type>
      <firmware>
        <feature enabled='no' name='secure-boot'/>
      </firmware>
    </os>
    ```

    ## Use instead
    ```xml
    <os firmware='efi'>
      <type>hvm</type>
    </os>
    ```

    ## Reference
    formatdomain, "Guest firmware"; `libxlDomainDefValidate` (from the source; no libxl oracle
    was available).
    """
    if facts.firmware(context) == "efi":
        feature = _last_features(context).get("secure-boot")
        if feature is not None:
            yield Finding(
                feature,
                "Secure boot is not supported on Xen (libvirt rejects any secure-boot feature, even enabled='no')",
                attribute="name",
                help="remove the secure-boot <feature>",
            )
    loader = _secure_loader(context)
    if loader is not None and loader.get("type") == "pflash":
        yield Finding(
            loader,
            "Secure boot is not supported on Xen",
            attribute="secure",
            help="remove secure='yes' from <loader>",
        )


# ---------------------------------------------------------------------------------------------
# ACPI
# ---------------------------------------------------------------------------------------------


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
    if _hvm_os(context) is None or facts.arch(context) not in facts.X86 or _acpi_feature(context) is not None:
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
    if acpi is None or _hvm_os(context) is None or facts.arch(context) != "aarch64" or facts.uses_uefi(context):
        return
    loader = facts.loader(context)
    if loader is not None and loader.get("type") is None and _content(loader):
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
    os = _hvm_os(context)
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
    os = _hvm_os(context)
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
    if _hvm_os(context) is None or loader is None or facts.firmware(context) != "bios":
        return
    target = context.libvirt_version
    writable_rom = _is_rom(loader) and not versions.before(target, versions.READ_WRITE_LOADER_CHECKS)
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
    if acpi is None or _hvm_os(context) is None or facts.arch(context) not in ("s390", "s390x"):
        return
    if versions.before(context.libvirt_version, versions.MACHINE_ACPI_CHECK):
        return
    yield Finding(
        acpi,
        f"machine type '{facts.machine(context) or 's390-ccw-virtio'}' does not support ACPI (s390 guests have none)",
        help="remove <acpi/> from <features>",
    )
