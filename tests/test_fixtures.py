"""Golden tests: every fixture's diagnostics equal its .json next to it, field by field.

Layout: `fixtures/<rule-name>/bad-*.xml` must trigger that rule, `good-*.xml` must not (a
comment `<!-- fixture: driver=NAME -->` lints it as `--driver NAME`, and
`<!-- fixture: libvirt-version=X.Y -->` as `--libvirt-version X.Y`); each
XML file has a `.json` with the complete expected list (all rules, `path` left out). After a
deliberate change, `DOMLINT_UPDATE_GOLDEN=1 pytest tests/test_fixtures.py` rewrites them:
review the diff before committing.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from domlint import engine
from domlint.config import parse_version
from domlint.rules import REGISTRY

from .conftest import FIXTURES

FILES = sorted(FIXTURES.rglob("*.xml"))

# Rules that `domlint check` cannot trigger by design: the safety net for an interpreter gap
# (tested in test_schema.py by simulating the gap) and the messages of user grammars given to
# `domlint validate` (tested in test_validate.py), and files over 10 MiB (test_hostile.py).
NO_FIXTURE = {"grammar-error", "schema-violation", "document-too-large"}


# A fixture may name the driver to lint with, for drivers no <domain type> selects (ch):
# <!-- fixture: driver=ch -->
_DRIVER = re.compile(rb"<!--\s*fixture:\s*driver=(\w+)\s*-->")
# and the libvirt release the fixture is judged for: <!-- fixture: libvirt-version=9.0 -->
_LIBVIRT_VERSION = re.compile(rb"<!--\s*fixture:\s*libvirt-version=([0-9.]+)\s*-->")


def _actual(path: Path) -> list[dict[str, object]]:
    data = path.read_bytes()
    driver = _DRIVER.search(data)
    version = _LIBVIRT_VERSION.search(data)
    options = engine.Options(
        driver=driver.group(1).decode() if driver else None,
        libvirt_version=parse_version(version.group(1).decode()) if version else None,
    )
    result = engine.lint(data, str(path), options)
    records = [d.to_dict() for d in result.diagnostics]
    for record in records:
        del record["path"]
    return records


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(FIXTURES)) for p in FILES])
def test_fixture_matches_golden(path: Path) -> None:
    golden = path.with_suffix(".json")
    actual = _actual(path)
    if os.environ.get("DOMLINT_UPDATE_GOLDEN") == "1":
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert golden.exists(), f"{golden.name} is missing: run with DOMLINT_UPDATE_GOLDEN=1 and review it"
    assert actual == json.loads(golden.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(FIXTURES)) for p in FILES])
def test_fixture_triggers_its_rule_or_not(path: Path) -> None:
    rule_name = path.parent.name
    if rule_name not in REGISTRY:
        return  # examples/ and other folders that are not named after a rule
    names = {record["name"] for record in _actual(path)}
    if path.name.startswith("bad-"):
        assert rule_name in names
    else:
        assert path.name.startswith("good-"), "fixtures are named bad-* or good-*"
        assert rule_name not in names


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_rule_has_failing_and_passing_fixtures(name: str) -> None:
    folder = FIXTURES / name
    if name in NO_FIXTURE:
        return
    assert list(folder.glob("bad-*.xml")), f"fixtures/{name}/bad-*.xml missing"
    assert list(folder.glob("good-*.xml")), f"fixtures/{name}/good-*.xml missing"
