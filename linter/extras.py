"""What to tell a user whose command needs an optional dependency (a pyproject extra).

domlint is installed from a checkout or a wheel built from it, not from a package index, so the
advice names the extra and where it comes from, never `pip install 'domlint[...]'`.
"""

from __future__ import annotations


def install_hint(extra: str) -> str:
    """How to get `extra`, as the end of a one-line error message."""
    return f"install domlint with the {extra} extra from a checkout or a wheel built from it (in the checkout: pip install '.[{extra}]')"
