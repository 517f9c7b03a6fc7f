"""Agreement with the newest libvirt and with what real projects write (issue 14, items 1-3, 5).

Each test lints a small domain and compares every diagnostic (code, position, severity, message,
help) with what libvirt says about it; the fixtures hold the same cases as golden files.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from domlint import engine
from domlint.cli import main
from domlint.rules import REGISTRY, severity_label


def lint(text: str, driver: str | None = None, version: tuple[int, int, int] | None = None) -> list[tuple]:
    """(line, column, code, severity, message, help) of every diagnostic, in order."""
    options = engine.Options(driver=driver, libvirt_version=version)
    result = engine.lint(text.encode(), "vm.xml", options)
    return [(d.span.line, d.span.column, d.code, d.severity.value, d.message, d.help) for d in result.diagnostics]


def domain(os: str, features: str = "<acpi/>", devices: str = "", head: str = "", kind: str = "kvm") -> str:
    """A QEMU/KVM domain with the given <os> body, features and devices (each on line 5 on)."""
    return (
        f"<domain type='{kind}'>\n  <name>g</name>\n  <memory unit='MiB'>1024</memory>\n{head}"
        f"  <os>\n{os}\n  </os>\n  <features>{features}</features>\n  <devices>{devices}</devices>\n</domain>\n"
    )


AARCH64 = "    <type arch='aarch64' machine='virt'>hvm</type>"
Q35 = "    <type arch='x86_64' machine='q35'>hvm</type>"
UEFI_VARS = "    <loader readonly='yes' type='rom'>/usr/share/edk2/QEMU_EFI.qemuvars.fd</loader>\n    <varstore/>"


# --- item 1: a ROM loader with a <varstore> is UEFI --------------------------------------------------


def test_acpi_on_aarch64_with_a_varstore_loader_is_accepted() -> None:
    assert lint(domain(f"{AARCH64}\n{UEFI_VARS}")) == []


def test_a_varstore_loader_on_x86_needs_acpi_like_any_uefi() -> None:
    assert lint(domain(f"{Q35}\n{UEFI_VARS}", features="")) == [
        (
            7,
            5,
            "OS219",
            "error",
            "UEFI requires ACPI on this architecture ('x86_64'), but <features> has no <acpi/>",
            "add <acpi/> to <features>",
        )
    ]


def test_the_bios_settings_count_a_varstore_loader_as_uefi() -> None:
    text = domain(f"{Q35}\n{UEFI_VARS}\n    <bios useserial='yes' rebootTimeout='5000'/>", devices="<serial type='pty'/>")
    assert [(code, message) for _, _, code, _, message, _ in lint(text)] == [
        (
            "OS105",
            "useserial='yes' turns on the BIOS Serial Graphics Adapter, which UEFI firmware (a loader with a <varstore>) does not use",
        ),
        ("OS104", "rebootTimeout is a BIOS setting and has no effect with UEFI firmware (a loader with a <varstore>)"),
    ]


def test_a_varstore_without_a_loader_is_not_uefi_by_itself() -> None:
    assert [d[2] for d in lint(domain(f"{AARCH64}\n    <varstore/>"))] == ["OS220"]


def test_acpi_requires_uefi_tells_a_virt_install_rom_loader_to_become_pflash() -> None:
    text = domain(f"{AARCH64}\n    <loader readonly='yes'>/usr/share/AAVMF/AAVMF_CODE.fd</loader>")
    assert lint(text) == [
        (
            8,
            13,
            "OS220",
            "error",
            "ACPI requires UEFI on this architecture ('aarch64'), but the guest boots no UEFI firmware "
            "(no firmware='efi', pflash loader or loader with a <varstore>)",
            "add type='pflash' to <loader>: a loader path without a type is a ROM, not UEFI (or remove <acpi/>)",
        )
    ]


# --- item 2: <hwuuid> -------------------------------------------------------------------------------

HWUUID = (
    "  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>\n  <hwuuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</hwuuid>\n"
    "  <sysinfo type='smbios'><system><entry name='uuid'>{}</entry></system></sysinfo>\n"
)


def test_the_sysinfo_uuid_is_compared_with_hwuuid() -> None:
    same_as_hw = domain(Q35 + "\n    <smbios mode='sysinfo'/>", head=HWUUID.format("4dea22b3-1d52-d8f3-2516-782e98ab3fa0"))
    same_as_domain = domain(Q35 + "\n    <smbios mode='sysinfo'/>", head=HWUUID.format("c7a5fdbd-edaf-9455-926a-d65c16db1809"))
    assert lint(same_as_hw) == []
    assert lint(same_as_domain) == [
        (
            6,
            53,
            "OS603",
            "error",
            "sysinfo system uuid 'c7a5fdbd-edaf-9455-926a-d65c16db1809' differs from the domain <hwuuid> "
            "'4dea22b3-1d52-d8f3-2516-782e98ab3fa0'",
            "use the domain's <hwuuid> here, or remove the uuid entry (libvirt fills it in)",
        )
    ]


def test_the_grammar_dates_hwuuid() -> None:
    text = domain(Q35 + "\n    <smbios mode='sysinfo'/>", head=HWUUID.format("4dea22b3-1d52-d8f3-2516-782e98ab3fa0"))
    assert [(line, code, message) for line, _, code, _, message, _ in lint(text, version=(11, 0, 0))] == [
        (5, "OS800", "<hwuuid> needs libvirt 11.8.0 or newer; the target is 11.0.0")
    ]
    assert lint(text, version=(11, 8, 0)) == []


# --- item 3: rejections libvirt makes without the host ----------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "column", "reason"),
    [
        ("readonly='no'", 13, "no BIOS firmware is read/write (readonly='no')"),
        ("stateless='no'", 13, "a BIOS keeps no NVRAM (stateless='no')"),
    ],
)
def test_bios_autoselection_finds_no_writable_or_stateful_firmware(attribute: str, column: int, reason: str) -> None:
    text = domain(f"{Q35}\n    <loader {attribute}/>").replace("<os>", "<os firmware='bios'>")
    (found,) = lint(text)
    assert found[:5] == (
        6,
        column,
        "OS223",
        "error",
        f"Unable to find 'bios' firmware that is compatible with the current configuration: {reason}",
    )


def test_bios_loader_mismatch_leaves_older_targets_to_their_own_rules() -> None:
    stateful = domain(f"{Q35}\n    <loader stateless='no'/>").replace("<os>", "<os firmware='bios'>")
    writable = stateful.replace("stateless='no'", "readonly='no'")
    assert [d[2] for d in lint(stateful, version=(12, 0, 0))] == ["OS803"]
    assert [d[2] for d in lint(stateful, version=(12, 1, 0))] == ["OS223"]
    assert [d[2] for d in lint(writable, version=(9, 1, 0))] == ["OS801"]
    assert [d[2] for d in lint(writable, version=(9, 2, 0))] == ["OS223"]


def test_a_writable_rom_loader_with_bios_autoselection_is_reported_once() -> None:
    text = domain(f"{Q35}\n    <loader readonly='no' type='rom'>/usr/share/seabios/bios.bin</loader>").replace(
        "<os>", "<os firmware='bios'>"
    )
    assert [d[2] for d in lint(text)] == ["OS209"]


def test_virtiofs_boot_order_needs_pci() -> None:
    filesystem = (
        "<filesystem type='mount'><driver type='virtiofs'/><source dir='/srv'/><target dir='root'/><boot order='1'/>{}</filesystem>"
    )
    s390 = "    <type arch='s390x' machine='s390-ccw-virtio'>hvm</type>"
    on_ccw = domain(s390, features="", devices=filesystem.format(""))
    assert lint(on_ccw) == [
        (
            8,
            102,
            "OS307",
            "error",
            "setting virtiofs boot order is supported only with PCI bus, but this filesystem is on 'ccw'",
            "remove this <boot> and give the boot order to a disk or network interface, or put the filesystem on PCI",
        )
    ]
    on_pci = domain(s390, features="", devices=filesystem.format("<address type='pci' domain='0' bus='0' slot='1' function='0'/>"))
    assert lint(on_pci) == []
    assert lint(domain(Q35, devices=filesystem.format(""))) == []
    assert lint(on_ccw, version=(10, 3, 0)) == []


def test_acpi_on_s390x_is_refused() -> None:
    text = domain("    <type arch='s390x'>hvm</type>")
    assert lint(text) == [
        (
            7,
            13,
            "OS224",
            "error",
            "machine type 's390-ccw-virtio' does not support ACPI (s390 guests have none)",
            "remove <acpi/> from <features>",
        )
    ]
    assert lint(text, version=(9, 0, 0)) == []


def test_a_domain_without_type_is_refused() -> None:
    text = domain("    <type>exe</type>\n    <init>/sbin/init</init>", features="").replace("<domain type='kvm'>", "<domain>")
    assert lint(text) == [
        (
            1,
            1,
            "OS706",
            "error",
            "missing domain type attribute: <domain> must say which hypervisor runs it",
            "add type='kvm' (or qemu, xen, lxc, ...) to <domain>",
        )
    ]
    assert lint(text, driver="lxc")[0][2] == "OS706"


# --- item 5: rule-side wording and severities --------------------------------------------------------


def test_useserial_with_uefi_suggests_a_serial_console_only_without_one() -> None:
    os = "    <type arch='x86_64' machine='q35'>hvm</type>\n    <bios useserial='yes'/>"
    with_console = domain(os, devices="<console type='pty'/>").replace("<os>", "<os firmware='efi'>")
    without = domain(os).replace("<os>", "<os firmware='efi'>")
    assert [d[5] for d in lint(with_console)] == ["remove useserial; the firmware writes to the guest's serial console by itself"]
    assert [d[5] for d in lint(without) if d[2] == "OS105"] == ["remove useserial and give the guest a <serial> console"]


def test_sysinfo_unused_does_not_suggest_smbios_where_there_is_none() -> None:
    sysinfo = "  <sysinfo type='smbios'><system><entry name='serial'>SN-1</entry></system></sysinfo>\n"
    s390 = domain("    <type arch='s390x' machine='s390-ccw-virtio'>hvm</type>", features="", head=sysinfo)
    assert lint(s390) == [
        (
            4,
            3,
            "OS602",
            "warning",
            "QEMU ignores <sysinfo type='smbios'> because 's390x' guests have no SMBIOS tables",
            "remove <sysinfo type='smbios'>",
        )
    ]
    assert (
        lint(domain(Q35, head=sysinfo))[0][5]
        == "add <smbios mode='sysinfo'/> to <os> to pass these values to the guest, or remove <sysinfo>"
    )


def test_per_driver_severity_is_declared_once_with_the_rule() -> None:
    rule = REGISTRY["kernel-args-without-kernel"]
    assert (rule.severity_for("qemu").value, rule.severity_for("test").value, rule.severity_for(None).value) == (
        "error",
        "warning",
        "warning",
    )
    assert severity_label(rule) == "error on qemu, warning elsewhere"
    assert severity_label(REGISTRY["loader-requires-hvm"]) == "error"
    text = domain(f"{Q35}\n    <initrd>/boot/initrd.img</initrd>")
    assert [d[3] for d in lint(text)] == ["error"]
    assert [d[3] for d in lint(text.replace("type='kvm'", "type='test'"))] == ["warning"]
    assert {name for name, r in REGISTRY.items() if r.severity_by_driver} == {
        "useserial-requires-serial",
        "firmware-features-require-autoselect",
        "kernel-args-without-kernel",
        "smbios-sysinfo-missing",
    }


def test_the_rules_table_and_rule_page_show_the_per_driver_severity() -> None:
    runner = CliRunner()
    text = runner.invoke(main, ["rules"]).output.splitlines()
    assert (
        "OS401  kernel-args-without-kernel   error on qemu, warning elsewhere "
        "An <initrd> or <cmdline> for direct kernel boot without a <kernel>."
    ) in text
    records = {r["name"]: r for r in json.loads(runner.invoke(main, ["rules", "--format", "json"]).output)}
    assert (records["kernel-args-without-kernel"]["severity"], records["kernel-args-without-kernel"]["severity_by_driver"]) == (
        "warning",
        {"qemu": "error"},
    )
    assert records["loader-requires-hvm"]["severity_by_driver"] == {}
    page = runner.invoke(main, ["rule", "OS401"]).output
    assert page.startswith("OS401 kernel-args-without-kernel (error on qemu, warning elsewhere; drivers: all but ch)\n")


def test_init_belongs_to_containers_whatever_the_loader() -> None:
    text = domain(
        "    <type>xen</type>\n    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>\n    <init>/sbin/init</init>",
        kind="xen",
    )
    assert [(line, code, message) for line, _, code, _, message, _ in lint(text) if code == "OS008"] == [
        (
            7,
            "OS008",
            "<init> is allowed in <os> only when <type> is 'exe', not 'xen'; libvirt's schema (virsh edit, virsh define --validate, "
            "virt-xml-validate) refuses it, but its parser ignores it",
        )
    ]


def test_loader_requires_hvm_says_xen_keeps_the_loader_and_libxl_ignores_it() -> None:
    doc = REGISTRY["loader-requires-hvm"].doc
    assert "libvirt's parser keeps the loader" in doc and "uses a loader only for HVM guests" in doc
    assert "ignores or\ndrops it" not in doc


def test_qemu_bootloader_gives_one_diagnostic_for_both_elements() -> None:
    head = "  <bootloader>/usr/bin/pygrub</bootloader>\n  <bootloader_args>--append single</bootloader_args>\n"
    assert lint(domain(Q35, head=head)) == [
        (
            4,
            3,
            "OS312",
            "error",
            "<bootloader> and <bootloader_args> are not supported by QEMU: a QEMU/KVM guest boots through its firmware or <os><kernel>",
            "remove <bootloader> and <bootloader_args>; to boot a kernel from the host use <os><kernel> (and <initrd>, <cmdline>)",
        )
    ]
