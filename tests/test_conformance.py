"""libvirt's own rejected test domains: each one refused for an `<os>` reason gets the matching rule."""

from __future__ import annotations

import pytest

from domlint import engine
from domlint.diagnostics import Severity

from .conftest import CORPUS, corpus_rows, needs_corpus

# file -> the rule that must report an error on it (libvirt's message is in MANIFEST.tsv).
EXPECTED = {
    "qemuxml2argvdata/boot-dev+order.xml": "boot-order-conflict",
    "qemuxml2argvdata/boot-menu-enable-with-timeout-invalid.xml": "bootmenu-timeout-range",
    "qemuxml2argvdata/firmware-auto-bios-nvram.xml": "bios-firmware-variable-store",
    # The newest libvirt refuses it too, at start: no BIOS firmware keeps NVRAM (issue 14).
    "qemuxml2argvdata/firmware-auto-bios-not-stateless.xml": "bios-firmware-loader-mismatch",
    "qemuxml2argvdata/firmware-auto-efi-enrolled-keys-no-secboot.xml": "enrolled-keys-requires-secure-boot",
    "qemuxml2argvdata/firmware-manual-efi-features.xml": "firmware-features-require-autoselect",
    "qemuxml2argvdata/firmware-manual-efi-no-path.xml": "loader-path-required",
    "qemuxml2argvdata/firmware-manual-efi-noacpi-q35.xml": "uefi-requires-acpi",
    "qemuxml2argvdata/firmware-manual-efi-nvram-stateless.xml": "stateless-loader-variable-store",
    "qemuxml2argvdata/firmware-manual-efi-nvram-template-stateless.xml": "stateless-loader-variable-store",
    "qemuxml2argvdata/firmware-manual-noefi-acpi-aarch64.xml": "acpi-requires-uefi",
    "qemuxml2argvdata/hostdev-scsi-vhost-scsi-pci-boot-fail.xml": "boot-order-unsupported-device",
    "qemuxml2argvdata/hostdev-subsys-mdev-vfio-ap-boot-fail.xml": "boot-order-unsupported-device",
    "qemuxml2argvdata/machine-loadparm-s390-char-invalid.xml": "boot-loadparm-invalid",
    "qemuxml2argvdata/machine-loadparm-s390-len-invalid.xml": "boot-loadparm-invalid",
    "qemuxml2argvdata/smbios-date.xml": "sysinfo-bios-date",
    "qemuxml2argvdata/smbios-uuid-match.xml": "sysinfo-uuid-mismatch",
}

# Rejected by libvirt 9.0.0 for an <os> reason, but accepted by the newest libvirt, which
# domlint follows unless told a target version: checks libvirt dropped after 9.0.0 (loader
# settings with firmware= around 9.2, stateless='no' on a ROM loader in 12.1).
NOT_IN_NEWEST = {
    "qemuxml2argvdata/firmware-manual-bios-not-stateless.xml": "'Only pflash loader type permits NVRAM' (removed after 9.0)",
    "qemuxml2argvdata/firmware-auto-efi-loader-insecure.xml": "loader secure='no' with firmware= (allowed as a filter since 9.2)",
    "qemuxml2argvdata/firmware-auto-efi-loader-path.xml": "loader path/type with firmware= (allowed as a filter since 9.2)",
}

# ... and the rule that reports each of them when the target is libvirt 9.0 (--libvirt-version 9.0),
# with the files whose 9.0 refusal the newest libvirt words otherwise (another rule then).
FOR_TARGET_9_0 = {
    "qemuxml2argvdata/firmware-auto-bios-not-stateless.xml": "stateless-no-requires-efi",
    "qemuxml2argvdata/firmware-manual-bios-not-stateless.xml": "stateless-no-requires-pflash",
    "qemuxml2argvdata/firmware-auto-efi-loader-insecure.xml": "loader-settings-with-autoselect",
    "qemuxml2argvdata/firmware-auto-efi-loader-path.xml": "loader-settings-with-autoselect",
}

# Rejected for an <os> reason that needs host state, which a linter cannot see.
NEEDS_HOST = {
    "qemuxml2argvdata/missing-machine.xml": "the emulator's supported architectures (arch 'alpha')",
}


@needs_corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rejected_file_gets_the_matching_rule(name: str) -> None:
    path = CORPUS / name
    errors = {d.name for d in engine.lint(path.read_bytes(), str(path)).diagnostics if d.severity is Severity.ERROR}
    assert EXPECTED[name] in errors


@needs_corpus
def test_every_os_rejection_is_accounted_for() -> None:
    """Each corpus rejection whose message is about <os> appears in one of the tables above."""
    words = (
        "boot",
        "nvram",
        "loader",
        "firmware",
        "smbios",
        "sysinfo",
        "acpi requires",
        "uefi",
        "secure boot",
        "loadparm",
        "bios",
        "arch '",
    )
    os_rejections = {f"{row[0]}/{row[1]}" for row in corpus_rows() if row[3] == "reject" and any(word in row[4].lower() for word in words)}
    accounted = set(EXPECTED) | set(NOT_IN_NEWEST) | set(NEEDS_HOST)
    assert sorted(os_rejections - accounted) == []
    assert sorted(accounted - os_rejections) == []


@needs_corpus
@pytest.mark.parametrize("name", sorted(NOT_IN_NEWEST))
def test_rejections_libvirt_dropped_get_no_error(name: str) -> None:
    path = CORPUS / name
    assert [d for d in engine.lint(path.read_bytes(), str(path)).diagnostics if d.severity is Severity.ERROR] == []


@needs_corpus
@pytest.mark.parametrize("name", sorted(NOT_IN_NEWEST))
def test_rejections_libvirt_dropped_are_errors_for_target_9_0(name: str) -> None:
    assert set(NOT_IN_NEWEST) <= set(FOR_TARGET_9_0) <= set(NOT_IN_NEWEST) | set(EXPECTED)
    path = CORPUS / name
    options = engine.Options(libvirt_version=(9, 0, 0))
    errors = [d.name for d in engine.lint(path.read_bytes(), str(path), options).diagnostics if d.severity is Severity.ERROR]
    assert errors == [FOR_TARGET_9_0[name]]


@needs_corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rejected_file_gets_the_matching_rule_for_target_9_0(name: str) -> None:
    path = CORPUS / name
    options = engine.Options(libvirt_version=(9, 0, 0))
    errors = {d.name for d in engine.lint(path.read_bytes(), str(path), options).diagnostics if d.severity is Severity.ERROR}
    assert FOR_TARGET_9_0.get(name, EXPECTED[name]) in errors
