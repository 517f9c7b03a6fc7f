"""Rules about which hypervisor driver accepts what: domain type against OS type, driver-only limits."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Severity
from . import Context, Finding, rule
from .facts import X86

# The <os> variants each driver's capabilities offer (virCapabilitiesDomainSupported, called
# from the drivers' post-parse/validate). libxl treats `linux` as an alias of `xen`. The test
# driver runs no capability check, so it is absent: it accepts any OS type.
OS_TYPES_BY_DRIVER: dict[str, tuple[str, ...]] = {
    "qemu": ("hvm",),
    "libxl": ("hvm", "xen", "linux", "xenpvh"),
    "lxc": ("exe",),
    "openvz": ("exe",),
    "vz": ("hvm", "exe"),
    "bhyve": ("hvm",),
    "ch": ("hvm",),
    "vmx": ("hvm",),
    "vbox": ("hvm",),
    "hyperv": ("hvm",),
}
# Every OS type some driver runs: the grammar's values (anything else is its invalid-value).
_KNOWN_OS_TYPES = frozenset(os_type for types in OS_TYPES_BY_DRIVER.values() for os_type in types)


def _accepts(driver: str | None, os_type: str) -> bool:
    """Whether `driver` runs guests of `os_type`; an unknown driver and the test driver accept all."""
    return driver not in OS_TYPES_BY_DRIVER or os_type in OS_TYPES_BY_DRIVER[driver]


def _types_not_run_by(driver: str | None) -> tuple[str, ...]:
    """The triggers of os-type-unsupported-by-driver: the OS types `driver` does not run."""
    return tuple(f"type={os_type}" for os_type in sorted(_KNOWN_OS_TYPES) if not _accepts(driver, os_type))


@rule(
    code="OS701",
    name="os-type-required",
    triggers=("no-os",),
    severity=Severity.ERROR,
    summary="A domain with neither <os> nor <bootloader>, so it has no OS type.",
)
def os_type_required(context: Context) -> Iterator[Finding]:
    """A `<domain>` with no `<os>` element and no `<bootloader>`.

    ## What it catches
    A domain that does not say how its guest boots: there is no `<os>` (with its `<type>`),
    and no `<bootloader>`, which would make the OS type default to `xen`. An `<os>` that lacks
    `<type>` is reported by the grammar (`missing-element`).

    ## Why it matters
    libvirt refuses the domain: "an os <type> must be specified". The OS type decides
    everything else: full virtualisation (`hvm`), Xen paravirtualisation or a container.

    ## Example
    ```xml
    <domain type='kvm'>
      <name>guest</name>
      <memory unit='MiB'>1024</memory>
      <devices/>
    </domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'>
      <name>guest</name>
      <memory unit='MiB'>1024</memory>
      <os>
        <type arch='x86_64' machine='q35'>hvm</type>
      </os>
      <devices/>
    </domain>
    ```

    ## Reference
    formatdomain, "Operating system booting"; `virDomainDefParseCaps`, in 9.0.0 and the newest
    release.
    """
    if context.domain is None or context.os is not None or context.domain.find("bootloader") is not None:
        return
    yield Finding(
        context.domain,
        "the domain has no <os> with a <type> and no <bootloader>, so libvirt cannot tell how the guest boots",
        help="add <os><type>hvm</type></os> (or exe for a container, xen for a Xen PV guest)",
    )


@rule(
    code="OS706",
    name="domain-type-required",
    triggers=("no-domain-type",),
    severity=Severity.ERROR,
    summary="A <domain> without the type attribute that names its hypervisor.",
)
def domain_type_required(context: Context) -> Iterator[Finding]:
    """A `<domain>` start tag without `type`.

    ## What it catches
    `<domain>` with no `type` attribute (`kvm`, `qemu`, `xen`, `lxc`, ...), whatever the rest
    of the domain says, a container's `<type>exe</type>` included.

    ## Why it matters
    libvirt refuses the domain on every driver: "missing domain type attribute". The type
    names the hypervisor that runs the guest; libvirt does not guess it. Without it domlint
    cannot tell the driver either, so driver-specific rules stay silent unless `--driver` is
    given.

    ## Example
    ```xml
    <domain>
      <name>container</name>
      <os>
        <type>exe</type>
        <init>/sbin/init</init>
      </os>
    </domain>
    ```

    ## Use instead
    ```xml
    <domain type='lxc'>
      <name>container</name>
      <os>
        <type>exe</type>
        <init>/sbin/init</init>
      </os>
    </domain>
    ```

    ## Reference
    formatdomain, "Element and attribute overview" (type); `virDomainDefParseXML` (checked
    with the live libvirt 9.0.0; unchanged in the newest release).
    """
    if context.domain is not None and context.domain.get("type") is None:
        yield Finding(
            context.domain,
            "missing domain type attribute: <domain> must say which hypervisor runs it",
            help="add type='kvm' (or qemu, xen, lxc, ...) to <domain>",
        )


@rule(
    code="OS702",
    name="os-type-unsupported-by-driver",
    triggers=_types_not_run_by,
    severity=Severity.ERROR,
    summary="An OS type the domain's hypervisor driver does not run.",
    drivers=set(OS_TYPES_BY_DRIVER),
    needs_domain=False,
)
def os_type_unsupported_by_driver(context: Context) -> Iterator[Finding]:
    """An `<os><type>` that the domain's driver cannot run.

    ## What it catches
    An OS type outside what the driver offers:

    | Driver (domain type) | OS types |
    |---|---|
    | qemu (kvm, qemu, hvf) | hvm |
    | libxl (xen) | hvm, xen, linux, xenpvh |
    | lxc, openvz | exe |
    | vz | hvm, exe |
    | bhyve, ch, vmx (vmware), vbox, hyperv | hvm |
    | test | any |

    ## Why it matters
    libvirt refuses the domain: QEMU says "Emulator '...' does not support os type 'exe'",
    the other drivers "could not find capabilities for ostype=...". A container needs a
    container driver (LXC, OpenVZ, Virtuozzo); a Xen paravirtualised guest needs Xen.

    ## Example
    ```xml
    <domain type='kvm'>
      <os>
        <type>exe</type>
        <init>/sbin/init</init>
      </os>
    </domain>
    ```

    ## Use instead
    ```xml
    <domain type='lxc'>
      <os>
        <type>exe</type>
        <init>/sbin/init</init>
      </os>
    </domain>
    ```

    ## Reference
    formatdomain, "Operating system booting"; `qemuValidateDomainDef` (QEMU) and
    `virCapabilitiesDomainDataLookupInternal` (other drivers), in 9.0.0 and the newest release.
    The architecture is part of the same capability check, but which architectures a driver
    offers depends on the host, so domlint does not check it.
    """
    os_type = context.os_type
    if context.os is None or context.driver is None or os_type not in _KNOWN_OS_TYPES:
        return
    supported = OS_TYPES_BY_DRIVER[context.driver]
    if os_type in supported:
        return
    runners = sorted(driver for driver, types in OS_TYPES_BY_DRIVER.items() if os_type in types)
    yield Finding(
        context.os.find("type"),
        f"the {context.driver} driver does not run OS type '{os_type}': it accepts {', '.join(supported)}",
        text=True,
        help=f"use <type>{supported[0]}</type>, or define the guest for a driver that runs '{os_type}' guests: {', '.join(runners)}",
    )


@rule(
    code="OS703",
    name="linux-os-type-requires-xen",
    triggers=("type=linux",),
    severity=Severity.WARNING,
    summary="<type>linux</type> on a domain that is not Xen, where the rest of <os> is ignored.",
)
def linux_os_type_requires_xen(context: Context) -> Iterator[Finding]:
    """`<type>linux</type>` on a domain whose type is not `xen`.

    ## What it catches
    The OS type `linux`, the old name of Xen paravirtualisation, on a `<domain>` of another
    type. Where the driver refuses the OS type outright (QEMU, for one), that is reported by
    `os-type-unsupported-by-driver` instead.

    ## Why it matters
    Only on a Xen domain does libvirt turn `linux` into `xen`. Elsewhere it keeps `linux`
    and parses nothing else in `<os>`: kernel, initrd, command line and loader are dropped
    without a word, so the guest does not boot as written.

    ## Example
    ```xml
    <domain type='test'>
      <os>
        <type>linux</type>
        <kernel>/boot/vmlinuz</kernel>
      </os>
    </domain>
    ```

    ## Use instead
    ```xml
    <domain type='xen'>
      <os>
        <type>linux</type>
        <kernel>/boot/vmlinuz</kernel>
      </os>
    </domain>
    ```
    or `<type>hvm</type>` for a fully virtualised guest.

    ## Reference
    formatdomain, "Operating system booting"; `virDomainDefParseCaps` and
    `virDomainDefParseBootOptions`, in 9.0.0 and the newest release.
    """
    if context.os is None or context.os_type != "linux" or context.domain is None:
        return
    if context.domain.get("type") == "xen" or not _accepts(context.driver, "linux"):
        return
    yield Finding(
        context.os.find("type"),
        f"OS type 'linux' means Xen paravirtualisation only on a Xen domain; on a "
        f"'{context.domain.get('type')}' domain libvirt ignores everything else in <os>",
        text=True,
        help="use <domain type='xen'> for a Xen PV guest, or <type>hvm</type>",
    )


@rule(
    code="OS704",
    name="firmware-autoselect-unsupported",
    triggers=("os@firmware",),
    severity=Severity.ERROR,
    summary="<os firmware=...> on a driver that has no firmware autoselection.",
    drivers={"lxc", "openvz", "vz", "vbox", "ch"},
    needs_domain=False,
)
def firmware_autoselect_unsupported(context: Context) -> Iterator[Finding]:
    """`<os firmware='bios|efi'>` for a driver that cannot select firmware itself.

    ## What it catches
    The `firmware` attribute (firmware autoselection) on a full-virtualisation guest of the
    LXC, OpenVZ, Virtuozzo, VirtualBox or Cloud Hypervisor driver.

    ## Why it matters
    libvirt refuses the domain: "firmware auto selection not implemented for this driver".
    Autoselection exists for QEMU/KVM, Xen, bhyve, VMware ESX and the test driver. Hyper-V is
    not reported: since 12.1.0 it reports and honours `<firmware>` features (NEWS), and libvirt
    accepts those only together with the `firmware` attribute.
    The VMware Workstation driver lacks autoselection too, but its domains share the type
    `vmware` with ESX, so domlint cannot tell them apart.

    ## Example
    ```xml
    <domain type='vbox'>
      <os firmware='efi'>
        <type>hvm</type>
      </os>
    </domain>
    ```

    ## Use instead
    ```xml
    <domain type='vbox'>
      <os>
        <type>hvm</type>
      </os>
    </domain>
    ```

    ## Reference
    formatdomain, "BIOS bootloader" / "Guest firmware" (firmware, since 5.2.0);
    `virDomainDefOSValidate` (the driver's VIR_DOMAIN_DEF_FEATURE_FW_AUTOSELECT), in 9.0.0 and
    the newest release.
    """
    if context.os is None or context.os_type != "hvm" or context.os.get("firmware") not in ("bios", "efi"):
        return
    yield Finding(
        context.os,
        f"the {context.driver} driver has no firmware autoselection, so it refuses firmware='{context.os.get('firmware')}'",
        attribute="firmware",
        help="remove the firmware attribute (and <firmware>), and configure the firmware the driver's own way",
    )


@rule(
    code="OS705",
    name="vmx-arch",
    triggers=("os:type",),
    severity=Severity.ERROR,
    summary="A VMware guest whose architecture is not i686 or x86_64.",
    drivers={"vmx"},
    needs_domain=False,
)
def vmx_arch(context: Context) -> Iterator[Finding]:
    """`<type arch>` other than i686 or x86_64 on a VMware guest.

    ## What it catches
    A VMware (ESX, Workstation) domain whose `<os><type arch>` is not `i686` or `x86_64`.
    Without `arch`, VMware guests are i686.

    ## Why it matters
    libvirt refuses the domain: "Expecting domain XML attribute 'arch' of entry 'os/type' to
    be 'i686' or 'x86_64' but found '...'". A .vmx file describes only 32- or 64-bit x86
    guests.

    ## Example
    ```xml
    <os>
      <type arch='aarch64'>hvm</type>
    </os>
    ```

    ## Use instead
    ```xml
    <os>
      <type arch='x86_64'>hvm</type>
    </os>
    ```

    ## Reference
    formatdomain, "Operating system booting" (arch); `virVMXFormatConfig` (src/vmx/vmx.c), in
    9.0.0 and the newest release.
    """
    node = context.os.find("type") if context.os is not None else None
    arch = node.get("arch") if node is not None else None
    if arch is not None and arch not in X86:
        yield Finding(
            node,
            f"VMware guests are i686 or x86_64, but arch is '{arch}'",
            attribute="arch",
            help="use arch='x86_64' (or i686), or another hypervisor for this architecture",
        )
