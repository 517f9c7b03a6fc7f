"""Container boot rules (<type>exe</type>): init and its arguments."""

from __future__ import annotations
