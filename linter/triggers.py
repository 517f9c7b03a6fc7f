"""Which rules can report anything on a document, decided before any of them runs.

Most rules read one part of `<os>` (`<bios>`, `<loader>`, `<nvram>`, ...) or of the domain
(`<sysinfo>`, a device's `<boot>`), and a typical domain has few of them. Running every rule on
every document costs more than parsing it, so each rule declares its *triggers* where it is
defined (`@rule(..., triggers=...)`): markers of the document, at least one of which must be
present for the rule to find anything, or a function of the driver that gives them. A rule
declared with `triggers=ALWAYS` runs on every document.

Markers, computed once per document from the tree (never from a rule):

- `os:TAG`: `<os>` (the one rules read) has a child element named TAG; `os:TAG*2`: two or more;
  `os:boot!hd`: a `<boot>` child whose `dev` is not `hd`;
- `domain:bootloader`, `domain:sysinfo`: the `<domain>` may have a child element so named (its
  start tag "<bootloader", "<sysinfo" is in the text; "<bootloader_args" counts as "<bootloader");
- `os@firmware`: `<os>` has a `firmware` attribute;
- `type=VALUE`: the OS type (`<os><type>` text, as rules read it) is VALUE; `arch=VALUE`: the
  `arch` attribute of that `<type>` is VALUE;
- `no-os`: a `<domain>` without `<os>`; `no-domain-type`: a `<domain>` without a `type` attribute;
- `libvirt-version`: a target libvirt version is given (`--libvirt-version`);
- `device-boot`: some device may have a `<boot>` child (the text has more "<boot" that do not
  begin "<bootloader" than `<os>` has `<boot>` and `<bootmenu>` children).

This module computes the markers and picks the rules. A trigger is a necessary condition,
checked against each rule's code: `tests/test_triggers.py` lints every fixture (under every
driver), the libvirt corpus and the mutations with and without the triggers and requires the
same output.
"""

from __future__ import annotations

from .rules import ALL_DRIVERS, ALWAYS, REGISTRY, Context, Rule


class _Plan:
    """For one driver and document kind: the rules that apply, those that always run, and which
    rules each marker triggers (as positions, so the rules run in registry order)."""

    def __init__(self, rules: list[Rule], driver: str | None) -> None:
        self.rules = rules
        self.always: list[int] = []
        self.by_marker: dict[str, list[int]] = {}
        self.chosen: dict[tuple[str, ...], list[Rule]] = {}  # markers -> rules, as documents repeat
        for index, rule in enumerate(rules):
            markers = rule.triggers(driver) if callable(rule.triggers) else rule.triggers
            if markers is ALWAYS:
                self.always.append(index)
                continue
            for marker in markers:
                self.by_marker.setdefault(marker, []).append(index)


_PLANS: dict[tuple[str | None, bool, int], _Plan] = {}


def _plan(driver: str | None, has_domain: bool) -> _Plan:
    key = (driver, has_domain, len(REGISTRY))
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = _Plan(applicable(driver, has_domain), driver)
    return plan


def applicable(driver: str | None, has_domain: bool) -> list[Rule]:
    """The rules that apply to a document for this driver, in registry order (engine's filter)."""
    rules = []
    for rule in REGISTRY.values():
        if rule.check is None or (rule.needs_domain and not has_domain):
            continue
        if driver is not None and driver not in rule.drivers:
            continue
        if driver is None and rule.drivers != ALL_DRIVERS:
            continue  # a driver-specific rule stays silent when the driver is unknown
        rules.append(rule)
    return rules


def markers(context: Context) -> tuple[str, ...]:
    """The markers of the document `context` describes (see the module's documentation)."""
    found: list[str] = []
    os, domain = context.os, context.domain
    if context.libvirt_version is not None:
        found.append("libvirt-version")
    boot_named = 0  # <boot> and <bootmenu> children of <os>
    if os is not None:
        if os.get("firmware") is not None:
            found.append("os@firmware")
        seen = set()
        not_hd = False
        for child in os:
            tag = child.tag
            if tag in seen:
                found.append(f"os:{tag}*2")
            elif tag.__class__ is str:  # not a comment or processing instruction
                seen.add(tag)
                found.append("os:" + tag)
                if tag == "type":
                    arch = child.get("arch")
                    if arch:
                        found.append("arch=" + arch)
            if tag == "boot" or tag == "bootmenu":
                boot_named += 1
                if tag == "boot" and child.get("dev") != "hd":
                    not_hd = True
        if not_hd:
            found.append("os:boot!hd")
        os_type = context.os_type
        if os_type is not None:
            found.append("type=" + os_type)
    if domain is not None:
        if os is None:
            found.append("no-os")
        if domain.get("type") is None:
            found.append("no-domain-type")
        text = context.document.text
        boots = text.count("<boot")
        loaders = text.count("<bootloader") if boots else 0
        if loaders:
            found.append("domain:bootloader")
        if "<sysinfo" in text:
            found.append("domain:sysinfo")
        # Every element named boot or bootmenu in no namespace starts with "<boot" in the text,
        # but not with "<bootloader": more of those than <os> has means maybe a device's <boot>.
        if boots - loaders > boot_named:
            found.append("device-boot")
    return tuple(found)


def rules_for(context: Context) -> list[Rule]:
    """The rules to run on this document: the applicable ones whose triggers it has."""
    plan = _plan(context.driver, context.domain is not None)
    found = markers(context)
    rules = plan.chosen.get(found)
    if rules is None:
        chosen = set(plan.always)
        for marker in found:
            chosen.update(plan.by_marker.get(marker, ()))
        if len(plan.chosen) >= 1024:
            plan.chosen.clear()  # odd documents (each a new marker) must not grow memory
        rules = plan.chosen[found] = [plan.rules[index] for index in sorted(chosen)]
    return rules
