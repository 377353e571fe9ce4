"""One entry point for every format: choose the parser by suffix, turn every failure into ParseError."""
from __future__ import annotations

import logging
from pathlib import Path

from .model import OcrCancelled, ParsedDocument, ParseError
from .page_images import IMAGE_SUFFIXES
from .reading import read_limited
from app.core.foundation import logs

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 200 * 1024**2


def _parsers() -> dict:
    from .email_message import parse_email
    from .image import parse_image
    from .odt import parse_odt
    from .pdf import parse_pdf
    from .rtf import parse_rtf
    from .text import parse_markdown, parse_rst, parse_text
    from .webpage import parse_html
    from .word import parse_docx

    return {
        ".pdf": parse_pdf,
        ".docx": parse_docx,
        ".txt": parse_text,
        ".text": parse_text,
        ".md": parse_markdown,
        ".markdown": parse_markdown,
        ".rst": parse_rst,
        ".html": parse_html,
        ".htm": parse_html,
        ".xhtml": parse_html,
        ".eml": parse_email,
        ".odt": parse_odt,
        ".rtf": parse_rtf,
        **{suffix: parse_image for suffix in IMAGE_SUFFIXES},
    }


# Formats whose parser reads scanned pages when given an OCR context (scanned.OcrContext).
OCR_SUFFIXES = frozenset((".pdf",)) | IMAGE_SUFFIXES


SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    (".pdf", ".docx", ".txt", ".text", ".md", ".markdown", ".rst", ".html", ".htm", ".xhtml", ".eml", ".odt", ".rtf")
) | IMAGE_SUFFIXES


def supported_name(name: str) -> bool:
    return Path(name).suffix.lower() in SUPPORTED_SUFFIXES


def supported(path: Path) -> bool:
    # Office lock files ("~$brief.docx") and macOS resource forks ("._brief.pdf") are not documents.
    name = Path(path).name
    return supported_name(name) and not name.startswith(("~$", "._"))


def parse_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, ocr=None) -> ParsedDocument:
    """Parses one file; raises ParseError (with a plain-language .reason) and nothing else, or
    OcrCancelled when `ocr` (a scanned.OcrContext: read scanned pages too) is cancelled."""
    path = Path(path)
    if not supported_name(path.name):
        raise ParseError(f"unsupported file type ({path.suffix or 'no extension'})")
    data = read_limited(path, max_bytes)
    return parse_bytes(data, path, ocr=ocr)


def parse_bytes(data: bytes, path: Path, _depth: int = 0, ocr=None) -> ParsedDocument:
    """Parses in-memory bytes as if they were the file at `path` (e-mail attachments use this)."""
    path = Path(path)
    parser = _parsers().get(path.suffix.lower())
    if parser is None:
        raise ParseError(f"unsupported file type ({path.suffix or 'no extension'})")
    if not data:
        raise ParseError("empty file")
    try:
        if path.suffix.lower() == ".eml":
            return parser(data, path, depth=_depth, ocr=ocr)
        if ocr is not None and path.suffix.lower() in OCR_SUFFIXES:
            return parser(data, path, ocr=ocr)
        return parser(data, path)
    except (ParseError, OcrCancelled):
        raise
    except MemoryError:
        raise ParseError("file is too large or complex to read in memory") from None
    except RecursionError:
        raise ParseError("file is nested too deeply to read") from None
    except Exception as exc:  # a parser library tripping on a damaged file must not stop a library sync
        log.warning("parser failed on %s: %s", logs.ref(path), logs.error_kind(exc))
        raise ParseError("file is damaged or truncated") from None
