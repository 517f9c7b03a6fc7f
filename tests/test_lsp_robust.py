"""The language server stays up and answers (issue 13), and the columns of UTF-16 and UTF-32
documents are right, in the server in every position encoding and in `domlint check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from domlint import engine
from domlint.cli import main
from domlint.diagnostics import Span

from .test_lsp import HAVE_LSP, _open, _published, _summary, needs_lsp, served

if HAVE_LSP:
    from lsprotocol import types as t

    from domlint import lsp as lsp_module

    from .test_lsp import client  # noqa: F401  (the fixture)


# UTF-16 and UTF-32 ----------------------------------------------------------------------------------------

WIDE_BODY = "<domain type='kvm'>\n  <os><type>hvm</type><!-- é𝄞 --><boot dev='dvd'/></os>\n</domain>\n"
DEV_COLUMN = WIDE_BODY.split("\n")[1].index("dev=")  # 0-based, in characters


@needs_lsp
@pytest.mark.parametrize("declared", ["UTF-16", "UTF-16BE", "UCS-2", "ISO-10646-UCS-2", "UTF-32", "UCS-4"])
def test_the_server_lints_text_declared_utf16_or_utf32_at_the_right_columns_in_every_position_encoding(declared: str) -> None:
    text = f"<?xml version='1.0' encoding='{declared}'?>\n{WIDE_BODY}"
    diagnostics = engine.lint(lsp_module.engine_bytes(text), "wide.xml").diagnostics
    assert [(d.code, d.span) for d in diagnostics] == [("OS004", Span(3, DEV_COLUMN + 1, 3, DEV_COLUMN + 10))]
    # 'é' is 2 UTF-8 units and 1 UTF-16 unit; '𝄞' is 4 UTF-8 units, 2 UTF-16 units, 1 UTF-32 unit.
    for encoding, extra in (("utf-8", 4), ("utf-16", 1), ("utf-32", 0)):
        start = DEV_COLUMN + extra
        assert lsp_module.Text(text, encoding).range(diagnostics[0].span) == t.Range(t.Position(2, start), t.Position(2, start + 9)), (
            encoding
        )


@served
async def test_a_document_declared_ucs2_is_published_at_utf16_columns(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    uri = (tmp_path / "wide.xml").as_uri()
    _open(client, uri, f"<?xml version='1.0' encoding='UCS-2'?>\n{WIDE_BODY}")
    published = await _published(client, uri, 1)
    assert [(where, code) for where, code, _, _ in _summary(published.diagnostics)] == [((2, DEV_COLUMN + 1, 2, DEV_COLUMN + 10), "OS004")]


@pytest.mark.parametrize(
    ("codec", "declaration"),
    [
        ("utf-16-le", "<?xml version='1.0' encoding='UTF-16'?>\n"),
        ("utf-16-be", "<?xml version='1.0' encoding='UTF-16'?>\n"),
        ("utf-32-le", "<?xml version='1.0' encoding='UTF-32'?>\n"),
        ("utf-32-be", ""),
    ],
)
def test_check_reads_a_utf16_or_utf32_file_without_byte_order_mark(tmp_path: Path, codec: str, declaration: str) -> None:
    guest = tmp_path / "wide.xml"
    guest.write_bytes((declaration + WIDE_BODY).encode(codec))
    line = 3 if declaration else 2
    result = CliRunner().invoke(main, ["check", str(guest)])
    assert (result.exit_code, result.stdout) == (
        1,
        f"{guest}:{line}:{DEV_COLUMN + 1}: error OS004 invalid-value: invalid value 'dvd' for attribute 'dev' of <boot>: "
        "expected 'hd', 'fd', 'cdrom' or 'network'\n"
        "  |\n"
        f"{line} | {WIDE_BODY.split(chr(10))[1]}\n"
        f"  | {' ' * DEV_COLUMN}^^^^^^^^^\n"
        "1 file, 1 error, 0 warnings, 0 skipped\n",
    )


@needs_lsp
def test_a_declared_codec_that_cannot_write_the_text_leaves_it_utf8() -> None:
    """Python's idna codec raised UnicodeError here, and linting failed before the engine saw the text."""
    text = "<?xml version='1.0' encoding='idna'?>\n<os><type>hvm</type></os>\n"
    assert lsp_module.engine_bytes(text) == text.encode()
