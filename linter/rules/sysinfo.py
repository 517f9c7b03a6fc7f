"""`<sysinfo type='smbios'>` content rules: the UUID, BIOS date and baseboards libvirt reads from it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from ..diagnostics import Severity
from . import Context, Finding, facts, rule
from .facts import C_SPACE
from ..integers import decimal

_HEX_DIGITS, _DIGITS = "0123456789abcdefABCDEF", "0123456789"  # string.hexdigits, string.digits
_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_INT_RANGE = range(-(2**31), 2**31)
# virSysinfoBaseBoardParseXML keeps a <baseBoard> only when one of these has a value.
_BASEBOARD_FIELDS = ("manufacturer", "product", "version", "serial", "asset", "location")


def _entry(block: etree._Element | None, name: str) -> etree._Element | None:
    """The first `<entry name=...>` of a sysinfo block when it has a value (libvirt's
    `virXPathString("string(entry[@name='NAME'])")`, which reads an empty value as absent)."""
    if block is None:
        return None
    for node in block.findall("entry"):
        if node.get("name") == name:
            return node if facts.content(node) else None
    return None


def _parse_uuid(text: str) -> bytes | None:
    """The 16 bytes of a UUID as libvirt's `virUUIDParse` reads it, or None when it is malformed.

    libvirt is lax: surrounding blanks are skipped, and '-' or ' ' may stand anywhere between
    two bytes, so `C7A5FDBD...` and `c7a5fdbd-...` are the same UUID.
    """
    canonical = text.strip(C_SPACE)
    if _CANONICAL_UUID.fullmatch(canonical):  # the usual 8-4-4-4-12 form, read at once
        return bytes.fromhex(canonical.replace("-", ""))
    rest = text.lstrip(C_SPACE)
    digits: list[str] = []
    while len(digits) < 32:
        if not rest:
            return None
        if rest[0] in "- ":
            rest = rest[1:]
            continue
        pair = rest[:2]
        if len(pair) < 2 or any(c not in _HEX_DIGITS for c in pair):
            return None
        digits.extend(pair)
        rest = rest[2:]
    if rest.strip(C_SPACE):
        return None
    return bytes.fromhex("".join(digits))


def _c_int(text: str) -> tuple[int, str] | None:
    """A decimal int at the start of `text` the way libvirt's `virStrToLong_i` reads it (strtol:
    leading blanks and a sign allowed), with the unread rest; None when there is no int."""
    body = text.lstrip(C_SPACE)
    sign = body[:1] if body[:1] in "+-" else ""
    digits = body[len(sign) :]
    count = len(digits) - len(digits.lstrip(_DIGITS))
    if count == 0:
        return None
    value = decimal(sign + digits[:count])
    return (value, digits[count:]) if value in _INT_RANGE else None


def _bios_date_ok(text: str) -> bool:
    """libvirt's `virSysinfoBIOSParseXML` date check: month/day/year, month 1-12, day 1-31,
    year 0-99 (two digits) or from 1900 on. Each number is read by strtol."""
    numbers = []
    rest = "/" + text
    for _ in range(3):
        if not rest.startswith("/"):
            return False
        parsed = _c_int(rest[1:])
        if parsed is None:
            return False
        number, rest = parsed
        numbers.append(number)
    month, day, year = numbers
    return rest == "" and 1 <= month <= 12 and 1 <= day <= 31 and (0 <= year < 100 or year >= 1900)


@rule(
    code="OS603",
    name="sysinfo-uuid-mismatch",
    triggers=("domain:sysinfo",),
    severity=Severity.ERROR,
    summary="The sysinfo system uuid is not the domain's <uuid> (or <hwuuid>), or is not a UUID.",
)
def sysinfo_uuid_mismatch(context: Context) -> Iterator[Finding]:
    """A `<sysinfo type='smbios'><system><entry name='uuid'>` that differs from `<uuid>` (or `<hwuuid>`).

    ## What it catches
    The SMBIOS system UUID of a sysinfo block that is not the same UUID as the domain's
    `<uuid>`, or that is not a UUID at all. When the domain has a `<hwuuid>` (the UUID the
    guest's hardware reports, newer libvirt), the sysinfo UUID is compared with it instead,
    and may differ from `<uuid>`. libvirt compares the parsed UUIDs, so case and dashes do not
    matter (`C7A5FDBDEDAF...` equals `c7a5fdbd-edaf-...`). Without a `<uuid>`, libvirt takes
    the sysinfo UUID as the domain's, which is fine.

    ## Why it matters
    libvirt refuses the domain: "UUID mismatch between <uuid> and <sysinfo>" ("UUID mismatch
    between <hwuuid> and <sysinfo>" with a `<hwuuid>`), or "malformed <sysinfo> uuid element".
    The guest's SMBIOS UUID is the domain UUID, or its hardware UUID; a second, different one
    cannot be given.

    ## Example
    ```xml
    <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
    <sysinfo type='smbios'>
      <system><entry name='uuid'>c7a5fdbd-edaf-9455-926a-d65c16db1800</entry></system>
    </sysinfo>
    ```

    ## Use instead
    ```xml
    <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
    <sysinfo type='smbios'>
      <system><entry name='uuid'>c7a5fdbd-edaf-9455-926a-d65c16db1809</entry></system>
    </sysinfo>
    ```
    or leave the uuid entry out: libvirt fills it in from `<uuid>`.

    ## Reference
    formatdomain, "General metadata" (hwuuid, since 11.8.0, assumed: domlint's grammar dates
    it) and "SMBIOS System Information"; `virSysinfoSystemParseXML`, in 9.0.0 and the newest
    release.
    """
    if context.domain is None:
        return
    # With a <hwuuid>, the hardware UUID is what SMBIOS reports, so the sysinfo one must equal it.
    compared = "hwuuid" if context.domain.find("hwuuid") is not None else "uuid"
    uuid_node = context.domain.find(compared)
    domain_text = facts.content(uuid_node) if uuid_node is not None else ""
    domain_uuid = _parse_uuid(domain_text) if domain_text else None
    if domain_uuid is None:
        return  # no <uuid> (libvirt adopts the sysinfo one), or a malformed one libvirt reports itself
    for sysinfo in facts.smbios_sysinfos(context):
        entry = _entry(sysinfo.find("system"), "uuid")
        if entry is None:
            continue
        value = facts.content(entry)
        parsed = _parse_uuid(value)
        if parsed is None:
            message = f"sysinfo system uuid '{value}' is not a UUID"
        elif parsed != domain_uuid:
            message = f"sysinfo system uuid '{value}' differs from the domain <{compared}> '{domain_text}'"
        else:
            continue
        yield Finding(
            entry,
            message,
            text=True,
            help=f"use the domain's <{compared}> here, or remove the uuid entry (libvirt fills it in)",
        )


@rule(
    code="OS604",
    name="sysinfo-bios-date",
    triggers=("domain:sysinfo",),
    severity=Severity.ERROR,
    summary="The sysinfo BIOS date is not MM/DD/YY or MM/DD/YYYY.",
)
def sysinfo_bios_date(context: Context) -> Iterator[Finding]:
    """A `<sysinfo type='smbios'><bios><entry name='date'>` that libvirt cannot read.

    ## What it catches
    A BIOS release date that is not month/day/year with a month of 1-12, a day of 1-31 and a
    year of two digits (00-99) or from 1900 on, as in `01/31/2023` or `1/31/23`. ISO dates
    (`2023-01-31`) and day-first dates with a day above 12 in front are the usual mistakes.

    ## Why it matters
    libvirt refuses the domain: "Invalid BIOS 'date' format". SMBIOS defines the BIOS release
    date as mm/dd/yy or mm/dd/yyyy.

    ## Example
    ```xml
    <sysinfo type='smbios'>
      <bios><entry name='date'>2023-01-31</entry></bios>
    </sysinfo>
    ```

    ## Use instead
    ```xml
    <sysinfo type='smbios'>
      <bios><entry name='date'>01/31/2023</entry></bios>
    </sysinfo>
    ```

    ## Reference
    formatdomain, "SMBIOS System Information"; `virSysinfoBIOSParseXML`, in 9.0.0 and the
    newest release.
    """
    for sysinfo in facts.smbios_sysinfos(context):
        entry = _entry(sysinfo.find("bios"), "date")
        if entry is not None and not _bios_date_ok(facts.content(entry)):
            yield Finding(
                entry,
                f"BIOS date '{facts.content(entry)}' is not in the form libvirt accepts: MM/DD/YYYY or MM/DD/YY "
                "(month 1-12, day 1-31, year 00-99 or from 1900)",
                text=True,
                help="write the date month first, as in 01/31/2023",
            )


@rule(
    code="OS605",
    name="smbios-multiple-baseboards",
    triggers=("domain:sysinfo",),
    severity=Severity.ERROR,
    summary="More than one <baseBoard> in the sysinfo QEMU builds SMBIOS tables from.",
    drivers={"qemu"},
)
def smbios_multiple_baseboards(context: Context) -> Iterator[Finding]:
    """More than one `<baseBoard>` in the `<sysinfo type='smbios'>` a QEMU guest uses.

    ## What it catches
    With `<smbios mode='sysinfo'/>`, QEMU's SMBIOS tables come from the first
    `<sysinfo type='smbios'>`. If it holds several `<baseBoard>` blocks, each one after the
    first is reported.

    ## Why it matters
    libvirt accepts the domain, but it cannot start: "qemu does not support more than one
    entry to Type 2 in SMBIOS table". libvirt's schema allows several base boards because
    other hypervisors can use them.

    ## Example
    ```xml
    <sysinfo type='smbios'>
      <baseBoard><entry name='manufacturer'>Example Corp</entry></baseBoard>
      <baseBoard><entry name='manufacturer'>Other Corp</entry></baseBoard>
    </sysinfo>
    <os>
      <type arch='x86_64' machine='q35'>hvm</type>
      <smbios mode='sysinfo'/>
    </os>
    ```

    ## Use instead
    ```xml
    <sysinfo type='smbios'>
      <baseBoard><entry name='manufacturer'>Example Corp</entry></baseBoard>
    </sysinfo>
    <os>
      <type arch='x86_64' machine='q35'>hvm</type>
      <smbios mode='sysinfo'/>
    </os>
    ```

    ## Reference
    formatdomain, "SMBIOS System Information" (baseBoard); `qemuBuildSmbiosCommandLine`, when
    the guest starts, in 9.0.0 and the newest release.
    """
    sysinfos = facts.smbios_sysinfos(context)
    if facts.sysinfo_mode(context) is None or not sysinfos:
        return
    boards = [board for board in sysinfos[0].findall("baseBoard") if any(_entry(board, field) is not None for field in _BASEBOARD_FIELDS)]
    for board in boards[1:]:
        yield Finding(
            board,
            f"QEMU accepts one <baseBoard> (SMBIOS type 2), but this sysinfo has {len(boards)}",
            help="keep one <baseBoard> block and remove the others",
        )
