"""The background-task API: callbacks on the UI thread, progress, quit, failures as plain dialogs."""
import threading
import time

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QMessageBox

from app.ui import tasks
from app.ui.errors import plain_message
from tests.ui.heartbeat import Heartbeat
from tests.ui.ui_thread_probe import UiThreadProbe


def _on_ui_thread() -> bool:
    return QThread.currentThread() is QApplication.instance().thread()


def test_success_and_progress_arrive_on_ui_thread(qtbot):
    seen = {"progress": [], "threads": set()}

    def work(n, task):
        for i in range(n):
            task.report(i)
        return threading.get_ident()

    results = []
    task = tasks.run_in_background(
        work, 5, pass_task=True,
        on_progress=lambda v: (seen["progress"].append(v), seen["threads"].add(_on_ui_thread())),
        on_success=lambda r: (results.append(r), seen["threads"].add(_on_ui_thread())),
    )
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert seen["progress"] == [0, 1, 2, 3, 4]
    assert seen["threads"] == {True}
    assert results[0] != threading.get_ident()  # it really ran elsewhere
    assert task.is_done()


def test_failure_without_handler_shows_plain_dialog(qtbot):
    def boom():
        raise ValueError("the index folder is missing")

    task = tasks.run_in_background(boom)
    qtbot.waitUntil(task.is_done, timeout=5000)
    qtbot.waitUntil(lambda: any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()),
                    timeout=5000)
    box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
    assert box.text() == "The index folder is missing."
    assert "Traceback" not in box.text()
    assert "ValueError" in box.detailedText()  # the technical text is behind "Details"
    box.close()


def test_failure_handler_gets_exception(qtbot):
    errors = []
    tasks.run_in_background(lambda: 1 / 0, on_failure=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ZeroDivisionError)


def test_generator_streams_and_quits(qtbot):
    closed = threading.Event()

    def tokens():
        try:
            for i in range(10_000):
                time.sleep(0.002)
                yield f"t{i} "
        finally:
            closed.set()

    got = []
    task = tasks.run_generator(tokens, on_yield=got.append)
    qtbot.waitUntil(lambda: len(got) >= 5, timeout=5000)
    task.quit()
    qtbot.waitUntil(task.is_done, timeout=5000)
    assert closed.is_set()
    assert got[:3] == ["t0 ", "t1 ", "t2 "]
    assert len(got) < 10_000


def test_generator_return_value(qtbot):
    def gen():
        yield 1
        return "done"

    results = []
    tasks.run_generator(gen, on_success=results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert results == ["done"]


def test_bridge_delivers_core_thread_callbacks_on_ui_thread(qtbot):
    bridge = tasks.UiBridge()
    seen = []
    bridge.token.connect(lambda t: seen.append((t, _on_ui_thread())))
    worker = threading.Thread(target=lambda: [bridge.emit_token(x) for x in "abc"])
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=5000)
    assert seen == [("a", True), ("b", True), ("c", True)]


def test_heartbeat_sees_a_blocked_ui_thread(qtbot):
    with Heartbeat() as beat:
        qtbot.wait(50)
        time.sleep(0.2)  # a deliberate stall on the UI thread
        qtbot.wait(50)
    assert beat.worst_gap_ms >= 150
    assert beat.worst_stall_ms >= 150  # our own stall is not excused as the system's


def test_plain_message_never_is_a_traceback():
    assert plain_message(FileNotFoundError(2, "No such file", "/x/a.pdf")) == "The file /x/a.pdf could not be found."
    assert plain_message(RuntimeError("")).startswith("Something went wrong")


def test_probe_sees_slow_work_on_the_ui_thread(tmp_path):
    from app.core.library.ingest import parse_file

    note = tmp_path / "note.txt"
    note.write_text("A short note.", encoding="utf-8")
    off_thread = threading.Thread(target=parse_file, args=(note,))
    with UiThreadProbe() as probe:
        off_thread.start()
        off_thread.join()
        assert probe.calls == []  # work on another thread is not the UI thread's
        parse_file(note)
    assert probe.calls and "ingest" in probe.calls[0] and "test_tasks.py" in probe.calls[0]


def test_probe_sees_history_key_and_registry_work_on_the_ui_thread(monkeypatch):
    from app.core.history.conversations import open_history
    from app.core.models.registry import Registry
    from app.core.privacy.keystore import KeyStore

    monkeypatch.setenv("STRONGROOM_PASSPHRASE", "correct horse battery")
    with UiThreadProbe() as probe:
        KeyStore().unlock()  # the key derivation
        history = open_history()
        history.create_conversation("Lease", libraries=[])
        history.close()
        Registry().scan()
    called = "\n".join(probe.calls)
    assert "privacy/keystore.py:unlock" in called
    assert "history/conversations.py:open_history" in called and "history/conversations.py:close" in called
    assert "models/registry.py:scan" in called


def test_serial_queue_runs_in_order_on_one_thread_and_reports_on_the_ui_thread(qtbot):
    queue = tasks.SerialQueue("test-serial")
    ran, reported = [], []
    for i in range(40):
        def job(i=i):
            time.sleep(0.001 if i % 3 else 0)  # jobs of uneven length still finish in order
            ran.append((i, threading.get_ident()))
            return i
        queue.submit(job, on_success=lambda r: reported.append((r, _on_ui_thread())))
    assert queue.wait(10)
    assert [i for i, _ in ran] == list(range(40))
    assert len({t for _, t in ran}) == 1 and ran[0][1] != threading.get_ident()
    qtbot.waitUntil(lambda: len(reported) == 40, timeout=5000)
    assert reported == [(i, True) for i in range(40)]
    failures = []
    queue.submit(lambda: 1 / 0, on_failure=failures.append)
    queue.submit(lambda: ran.append(("after a failure", 0)))
    assert queue.close(10)
    assert ran[-1][0] == "after a failure"  # one failure does not stop the queue
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert isinstance(failures[0], ZeroDivisionError)


def test_on_ui_thread_asks_from_a_worker_and_waits(qtbot):
    asked = []
    ask = tasks.on_ui_thread(lambda new: (asked.append(_on_ui_thread()), "secret" if new else "old")[1])
    answers = []
    worker = threading.Thread(target=lambda: answers.append(ask(True)))
    worker.start()
    qtbot.waitUntil(lambda: bool(answers), timeout=5000)  # the UI thread's event loop runs the question
    worker.join()
    assert answers == ["secret"] and asked == [True]
    assert ask(False) == "old"  # on the UI thread itself: called directly


def test_a_quick_task_runs_while_long_ones_occupy_one_thread_per_core(qtbot):
    release = threading.Event()
    long_running = max(2, QThread.idealThreadCount())  # e.g. a library sync per core
    started = []
    for _ in range(long_running):
        tasks.run_in_background(lambda: (started.append(1), release.wait(60)))
    try:
        qtbot.waitUntil(lambda: len(started) == long_running, timeout=10000)
        answered = []
        tasks.run_in_background(lambda: "answer", on_success=answered.append)
        qtbot.waitUntil(lambda: answered == ["answer"], timeout=10000)
    finally:
        release.set()
    assert tasks.wait_all(10000)
