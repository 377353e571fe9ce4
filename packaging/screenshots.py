"""Saves PNG screenshots of the main window's states into docs/screenshots/.

Runs the real application under a virtual X server (Xvfb, started here) in a throw-away
STRONGROOM_HOME: the demo model answers a real question, a sample folder is indexed for real, and the
source viewer opens the PDF page the answer cites.

    .venv/bin/python packaging/screenshots.py [--out docs/screenshots] [--display :99]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTION = "How much notice is needed to terminate the lease?"
PAGES = [
    ("Commercial Lease Agreement",
     "This lease is made between Harbour Holdings Ltd (the Landlord) and Meridian Legal LLP (the Tenant) "
     "for the premises at 14 Quay Street. The term begins on 1 March 2025 and runs for five years."),
    ("Rent and Deposit",
     "The Tenant pays an annual rent of 84,000 euros in quarterly instalments. A deposit equal to three "
     "months of rent is paid before the Tenant moves in and is returned within thirty days of the end of the term."),
    ("Termination",
     "Either party may terminate this agreement by giving ninety days written notice to the other party. "
     "Notice must be delivered by registered mail to the address stated in this agreement."),
    ("Disputes",
     "Any dispute arising from this agreement is settled by arbitration in Lyon under French law."),
]


def start_xvfb(display: str) -> subprocess.Popen | None:
    if shutil.which("Xvfb") is None:
        sys.exit("Xvfb is not installed (Debian/Ubuntu: apt-get install -y xvfb)")
    proc = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = Path(f"/tmp/.X11-unix/X{display.lstrip(':')}")
    for _ in range(100):
        if socket.exists():
            return proc
        time.sleep(0.05)
    proc.terminate()
    sys.exit(f"Xvfb did not start on {display}")


def write_sample_documents(folder: Path) -> Path:
    from PySide6.QtCore import QMarginsF, QRectF, Qt
    from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

    folder.mkdir(parents=True, exist_ok=True)
    pdf = folder / "Lease - 14 Quay Street.pdf"
    writer = QPdfWriter(str(pdf))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(25, 25, 25, 25)))
    writer.setResolution(72)
    painter = QPainter(writer)
    for i, (heading, body) in enumerate(PAGES):
        if i:
            writer.newPage()
        painter.setFont(QFont("DejaVu Sans", 16, QFont.Weight.Bold))
        painter.drawText(QRectF(0, 20, 480, 40), f"{i + 1}. {heading}")
        painter.setFont(QFont("DejaVu Serif", 11))
        painter.drawText(QRectF(0, 70, 480, 400), Qt.TextFlag.TextWordWrap, body)
    painter.end()
    write_scanned_letter(folder / "Letter - notice of renewal (scan).png")
    (folder / "Memo - deposit.txt").write_text(
        "Memo to file. The client asked whether the deposit is refundable. Under the lease the deposit "
        "of three months rent is returned within thirty days of the end of the term, less any unpaid rent.\n",
        encoding="utf-8")
    return pdf


SCANNED_LETTER = ["Harbour Holdings Ltd, 2 Dock Road, Lyon", "", "Dear Meridian Legal LLP,", "",
                  "We confirm that the lease of 14 Quay Street will renew",
                  "for a further five years unless either party gives",
                  "ninety days written notice before the end of the term.", "", "Yours faithfully,",
                  "J. Marchetti, Property Manager"]


def write_scanned_letter(path: Path) -> None:
    """A letter as a scanner gives it: an image of the page, slightly turned, with no text layer."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    page = QImage(1240, 900, QImage.Format.Format_RGB32)  # 150 dpi, the top half of an A4 page
    page.fill(QColor(250, 249, 245))
    painter = QPainter(page)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.rotate(0.6)  # fed into the scanner not quite straight
    painter.setFont(QFont("DejaVu Serif", 15))
    painter.setPen(QColor(35, 35, 40))
    for n, line in enumerate(SCANNED_LETTER):
        painter.drawText(QRectF(140, 110 + n * 52, 1000, 50), Qt.AlignmentFlag.AlignLeft, line)
    painter.end()
    page.save(str(path))


def wait(app, condition, timeout: float = 180.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the window did not reach the expected state in time")
        app.processEvents()
        time.sleep(0.01)


def settle(app, seconds: float = 0.4) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


SIZES = [(1024, 700), (1440, 900)]


def capture(out: Path) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    from app.core.privacy.guard import install, offline_environment

    offline_environment()
    install()
    from app.ui import theme
    from app.ui.main_window import MainWindow
    from app.ui.services import Services

    app = QApplication([sys.argv[0]])
    app.setApplicationName("Strongroom")
    home = Path(os.environ["STRONGROOM_HOME"])
    docs = write_sample_documents(home.parent / "Client files" / "Meridian lease")
    services = Services()
    for key, value in (("model.n_ctx", 2048), ("sampling.max_tokens", 120), ("sampling.seed", 7),
                       ("sampling.temperature", 0.0)):
        services.settings.set(key, value)
    theme.apply("light", 0, app)
    window = MainWindow(services, warm_up=False)
    window.resize(1440, 900)
    window.show()
    saved: list[Path] = []

    def shot(name: str, widget=None) -> None:
        settle(app)
        path = out / f"{name}.png"
        (widget or window).grab().save(str(path))
        saved.append(path)
        print("saved", path)

    wait(app, lambda: window.model_label.text().startswith("Model:"))
    shot("01-welcome")
    window.welcome.start_button.click()

    # Index the sample folder for real.
    window.show_libraries()
    done = []
    window.libraries_view.sync_finished.connect(lambda name, report: done.append(report))
    window.libraries_view.add_folder(docs.parent)
    wait(app, lambda: bool(done))
    shot("02-libraries")

    # Ask the demo model a real question, in a conversation about that matter ("Start asking").
    window.ask_library(done[0].library)
    window.chat.input.setPlainText(QUESTION)
    window.chat._submit()
    wait(app, lambda: not window.controller.busy)
    shot("03-chat")

    # The answer's own sources, and its first PDF source opened at the cited page.
    sources = window.chat.widgets[-1].message.sources
    window.set_sources_visible(True)
    window.split.setSizes([250, 640, 550])
    window.sources.split.setSizes([200, 600])
    settle(app)
    best = next((s for s in sources if str(s["file"]).endswith(".pdf")), sources[0])
    window.open_citation(len(window.chat.widgets) - 1, best["n"])
    wait(app, lambda: window.sources.viewer.highlighted or window.sources.viewer.stack.currentWidget()
         is not window.sources.viewer.pdf_view, timeout=20)
    window.split.setSizes([250, 640, 550])
    window.sources.split.setSizes([200, 600])
    settle(app, 5)  # pages render in the background
    shot("04-source-viewer")

    window.set_sources_visible(False)
    window.show_models()
    shot("05-models")
    window.set_sources_visible(True)

    dialog = window.open_settings()
    dialog.tabs.setCurrentIndex(next(i for i in range(dialog.tabs.count()) if dialog.tabs.tabText(i) == "History"))
    shot("06-settings-locked", dialog)
    dialog.reject()

    # The states of issue 14 (navigation, settings, help, folders), each at a small and a large size.
    for width, height in SIZES:
        window.resize(width, height)
        size = f"{width}x{height}"
        window.show_libraries()
        card = next(iter(window.libraries_view.cards.values()))
        card.files_button.setChecked(True)
        card.toggle_files(True)
        wait(app, lambda: card.files.loaded, timeout=20)
        shot(f"08-library-files-{size}")
        card.files_button.setChecked(False)
        card.toggle_files(False)
        card.ask.click()  # "Start asking": a conversation in that matter
        shot(f"09-start-asking-{size}")
        window.show_models()
        shot(f"10-models-{size}")
        window.show_welcome()
        shot(f"11-welcome-library-ready-{size}")
        dialog = window.open_settings()
        shot(f"12-settings-general-{size}", dialog)
        dialog.reject()
        help_dialog = window.open_help("about")
        shot(f"13-help-about-{size}", help_dialog)
        help_dialog.tabs.setCurrentWidget(help_dialog.guide)
        shot(f"14-help-guide-{size}", help_dialog)
        help_dialog.reject()
    window.resize(1440, 900)

    # Whole-document work and the firm's servers (issues 16-18).
    window.show_libraries()
    extraction = window.libraries_view.open_extraction(done[0].library)
    extraction.resize(1400, 760)
    extraction.start("contract-basics")
    wait(app, lambda: "documents;" in extraction.status.text(), timeout=600)
    table = extraction.table.model()
    row = next(r for r in range(table.rowCount()) if table.index(r, 0).data().startswith("Lease"))
    extraction.show_cell(table.index(row, 1))
    shot("15-extract-table", extraction)
    extraction.close()

    letter = docs.parent / "Letter - notice of renewal (scan).png"
    window.show_chat()
    window.set_sources_visible(True)
    window.sources.set_sources([{"n": 1, "library": done[0].library, "file": str(letter), "page": 1, "heading": None,
                                 "excerpt": "ninety days written notice before the end of the term.",
                                 "score": 0.71, "cited": True}])
    window.sources.open_source(1)
    wait(app, lambda: window.sources.viewer.highlighted, timeout=30)
    window.split.setSizes([250, 640, 550])
    shot("16-scan-highlights")

    dialog = window.open_settings()
    dialog.tabs.setCurrentIndex(next(i for i in range(dialog.tabs.count())
                                     if dialog.tabs.tabText(i) == "Model server"))
    shot("17-settings-model-server", dialog)
    dialog.reject()

    summary = window.summarize_document(str(docs), done[0].library)
    summary.resize(1200, 760)
    wait(app, lambda: summary.summary is not None, timeout=600)
    shot("18-summary", summary)
    summary.close()

    theme.apply("dark", 0, app)
    window.show_chat()
    shot("07-chat-dark")
    window.close()
    services.close()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--display", default=":99")
    parser.add_argument("--platform", default="xcb", help="Qt platform (offscreen: no X server, for a dry run)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    xvfb = start_xvfb(args.display) if args.platform == "xcb" else None
    scratch = Path(tempfile.mkdtemp(prefix="strongroom-shots-"))
    os.environ.update(DISPLAY=args.display, QT_QPA_PLATFORM=args.platform, STRONGROOM_HOME=str(scratch / "home"))
    policy = scratch / "home" / "system" / "policy.toml"
    policy.parent.mkdir(parents=True)
    policy.write_text('[policy]\nmessage = "Firm records policy 4.2"\n[history]\nretention_days = 365\n',
                      encoding="utf-8")
    try:
        capture(out)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
