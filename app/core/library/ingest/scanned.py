"""Reading the scanned pages of a parsed document: each page without usable text is imaged, read by
OCR (or taken from the cache of pages read before) and becomes a block of its own; a page that stays
unreadable is listed with the reason."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Callable, Protocol

from . import ocr
from .model import Block, OcrCancelled, ParsedDocument, ParseError
from .page_images import is_blank
from app.core.foundation import logs

log = logging.getLogger(__name__)

NO_TEXT = "no text found (drawing or blank page)"


class PageCache(Protocol):
    def get(self, key: str, page: int) -> ocr.OcrPage | None: ...
    def put(self, key: str, page: int, result: ocr.OcrPage) -> None: ...


@dataclass
class OcrContext:
    """What a parser needs to read scanned pages; one per OCR pass, shared by its files."""
    cache: PageCache | None = None
    cancel: object = None  # has is_set(): checked between pages
    max_pages: int = 200  # per file (settings ocr.max_pages_per_file)
    on_page: Callable[[], None] | None = None  # a page is done (read, cached or unreadable)
    # The content key of the file that holds the one being read (an e-mail and its attachment): cached
    # pages are kept under "<holder>/<attachment>", so they live as long as a library holds the e-mail.
    holder: str = ""


def pages_per_file(settings) -> int:
    """The scanned pages read per file: settings ocr.max_pages_per_file, at least one."""
    return max(1, int(settings.get("ocr.max_pages_per_file")))


def content_key(data: bytes) -> str:
    """The cache key of a file's content: the same hash the sync state keeps (content_ids.file_hash)."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def read_scanned(doc: ParsedDocument, context: OcrContext, data: bytes, image_for_page: Callable) -> None:
    """Reads doc.needs_ocr_pages in place: their text becomes blocks (in page order, replacing what the
    text layer gave for that page), the pages left unreadable go to doc.unreadable_pages with why."""
    key = f"{context.holder}/{content_key(data)}" if context.holder else content_key(data)
    pages = list(doc.needs_ocr_pages)
    read: dict[int, ocr.OcrPage] = {}
    for number, page in enumerate(pages):
        if context.cancel is not None and context.cancel.is_set():
            raise OcrCancelled()
        if number >= context.max_pages:
            doc.unreadable_pages.append({"page": page, "cap": context.max_pages, "reason": (
                f"not read: the file has more than {context.max_pages} scanned pages "
                "(settings: ocr.max_pages_per_file)")})
            continue
        try:
            result = _read_page(context, key, page, image_for_page)
        except ParseError as exc:
            doc.unreadable_pages.append({"page": page, "reason": exc.reason})
            result = None
        if context.on_page is not None:
            context.on_page()
        if result is None:
            continue
        if result.text.strip():
            read[page] = result
        elif not any(b.page == page for b in doc.blocks):
            doc.unreadable_pages.append({"page": page, "reason": NO_TEXT})
    doc.needs_ocr_pages = []
    kept = [b for b in doc.blocks if b.page not in read]
    kept += [Block(text=r.text, page=p) for p, r in read.items()]
    doc.blocks = sorted(kept, key=lambda b: b.page or 0)
    doc.unreadable_pages.sort(key=lambda u: u["page"])


def _read_page(context: OcrContext, key: str, page: int, image_for_page: Callable) -> ocr.OcrPage | None:
    if context.cache is not None:
        cached = context.cache.get(key, page)
        if cached is not None:
            return cached
    image = image_for_page(page)
    if is_blank(image):
        result = ocr.OcrPage("")
    else:
        try:
            result = ocr.recognise(image)
        except MemoryError:
            raise ParseError("page is too large to read in memory") from None
        except Exception as exc:  # an engine failure on one page must not lose the file's other pages
            log.warning("OCR failed on a page: %s", logs.error_kind(exc))
            raise ParseError("the page could not be read by OCR") from None
    if context.cache is not None:
        context.cache.put(key, page, result)
    return result
