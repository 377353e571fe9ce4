"""PDF text per page via PDFium (pypdfium2, Apache/BSD)."""
from __future__ import annotations

import threading
from pathlib import Path

from .model import Block, ParsedDocument, ParseError

# PDFium is not thread-safe: every pypdfium2 call in the process goes through this lock.
PDFIUM_LOCK = threading.Lock()
MAX_PAGES = 5000
MAX_UNREADABLE_RUN = 20

_ERRORS = {
    2: "file is damaged or truncated",  # FPDF_ERR_FILE
    3: "file is damaged or truncated",  # FPDF_ERR_FORMAT
    4: "password-protected PDF",  # FPDF_ERR_PASSWORD
    5: "PDF uses an unsupported security handler",  # FPDF_ERR_SECURITY
    6: "file is damaged or truncated",  # FPDF_ERR_PAGE
}


def parse_pdf(data: bytes, path: Path) -> ParsedDocument:
    import pypdfium2 as pdfium

    if b"%PDF" not in data[:1024]:
        raise ParseError("not a real PDF")
    doc = ParsedDocument(path=path, title=path.stem, blocks=[], kind="pdf")
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise ParseError(_ERRORS.get(getattr(exc, "err_code", None), "file is damaged or truncated")) from None
        try:
            doc.title = _title(pdf) or path.stem
            count = len(pdf)
            if count > MAX_PAGES:
                doc.warnings.append(f"only the first {MAX_PAGES} of {count} pages were read")
            unreadable = 0
            for number in range(1, min(count, MAX_PAGES) + 1):
                text = _page_text(pdf, number - 1)
                if text is None:
                    unreadable += 1
                    if unreadable > MAX_UNREADABLE_RUN:  # a broken page tree: stop, don't list thousands
                        doc.warnings.append(f"pages from {number} on could not be read")
                        break
                    doc.warnings.append(f"page {number} could not be read")
                    continue
                unreadable = 0
                if text.strip():
                    doc.blocks.append(Block(text=text, page=number))
                else:
                    doc.needs_ocr_pages.append(number)
        finally:
            pdf.close()
    if not doc.blocks and not doc.needs_ocr_pages:
        raise ParseError("PDF has no pages")
    return doc


def _page_text(pdf, index: int) -> str | None:
    import pypdfium2 as pdfium

    page = textpage = None
    try:
        page = pdf[index]
        textpage = page.get_textpage()
        text = textpage.get_text_bounded()
    except (pdfium.PdfiumError, ValueError, OSError):
        return None
    finally:
        if textpage is not None:
            textpage.close()
        if page is not None:
            page.close()
    # PDFium marks line ends with CRLF and soft hyphens with U+FFFE / U+0002.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\ufffe", "").replace("\x02", "").replace("\x00", "")


def _title(pdf) -> str | None:
    try:
        title = (pdf.get_metadata_dict(skip_empty=True).get("Title") or "").strip()
    except Exception:  # metadata is decorative; a broken info dictionary must not fail the file
        return None
    for prefix in ("Microsoft Word - ", "Microsoft PowerPoint - "):
        if title.startswith(prefix):
            title = title[len(prefix):]
    return title or None
