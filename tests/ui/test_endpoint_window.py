"""The real window with answers from the firm's model server (IT's policy: model.backend = endpoint):
a real llama_cpp.server on loopback answers; a server that refuses the key or breaks the stream
midway is a plain notice in the chat; the settings dialog shows the Model server page locked as IT set
it, and stores the API key in the keychain."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.ui.main_window import MainWindow
from app.ui.services import Services
from tests.helpers.hostile_server import HostileServer, models, piece
from tests.helpers.keychain import MemoryKeychain, keychain_of
from tests.helpers.llama_server import endpoint_policy, llama_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow


def write_policy(home, text: str) -> None:
    path = home / "system" / "policy.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def open_window(qtbot) -> MainWindow:
    window = MainWindow(Services(), warm_up=False, auto_load=True, open_history=False)
    qtbot.addWidget(window)
    window.show()
    window.show_chat()
    return window


def ask(qtbot, window, text: str):
    window.chat.input.setPlainText(text)
    qtbot.keyClick(window.chat.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=60000)
    return window.chat.widgets[-1]


def test_the_window_answers_through_the_model_server(qtbot, strongroom_home, llama_server, monkeypatch):
    monkeypatch.setenv("STRONGROOM_API_KEY", llama_server.key)
    write_policy(strongroom_home, endpoint_policy(llama_server))
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: window.model_label.text() == f"Model: {llama_server.alias}", timeout=60000)
    served = [m for m in window.models if m.info.origin == "endpoint"]
    assert [m.id for m in served] == [llama_server.alias] and served[0].refusal is None
    local = [m for m in window.models if m.info.origin != "endpoint"]
    assert local and all("model server" in m.refusal for m in local)  # listed, not used
    assert not window.chat.demo_banner.isVisible()

    answer = ask(qtbot, window, "Name three colours.")
    assert answer.message.text.strip() and not answer.message.error
    assert answer.message.model == llama_server.alias
    answer.regenerate_button.click()
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=60000)
    assert window.chat.widgets[-1].message.text.strip()

    dialog = window.open_settings()
    page = dialog.editors["endpoint.url"]
    assert page.text() == llama_server.url and not page.isEnabled()  # set by IT: shown locked
    assert "endpoint.url" in dialog.lock_labels and not dialog.editors["model.backend"].isEnabled()
    with keychain_of(MemoryKeychain()) as keychain:
        dialog.store_api_key("typed-in-the-dialog")
        qtbot.waitUntil(lambda: "stored" in dialog.api_key_note.text(), timeout=10000)
        assert keychain.secrets[("Strongroom", "endpoint-api-key")] == "typed-in-the-dialog"
    dialog.reject()
    window.close()


@pytest.fixture
def broken_server():
    server = HostileServer()
    server.routes = {("GET", "/v1/models"): models("firm-model")}
    yield server
    server.stop()


def test_a_refused_key_and_a_broken_stream_are_plain_notices_in_the_chat(qtbot, strongroom_home, broken_server,
                                                                        monkeypatch):
    monkeypatch.setenv("STRONGROOM_API_KEY", "whatever")
    write_policy(strongroom_home, f'[model]\nbackend = "endpoint"\n[endpoint]\nurl = "{broken_server.url}"\n'
                                  'model = "firm-model"\ntimeout_s = 5.0\n')
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: window.model_label.text() == "Model: firm-model", timeout=30000)

    broken_server.routes[("POST", "/v1/chat/completions")] = lambda h: h.reply(401, {"error": "no"})
    answer = ask(qtbot, window, "How much notice ends the lease?")
    assert "refused the API key (HTTP 401)" in answer.note.text() and "strongroom endpoint set-key" in answer.note.text()

    def cut_midway(h):
        h.start_stream()
        h.event(piece("Ninety days "))
        h.cut()

    broken_server.routes[("POST", "/v1/chat/completions")] = cut_midway
    answer = ask(qtbot, window, "How much notice ends the lease?")
    assert answer.message.text.startswith("Ninety days")  # what arrived is kept
    assert "Cut off \u2014 the connection to the model server broke" in answer.note.text() and answer.note.isVisible()
    window.close()


def test_a_stopped_server_is_said_plainly_when_the_window_loads(qtbot, strongroom_home, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from tests.helpers.llama_server import free_port

    monkeypatch.setenv("STRONGROOM_API_KEY", "whatever")
    url = f"http://127.0.0.1:{free_port()}/v1"
    write_policy(strongroom_home, f'[model]\nbackend = "endpoint"\n[endpoint]\nurl = "{url}"\nmodel = "firm-model"\n')
    window = open_window(qtbot)
    qtbot.waitUntil(lambda: any(b.isVisible() for b in window.findChildren(QMessageBox)), timeout=30000)
    [box] = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert f"model server at {url} cannot be reached" in box.text() and "Traceback" not in box.text()
    assert window.model_label.text() == "No model loaded" and window.services.loaded_model() is None
    box.close()
    window.close()
