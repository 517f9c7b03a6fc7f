"""Target libvirt version (OS8xx): what an older libvirt than the newest refuses.

These rules say nothing unless a target is given (`--libvirt-version`, or `libvirt-version` in
the configuration). `requires-newer-libvirt` dates every construct by the grammar's `d:since`
annotations (linter/versions.py); the others are checks libvirt made and later dropped, each
active for the targets before the release that dropped it (the constants in linter/versions.py).
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from .. import versions
from ..diagnostics import Severity
from . import REGISTRY, Context, Finding, facts, rule


def _hvm_os(context: Context) -> etree._Element | None:
    """`<os>` of a fully virtualised guest (libvirt parses firmware and loader options only then)."""
    if context.os is None:
        return None
    node = context.os.find("type")
    return context.os if node is not None and node.text == "hvm" else None


def _path(loader: etree._Element) -> str:
    """The loader path as libvirt reads it; '' is no path."""
    return "".join(loader.itertext())


def _without_autoselection(context: Context) -> bool:
    """The driver refuses `firmware=` altogether (firmware-autoselect-unsupported says so)."""
    return context.driver in REGISTRY["firmware-autoselect-unsupported"].drivers


@rule(
    code="OS800",
    name="requires-newer-libvirt",
    triggers=("libvirt-version",),
    severity=Severity.ERROR,
    summary="An element, attribute or value that the target libvirt version does not know yet.",
    needs_domain=False,
)
def requires_newer_libvirt(context: Context) -> Iterator[Finding]:
    """An element, attribute or value newer than the libvirt release the domain is meant for.

    ## What it catches
    With a target (`--libvirt-version 8.0`, or `libvirt-version = "8.0"` in the configuration),
    every element, attribute and enumerated value of `<os>`, `<bootloader>` and
    `<bootloader_args>` that appeared in a later libvirt release: for example `stateless` on
    `<loader>` (8.6.0), `<nvram type=...>` (8.5.0), `format` on `<loader>` and `<nvram>` (9.2.0),
    `templateFormat` (10.10.0), `<shim>` and the ACPI table types `raw`, `rawset` and `msdm`
    (11.2.0), `<varstore>` (12.1.0), `<firmware>` features (7.2.0) or the architecture
    `loongarch64` (10.2.0). Each is reported where it stands (the start tag, the attribute, or
    the text) with the release that introduced it. Without a target, nothing is reported.

    ## Why it matters
    A host's libvirt validates domains against its own schema: `virsh define --validate` and
    `virt-xml-validate` refuse what the schema does not know, and without validation libvirt's
    parser silently drops it, so the guest boots without the setting.

    ## Example
    With `--libvirt-version 9.0`:
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <loader format='qcow2'/>
      <varstore/>
    </os>
    ```

    ## Use instead
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
    </os>
    ```
    or raise the target when every host runs a newer libvirt.

    ## Reference
    The version of each item is the `d:since` annotation of domlint's grammar (`domlint schema`),
    taken from formatdomain's `:since:` markers and libvirt's NEWS; `domlint schema` shows them.
    """
    target = context.libvirt_version
    if target is None:
        return
    for newer in versions.newer_than(context.root, target):
        since = versions.label(newer.since)
        yield Finding(
            newer.element,
            f"{newer.what} needs libvirt {since} or newer; the target is {versions.label(target)}",
            attribute=newer.attribute,
            text=newer.text,
            help=f"remove it for hosts older than libvirt {since}, or raise the target libvirt version",
        )


@rule(
    code="OS801",
    name="loader-settings-with-autoselect",
    triggers=("libvirt-version",),
    severity=Severity.ERROR,
    summary="Loader readonly, type, path or secure='no', or nvram template, with firmware autoselection, for libvirt before 9.2.",
    needs_domain=False,
)
def loader_settings_with_autoselect(context: Context) -> Iterator[Finding]:
    """`<os firmware=...>` together with loader settings, for a target older than libvirt 9.2.0.

    ## What it catches
    With a target before 9.2.0, an `<os firmware='efi'>` (or `'bios'`) whose first `<loader>`
    has `readonly` (any value), `type`, a path, or `secure='no'`, or whose `<nvram>` has a
    `template`. `secure='yes'` and `stateless` are allowed. (Before 5.2.0, `firmware=` itself
    is unknown: requires-newer-libvirt reports it instead.)

    ## Why it matters
    Before 9.2.0, firmware autoselection fills in the loader and the NVRAM template itself and
    refuses a domain that sets them too: "loader attribute 'readonly' cannot be specified when
    firmware autoselection is enabled" (likewise 'type', 'secure' and "nvram attribute
    'template'"; a path without a type gets libvirt's implicit `type='rom'` and the 'type'
    message). Later releases accept these settings as filters for the selection, which is why
    domlint reports them only for such a target.

    ## Example
    With `--libvirt-version 9.0`:
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <loader readonly='yes' type='pflash' secure='no'/>
    </os>
    ```

    ## Use instead
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <firmware>
        <feature enabled='no' name='secure-boot'/>
      </firmware>
    </os>
    ```
    (firmware features say what the selected firmware must have), or drop `firmware=` and give
    the loader by path.

    ## Reference
    formatdomain, "Guest firmware" (firmware, since 5.2.0); `virDomainDefOSValidate` in 9.0.0
    (checked with the live libvirt 9.0.0). These checks exist in libvirt 5.2.0 to 9.1.x; later
    upstream code has none of them, but NEWS does not record the release that dropped them:
    domlint assumes 9.2.0, the release that made firmware selection persistent (9.1.0 is
    possible, unconfirmed).
    """
    os = _hvm_os(context)
    if (
        not versions.AUTOSELECT_LOADER_CHECKS.made_by(context.libvirt_version)
        or os is None
        or facts.firmware(context) not in ("bios", "efi")
        or _without_autoselection(context)
    ):
        return
    cutoff = versions.label(versions.AUTOSELECT_LOADER_CHECKS.dropped)
    suffix = f"cannot be specified when firmware autoselection is enabled (libvirt before {cutoff})"
    loader = facts.loader(context)
    if loader is not None:
        for attribute in ("readonly", "type"):
            if loader.get(attribute) is not None:
                yield Finding(
                    loader,
                    f"loader attribute '{attribute}' {suffix}",
                    attribute=attribute,
                    help=f"remove {attribute}= from <loader>: autoselection fills it in",
                )
        if loader.get("secure") == "no":
            yield Finding(
                loader,
                f"loader attribute 'secure' {suffix}",
                attribute="secure",
                help="remove secure='no'; <firmware><feature enabled='no' name='secure-boot'/> asks for firmware without Secure Boot",
            )
        if _path(loader):
            yield Finding(
                loader,
                f"a loader path {suffix}",
                text=True,
                help="remove the path and let autoselection pick the firmware, or drop firmware= from <os>",
            )
    nvram = facts.nvram(context)
    if nvram is not None and nvram.get("template") is not None:
        yield Finding(
            nvram,
            f"nvram attribute 'template' {suffix}",
            attribute="template",
            help="remove template=: autoselection takes the template from the firmware it picks",
        )


@rule(
    code="OS802",
    name="stateless-no-requires-pflash",
    triggers=("libvirt-version",),
    severity=Severity.ERROR,
    summary="A ROM loader with stateless='no', for libvirt before 12.1.",
    needs_domain=False,
)
def stateless_no_requires_pflash(context: Context) -> Iterator[Finding]:
    """`<loader stateless='no'>` on a ROM loader without autoselection, for a target before 12.1.0.

    ## What it catches
    With a target before 12.1.0, a loader path without `type` (libvirt makes it a ROM) or with
    `type='rom'`, marked `stateless='no'`, and no `firmware` attribute on `<os>`. (Before 8.6.0,
    `stateless` itself is unknown: requires-newer-libvirt reports it instead.)

    ## Why it matters
    `stateless='no'` says the firmware keeps state in NVRAM, which only a flash (pflash) loader
    has. libvirt before 12.1.0 refuses the domain: "Only pflash loader type permits NVRAM". The
    newest libvirt accepts it (and a `<nvram>` next to a ROM loader is then merely unused, see
    nvram-with-rom-loader).

    ## Example
    With `--libvirt-version 9.0`:
    ```xml
    <os>
      <type arch='x86_64' machine='q35'>hvm</type>
      <loader stateless='no'>/usr/share/seabios/bios.bin</loader>
    </os>
    ```

    ## Use instead
    ```xml
    <os>
      <type arch='x86_64' machine='q35'>hvm</type>
      <loader>/usr/share/seabios/bios.bin</loader>
    </os>
    ```
    or `type='pflash'` for a UEFI image with NVRAM.

    ## Reference
    formatdomain, "Guest firmware" (stateless, since 8.6.0); `virDomainDefOSValidate` from 8.6.0
    (checked with the live libvirt 9.0.0; still in upstream copies of the 11.x series). The
    12.1.0 rewrite of the function, which added `<varstore>`, has no such check; domlint assumes
    it was dropped in 12.1.0.
    """
    os = _hvm_os(context)
    loader = facts.loader(context)
    if (
        not versions.STATELESS_NO_CHECKS.made_by(context.libvirt_version)
        or os is None
        or loader is None
        or loader.get("stateless") != "no"
        or os.get("firmware") is not None
        or not _path(loader)  # no path: loader-path-required reports it first
        or loader.get("type") == "pflash"
    ):
        return
    yield Finding(
        loader,
        "Only pflash loader type permits NVRAM: stateless='no' on a ROM loader (type='rom', or a path without a type) "
        f"is refused by libvirt before {versions.label(versions.STATELESS_NO_CHECKS.dropped)}",
        attribute="stateless",
        help="remove stateless='no' from a BIOS loader, or use type='pflash' for a UEFI image",
    )


@rule(
    code="OS803",
    name="stateless-no-requires-efi",
    triggers=("libvirt-version",),
    severity=Severity.ERROR,
    summary="stateless='no' on the loader with firmware='bios', for libvirt before 12.1.",
    needs_domain=False,
)
def stateless_no_requires_efi(context: Context) -> Iterator[Finding]:
    """`<loader stateless='no'>` with `<os firmware='bios'>`, for a target before 12.1.0.

    ## What it catches
    With a target from 8.6.0 (which introduced `stateless`) and before 12.1.0, firmware
    autoselection for a BIOS (`firmware='bios'`) and a `<loader>` marked `stateless='no'`.

    ## Why it matters
    `stateless='no'` asks for firmware that keeps state in NVRAM, which a BIOS does not have.
    libvirt before 12.1.0 refuses the domain: "Only EFI firmware permits NVRAM". The newest
    libvirt dropped this check, but its firmware selection finds no such BIOS when the QEMU
    guest starts (bios-firmware-loader-mismatch reports that, without a target).

    ## Example
    With `--libvirt-version 9.0`:
    ```xml
    <os firmware='bios'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <loader stateless='no'/>
    </os>
    ```

    ## Use instead
    ```xml
    <os firmware='bios'>
      <type arch='x86_64' machine='q35'>hvm</type>
    </os>
    ```
    or `firmware='efi'` for UEFI firmware with NVRAM.

    ## Reference
    formatdomain, "Guest firmware" (firmware, since 5.2.0; stateless, since 8.6.0);
    `virDomainDefOSValidate` from 8.6.0 (checked with the live libvirt 9.0.0; still in upstream
    copies of the 11.x series, absent from the 12.1.0 rewrite: dropped in 12.1.0, assumed).
    """
    os = _hvm_os(context)
    loader = facts.loader(context)
    if (
        not versions.STATELESS_NO_CHECKS.made_by(context.libvirt_version)
        or os is None
        or loader is None
        or loader.get("stateless") != "no"
        or facts.firmware(context) != "bios"
        or _without_autoselection(context)
    ):
        return
    yield Finding(
        loader,
        "Only EFI firmware permits NVRAM: stateless='no' with firmware='bios' is refused by libvirt before "
        f"{versions.label(versions.STATELESS_NO_CHECKS.dropped)}",
        attribute="stateless",
        help="remove stateless='no', or use firmware='efi'",
    )
