"""`<os><smbios mode>` rules: whether the SMBIOS tables come from a `<sysinfo>` and which drivers read it."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Severity
from . import ALL_DRIVERS, Context, Finding, facts, rule


@rule(
    code="OS601",
    name="smbios-sysinfo-missing",
    triggers=("os:smbios",),
    severity=Severity.WARNING,
    severity_by_driver={"qemu": Severity.ERROR},
    summary="<smbios mode='sysinfo'/> without a <sysinfo type='smbios'> to take the values from.",
    drivers=ALL_DRIVERS - {"vmx"},
)
def smbios_sysinfo_missing(context: Context) -> Iterator[Finding]:
    """`<smbios mode='sysinfo'/>` on a domain that has no `<sysinfo type='smbios'>`.

    ## What it catches
    `mode='sysinfo'` tells the hypervisor to build the guest's SMBIOS tables from the domain's
    `<sysinfo type='smbios'>` element, but the domain has none (a `<sysinfo type='fwcfg'>`
    does not count: it holds firmware configuration entries, not SMBIOS values).

    ## Why it matters
    QEMU/KVM refuses the domain: "Domain 'NAME' sysinfo are not available" (error). Other
    drivers accept it and have nothing to apply (warning). VMware rejects `mode='sysinfo'`
    in any case (`vmx-smbios-sysinfo`).

    `mode='host'` needs the host's own SMBIOS data ("Host SMBIOS information is not
    available"): that is host state, so domlint does not check it.

    ## Example
    ```xml
    <os>
      <type arch='x86_64' machine='q35'>hvm</type>
      <smbios mode='sysinfo'/>
    </os>
    ```

    ## Use instead
    ```xml
    <sysinfo type='smbios'>
      <system>
        <entry name='manufacturer'>Example Corp</entry>
      </system>
    </sysinfo>
    <os>
      <type arch='x86_64' machine='q35'>hvm</type>
      <smbios mode='sysinfo'/>
    </os>
    ```

    ## Reference
    formatdomain, "SMBIOS System Information" and "BIOS bootloader" (smbios, since 0.8.7);
    QEMU driver: the domain is refused when it is defined (libvirt 9.0.0 tested), and
    `qemuBuildSmbiosCommandLine` refuses to start it.
    """
    smbios = facts.sysinfo_mode(context)
    if smbios is None or facts.smbios_sysinfos(context):
        return
    yield Finding(
        smbios,
        "<smbios mode='sysinfo'/> takes the SMBIOS values from <sysinfo type='smbios'>, but the domain has no such element",
        attribute="mode",
        help="add a <sysinfo type='smbios'> block to the domain, or use mode='emulate'",
    )


@rule(
    code="OS602",
    name="sysinfo-unused",
    triggers=("domain:sysinfo",),
    severity=Severity.WARNING,
    summary="<sysinfo type='smbios'> that QEMU ignores because <smbios mode='sysinfo'/> is missing.",
    drivers={"qemu"},
)
def sysinfo_unused(context: Context) -> Iterator[Finding]:
    """`<sysinfo type='smbios'>` on a QEMU/KVM domain without `<os><smbios mode='sysinfo'/>`.

    ## What it catches
    SMBIOS values in `<sysinfo type='smbios'>` while `<os>` has no `<smbios>` element, or one
    with `mode='emulate'` or `mode='host'`.

    ## Why it matters
    QEMU passes the values to the guest only with `mode='sysinfo'`. Otherwise libvirt accepts
    and keeps the element but gives QEMU no `-smbios` option, so the guest sees QEMU's own
    (or the host's) values: serial numbers, asset tags and OEM strings the guest software
    relies on are silently missing. On s390x and POWER guests, whose machines have no SMBIOS
    tables at all, the help says to remove `<sysinfo>` rather than add `<smbios>`.

    ## Example
    ```xml
    <sysinfo type='smbios'>
      <system><entry name='serial'>SN-0001</entry></system>
    </sysinfo>
    <os>
      <type arch='x86_64' machine='q35'>hvm</type>
    </os>
    ```

    ## Use instead
    ```xml
    <sysinfo type='smbios'>
      <system><entry name='serial'>SN-0001</entry></system>
    </sysinfo>
    <os>
      <type arch='x86_64' machine='q35'>hvm</type>
      <smbios mode='sysinfo'/>
    </os>
    ```

    ## Reference
    formatdomain, "SMBIOS System Information" ("will affect the guest if used in conjunction
    with the smbios sub-element"); `qemuBuildSmbiosCommandLine`, in 9.0.0 and the newest
    release.
    """
    if context.os is None or context.os_type != "hvm" or facts.sysinfo_mode(context) is not None:
        return
    node = context.os.find("smbios")
    mode = node.get("mode") if node is not None else None
    guest_arch = facts.arch(context)
    if guest_arch in facts.NO_SMBIOS:  # no <smbios> can help: the machine has no SMBIOS tables
        because, help = f"'{guest_arch}' guests have no SMBIOS tables", "remove <sysinfo type='smbios'>"
    else:
        because = "<os> has no <smbios>" if mode is None else f"<smbios mode='{mode}'/> is not mode='sysinfo'"
        help = "add <smbios mode='sysinfo'/> to <os> to pass these values to the guest, or remove <sysinfo>"
    for sysinfo in facts.smbios_sysinfos(context):
        yield Finding(sysinfo, f"QEMU ignores <sysinfo type='smbios'> because {because}", help=help)


@rule(
    code="OS606",
    name="vmx-smbios-sysinfo",
    triggers=("os:smbios",),
    severity=Severity.ERROR,
    summary="<smbios mode='sysinfo'/> on a VMware guest.",
    drivers={"vmx"},
    needs_domain=False,
)
def vmx_smbios_sysinfo(context: Context) -> Iterator[Finding]:
    """`<smbios mode='sysinfo'/>` on a VMware (ESX, Workstation) guest.

    ## What it catches
    A VMware domain that asks for SMBIOS values from `<sysinfo>`.

    ## Why it matters
    libvirt's VMware support cannot express it in a .vmx file and refuses the domain:
    "Unsupported SMBIOS mode 'sysinfo'". VMware knows only its own values (`emulate`, or no
    `<smbios>`) and the host's (`mode='host'`, written as `smbios.reflecthost`).

    ## Example
    ```xml
    <os>
      <type arch='x86_64'>hvm</type>
      <smbios mode='sysinfo'/>
    </os>
    ```

    ## Use instead
    ```xml
    <os>
      <type arch='x86_64'>hvm</type>
      <smbios mode='host'/>
    </os>
    ```

    ## Reference
    formatdomain, "BIOS bootloader" (smbios); `virVMXFormatConfig` (src/vmx/vmx.c), in 9.0.0
    and the newest release.
    """
    smbios = facts.sysinfo_mode(context)
    if smbios is not None:
        yield Finding(
            smbios,
            "VMware cannot take SMBIOS values from <sysinfo>: mode='sysinfo' is not supported, only emulate and host",
            attribute="mode",
            help="use mode='host' to copy the host's values, or remove <smbios>",
        )
