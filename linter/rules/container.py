"""Container boot rules (<type>exe</type>): init and its arguments."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from ..diagnostics import Severity
from . import ALL_DRIVERS, Context, Finding, facts, rule


def _has_no_content(node: etree._Element) -> bool:
    """libvirt's test for an empty `<initarg>`/`<initenv>`: the element has no child node at all.

    A blank (`<initarg> </initarg>`) is a value, and so is any child, even a comment.
    """
    return node.text is None and len(node) == 0


@rule(
    code="OS501",
    name="container-requires-init",
    triggers=("type=exe",),
    severity=Severity.ERROR,
    summary="A container (<type>exe</type>) without an <init> program.",
    drivers=ALL_DRIVERS - {"openvz"},
    needs_domain=False,
)
def container_requires_init(context: Context) -> Iterator[Finding]:
    """A container guest (`<type>exe</type>`) with no `<init>`, or an empty one.

    ## What it catches
    `<os><type>exe</type>` without an `<init>` naming the program to run as the container's
    first process, or with an empty `<init/>`.

    ## Why it matters
    libvirt refuses the domain: "init binary must be specified". A container has no kernel or
    firmware to boot; the init program is what it runs. The OpenVZ driver fills in
    `/sbin/init` itself, so the rule does not apply there.

    Whether the program exists inside the container's root file system, and whether
    `<inituser>`/`<initgroup>` name a real user and group, is only known on the host when the
    container starts ("cannot find init path ... relative to container root"), so domlint does
    not check it.

    ## Example
    ```xml
    <os>
      <type>exe</type>
      <initarg>--verbose</initarg>
    </os>
    ```

    ## Use instead
    ```xml
    <os>
      <type>exe</type>
      <init>/sbin/init</init>
      <initarg>--verbose</initarg>
    </os>
    ```

    ## Reference
    formatdomain, "Container boot"; `virDomainDefPostParseCommon` (OpenVZ:
    `openvzDomainDefPostParse`); the check is in 9.0.0 and in the newest release.
    """
    if context.os is None or context.os_type != "exe" or facts.os_child_with_value(context, "init") is not None:
        return
    empty = context.os.find("init")
    yield Finding(
        context.os if empty is None else empty,
        "a container (<type>exe</type>) needs <init> with the path of the program to run, "
        + ("but <os> has none" if empty is None else "but <init> is empty"),
        help="add <init>/sbin/init</init> (or the path of the container's first program)",
    )


@rule(
    code="OS502",
    name="empty-init-argument",
    triggers=("type=exe",),
    severity=Severity.ERROR,
    summary="An empty <initarg>, or an <initenv> without a value.",
    needs_domain=False,
)
def empty_init_argument(context: Context) -> Iterator[Finding]:
    """An `<initarg>` with no content, or an `<initenv name=...>` with no value.

    ## What it catches
    `<initarg/>` (or `<initarg></initarg>`) and `<initenv name='VAR'/>` in a container's
    `<os>`. A blank (`<initarg> </initarg>`) is a value and is not reported.

    ## Why it matters
    libvirt refuses the domain: "No data supplied for <initarg> element", "No value supplied
    for <initenv name='VAR'> element". An empty argument or variable cannot be passed; leave
    the element out instead.

    ## Example
    ```xml
    <os>
      <type>exe</type>
      <init>/bin/sh</init>
      <initarg></initarg>
      <initenv name='LANG'/>
    </os>
    ```

    ## Use instead
    ```xml
    <os>
      <type>exe</type>
      <init>/bin/sh</init>
      <initarg>-l</initarg>
      <initenv name='LANG'>C.UTF-8</initenv>
    </os>
    ```

    ## Reference
    formatdomain, "Container boot"; `virDomainDefParseBootInitOptions`; the check is in 9.0.0
    and in the newest release.
    """
    if context.os is None or context.os_type != "exe":
        return
    for node in context.os.findall("initarg"):
        if _has_no_content(node):
            yield Finding(
                node,
                "<initarg> is empty: libvirt needs a value for each argument of the init program",
                help="write the argument inside <initarg>, or remove the element",
            )
    for node in context.os.findall("initenv"):
        name = node.get("name")
        if name is not None and _has_no_content(node):
            yield Finding(
                node,
                f"<initenv name='{name}'> has no value: libvirt needs a value for each environment variable",
                help=f"write the value of {name} inside <initenv>, or remove the element",
            )
