"""`python -m domlint.renderings [FOLDER]`: write the renderings of the bundled grammar.

By default into the package's own schemas folder (in a checkout: `schemas/`). Run it after
every change to `schemas/*.rng`; tests/test_renderings.py fails until the files match.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import render_all
from ..grammar import schema_path

folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(schema_path("os.rng")).parent
for name, text in render_all(folder).items():
    (folder / name).write_text(text, encoding="utf-8")
    print(f"wrote {folder / name}")
