"""The window's log lines name no document, folder or library: a stable short reference (logs.ref)
and the kind of an exception (logs.error_kind) instead of its message."""
import logging

from app.ui import tasks
from app.ui.services import Services, ref


def _ui_lines(caplog) -> list[str]:
    """The window's log records as the log file has them, a traceback included."""
    return [logging.Formatter("%(message)s").format(r) for r in caplog.records if r.name.startswith("app.ui")]


def test_a_default_folder_that_cannot_become_a_library_is_logged_by_reference(tmp_path, monkeypatch, caplog):
    shared = tmp_path / "Firm precedents"
    shared.mkdir()
    too_long = tmp_path / ("Okafor v Lyon Property Holdings " * 4).strip()  # over 100 characters: no library name
    too_long.mkdir()
    policy = tmp_path / "policy.toml"
    policy.write_text(f"[libraries]\ndefault_folders = [{str(too_long)!r}, {str(shared)!r}]\n", encoding="utf-8")
    monkeypatch.setenv("STRONGROOM_POLICY", str(policy))
    services = Services()
    with caplog.at_level(logging.WARNING):
        added = services.ensure_default_libraries()
    assert [lib.name for lib in added] == ["Firm precedents"]  # the bad folder does not stop the others
    lines = _ui_lines(caplog)
    assert len(lines) == 1
    assert lines[0].startswith(f"default library folder {ref(str(too_long))} not added: LibraryError at libraries.py:")
    assert not any("Okafor" in line or str(tmp_path) in line for line in lines)


def test_a_failed_background_task_is_logged_by_kind_not_by_its_message(qtbot, tmp_path, caplog):
    missing = tmp_path / "Okafor matter" / "lease.pdf"
    failures = []
    with caplog.at_level(logging.ERROR):
        tasks.run_in_background(lambda: missing.read_bytes(), on_failure=failures.append)
        qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert str(missing) in str(failures[0])  # the dialog's plain message still says which file
    lines = _ui_lines(caplog)
    assert len(lines) == 1 and lines[0].startswith("background task failed: FileNotFoundError (ENOENT) at ")
    assert "Okafor" not in lines[0] and "lease.pdf" not in lines[0]
