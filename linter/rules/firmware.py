"""Firmware autoselection rules: `<os firmware>` and its `<firmware><feature>` list.

libvirt uses the LAST `<feature>` of a name. Checks follow the newest libvirt
(`virDomainDefOSValidate`, `qemuValidateDomainDefBoot`); where libvirt 9.0.0 differs, the
rule's documentation says so.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Severity
from .. import fixes
from . import Context, Finding, facts, rule


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
    os = facts.hvm_os(context)
    if os is None or facts.firmware(context) is None:
        return
    features = facts.last_features(context)
    if facts.feature_enabled(features, "enrolled-keys") == "yes" and facts.feature_enabled(features, "secure-boot") == "no":
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
    os = facts.hvm_os(context)
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
    os = facts.hvm_os(context)
    if os is None:
        return
    last = facts.last_features(context)
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
