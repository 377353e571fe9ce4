"""Models view: real registry scan, add a real GGUF with progress and verification, empty state."""
from app.core.foundation import paths
from app.ui.models_view import ModelsView, empty_state_text
from app.ui.services import Services


def test_lists_demo_model_and_adds_a_file(qtbot, demo_gguf, tmp_path):
    view = ModelsView(Services())
    qtbot.addWidget(view)
    view.show()
    task = view.refresh()
    qtbot.waitUntil(task.is_done, timeout=20000)
    qtbot.waitUntil(lambda: not view.scanning, timeout=5000)
    demo = [r for r in view.rows.values() if r.info.origin == "demo"]
    assert demo and "built-in demo" in demo[0].status.text()
    assert demo[0].load_button.isEnabled()
    assert view.empty.isHidden()

    copy = view.add_model_file(demo_gguf)
    progress = []
    copy.progressed.connect(progress.append)
    qtbot.waitUntil(lambda: any(r.info.origin == "user" for r in view.rows.values()), timeout=30000)
    added = next(r for r in view.rows.values() if r.info.origin == "user")
    assert added.info.path.parent == paths.user_models_dir()
    assert added.info.path.stat().st_size == demo_gguf.stat().st_size
    qtbot.waitUntil(lambda: "Verifying" not in view.notice.text() and ":" in view.notice.text(), timeout=30000)


def test_hostile_file_gets_plain_dialog_and_nothing_copied(qtbot, tmp_path):
    from PySide6.QtWidgets import QApplication, QMessageBox

    bad = tmp_path / "weights.gguf"
    bad.write_bytes(b"<html>not a model</html>")
    view = ModelsView(Services())
    qtbot.addWidget(view)
    task = view.add_model_file(bad)
    qtbot.waitUntil(task.is_done, timeout=10000)
    qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()),
                    timeout=5000)
    box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
    assert "was not added" in box.text() and "does not start like a GGUF" in box.text()
    box.close()
    assert list(paths.user_models_dir().iterdir()) == []


def test_empty_state_names_the_exact_folders(qtbot, monkeypatch):
    monkeypatch.setattr(paths, "demo_chat_dir", lambda: None)
    view = ModelsView(Services())
    qtbot.addWidget(view)
    view.show()
    task = view.refresh()
    qtbot.waitUntil(task.is_done, timeout=20000)
    qtbot.waitUntil(lambda: view.empty.isVisible(), timeout=5000)
    text = empty_state_text()
    assert str(paths.user_models_dir()) in text and str(paths.system_models_dir()) in text
    assert "STRONGROOM_MODELS_PATH" in text
