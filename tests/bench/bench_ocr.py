"""OCR cost on this machine: pages per second on scanned pages, and what OCR adds to the bundle
(estimated from the installed packages it brings; `make bundle` is not run).

    .venv/bin/python tests/bench/bench_ocr.py [--det-side PX]

--det-side measures another size for finding the lines than the app's (ocr.DET_SIDE).
"""
from __future__ import annotations

import io
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.privacy import guard  # noqa: E402

guard.offline_environment()
guard.install()

# What OCR brings into the bundle: rapidocr (with its models), onnxruntime, OpenCV, Shapely, pyclipper,
# Pillow, omegaconf, PyYAML, colorlog (requests and tqdm are there already through other packages).
PACKAGES = ("rapidocr", "onnxruntime", "cv2", "opencv_python_headless.libs", "shapely", "shapely.libs", "pyclipper",
            "PIL", "pillow.libs", "omegaconf", "yaml", "colorlog", "antlr4")


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts
               and not any(part in ("pytorch", "paddle", "openvino", "mnn", "tensorrt") for part in p.parts))


STALL_PAGES = 3


def _ui_stall_ms() -> float:
    """The Heartbeat (tests/ui/heartbeat.py) of a Qt event loop while OCR runs on a worker thread."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.core.library.ingest import ocr
    from tests.helpers.scans import render_page, wrap
    from tests.ui.heartbeat import Heartbeat

    app = QApplication.instance() or QApplication([])
    text = (ROOT / "README.md").read_text(encoding="utf-8")[2000:5000]
    pages = [render_page(wrap(text)[i * 40:(i + 1) * 40])[0] for i in range(STALL_PAGES)]
    worker = threading.Thread(target=lambda: [ocr.recognise(p) for p in pages])
    with Heartbeat() as beat:
        worker.start()
        while worker.is_alive():
            app.processEvents()
            time.sleep(0.002)
    return beat.worst_stall_ms


def main() -> int:
    import argparse

    import pypdfium2 as pdfium

    from app.core.library.ingest import ocr, parse_bytes
    from app.core.library.ingest.scanned import OcrContext
    from tests.helpers.scans import degrade

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--det-side", type=int, default=ocr.DET_SIDE)
    ocr.DET_SIDE = parser.parse_args().det_side  # read when the engine loads, below

    site = Path(os.path.dirname(pdfium.__file__)).parent
    started = time.perf_counter()
    ocr.load()
    load_seconds = time.perf_counter() - started
    rows = []
    for label, source, pages in (("dense manual page (A4, ~60 lines)", "manuals/libtasn1.pdf", (4, 6, 20)),
                                 ("licence page (Letter, ~45 lines)", "licenses/MPL-1.1.pdf", (3, 5, 7))):
        pdf = pdfium.PdfDocument(ROOT / "tests" / "eval" / "corpus" / source)
        seconds = 0.0
        for page in pages:
            image = degrade(pdf[page - 1].render(scale=150 / 72).to_pil(), rotate=0.5, blur=0.5, jpeg=70)
            buf = io.BytesIO()
            image.save(buf, "PDF", resolution=150)
            t0 = time.perf_counter()
            parse_bytes(buf.getvalue(), Path("scan.pdf"), ocr=OcrContext(cancel=threading.Event()))
            seconds += time.perf_counter() - t0
        rows.append((label, len(pages) / seconds))
    print(f"cores: {os.cpu_count()}; engine load: {load_seconds:.1f} s\n")
    print("| scanned page (150 dpi scan, rendered at 200 dpi for OCR) | pages/s |\n| --- | --- |")
    for label, rate in rows:
        print(f"| {label} | {rate:.2f} |")
    print(f"| UI thread's worst stall while a worker reads {STALL_PAGES} pages | {_ui_stall_ms():.0f} ms |")
    total = 0
    print("\n| package (installed, unused back-ends left out) | MB |\n| --- | --- |")
    for name in PACKAGES:
        path = site / name
        if path.exists():
            size = _size(path)
            total += size
            print(f"| {name} | {size / 1e6:.1f} |")
    print(f"| **total** | **{total / 1e6:.0f}** |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
