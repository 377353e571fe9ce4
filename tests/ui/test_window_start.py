"""The window's start-up with its real warm-up: the embedding model and the chat model load without
waiting for the start-up imports, and libraries catch up once all of it is in."""
import threading

from app.ui import main_window
from app.ui.main_window import MainWindow
from app.ui.services import Services


def test_both_models_load_while_the_start_up_imports_are_still_running(qtbot, monkeypatch):
    release = threading.Event()
    imports_done = []

    def slow_imports(*_args):  # stands in for a disk slow to serve the parsers' first imports
        release.wait(120)
        imports_done.append(True)

    monkeypatch.setattr(main_window, "import_heavy_libraries", slow_imports)
    services = Services()
    window = MainWindow(services, warm_up=True, auto_load=True, open_history=False)
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(lambda: services.embedder.loaded and services.loaded_model() is not None, timeout=120000)
        assert not imports_done and not window.ready  # the catch-up waits for the imports too
    finally:
        release.set()
    qtbot.waitUntil(lambda: window.ready, timeout=120000)
    assert imports_done


def test_threads_asking_for_the_embedder_at_once_share_one(qtbot):
    services = Services()
    start = threading.Barrier(8)
    got = []

    def ask():
        start.wait()
        got.append(services.embedder)

    workers = [threading.Thread(target=ask) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(got) == 8 and len({id(e) for e in got}) == 1 and services.embedder is got[0]
