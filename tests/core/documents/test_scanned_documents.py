"""Whole-document work reads scanned documents as the index does: the real OCR engine, through the
same cache of pages read; off when IT turns OCR off, and a stop reaches it between pages."""
from __future__ import annotations

import pytest

from app.core.answers.rag import Cancel
from app.core.documents.document_text import read_document
from app.core.foundation.settings import Settings
from app.core.library.ingest.model import ParseError
from app.core.library.ocr_cache import OcrCache
from app.core.library.content_ids import file_hash
from tests.helpers.scans import render_page, save_pdf

pytestmark = pytest.mark.slow


@pytest.fixture
def scanned_lease(tmp_path):
    pages = [render_page([line], height_in=1.2)[0] for line in (
        "This Lease is governed by the laws of Scotland.",
        "The tenant gives ninety days written notice.")]
    return save_pdf(pages, tmp_path / "lease-scan.pdf")


def test_a_scanned_document_is_read_with_its_pages_and_kept_in_the_ocr_cache(scanned_lease):
    doc = read_document(scanned_lease)
    assert doc.paged and "laws of Scotland" in doc.text and "ninety days" in doc.text
    assert doc.locate("governed by the laws of Scotland") == 1  # quotes are found on their page
    cache = OcrCache()
    try:
        assert cache.get(file_hash(str(scanned_lease)), 2).text.startswith("The tenant")  # the next sync reads none
    finally:
        cache.close()


def test_with_ocr_off_a_scan_is_refused_naming_the_setting(scanned_lease):
    settings = Settings()
    settings.set("ocr.enabled", False)
    with pytest.raises(ParseError, match=r"OCR is off \(settings: ocr.enabled\)"):
        read_document(scanned_lease, settings=settings)


def test_a_stop_reaches_the_reading_of_scanned_pages(scanned_lease):
    cancel = Cancel()
    cancel.set()
    with pytest.raises(ParseError, match="stopped while its scanned pages were being read"):
        read_document(scanned_lease, cancel=cancel)
