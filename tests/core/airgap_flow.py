"""The whole flow in one process, meant to run under `unshare -n`: open the window, index a folder,
answer a question from it. Prints JSON with what the network guard saw (tests/core/privacy/test_guard.py).

    unshare -n .venv/bin/python tests/core/airgap_flow.py FOLDER
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.core.privacy import guard  # noqa: E402

guard.offline_environment()
guard.install()


def main(folder: str) -> int:
    from PySide6.QtWidgets import QApplication

    from app.core.answers import rag
    from app.core.engine.local_engine import SamplingParams
    from app.ui.main_window import MainWindow
    from app.ui.services import Services

    app = QApplication.instance() or QApplication([])
    services = Services()
    services.settings.set("model.n_ctx", 2048)
    window = MainWindow(services, warm_up=False, auto_load=False)
    window.show()
    app.processEvents()
    shown = window.isVisible() and window.windowTitle() == "Strongroom"

    lib = services.add_library(folder)
    report = services.sync_library(lib)
    info = services.default_model(services.scan_models()).info
    services.load_model(info).result()
    retriever = rag.Retriever(services.embedder, services.shards().borrow)
    started = time.perf_counter()
    result = rag.answer(services.engine, retriever, "airgap", [], "How much notice ends the lease?",
                        [services.library_manager().get(lib.name)], SamplingParams(max_tokens=24, seed=1))
    window.close()
    services.close()
    print(json.dumps({
        "window_shown": shown, "indexed": len(report.indexed), "chunks": report.chunks,
        "answer": result.text, "sources": result.sources, "seconds": round(time.perf_counter() - started, 2),
        "guard_active": guard.is_active(), "attempts": [str(a) for a in guard.attempts()],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
