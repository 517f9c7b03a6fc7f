"""Renderings of the bundled RelaxNG grammar (compact syntax, XSD 1.1), derived, never hand-kept."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from . import rnc

GRAMMARS = ("os.rng", "domain.rng")
RENDERINGS = {f"{Path(name).stem}.rnc": name for name in GRAMMARS}


def render_all(folder: Path) -> dict[str, str]:
    """File name -> text of every rendering, from the .rng files in `folder`."""
    texts = {}
    for target, source in RENDERINGS.items():
        root = etree.parse(str(folder / source), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        texts[target] = rnc.render(root, source)
    return texts
