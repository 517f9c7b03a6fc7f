"""`domlint check` on a clean file loads only what it uses (bench/run.py measures the time).

The check path imports no module only an error, an option or another command needs (the
format modules, --fix's atomic writes, JSON, hashing, difflib's suggestions, the worker pool;
pathlib, as paths stay strings),
and builds no dataclass it does not instantiate (`lazy.dataclass_on_first_use`).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from domlint import engine, lazy

from .conftest import FIXTURES

NOT_ON_THE_CHECK_PATH = (
    "json",
    "pathlib",
    "tempfile",
    "hashlib",
    "difflib",
    "textwrap",
    "importlib.resources",
    "multiprocessing",
    "xmlschema",
    "domlint.autofix",
    "domlint.formats.json",
    "domlint.formats.sarif",
)


def test_a_clean_check_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    domain = tmp_path / "vm.xml"
    domain.write_text("<domain type='kvm'><name>vm</name><os><type>hvm</type><boot dev='hd'/></os></domain>\n", encoding="utf-8")
    listing = f"sorted(m for m in {NOT_ON_THE_CHECK_PATH!r} if m in sys.modules)"
    # What the interpreter loads anyway (site, an editable install's finder, click, lxml) is not ours.
    floor = subprocess.run(
        [sys.executable, "-c", f"import sys, click, lxml.etree; print({listing})"], capture_output=True, text=True, check=True
    ).stdout.strip()
    code = (
        "import sys\n"
        "from domlint import cli\n"
        "try:\n"
        f"    cli.main(['check', {str(domain)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print({listing})\n"
        "print(sorted(f'{m.__name__}.{c.__name__}' for n, m in list(sys.modules.items()) if n.startswith('domlint')\n"
        "             for c in vars(m).values() if isinstance(c, type) and '__dataclass_fields__' in vars(c)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[-2:] == [floor, "[]"], out


@lazy.dataclass_on_first_use(frozen=True)
class _Point:
    x: int
    y: int = 0


def test_a_lazy_dataclass_is_the_dataclass_once_used() -> None:
    assert "__dataclass_fields__" not in vars(_Point)
    point = _Point(1)
    assert "__dataclass_fields__" in vars(_Point)
    assert point == _Point(1, 0) and hash(point) == hash(_Point(1)) and repr(point) == "_Point(x=1, y=0)"
    with pytest.raises(AttributeError):
        point.x = 2  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(point)) == point


def test_results_survive_pickling_into_a_fresh_process() -> None:
    """Workers send diagnostics to a parent that may never have made the class itself."""
    result = engine.lint((FIXTURES / "examples" / "xen-hvm-broken.xml").read_bytes(), "vm.xml")
    code = (
        "import pickle, sys\n"
        "records = pickle.loads(sys.stdin.buffer.read())\n"
        "print(len({d.span for d in records}), records[0] == pickle.loads(pickle.dumps(records[0])))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(result.diagnostics), capture_output=True, check=True)
    assert out.stdout.split() == [str(len({d.span for d in result.diagnostics})).encode(), b"True"]
