"""`<os><bootmenu>` rules: the boot menu's timeout."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Severity
from .. import fixes
from . import Context, Finding, facts, rule
from .ranges import os_child_ranges, out_of_range


@rule(
    code="OS301",
    name="bootmenu-timeout-range",
    triggers=("os:bootmenu",),
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
    help = "use a number of milliseconds from 0 to 65535"
    return os_child_ranges(context, "bootmenu", "timeout", "boot menu timeout", "milliseconds", help)


@rule(
    code="OS311",
    name="bootmenu-timeout-ignored",
    triggers=("os:bootmenu",),
    severity=Severity.WARNING,
    summary="A boot menu timeout while the boot menu is disabled.",
    needs_domain=False,
)
def bootmenu_timeout_ignored(context: Context) -> Iterator[Finding]:
    """`<bootmenu enable='no' timeout='...'/>`: a timeout for a menu that is not shown.

    ## What it catches
    A boot menu `timeout` on a `<bootmenu>` whose `enable` is `no`.

    ## Why it matters
    libvirt reads the timeout only when the menu is enabled; otherwise it drops the attribute
    without a word, so the stored domain no longer has it. Either the menu was meant to be on,
    or the timeout is dead text. (An out-of-range timeout is `bootmenu-timeout-range`.)

    ## Example
    ```xml
    <bootmenu enable='no' timeout='3000'/>
    ```

    ## Use instead
    ```xml
    <bootmenu enable='yes' timeout='3000'/>
    ```
    or `<bootmenu enable='no'/>`.

    ## Reference
    formatdomain, "BIOS bootloader" (bootmenu timeout, "ignored unless enable is set to yes",
    since 1.2.8); `virDomainDefParseBootXML`.
    """
    os = facts.hvm_os(context)
    for bootmenu in os.findall("bootmenu") if os is not None else []:
        value = bootmenu.get("timeout")
        if value is None or out_of_range(value, "bootmenu", "timeout"):
            continue
        if bootmenu.get("enable") == "no":
            yield Finding(
                bootmenu,
                f"boot menu timeout '{value}' is ignored because the boot menu is disabled (enable='no')",
                attribute="timeout",
                help="set enable='yes' to show the menu, or remove the timeout",
                fix=fixes.single("remove the ignored timeout", fixes.delete_attribute(context.document, bootmenu, "timeout")),
            )
        elif bootmenu.get("enable") is None:
            # At the start tag, where the grammar reports the missing attribute: this replaces it.
            yield Finding(
                bootmenu,
                f"<bootmenu> has a timeout ('{value}') but no enable attribute: libvirt's schema requires it, "
                "and libvirt drops the whole element without it",
                help="add enable='yes' to show the menu with this timeout",
                severity=Severity.ERROR,
                fix=fixes.single("add enable='yes'", fixes.insert_attribute(context.document, bootmenu, "enable", "yes")),
            )
