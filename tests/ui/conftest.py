"""GUI tests: background tasks of one test finish before the next test starts."""
import pytest


@pytest.fixture(autouse=True)
def _drain_background_tasks(qapp):
    yield
    from app.ui import tasks

    assert tasks.wait_all(120000), "a background task did not finish"
    qapp.processEvents()
