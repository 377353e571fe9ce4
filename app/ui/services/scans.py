"""A scanned page for the source viewer: its image and what OCR read on it, with each line's box
(on a worker: it reads the file and renders the page)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.core.library.ingest.model import page_label  # noqa: F401 - where an unread page is, for the views
from app.core.library.ingest.page_images import IMAGE_SUFFIXES, page_image
from app.core.library.ingest.reading import read_limited
from app.core.library.ocr_cache import read_page

SCAN_SUFFIXES = IMAGE_SUFFIXES
MAX_SCAN_BYTES = 200 * 1024**2


@dataclass
class ScanPage:
    width: int
    height: int
    rgb: bytes  # width * height * 3 bytes
    text: str = ""  # what OCR read ("" when the page was never read)
    lines: list = field(default_factory=list)  # (start, end, (x0, y0, x1, y1)): text[start:end] lies in the box

    def boxes(self, start: int, end: int) -> list[tuple[float, float, float, float]]:
        return [box for s, e, box in self.lines if s < end and e > start]


def load_scan_page(path: Path | str, page: int) -> ScanPage:
    """Raises ParseError (plain reason) when the page cannot be shown."""
    path = Path(path)
    image = page_image(read_limited(path, MAX_SCAN_BYTES), path.suffix, page)
    result = read_page(path, max(page, 1))
    scan = ScanPage(image.width, image.height, image.tobytes())
    if result is not None:
        scan.text, scan.lines = result.text, [(ln.start, ln.end, ln.box) for ln in result.lines]
    return scan
