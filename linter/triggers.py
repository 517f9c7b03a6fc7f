"""Which rules can report anything on a document, decided before any of them runs.

Most rules read one part of `<os>` (`<bios>`, `<loader>`, `<nvram>`, ...) or of the domain
(`<sysinfo>`, a device's `<boot>`), and a typical domain has few of them. Running every rule on
every document costs more than parsing it, so each rule below names its *triggers*: markers of
the document, at least one of which must be present for the rule to find anything. A rule not
listed here always runs (a new rule costs speed until it is listed, never a missed finding).

Markers, computed once per document from the tree (never from a rule):

- `os:TAG`: `<os>` (the one rules read) has a child element named TAG; `os:TAG*2`: two or more;
  `os:boot!hd`: a `<boot>` child whose `dev` is not `hd`;
- `domain:bootloader`, `domain:sysinfo`: the `<domain>` may have a child element so named (its
  start tag "<bootloader", "<sysinfo" is in the text; "<bootloader_args" counts as "<bootloader");
- `os@firmware`: `<os>` has a `firmware` attribute;
- `type=VALUE`: the OS type (`<os><type>` text, as rules read it) is VALUE; `arch=VALUE`: the
  `arch` attribute of that `<type>` is VALUE;
- `no-os`: a `<domain>` without `<os>`; `no-domain-type`: a `<domain>` without a `type` attribute;
- `libvirt-version`: a target libvirt version is given (`--libvirt-version`);
- `device-boot`: some device may have a `<boot>` child (the text has more "<boot" that do not
  begin "<bootloader" than `<os>` has `<boot>` and `<bootmenu>` children).

A trigger is a necessary condition, checked against each rule's code: `tests/test_triggers.py`
lints every fixture (under every driver), the libvirt corpus and the mutations with and without
the triggers and requires the same output.
"""

from __future__ import annotations

from typing import Callable

from .rules import ALL_DRIVERS, REGISTRY, Context, Rule

_BIOS = ("os:bios",)
_DEVICE_BOOT = ("device-boot",)
_LOADER = ("os:loader",)
_NVRAM = ("os:nvram",)
_STORE = ("os:nvram", "os:varstore")
_FIRMWARE = ("os:firmware",)
_SYSINFO = ("domain:sysinfo",)


def _types_not_run_by(driver: str | None) -> tuple[str, ...]:
    """The OS types a driver does not run (what os-type-unsupported-by-driver reports)."""
    from .rules.hypervisor import OS_TYPES_BY_DRIVER

    known = sorted({os_type for types in OS_TYPES_BY_DRIVER.values() for os_type in types})
    return tuple(f"type={os_type}" for os_type in known if os_type not in OS_TYPES_BY_DRIVER.get(driver or "", ()))


# Rule name -> its triggers, or a function of the driver that gives them.
TRIGGERS: dict[str, tuple[str, ...] | Callable[[str | None], tuple[str, ...]]] = {
    # BIOS (rules/bios.py): every rule reads <os><bios>.
    "useserial-requires-serial": _BIOS,
    "reboot-timeout-range": _BIOS,
    "reboot-timeout-schema-limit": _BIOS,
    "useserial-requires-x86": _BIOS,
    "reboot-timeout-with-uefi": _BIOS,
    "useserial-with-uefi": _BIOS,
    # Boot order and boot menu (rules/boot.py).
    "boot-order-conflict": _DEVICE_BOOT,
    "duplicate-boot-order": _DEVICE_BOOT,
    "device-boot-order-invalid": _DEVICE_BOOT,
    "boot-loadparm-invalid": _DEVICE_BOOT,
    "filesystem-boot-order-requires-virtiofs": _DEVICE_BOOT,
    "boot-order-unsupported-device": _DEVICE_BOOT,
    "duplicate-boot-device": ("os:boot*2",),
    "too-many-boot-devices": ("os:boot*2",),
    "boot-device-missing": ("os:boot*2", "os:boot!hd"),  # silent for a lone <boot dev='hd'/>
    "bootmenu-timeout-range": ("os:bootmenu",),
    "bootmenu-timeout-ignored": ("os:bootmenu",),
    "qemu-bootloader": ("domain:bootloader",),  # "<bootloader" is in "<bootloader_args" too
    "bootloader-drops-hvm-boot-settings": ("domain:bootloader",),
    "bhyve-boot-device": ("os:boot", "device-boot"),
    "bhyve-bootloader-args-required": ("domain:bootloader",),
    "loader-ignored-with-bootloader": ("domain:bootloader",),
    # Containers (rules/container.py).
    "container-requires-init": ("type=exe",),
    "empty-init-argument": ("type=exe",),
    # Firmware, loader, NVRAM, ACPI (rules/firmware.py).
    "loader-requires-hvm": _LOADER,
    "enrolled-keys-requires-secure-boot": _FIRMWARE,
    "firmware-features-require-autoselect": _FIRMWARE,
    "duplicate-firmware-feature": _FIRMWARE,
    "loader-path-required": ("os:loader", "os:nvram"),
    "bios-firmware-variable-store": _STORE,
    "stateless-loader-variable-store": _STORE,
    "variable-store-read-write-loader": _STORE,
    "rom-loader-read-write": _LOADER,
    "rom-loader-format": _LOADER,
    "nvram-with-rom-loader": _NVRAM,
    "nvram-type-requires-source": _NVRAM,
    "nvram-source-type-unsupported": _NVRAM,
    "nvram-template-network": _NVRAM,
    "secure-boot-requires-q35": ("os:loader", "os:firmware"),
    "secure-boot-requires-x86-64": _LOADER,
    "secure-boot-requires-smm": _LOADER,
    "secure-boot-unsupported-xen": ("os:loader", "os:firmware"),
    "uefi-requires-acpi": ("os@firmware", "os:loader"),
    "acpi-requires-uefi": ("arch=aarch64",),
    "acpi-table-duplicate-type": ("os:acpi",),
    "acpi-table-type-unsupported": ("os:acpi",),
    "bios-firmware-loader-mismatch": _LOADER,
    "acpi-unsupported-machine": ("arch=s390x", "arch=s390"),
    # Hypervisors (rules/hypervisor.py).
    "os-type-required": ("no-os",),
    "domain-type-required": ("no-domain-type",),
    "os-type-unsupported-by-driver": lambda driver: _types_not_run_by(driver),
    "linux-os-type-requires-xen": ("type=linux",),
    "firmware-autoselect-unsupported": ("os@firmware",),
    "vmx-arch": ("os:type",),
    # Direct kernel boot (rules/kernel.py).
    "kernel-args-without-kernel": ("os:initrd", "os:cmdline"),
    "shim-requires-kernel": ("os:shim",),
    "ch-requires-kernel": ("type=hvm",),
    # SMBIOS and sysinfo (rules/smbios.py).
    "smbios-sysinfo-missing": ("os:smbios",),
    "sysinfo-unused": _SYSINFO,
    "sysinfo-uuid-mismatch": _SYSINFO,
    "sysinfo-bios-date": _SYSINFO,
    "smbios-multiple-baseboards": _SYSINFO,
    "vmx-smbios-sysinfo": ("os:smbios",),
    # Checks of older libvirt releases (rules/legacy.py): silent without a target version.
    "requires-newer-libvirt": ("libvirt-version",),
    "loader-settings-with-autoselect": ("libvirt-version",),
    "stateless-no-requires-pflash": ("libvirt-version",),
    "stateless-no-requires-efi": ("libvirt-version",),
}


class _Plan:
    """For one driver and document kind: the rules that apply, those that always run, and which
    rules each marker triggers (as positions, so the rules run in registry order)."""

    def __init__(self, rules: list[Rule], driver: str | None) -> None:
        self.rules = rules
        self.always: list[int] = []
        self.by_marker: dict[str, list[int]] = {}
        self.chosen: dict[tuple[str, ...], list[Rule]] = {}  # markers -> rules, as documents repeat
        for index, rule in enumerate(rules):
            markers = TRIGGERS.get(rule.name)
            if callable(markers):
                markers = markers(driver)
            if markers is None:
                self.always.append(index)
                continue
            for marker in markers:
                self.by_marker.setdefault(marker, []).append(index)


_PLANS: dict[tuple[str | None, bool, int], _Plan] = {}


def _plan(driver: str | None, has_domain: bool) -> _Plan:
    key = (driver, has_domain, len(REGISTRY))
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = _Plan(applicable(driver, has_domain), driver)
    return plan


def applicable(driver: str | None, has_domain: bool) -> list[Rule]:
    """The rules that apply to a document for this driver, in registry order (engine's filter)."""
    rules = []
    for rule in REGISTRY.values():
        if rule.check is None or (rule.needs_domain and not has_domain):
            continue
        if driver is not None and driver not in rule.drivers:
            continue
        if driver is None and rule.drivers != ALL_DRIVERS:
            continue  # a driver-specific rule stays silent when the driver is unknown
        rules.append(rule)
    return rules


def markers(context: Context) -> tuple[str, ...]:
    """The markers of the document `context` describes (see the module's documentation)."""
    found: list[str] = []
    os, domain = context.os, context.domain
    if context.libvirt_version is not None:
        found.append("libvirt-version")
    boot_named = 0  # <boot> and <bootmenu> children of <os>
    if os is not None:
        if os.get("firmware") is not None:
            found.append("os@firmware")
        seen = set()
        not_hd = False
        for child in os:
            tag = child.tag
            if tag in seen:
                found.append(f"os:{tag}*2")
            elif tag.__class__ is str:  # not a comment or processing instruction
                seen.add(tag)
                found.append("os:" + tag)
                if tag == "type":
                    arch = child.get("arch")
                    if arch:
                        found.append("arch=" + arch)
            if tag == "boot" or tag == "bootmenu":
                boot_named += 1
                if tag == "boot" and child.get("dev") != "hd":
                    not_hd = True
        if not_hd:
            found.append("os:boot!hd")
        os_type = context.os_type
        if os_type is not None:
            found.append("type=" + os_type)
    if domain is not None:
        if os is None:
            found.append("no-os")
        if domain.get("type") is None:
            found.append("no-domain-type")
        text = context.document.text
        boots = text.count("<boot")
        loaders = text.count("<bootloader") if boots else 0
        if loaders:
            found.append("domain:bootloader")
        if "<sysinfo" in text:
            found.append("domain:sysinfo")
        # Every element named boot or bootmenu in no namespace starts with "<boot" in the text,
        # but not with "<bootloader": more of those than <os> has means maybe a device's <boot>.
        if boots - loaders > boot_named:
            found.append("device-boot")
    return tuple(found)


def rules_for(context: Context) -> list[Rule]:
    """The rules to run on this document: the applicable ones whose triggers it has."""
    plan = _plan(context.driver, context.domain is not None)
    found = markers(context)
    rules = plan.chosen.get(found)
    if rules is None:
        chosen = set(plan.always)
        for marker in found:
            chosen.update(plan.by_marker.get(marker, ()))
        if len(plan.chosen) >= 1024:
            plan.chosen.clear()  # odd documents (each a new marker) must not grow memory
        rules = plan.chosen[found] = [plan.rules[index] for index in sorted(chosen)]
    return rules
