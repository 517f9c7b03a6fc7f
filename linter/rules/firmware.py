"""Firmware and loader rules: which guests may carry a `<loader>`."""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Severity
from . import Context, Finding, rule

NOT_FULLY_VIRTUALISED = ("xen", "linux", "xenpvh", "exe")


@rule(
    code="OS201",
    name="loader-requires-hvm",
    severity=Severity.ERROR,
    summary="A <loader> on a guest that is not fully virtualised (<type> is not hvm).",
    needs_domain=False,
)
def loader_requires_hvm(context: Context) -> Iterator[Finding]:
    """A `<loader>` on a guest whose OS type is not `hvm`.

    ## What it catches
    `<os><loader>` when `<type>` is `xen` or `linux` (Xen paravirtualised), `xenpvh` or `exe`
    (a container).

    ## Why it matters
    The loader is the firmware (BIOS or UEFI) of a fully virtualised guest. libvirt's schema
    allows it only with `<type>hvm</type>`; for other OS types libvirt's parser ignores or
    drops it, so the file does not do what it says. A loader on an hvm guest is fine for
    every hypervisor (Xen's hvmloader, QEMU/KVM firmware, bhyve's UEFI ROM).

    ## Example
    ```xml
    <os>
      <type>xen</type>
      <loader>/usr/lib/xen/boot/hvmloader</loader>
    </os>
    ```

    ## Use instead
    ```xml
    <os>
      <type>hvm</type>
      <loader>/usr/lib/xen/boot/hvmloader</loader>
    </os>
    ```
    or remove `<loader>` from the paravirtualised guest.

    ## Reference
    formatdomain, "Operating system booting" (BIOS bootloader / Guest firmware); libvirt's
    domain schema (`osxen` has no loader) since 0.1.0.
    """
    os_type = context.os_type()
    if context.os is None or os_type not in NOT_FULLY_VIRTUALISED:
        return
    for loader in context.os.findall("loader"):
        yield Finding(
            loader,
            f"<loader> needs a fully virtualised guest (<type>hvm</type>), but this guest's OS type is '{os_type}'",
            help="remove <loader>, or change <type> to hvm if the guest is fully virtualised",
        )
