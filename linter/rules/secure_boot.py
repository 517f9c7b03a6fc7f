"""Secure Boot rules: the machine, architecture, SMM and hypervisor a secure loader needs.

Secure Boot is asked for by `<loader secure='yes'>` or by the `secure-boot` firmware feature
(the last one of that name). Checks follow the newest libvirt (`qemuValidateDomainDefBoot`,
`libxlDomainDefValidate`); where libvirt 9.0.0 differs, the rule's documentation says so.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from ..diagnostics import Severity
from . import Context, Finding, facts, rule


def _machine_label(context: Context) -> str:
    """The machine type for a message; without one, QEMU's default (libvirt fills it in)."""
    machine = facts.machine(context)
    return f"'{machine}'" if machine else "QEMU's default ('pc' on x86)"


def _secure_loader(context: Context) -> etree._Element | None:
    """The first `<loader>` when it says `secure='yes'` on an hvm guest."""
    loader = facts.loader(context)
    if facts.hvm_os(context) is None or loader is None or loader.get("secure") != "yes":
        return None
    return loader


def _secure_boot_feature(context: Context) -> etree._Element | None:
    """With `firmware='efi'`, the feature that makes autoselection look for Secure Boot firmware.

    That is `secure-boot` enabled, or `enrolled-keys` enabled (only Secure Boot firmware has
    enrolled keys) while `secure-boot` is not disabled.
    """
    if facts.firmware(context) != "efi":
        return None
    features = facts.last_features(context)
    if facts.feature_enabled(features, "secure-boot") == "yes":
        return features["secure-boot"]
    if facts.feature_enabled(features, "enrolled-keys") == "yes" and facts.feature_enabled(features, "secure-boot") is None:
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
        feature = facts.last_features(context).get("secure-boot")
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
