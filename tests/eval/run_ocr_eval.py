"""OCR quality: character error rate on scanned corpus pages and European-language pages, and
retrieval hit@5 for the questions whose answer is on those pages, scanned versus the text original.

The pages cited by tests/eval/questions.toml are cut out of their PDFs one page each: once as they
are (text layer), once rasterised at 150 dpi, skewed 0.5 degrees, blurred and JPEG-compressed (no text
layer). Both folders are indexed by the real sync (OCR pass included) and every question is searched
(hybrid, top 5) in each; a hit is the expected page's file.

    .venv/bin/python tests/eval/run_ocr_eval.py [--json out.json]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.privacy import guard  # noqa: E402

guard.offline_environment()
guard.install()

from tests.eval.evalset import CORPUS, load_questions  # noqa: E402
from tests.helpers.scans import EUROPEAN, cer, degrade, render_page  # noqa: E402

SCAN_DPI = 150


def _page_pdf(source: Path, page: int) -> bytes:
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    out.import_pages(pdfium.PdfDocument(source), [page - 1])
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def _scan_pdf(source: Path, page: int) -> tuple[bytes, str]:
    """The page rasterised and degraded as an image-only PDF, and its original text layer."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(source)
    text = pdf[page - 1].get_textpage().get_text_bounded()
    image = degrade(pdf[page - 1].render(scale=SCAN_DPI / 72).to_pil(), rotate=0.5, blur=0.5, jpeg=70)
    buf = io.BytesIO()
    image.save(buf, "PDF", resolution=SCAN_DPI)
    return buf.getvalue(), text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--det-side", type=int, help="another size for finding the lines than the app's (ocr.DET_SIDE)")
    args = parser.parse_args()
    if args.det_side:
        from app.core.library.ingest import ocr

        ocr.DET_SIDE = args.det_side  # read when the engine loads
    home = Path(tempfile.mkdtemp(prefix="strongroom-ocr-eval-"))
    os.environ["STRONGROOM_HOME"] = str(home)

    from app.core.index.embedder import Embedder, resolve_model
    from app.core.library.ingest import parse_bytes
    from app.core.library.ingest.scanned import OcrContext
    from app.core.library.libraries import LibraryManager
    from app.core.library.sync import open_library_store, sync_library

    questions = [q for q in load_questions() if q.page and q.file.endswith(".pdf")]
    pages = sorted({(q.file, q.page) for q in questions})
    text_dir, scan_dir = home / "text", home / "scans"
    text_dir.mkdir()
    scan_dir.mkdir()
    name = {key: f"{Path(key[0]).stem}-p{key[1]:03}.pdf" for key in pages}
    errors, read_seconds = [], 0.0
    for key in pages:
        (text_dir / name[key]).write_bytes(_page_pdf(CORPUS / key[0], key[1]))
        data, original = _scan_pdf(CORPUS / key[0], key[1])
        (scan_dir / name[key]).write_bytes(data)
        started = time.perf_counter()
        doc = parse_bytes(data, scan_dir / name[key], ocr=OcrContext(cancel=threading.Event()))
        read_seconds += time.perf_counter() - started
        errors.append(cer(original, "\n".join(b.text for b in doc.blocks)))
    european = {}
    for language, lines in sorted(EUROPEAN.items()):
        image, _ = render_page(lines, rotate=0.5, blur=0.5, jpeg=70)
        from app.core.library.ingest import ocr

        european[language] = cer("\n".join(lines), ocr.recognise(image).text)

    embedder = Embedder(resolve_model("all-minilm-l6-v2"))
    embedder.load()
    manager = LibraryManager()
    hits = {}
    for label, folder in (("text", text_dir), ("scanned", scan_dir)):
        lib = manager.create(label, [folder])
        report = sync_library(lib, embedder, manager=manager)
        assert not report.failed, report.failed
        store = open_library_store(lib, embedder.dimensions)
        found = 0
        for q in questions:
            top = store.search_hybrid(embedder.embed_query(q.question), q.question, 5)
            found += name[(q.file, q.page)] in [h.payload.get("file_name") for h in top]
        store.close()
        hits[label] = found / len(questions)

    result = {
        "pages": len(pages), "questions": len(questions),
        "cer_corpus_mean": sum(errors) / len(errors), "cer_corpus_max": max(errors),
        "cer_european": european, "hit5_text": hits["text"], "hit5_scanned": hits["scanned"],
        "pages_per_second": len(pages) / read_seconds,
    }
    print("| measure | value |\n| --- | --- |")
    print(f"| scanned corpus pages (150 dpi, 0.5° skew, blur, JPEG 70) | {len(pages)} |")
    print(f"| character error rate, corpus pages: mean / worst | {result['cer_corpus_mean']:.1%} / "
          f"{result['cer_corpus_max']:.1%} |")
    for language, value in european.items():
        print(f"| character error rate, {language} | {value:.1%} |")
    print(f"| hit@5, {len(questions)} questions: text originals | {hits['text']:.0%} |")
    print(f"| hit@5, same questions: scanned pages | {hits['scanned']:.0%} |")
    print(f"| OCR speed | {result['pages_per_second']:.2f} pages/s |")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
