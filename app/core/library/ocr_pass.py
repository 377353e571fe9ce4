"""The sync's second pass: after every text file is indexed, the files with scanned pages are read by
OCR and indexed again, whole. A file is written only when all its pages are read, so a cancel leaves
it as it was (its text pages indexed, its scans listed as not read); the pages read so far are kept in
the OCR cache, and the next sync goes on from there."""
from __future__ import annotations

import logging

from app.core.library.ingest import ocr
from app.core.library.ingest.scanned import OcrContext, pages_per_file
from app.core.library.ocr_cache import OcrCache
from app.core.library.pipeline import IndexPipeline

log = logging.getLogger(__name__)

# The file counters belong to the text pass: the OCR pass shows its own (ocr_pages_done / _total).
_FILE_COUNTERS = ("files_parsed", "files_embedded", "files_failed", "current_file", "file_chunks_done",
                  "file_chunks_total")


def read_scanned_pages(text_pass: IndexPipeline, settings, ingest, load_tokenizer) -> None:
    """Runs the OCR pass over the library of `text_pass` (same store, state, progress and report)."""
    if text_pass.cancel.is_set() or not settings.get("ocr.enabled"):
        return
    state, report, progress = text_pass.state, text_pass.report, text_pass.progress
    max_pages = pages_per_file(settings)
    queued = state.queue_ocr(max_pages)
    state.commit()
    if not queued:
        return
    try:
        ocr.load()
    except ocr.OcrUnavailable as exc:
        report.ocr_note = exc.reason
        log.error("OCR unavailable: %s", exc.reason)
        return
    progress.ocr_pages_total = sum(min(pages, max_pages) for _, pages in queued)
    progress.ocr_pages_done = 0

    def page_done() -> None:
        progress.ocr_pages_done += 1
        report.ocr_pages += 1

    saved = {name: getattr(progress, name) for name in _FILE_COUNTERS}
    cache = OcrCache()
    context = OcrContext(cache=cache, cancel=text_pass.cancel, max_pages=max_pages, on_page=page_done)
    ocr_pass = IndexPipeline(text_pass.lib, text_pass.embedder, text_pass.store, state, text_pass.emitter, report,
                             text_pass.cancel, max_bytes=text_pass.max_bytes, chunk_tokens=text_pass.chunk_tokens,
                             chunk_overlap=text_pass.chunk_overlap, cache=text_pass.cache, ocr=context)
    try:
        ocr_pass.run(ingest, load_tokenizer())
    finally:
        text_pass.added_chunks += ocr_pass.added_chunks
        for name, value in saved.items():
            setattr(progress, name, value)
        progress.ocr_file = ""
        cache.close()
