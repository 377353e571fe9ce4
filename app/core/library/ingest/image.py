"""Image files (PNG, JPEG, TIFF with any number of pages): every page is a scan. Without OCR they are
checked and listed as needing it; with OCR (the sync's second pass) their pages are read."""
from __future__ import annotations

from pathlib import Path

from .model import ParsedDocument
from .page_images import frame_count, image_frame, open_image


def parse_image(data: bytes, path: Path, ocr=None) -> ParsedDocument:
    image = open_image(data)
    pages = frame_count(image)
    image_frame(image, 1)  # a truncated or undecodable image fails here, in the first pass
    doc = ParsedDocument(path=path, title=path.stem, blocks=[], kind="image",
                         needs_ocr_pages=list(range(1, pages + 1)))
    if ocr is not None:
        from .scanned import read_scanned

        read_scanned(doc, ocr, data, lambda page: image_frame(image, page))
    return doc
