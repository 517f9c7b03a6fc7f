"""`domlint check` on a clean file loads only what it uses (bench/run.py measures the time).

The check path imports no module only an error, an option or another command needs (the
format modules, --fix's atomic writes, JSON, hashing, difflib's suggestions, the worker pool;
pathlib, as paths stay strings).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

from domlint import engine

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
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[-1:] == [floor], out


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
