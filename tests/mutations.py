"""Mutations of accepted domains, touching every rule family, for the live-libvirt agreement test.

Each mutation is a base domain plus edits. The bases are accepted by libvirt 9.0.0 on both the
generic (test) and the QEMU driver; the edits each break (or keep) one thing libvirt checks.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from collections.abc import Iterator

from lxml import etree

_DEVICES = """
  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/libvirt/images/guest.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/var/lib/libvirt/images/install.iso'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <interface type='user'>
      <mac address='52:54:00:12:34:56'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <target port='0'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
  </devices>"""

BASES = {
    "q35": f"""<domain type='kvm'>
  <name>mutant</name>
  <uuid>6c0e0a1e-4f6e-4a43-9d7e-2b8f6f1d2c3a</uuid>
  <memory unit='MiB'>1024</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>{_DEVICES}
</domain>
""",
    "pc": f"""<domain type='kvm'>
  <name>mutant</name>
  <uuid>6c0e0a1e-4f6e-4a43-9d7e-2b8f6f1d2c3a</uuid>
  <memory unit='MiB'>1024</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
  </features>{_DEVICES}
</domain>
""",
}


@dataclass(frozen=True)
class Edit:
    """`add` XML under the element at `path`; `remove` the element(s) at `path`; `set` (or with
    value None, delete) an attribute; `text` replace the text of the element at `path`."""

    action: str
    path: str
    value: str | None = None
    attribute: str | None = None


@dataclass(frozen=True)
class Mutation:
    name: str
    family: str
    base: str
    edits: tuple[Edit, ...]

    def render(self) -> bytes:
        root = etree.fromstring(BASES[self.base].encode())
        for edit in self.edits:
            _apply(root, edit)
        return etree.tostring(root, xml_declaration=False, encoding="utf-8") + b"\n"


def _apply(root: etree._Element, edit: Edit) -> None:
    targets = [root] if edit.path == "." else root.findall(edit.path)
    for target in targets:
        if edit.action == "add":
            for node in etree.fromstring(f"<wrap>{edit.value}</wrap>"):
                target.append(copy.deepcopy(node))
        elif edit.action == "remove":
            target.getparent().remove(target)
        elif edit.action == "set":
            if edit.value is None:
                target.attrib.pop(edit.attribute, None)
            else:
                target.set(edit.attribute, edit.value)
        elif edit.action == "text":
            target.text = edit.value


def add(path: str, xml: str) -> Edit:
    return Edit("add", path, xml)


def remove(path: str) -> Edit:
    return Edit("remove", path)


def set_(path: str, attribute: str, value: str | None) -> Edit:
    return Edit("set", path, value, attribute)


def text(path: str, value: str) -> Edit:
    return Edit("text", path, value)


OVMF = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_SECURE = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"
VARS = "/var/lib/libvirt/qemu/nvram/mutant_VARS.fd"


def _mutations() -> Iterator[Mutation]:
    for base in BASES:
        yield from _for_base(base)


def _for_base(base: str) -> Iterator[Mutation]:  # noqa: C901 - a flat catalogue
    def m(name: str, family: str, *edits: Edit) -> Mutation:
        return Mutation(f"{base}:{name}", family, base, edits)

    yield m("unchanged", "none")
    # bios: reboot timeout and serial output
    for value in ("-2", "-1", "0", "1000", "32767", "32768", "65535", "65536", "abc", "1.5", "+10"):
        yield m(f"reboot-timeout={value}", "bios", add("os", f"<bios rebootTimeout='{value}'/>"))
    yield m("useserial-with-serial", "bios", add("os", "<bios useserial='yes'/>"))
    yield m("useserial-no-serial", "bios", add("os", "<bios useserial='yes'/>"), remove("devices/serial"), remove("devices/console"))
    yield m("useserial-console-only", "bios", add("os", "<bios useserial='yes'/>"), remove("devices/serial"))
    yield m(
        "useserial-virtio-console",
        "bios",
        add("os", "<bios useserial='yes'/>"),
        remove("devices/serial"),
        set_("devices/console/target", "type", "virtio"),
    )
    yield m("useserial-no", "bios", add("os", "<bios useserial='no'/>"), remove("devices/serial"), remove("devices/console"))
    yield m("useserial-maybe", "bios", add("os", "<bios useserial='maybe'/>"))
    yield m("bios-unknown-attribute", "bios", add("os", "<bios useSerial='yes'/>"))
    # boot menu
    for value in ("-1", "0", "3000", "65535", "65536", "soon"):
        yield m(f"bootmenu-timeout={value}", "boot", add("os", f"<bootmenu enable='yes' timeout='{value}'/>"))
    yield m("bootmenu-disabled-timeout", "boot", add("os", "<bootmenu enable='no' timeout='3000'/>"))
    yield m("bootmenu-no-enable", "boot", add("os", "<bootmenu timeout='3000'/>"))
    yield m("bootmenu-enabled-typo", "boot", add("os", "<bootmenu enabled='yes'/>"))
    yield m("bootmenu-enable-maybe", "boot", add("os", "<bootmenu enable='maybe'/>"))
    # boot devices and per-device boot order
    for dev in ("hd", "cdrom", "network", "fd", "dvd"):
        yield m(f"boot-dev={dev}", "boot", set_("os/boot", "dev", dev))
    yield m("boot-dev-missing", "boot", set_("os/boot", "dev", None))
    yield m("boot-five-devices", "boot", add("os", "<boot dev='cdrom'/><boot dev='network'/><boot dev='hd'/><boot dev='cdrom'/>"))
    yield m("boot-duplicate", "boot", add("os", "<boot dev='hd'/>"))
    yield m("boot-order-and-os-boot", "boot", add("devices/disk[1]", "<boot order='1'/>"))
    yield m("boot-order-only", "boot", remove("os/boot"), add("devices/disk[1]", "<boot order='1'/>"))
    yield m(
        "boot-order-two",
        "boot",
        remove("os/boot"),
        add("devices/disk[1]", "<boot order='1'/>"),
        add("devices/disk[2]", "<boot order='2'/>"),
    )
    yield m(
        "boot-order-same",
        "boot",
        remove("os/boot"),
        add("devices/disk[1]", "<boot order='1'/>"),
        add("devices/disk[2]", "<boot order='1'/>"),
    )
    yield m("boot-order-zero", "boot", remove("os/boot"), add("devices/disk[1]", "<boot order='0'/>"))
    yield m("boot-order-interface", "boot", remove("os/boot"), add("devices/interface", "<boot order='1'/>"))
    yield m("boot-order-missing", "boot", remove("os/boot"), add("devices/disk[1]", "<boot/>"))
    yield m("boot-no-boot-at-all", "boot", remove("os/boot"))
    yield m("bootloader-hvm", "boot", add(".", "<bootloader>/usr/bin/pygrub</bootloader>"))
    yield m("bootloader-args", "boot", add(".", "<bootloader_args>--kernel=/vmlinuz</bootloader_args>"))
    # firmware, loader, nvram
    yield m("firmware-efi", "firmware", set_("os", "firmware", "efi"))
    yield m("firmware-bios", "firmware", set_("os", "firmware", "bios"))
    yield m("firmware-none", "firmware", set_("os", "firmware", "none"))
    yield m("firmware-efi-nvram", "firmware", set_("os", "firmware", "efi"), add("os", f"<nvram>{VARS}</nvram>"))
    yield m("firmware-bios-nvram", "firmware", set_("os", "firmware", "bios"), add("os", f"<nvram>{VARS}</nvram>"))
    yield m(
        "firmware-efi-secure-boot",
        "firmware",
        set_("os", "firmware", "efi"),
        add("os", "<firmware><feature enabled='yes' name='secure-boot'/></firmware>"),
    )
    yield m(
        "firmware-efi-enrolled-no-secure",
        "firmware",
        set_("os", "firmware", "efi"),
        add("os", "<firmware><feature enabled='yes' name='enrolled-keys'/><feature enabled='no' name='secure-boot'/></firmware>"),
    )
    yield m(
        "firmware-efi-enrolled-only",
        "firmware",
        set_("os", "firmware", "efi"),
        add("os", "<firmware><feature enabled='yes' name='enrolled-keys'/></firmware>"),
    )
    yield m("firmware-features-no-firmware", "firmware", add("os", "<firmware><feature enabled='no' name='secure-boot'/></firmware>"))
    yield m(
        "firmware-feature-bad-name",
        "firmware",
        set_("os", "firmware", "efi"),
        add("os", "<firmware><feature enabled='yes' name='secureboot'/></firmware>"),
    )
    yield m("firmware-empty", "firmware", set_("os", "firmware", "efi"), add("os", "<firmware/>"))
    yield m("loader-pflash", "firmware", add("os", f"<loader readonly='yes' type='pflash'>{OVMF}</loader>"))
    yield m("loader-pflash-nvram", "firmware", add("os", f"<loader readonly='yes' type='pflash'>{OVMF}</loader><nvram>{VARS}</nvram>"))
    yield m(
        "loader-pflash-no-acpi", "firmware", add("os", f"<loader readonly='yes' type='pflash'>{OVMF}</loader>"), remove("features/acpi")
    )
    yield m("loader-rom-no-acpi", "firmware", add("os", "<loader type='rom'>/usr/share/seabios/bios.bin</loader>"), remove("features/acpi"))
    yield m("firmware-efi-no-acpi", "firmware", set_("os", "firmware", "efi"), remove("features/acpi"))
    yield m("loader-no-path", "firmware", add("os", "<loader readonly='yes' type='pflash'/>"))
    yield m("nvram-only", "firmware", add("os", f"<nvram>{VARS}</nvram>"))
    yield m("loader-type-none", "firmware", add("os", f"<loader type='none'>{OVMF}</loader>"))
    yield m("loader-readonly-maybe", "firmware", add("os", f"<loader readonly='maybe' type='pflash'>{OVMF}</loader>"))
    yield m("loader-relative-path", "firmware", add("os", "<loader readonly='yes' type='pflash'>OVMF_CODE.fd</loader>"))
    yield m(
        "loader-stateless-nvram",
        "firmware",
        add("os", f"<loader readonly='yes' type='pflash' stateless='yes'>{OVMF}</loader><nvram>{VARS}</nvram>"),
    )
    yield m(
        "loader-stateless-template",
        "firmware",
        add(
            "os", f"<loader readonly='yes' type='pflash' stateless='yes'>{OVMF}</loader><nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'/>"
        ),
    )
    yield m("loader-stateless", "firmware", add("os", f"<loader readonly='yes' type='pflash' stateless='yes'>{OVMF}</loader>"))
    yield m(
        "loader-secure",
        "firmware",
        add("os", f"<loader readonly='yes' secure='yes' type='pflash'>{OVMF_SECURE}</loader><nvram>{VARS}</nvram>"),
    )
    yield m(
        "loader-secure-smm",
        "firmware",
        add("os", f"<loader readonly='yes' secure='yes' type='pflash'>{OVMF_SECURE}</loader><nvram>{VARS}</nvram>"),
        add("features", "<smm state='on'/>"),
    )
    yield m(
        "loader-secure-smm-i686",
        "firmware",
        add("os", f"<loader readonly='yes' secure='yes' type='pflash'>{OVMF_SECURE}</loader><nvram>{VARS}</nvram>"),
        add("features", "<smm state='on'/>"),
        set_("os/type", "arch", "i686"),
    )
    yield m(
        "nvram-network-template",
        "firmware",
        add(
            "os",
            f"<loader readonly='yes' type='pflash'>{OVMF}</loader>"
            "<nvram type='network' template='/usr/share/OVMF/OVMF_VARS_4M.fd'>"
            "<source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool/0'>"
            "<host name='example.com' port='6000'/></source></nvram>",
        ),
    )
    yield m(
        "nvram-type-no-source",
        "firmware",
        add("os", f"<loader readonly='yes' type='pflash'>{OVMF}</loader><nvram type='file'/>"),
    )
    yield m(
        "nvram-type-dir",
        "firmware",
        add("os", f"<loader readonly='yes' type='pflash'>{OVMF}</loader><nvram type='dir'><source dir='/var/lib/nvram'/></nvram>"),
    )
    yield m("nvram-with-rom-loader", "firmware", add("os", f"<loader type='rom'>/usr/share/seabios/bios.bin</loader><nvram>{VARS}</nvram>"))
    yield m("acpi-table-slic", "firmware", add("os", "<acpi><table type='slic'>/var/lib/libvirt/acpi/slic.dat</table></acpi>"))
    yield m(
        "acpi-table-two-slic",
        "firmware",
        add(
            "os",
            "<acpi><table type='slic'>/var/lib/libvirt/acpi/a.dat</table><table type='slic'>/var/lib/libvirt/acpi/b.dat</table></acpi>",
        ),
    )
    yield m("acpi-table-bad-type", "firmware", add("os", "<acpi><table type='dsdt'>/var/lib/libvirt/acpi/a.dat</table></acpi>"))
    # direct kernel boot
    yield m(
        "kernel", "kernel", add("os", "<kernel>/boot/vmlinuz</kernel><initrd>/boot/initrd.img</initrd><cmdline>console=ttyS0</cmdline>")
    )
    yield m("kernel-relative", "kernel", add("os", "<kernel>boot/vmlinuz</kernel>"))
    yield m("initrd-without-kernel", "kernel", add("os", "<initrd>/boot/initrd.img</initrd>"))
    yield m("cmdline-without-kernel", "kernel", add("os", "<cmdline>console=ttyS0</cmdline>"))
    # smbios and sysinfo
    yield m("smbios-emulate", "smbios", add("os", "<smbios mode='emulate'/>"))
    yield m("smbios-none", "smbios", add("os", "<smbios mode='none'/>"))
    yield m("smbios-bogus", "smbios", add("os", "<smbios mode='bogus'/>"))
    yield m(
        "sysinfo-used",
        "smbios",
        add("os", "<smbios mode='sysinfo'/>"),
        add(".", "<sysinfo type='smbios'><system><entry name='manufacturer'>Example</entry></system></sysinfo>"),
    )
    yield m(
        "sysinfo-uuid-match",
        "smbios",
        add(".", "<sysinfo type='smbios'><system><entry name='uuid'>6c0e0a1e-4f6e-4a43-9d7e-2b8f6f1d2c3a</entry></system></sysinfo>"),
    )
    yield m(
        "sysinfo-uuid-mismatch",
        "smbios",
        add(".", "<sysinfo type='smbios'><system><entry name='uuid'>00000000-1111-2222-3333-444444444444</entry></system></sysinfo>"),
    )
    for date in ("01/02/2024", "1/2/24", "2024-01-02", "13/01/2024"):
        yield m(
            f"sysinfo-bios-date={date}",
            "smbios",
            add(".", f"<sysinfo type='smbios'><bios><entry name='date'>{date}</entry></bios></sysinfo>"),
        )
    # hypervisor: OS type and domain type
    yield m("os-type-exe", "hypervisor", text("os/type", "exe"), remove("os/boot"), add("os", "<init>/sbin/init</init>"))
    yield m(
        "os-type-xen",
        "hypervisor",
        text("os/type", "xen"),
        set_("os/type", "machine", None),
        remove("os/boot"),
        add("os", "<kernel>/boot/vmlinuz</kernel>"),
    )
    yield m("os-type-blanks", "hypervisor", text("os/type", " hvm "))
    yield m("os-type-uml", "hypervisor", text("os/type", "uml"))
    yield m("os-missing", "hypervisor", remove("os"))
    yield m("os-type-missing", "hypervisor", remove("os/type"))
    yield m("os-arch-bogus", "hypervisor", set_("os/type", "arch", "x86-64"))
    yield m("os-two", "hypervisor", add(".", "<os><type>hvm</type></os>"))
    yield m("os-unknown-child", "hypervisor", add("os", "<splash/>"))
    yield m(
        "os-loader-twice",
        "firmware",
        add("os", f"<loader readonly='yes' type='pflash'>{OVMF}</loader><loader readonly='yes' type='pflash'>{OVMF}</loader>"),
    )


MUTATIONS: list[Mutation] = list(_mutations())


# What changed between libvirt 9.0.0 and the newest release, for the agreement test judged with a
# target of 9.0 (`--libvirt-version 9.0`). Without a target domlint follows the newest libvirt,
# which disagrees with 9.0.0 about each of these by design, so they are left out of that run.
SEABIOS = "/usr/share/seabios/bios.bin"
TEMPLATE = "/usr/share/OVMF/OVMF_VARS_4M.fd"


def _version_mutations() -> Iterator[Mutation]:  # noqa: C901 - a flat catalogue
    def m(name: str, family: str, *edits: Edit) -> Mutation:
        return Mutation(f"q35:{name}", family, "q35", edits)

    efi = set_("os", "firmware", "efi")
    # loader settings together with firmware autoselection (refused before 9.2, filters since)
    yield m("efi-loader-readonly", "versions", efi, add("os", "<loader readonly='yes'/>"))
    yield m("efi-loader-type", "versions", efi, add("os", "<loader type='pflash'/>"))
    yield m("efi-loader-path", "versions", efi, add("os", f"<loader>{OVMF}</loader>"))
    yield m("efi-loader-insecure", "versions", efi, add("os", "<loader secure='no'/>"))
    yield m("efi-loader-secure", "versions", efi, add("os", "<loader secure='yes'/>"), add("features", "<smm state='on'/>"))
    yield m("efi-nvram-template", "versions", efi, add("os", f"<nvram template='{TEMPLATE}'/>"))
    yield m("efi-nvram-path", "versions", efi, add("os", f"<loader/><nvram>{VARS}</nvram>"))
    yield m(
        "efi-filled-in",
        "versions",
        efi,
        add("os", f"<loader readonly='yes' type='pflash'>{OVMF}</loader><nvram template='{TEMPLATE}'>{VARS}</nvram>"),
    )
    # stateless='no' (refused on a ROM loader or with a BIOS until 12.1)
    yield m("bios-stateless-no", "versions", set_("os", "firmware", "bios"), add("os", "<loader stateless='no'/>"))
    yield m("efi-stateless-no", "versions", efi, add("os", "<loader stateless='no'/>"))
    yield m("rom-stateless-no", "versions", add("os", f"<loader type='rom' stateless='no'>{SEABIOS}</loader>"))
    yield m("path-stateless-no", "versions", add("os", f"<loader stateless='no'>{SEABIOS}</loader>"))
    yield m("path-stateless-no-nvram", "versions", add("os", f"<loader stateless='no'>{OVMF}</loader><nvram>{VARS}</nvram>"))
    yield m(
        "pflash-stateless-no",
        "versions",
        add("os", f"<loader readonly='yes' type='pflash' stateless='no'>{OVMF}</loader><nvram>{VARS}</nvram>"),
    )
    # read/write loaders (refused by the newest libvirt, accepted by 9.0.0)
    yield m("rom-read-write", "versions", add("os", f"<loader readonly='no'>{SEABIOS}</loader>"))
    yield m("rom-read-write-nvram", "versions", add("os", f"<loader readonly='no' type='rom'>{SEABIOS}</loader><nvram>{VARS}</nvram>"))
    yield m("pflash-read-write-nvram", "versions", add("os", f"<loader readonly='no' type='pflash'>{OVMF}</loader><nvram>{VARS}</nvram>"))
    # elements, attributes and values newer than 9.0.0 (its schema refuses them)
    yield m("loader-format", "versions", add("os", f"<loader readonly='yes' type='pflash' format='raw'>{OVMF}</loader>"))
    yield m(
        "nvram-format", "versions", add("os", f"<loader readonly='yes' type='pflash'>{OVMF}</loader><nvram format='raw'>{VARS}</nvram>")
    )
    yield m(
        "nvram-template-format",
        "versions",
        add("os", f"<loader readonly='yes' type='pflash'>{OVMF}</loader><nvram template='{TEMPLATE}' templateFormat='raw'>{VARS}</nvram>"),
    )
    yield m("varstore", "versions", efi, add("os", "<varstore/>"))
    yield m("shim", "versions", add("os", "<kernel>/boot/vmlinuz</kernel><shim>/boot/efi/EFI/fedora/shimx64.efi</shim>"))
    yield m("acpi-table-raw", "versions", add("os", "<acpi><table type='raw'>/var/lib/libvirt/acpi/ssdt.dat</table></acpi>"))
    yield m("acpi-table-msdm", "versions", add("os", "<acpi><table type='msdm'>/var/lib/libvirt/acpi/msdm.dat</table></acpi>"))
    yield m("arch-loongarch64", "versions", set_("os/type", "arch", "loongarch64"), set_("os/type", "machine", "virt"))
    yield m(
        "nvram-vhostvdpa",
        "versions",
        add("os", f"<loader readonly='yes' type='pflash'>{OVMF}</loader><nvram type='vhostvdpa'><source dev='/dev/vhost-vdpa-0'/></nvram>"),
    )
    # older than 9.0.0: accepted
    yield m(
        "nvram-type-file",
        "versions",
        add("os", f"<loader readonly='yes' type='pflash'>{OVMF}</loader><nvram type='file'><source file='{VARS}'/></nvram>"),
    )
    yield m("stateless-yes", "versions", add("os", f"<loader readonly='yes' type='pflash' stateless='yes'>{OVMF}</loader>"))


VERSION_MUTATIONS: list[Mutation] = list(_version_mutations())
