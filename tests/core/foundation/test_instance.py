"""Single instance: a second process is refused with a clear message; a killed one leaves no stale lock."""
import os
import signal
import subprocess
import sys

import pytest

from app.core.foundation import instance
from app.core.foundation.instance import AlreadyRunning, InstanceLock
from tests.conftest import ROOT

HOLDER = """
import sys, time
from app.core.foundation import instance
instance.hold()
print("held", flush=True)
time.sleep(120)
"""


@pytest.fixture(autouse=True)
def _release():
    yield
    instance.release()


@pytest.fixture
def holder():
    """Another process holding the lock on this test's data dir."""
    child = subprocess.Popen([sys.executable, "-c", HOLDER], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(10)


def test_hold_is_idempotent_within_a_process():
    first = instance.hold()
    assert instance.hold() is first and first.held
    assert first.path.read_text() == str(os.getpid())


def test_second_process_is_refused_with_a_clear_message(holder):
    with pytest.raises(AlreadyRunning) as err:
        instance.hold()
    assert "Strongroom is already running" in str(err.value) and "close it or use the window" in str(err.value)
    assert err.value.pid == holder.pid


def test_lock_is_released_when_the_holder_is_killed(holder):
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    lock = instance.hold()  # no stale lock after a crash
    assert lock.held


def test_release_lets_another_lock_in():
    first = InstanceLock()
    first.acquire()
    second = InstanceLock()
    with pytest.raises(AlreadyRunning):
        second.acquire()  # separate open file: conflicts like another process would
    first.release()
    with second:
        assert second.held
    assert not second.held


def test_lock_file_is_owner_only():
    lock = instance.hold()
    assert os.stat(lock.path).st_mode & 0o077 == 0
    assert os.stat(lock.path.parent).st_mode & 0o077 == 0
