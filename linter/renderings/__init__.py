"""Renderings of the bundled RelaxNG grammar (compact syntax, XSD 1.1), derived, never hand-kept."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from .. import grammar
from . import rnc, xsd

GRAMMARS = ("os.rng", "domain.rng")


def render_all(folder: Path) -> dict[str, str]:
    """File name -> text of every rendering of each .rng file in `folder`: compact syntax and
    XSD 1.1 (domain.* includes os.*, as the RelaxNG does)."""
    texts = {}
    for source in GRAMMARS:
        root = etree.parse(str(folder / source), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        texts[f"{Path(source).stem}.rnc"] = rnc.render(root, source)
        texts[f"{Path(source).stem}.xsd"] = xsd.render(grammar.load(folder / source), source)
    return texts
