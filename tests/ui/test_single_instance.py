"""A second launch finds the running window, asks it to come forward, and exits."""
import subprocess
import sys

from app.ui.single_instance import InstanceServer, notify_running, server_name
from tests.conftest import ROOT

CLIENT = "from PySide6.QtCore import QCoreApplication; app = QCoreApplication([]); " \
         "from app.ui.single_instance import notify_running; raise SystemExit(0 if notify_running() else 3)"


def test_second_launch_activates_the_first(qtbot, strongroom_home):
    assert not notify_running()  # nobody listening yet
    server = InstanceServer()
    assert server.listen()
    activations = []
    server.activated.connect(lambda: activations.append(1))
    # A real second process, as a second double-click would start.
    child = subprocess.Popen([sys.executable, "-c", CLIENT], cwd=ROOT)
    qtbot.waitUntil(lambda: child.poll() is not None and bool(activations), timeout=30000)
    assert child.returncode == 0
    assert activations == [1]
    server.close()
    assert not notify_running()


def test_names_differ_per_data_folder(monkeypatch, tmp_path):
    first = server_name()
    monkeypatch.setenv("STRONGROOM_HOME", str(tmp_path / "other"))
    assert server_name() != first


def test_stale_socket_is_replaced(qtbot):
    stale = InstanceServer()
    assert stale.listen()
    stale.server.close()  # like a crash: the name may linger
    again = InstanceServer()
    assert again.listen()
    again.close()
