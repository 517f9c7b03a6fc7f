"""domlint against a real libvirt 9.0.0: an error exactly where libvirt refuses the document.

Every mutation of tests/mutations.py is defined with the generic test driver and the embedded
QEMU driver (tests/oracle.py), and linted with the same driver, twice: as domlint judges by
default (the newest libvirt) and with the target libvirt 9.0 (`--libvirt-version 9.0`), which
must agree with libvirt 9.0.0 also on what changed since (VERSION_MUTATIONS). The figures are
written to `agreement-report*.tsv` in pytest's temporary folder and printed with `-s`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from domlint import engine
from domlint.diagnostics import Severity

from . import oracle
from .mutations import MUTATIONS, VERSION_MUTATIONS, Mutation

pytestmark = pytest.mark.skipif(
    not oracle.available(),
    reason="no libvirt to compare with: apt-get install libvirt-clients libvirt-daemon-driver-qemu qemu-system-x86",
)

DRIVERS = ("test", "qemu")

# Each difference between domlint and the oracle, with the reason domlint is right, in both runs.
# Key: mutation@driver. None of them is a 9.0.0-versus-newest difference: MUTATIONS use nothing
# that changed between the two, and VERSION_MUTATIONS are judged with the target 9.0 only.
_SCHEMA_VS_C = (
    "libvirt's schema says xsd:short (at most 32767) while libvirt's parser and documentation "
    "accept up to 65535; domlint follows libvirt (issue #2) and warns (reboot-timeout-schema-limit)"
)
_QEMU_ITSELF = (
    "libvirt passes -initrd/-append through; QEMU itself refuses them without -kernel "
    "('-initrd only allowed with -kernel option'), which the define/start-preparation oracle cannot see"
)
_HOST_FIRMWARE = (
    "host state: this machine has no firmware descriptor for BIOS autoselection, so QEMU's "
    "preparation fails; on a host with SeaBIOS descriptors the domain starts"
)
EXCEPTIONS: dict[str, str] = {
    **{
        f"{base}:reboot-timeout={value}@{driver}": _SCHEMA_VS_C
        for base in ("q35", "pc")
        for value in ("32768", "65535")
        for driver in ("test", "qemu")
    },
    **{f"{base}:{name}@qemu": _QEMU_ITSELF for base in ("q35", "pc") for name in ("initrd-without-kernel", "cmdline-without-kernel")},
    **{f"{base}:firmware-bios@qemu": _HOST_FIRMWARE for base in ("q35", "pc")},
}


@dataclass(frozen=True)
class Outcome:
    key: str
    libvirt: str | None
    domlint: tuple[str, ...]

    @property
    def agrees(self) -> bool:
        return bool(self.libvirt) == bool(self.domlint)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, bytes]]:
    """Each mutation written to a file once, by name."""
    folder = tmp_path_factory.mktemp("mutations")
    files = {}
    for index, mutation in enumerate(MUTATIONS + VERSION_MUTATIONS):
        path = folder / f"m{index:03d}.xml"
        data = mutation.render()
        path.write_bytes(data)
        files[mutation.name] = (path, data)
    return files


@pytest.fixture(scope="module")
def refusals(rendered: dict[str, tuple[Path, bytes]]) -> dict[str, str | None]:
    """libvirt 9.0.0's verdict on each mutation@driver, asked once for both runs."""
    return {f"{name}@{driver}": oracle.rejection(path, driver) for name, (path, _) in rendered.items() for driver in DRIVERS}


def _outcomes(
    mutations: list[Mutation],
    rendered: dict[str, tuple[Path, bytes]],
    refusals: dict[str, str | None],
    target: tuple[int, int, int] | None,
) -> list[Outcome]:
    outcomes = []
    for mutation in mutations:
        path, data = rendered[mutation.name]
        for driver in DRIVERS:
            result = engine.lint(data, str(path), engine.Options(driver=driver, libvirt_version=target))
            errors = tuple(sorted({d.name for d in result.diagnostics if d.severity is Severity.ERROR}))
            key = f"{mutation.name}@{driver}"
            outcomes.append(Outcome(key, refusals[key], errors))
    return outcomes


def _judge(outcomes: list[Outcome], report: Path, title: str) -> None:
    report.write_text(
        "".join(
            f"{o.key}\t{'agree' if o.agrees else 'DIFFER'}\t{o.libvirt or 'accepted'}\t{','.join(o.domlint) or '-'}\n" for o in outcomes
        ),
        encoding="utf-8",
    )
    false_positives = [o for o in outcomes if o.domlint and not o.libvirt and o.key not in EXCEPTIONS]
    missed = [o for o in outcomes if o.libvirt and not o.domlint and o.key not in EXCEPTIONS]
    stale = [key for key in EXCEPTIONS if next(o for o in outcomes if o.key == key).agrees]
    agreeing = sum(1 for o in outcomes if o.agrees)
    judged = [o for o in outcomes if o.key not in EXCEPTIONS]
    agreeing_judged = sum(1 for o in judged if o.agrees)
    print(
        f"\nlibvirt agreement ({title}): raw {agreeing}/{len(outcomes)} = {agreeing / len(outcomes):.1%}; "
        f"without the {len(EXCEPTIONS)} justified exceptions {agreeing_judged}/{len(judged)} = "
        f"{agreeing_judged / len(judged):.1%}; false positives {len(false_positives)}, missed {len(missed)}; "
        f"report {report}"
    )
    assert [(o.key, o.domlint) for o in false_positives] == []
    assert stale == [], "exceptions that no longer differ"
    assert agreeing_judged / len(judged) >= 0.97, [(o.key, o.libvirt) for o in missed]


def test_domlint_errors_exactly_where_libvirt_refuses(
    rendered: dict[str, tuple[Path, bytes]], refusals: dict[str, str | None], tmp_path: Path
) -> None:
    assert len(MUTATIONS) >= 200
    outcomes = _outcomes(MUTATIONS, rendered, refusals, None)
    _judge(outcomes, tmp_path / "agreement-report.tsv", "newest libvirt, no target")


def test_with_target_9_0_domlint_errors_exactly_where_libvirt_9_0_refuses(
    rendered: dict[str, tuple[Path, bytes]], refusals: dict[str, str | None], tmp_path: Path
) -> None:
    """The same, plus what changed after 9.0.0, judged with --libvirt-version 9.0: no exception
    is needed for a version difference, and nothing libvirt 9.0.0 refuses goes unreported."""
    assert len(VERSION_MUTATIONS) >= 25
    outcomes = _outcomes(MUTATIONS + VERSION_MUTATIONS, rendered, refusals, (9, 0, 0))
    _judge(outcomes, tmp_path / "agreement-report-9.0.tsv", "target libvirt 9.0")
    version_outcomes = [o for o in outcomes if o.key.split("@")[0] in {m.name for m in VERSION_MUTATIONS}]
    assert [(o.key, o.libvirt, o.domlint) for o in version_outcomes if not o.agrees] == []
