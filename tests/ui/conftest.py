"""GUI tests: background tasks of one test finish before the next test starts, and Python's cycle
collector runs on the UI thread only, as in the app (app/ui/ui_thread_gc.py)."""
import gc

import pytest


@pytest.fixture(autouse=True)
def _drain_background_tasks(qapp):
    from app.ui import ui_thread_gc

    collector = ui_thread_gc.install(qapp)
    yield
    from app.ui import tasks

    assert tasks.wait_all(120000), "a background task did not finish"
    qapp.processEvents()
    collector.stop()  # the test's garbage is collected here, on the UI thread
    assert gc.isenabled()
