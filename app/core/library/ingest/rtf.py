"""RTF via striprtf (plain text; RTF keeps no reliable heading structure)."""
from __future__ import annotations

from pathlib import Path

from .model import Block, ParsedDocument, ParseError


def parse_rtf(data: bytes, path: Path) -> ParsedDocument:
    from striprtf.striprtf import rtf_to_text

    if not data.lstrip()[:5] == b"{\\rtf":
        raise ParseError("not a real RTF document")
    # RTF is 7-bit: anything else arrives as \'xx escapes decoded by striprtf with the code page.
    raw = data.decode("latin-1")
    try:
        text = rtf_to_text(raw, encoding=_codepage(raw), errors="replace")
    except RecursionError:
        raise ParseError("file is nested too deeply to read") from None
    except Exception:
        raise ParseError("file is damaged or truncated") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    blocks = [Block(text=text)] if text else []
    return ParsedDocument(path=path, title=path.stem, blocks=blocks, kind="rtf")


def _codepage(raw: str) -> str:
    import codecs
    import re

    match = re.search(r"\\ansicpg(\d+)", raw[:4096])
    if match:
        name = f"cp{match.group(1)}"
        try:
            codecs.lookup(name)
            return name
        except LookupError:
            pass
    return "cp1252"
