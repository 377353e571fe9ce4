"""What several window tests share: services set for short, repeatable answers from the demo model,
the window opened on them, and indexing a folder through the real Libraries view."""
from __future__ import annotations

from app.ui.services import Services


def answering_services(max_tokens: int = 40, **more) -> Services:
    """Services whose answers are short and the same on every run (greedy, fixed seed, small context)."""
    services = Services()
    values = {"model.n_ctx": 2048, "model.n_threads": 2, "sampling.max_tokens": max_tokens, "sampling.seed": 3,
              "sampling.temperature": 0.0, **more}
    for key, value in values.items():
        services.settings.set(key, value)
    return services


def index_folder(qtbot, window, folder) -> str:
    """Adds `folder` as a library in the window and waits until its first sync finished; its name."""
    finished = []
    window.libraries_view.sync_finished.connect(lambda name, report: finished.append(name))
    lib = window.libraries_view.add_folder(folder)
    qtbot.waitUntil(lambda: lib.name in finished, timeout=180000)
    return lib.name


def open_answering_window(qtbot, services: Services):
    """The real main window on `services` (history open), sized and shown, once its model has loaded."""
    from app.ui.main_window import MainWindow

    window = MainWindow(services, warm_up=False, auto_load=True, open_history=True)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitUntil(lambda: window.model_label.text().startswith("Model:"), timeout=60000)
    return window
