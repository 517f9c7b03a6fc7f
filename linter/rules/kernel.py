"""Direct kernel boot rules: kernel, initrd, cmdline, dtb, shim."""

from __future__ import annotations

from collections.abc import Iterator


from ..diagnostics import Severity
from . import ALL_DRIVERS, Context, Finding, facts, rule

# OS types whose <os> libvirt reads kernel, initrd, cmdline, dtb and shim from
# (virDomainDefParseBootOptions); `linux` only on a Xen domain, where it means `xen`.
_KERNEL_BOOT_TYPES = ("hvm", "xen", "xenpvh")


def _reads_kernel_options(context: Context) -> bool:
    """Whether libvirt parses the direct-kernel-boot children of this `<os>` at all."""
    os_type = context.os_type
    if os_type == "linux":
        return context.domain is not None and context.domain.get("type") == "xen"
    return os_type in _KERNEL_BOOT_TYPES


@rule(
    code="OS401",
    name="kernel-args-without-kernel",
    triggers=("os:initrd", "os:cmdline"),
    severity=Severity.WARNING,
    severity_by_driver={"qemu": Severity.ERROR},
    summary="An <initrd> or <cmdline> for direct kernel boot without a <kernel>.",
    drivers=ALL_DRIVERS - {"ch"},
    needs_domain=False,
)
def kernel_args_without_kernel(context: Context) -> Iterator[Finding]:
    """`<initrd>` or a non-empty `<cmdline>` on a full-virtualisation guest with no `<kernel>`.

    ## What it catches
    An `hvm` guest whose `<os>` gives an initial ramdisk or a kernel command line but no
    kernel to boot. Both belong to direct kernel boot: they are handed to the `<kernel>` image,
    so without one they have nothing to apply to. One diagnostic per element. An empty
    `<cmdline/>` is not reported: libvirt reads it as no command line.

    ## Why it matters
    libvirt accepts the domain and passes the values on, but QEMU refuses to start:
    "-initrd only allowed with -kernel option", "-append only allowed with -kernel option"
    (error on QEMU/KVM). Other drivers accept the domain, and the values have no kernel to
    apply to (warning).

    Not reported:
    - `<dtb>` without `<kernel>`: QEMU starts, and on Arm it hands the device tree to the
      firmware, which is a real use.
    - Xen paravirtualised guests (`xen`, `linux`, `xenpvh`): without a kernel, libxl runs a
      boot loader (pygrub by default) and passes it the ramdisk and the command line
      (`--ramdisk`, `--args`).
    - Cloud Hypervisor, which needs a kernel in every case (`ch-requires-kernel`).
    - Whether the kernel and initrd files exist: that is host state, which libvirt does not check
      at define either.

    ## Example
    ```xml
    <os>
      <type arch='x86_64' machine='q35'>hvm</type>
      <initrd>/var/lib/libvirt/boot/initrd.img</initrd>
      <cmdline>console=ttyS0</cmdline>
    </os>
    ```

    ## Use instead
    ```xml
    <os>
      <type arch='x86_64' machine='q35'>hvm</type>
      <kernel>/var/lib/libvirt/boot/vmlinuz</kernel>
      <initrd>/var/lib/libvirt/boot/initrd.img</initrd>
      <cmdline>console=ttyS0</cmdline>
    </os>
    ```
    or remove `<initrd>` and `<cmdline>` to boot from disk.

    ## Reference
    formatdomain, "Direct kernel boot"; libvirt passes the values on unchecked
    (`qemuBuildBootCommandLine`, unchanged from 9.0.0 to the newest release); QEMU's own option
    check refuses them (QEMU 7.2 tested).
    """
    if context.os_type != "hvm" or facts.os_child_with_value(context, "kernel") is not None:
        return
    for tag, what in (("initrd", "an initial ramdisk"), ("cmdline", "a kernel command line")):
        node = facts.os_child_with_value(context, tag)
        if node is not None:
            yield Finding(
                node,
                f"<{tag}> gives {what} for direct kernel boot, but <os> has no <kernel> to boot",
                help=f"add <kernel> with the path of the kernel image, or remove <{tag}>",
            )


@rule(
    code="OS402",
    name="shim-requires-kernel",
    triggers=("os:shim",),
    severity=Severity.ERROR,
    summary="A <shim> without a <kernel>.",
    needs_domain=False,
)
def shim_requires_kernel(context: Context) -> Iterator[Finding]:
    """`<os><shim>` on a guest that has no `<kernel>`.

    ## What it catches
    A `<shim>` (an initial UEFI boot loader that chains to a signed boot loader under Secure
    Boot) in an `<os>` without a `<kernel>`.

    ## Why it matters
    libvirt refuses the domain: "shim only allowed with kernel option". The shim is loaded in
    front of the kernel given by `<kernel>`; alone it has nothing to chain to.

    Whether the QEMU binary supports a shim at all ("shim is not supported by this QEMU
    binary") depends on the installed emulator, so domlint does not check it.

    ## Example
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <shim>/usr/share/shim/shimx64.efi</shim>
    </os>
    ```

    ## Use instead
    ```xml
    <os firmware='efi'>
      <type arch='x86_64' machine='q35'>hvm</type>
      <kernel>/var/lib/libvirt/boot/vmlinuz</kernel>
      <shim>/usr/share/shim/shimx64.efi</shim>
    </os>
    ```

    ## Reference
    formatdomain, "Direct kernel boot" (shim); `virDomainDefOSValidate`, since 11.2.0.
    libvirt 9.0.0 does not know `<shim>`: its schema rejects the element and its parser ignores
    it.
    """
    if not _reads_kernel_options(context) or facts.os_child_with_value(context, "kernel") is not None:
        return
    shim = facts.os_child_with_value(context, "shim")
    if shim is not None:
        yield Finding(
            shim,
            "<shim> chains to the kernel given by <kernel>, but <os> has no <kernel>; libvirt accepts a shim only with a kernel",
            help="add <kernel> with the path of the kernel image, or remove <shim>",
        )


@rule(
    code="OS403",
    name="ch-requires-kernel",
    triggers=("type=hvm",),
    severity=Severity.ERROR,
    summary="A Cloud Hypervisor guest without a <kernel>.",
    drivers={"ch"},
    needs_domain=False,
)
def ch_requires_kernel(context: Context) -> Iterator[Finding]:
    """A Cloud Hypervisor (`ch` driver) guest whose `<os>` has no `<kernel>`.

    ## What it catches
    An `hvm` guest for the Cloud Hypervisor driver with no `<kernel>` (or an empty one).

    ## Why it matters
    The ch driver boots only by handing Cloud Hypervisor a kernel image (with the optional
    `<initrd>` and `<cmdline>`); it has no other boot path. Without a kernel the guest fails
    to start: "Kernel image path in this domain is not defined". The rest of `<os>` (boot
    order, loader, boot menu) is ignored by this driver.

    Cloud Hypervisor domains are written as `<domain type='kvm'>`, so domlint applies this rule
    only with `--driver ch` (or `driver = "ch"` in the configuration).

    ## Example
    ```xml
    <os>
      <type>hvm</type>
      <boot dev='hd'/>
    </os>
    ```

    ## Use instead
    ```xml
    <os>
      <type>hvm</type>
      <kernel>/var/lib/libvirt/boot/hypervisor-fw</kernel>
    </os>
    ```

    ## Reference
    formatdomain, "Direct kernel boot"; Cloud Hypervisor driver (drvch),
    `virCHMonitorBuildPayloadJson` (`virCHMonitorBuildKernelRelatedJson` in 9.0.0); the check
    is in 9.0.0 and in the newest release.
    """
    if context.os is None or context.os_type != "hvm" or facts.os_child_with_value(context, "kernel") is not None:
        return
    yield Finding(
        context.os,
        "the Cloud Hypervisor driver boots only a kernel image, but <os> has no <kernel>",
        help="add <kernel> with the path of the kernel (or of a firmware such as hypervisor-fw)",
    )
