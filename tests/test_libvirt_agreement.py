"""domlint against a real libvirt 9.0.0: an error exactly where libvirt refuses the document.

Every mutation of tests/mutations.py is defined with the generic test driver and the embedded
QEMU driver (tests/oracle.py), and linted with the same driver. The figures are written to
`agreement-report.tsv` in pytest's temporary folder and printed with `-s`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from domlint import engine
from domlint.diagnostics import Severity

from . import oracle
from .mutations import MUTATIONS

pytestmark = pytest.mark.skipif(
    not oracle.available(),
    reason="no libvirt to compare with: apt-get install libvirt-clients libvirt-daemon-driver-qemu qemu-system-x86",
)

DRIVERS = ("test", "qemu")

# Where the installed libvirt 9.0.0 and the newest libvirt (which domlint follows without
# --libvirt-version) differ, or where the refusal comes from below libvirt. Key: mutation@driver.
EXCEPTIONS: dict[str, str] = {}


@dataclass(frozen=True)
class Outcome:
    key: str
    libvirt: str | None
    domlint: tuple[str, ...]

    @property
    def agrees(self) -> bool:
        return bool(self.libvirt) == bool(self.domlint)


def _outcomes(folder: Path) -> list[Outcome]:
    outcomes = []
    for index, mutation in enumerate(MUTATIONS):
        path = folder / f"m{index:03d}.xml"
        data = mutation.render()
        path.write_bytes(data)
        for driver in DRIVERS:
            result = engine.lint(data, str(path), engine.Options(driver=driver))
            errors = tuple(sorted({d.name for d in result.diagnostics if d.severity is Severity.ERROR}))
            outcomes.append(Outcome(f"{mutation.name}@{driver}", oracle.rejection(path, driver), errors))
    return outcomes


def test_domlint_errors_exactly_where_libvirt_refuses(tmp_path: Path) -> None:
    assert len(MUTATIONS) >= 200
    outcomes = _outcomes(tmp_path)
    report = tmp_path / "agreement-report.tsv"
    report.write_text(
        "".join(f"{o.key}\t{'agree' if o.agrees else 'DIFFER'}\t{o.libvirt or 'accepted'}\t{','.join(o.domlint) or '-'}\n" for o in outcomes),
        encoding="utf-8",
    )
    false_positives = [o for o in outcomes if o.domlint and not o.libvirt and o.key not in EXCEPTIONS]
    missed = [o for o in outcomes if o.libvirt and not o.domlint and o.key not in EXCEPTIONS]
    stale = [key for key in EXCEPTIONS if next(o for o in outcomes if o.key == key).agrees]
    agreeing = sum(1 for o in outcomes if o.agrees)
    print(f"\nlibvirt agreement: {agreeing}/{len(outcomes)} = {agreeing / len(outcomes):.1%}; "
          f"false positives {len(false_positives)}, missed {len(missed)}, justified exceptions {len(EXCEPTIONS)}; "
          f"report {report}")
    assert [(o.key, o.domlint) for o in false_positives] == []
    assert stale == [], "exceptions that no longer differ"
    assert agreeing / len(outcomes) >= 0.97, [(o.key, o.libvirt) for o in missed]
