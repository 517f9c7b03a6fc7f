"""Renderings of the bundled RelaxNG grammar (compact syntax, XSD 1.1), derived, never hand-kept."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from .. import grammar
from . import rnc, xsd

GRAMMARS = ("os.rng", "domain.rng")


def render_all(folder: Path) -> dict[str, str]:
    """File name -> text of every rendering, from the .rng files in `folder`: the compact syntax
    of each grammar file, and one XSD 1.1 of the whole (domain.rng, which includes os.rng)."""
    texts = {}
    for source in GRAMMARS:
        root = etree.parse(str(folder / source), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        texts[f"{Path(source).stem}.rnc"] = rnc.render(root, source)
    texts["domain.xsd"] = xsd.render(grammar.load(folder / "domain.rng"), "domain.rng")
    return texts
