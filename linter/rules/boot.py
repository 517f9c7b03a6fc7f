"""Boot order and boot menu rules."""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Severity
from . import Context, Finding, rule
from .ranges import out_of_range


@rule(
    code="OS301",
    name="bootmenu-timeout-range",
    severity=Severity.ERROR,
    summary="The boot menu timeout is not an integer from 0 to 65535.",
    needs_domain=False,
)
def bootmenu_timeout_range(context: Context) -> Iterator[Finding]:
    """`<bootmenu timeout>` that is not an integer in [0, 65535].

    ## What it catches
    A boot menu timeout (milliseconds the menu waits for a key) that is not a whole number,
    is negative or is above 65535.

    ## Why it matters
    With `enable='yes'` libvirt refuses the domain ("Expected non-negative integer value",
    "invalid value for boot menu timeout, must be in range [0,65535]"). With `enable='no'`
    libvirt's parser skips the timeout, but its schema (xsd:unsignedShort) still rejects the
    file, so `virsh define --validate` and `virt-xml-validate` fail.

    ## Example
    ```xml
    <bootmenu enable='yes' timeout='70000'/>
    ```

    ## Use instead
    ```xml
    <bootmenu enable='yes' timeout='3000'/>
    ```

    ## Reference
    formatdomain, "BIOS bootloader" (bootmenu timeout, since 1.2.8); `virDomainDefBootValidate`.
    """
    if context.os is None:
        return
    for bootmenu in context.os.findall("bootmenu"):
        value = bootmenu.get("timeout")
        problem = out_of_range(value, "bootmenu", "timeout") if value is not None else None
        if problem:
            yield Finding(
                bootmenu,
                f"boot menu timeout '{value}' {problem} (milliseconds)",
                attribute="timeout",
                help="use a number of milliseconds from 0 to 65535",
            )
