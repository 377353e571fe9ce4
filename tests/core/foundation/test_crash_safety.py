"""SIGKILL while saving: nothing already saved is lost and nothing is corrupt."""
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib

import keyring
import pytest
from keyring.backends import fail

from app.core.foundation import instance, paths
from app.core.history.conversations import History
from app.core.privacy.keystore import KeyStore
from app.core.foundation.settings import Settings
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

SAVER = """
import sys
from keyring.backends import fail
import keyring
keyring.set_keyring(fail.Keyring())
from app.core.history.conversations import History
from app.core.privacy.keystore import KeyStore
h = History(KeyStore())
cid = h.create_conversation("crash test")
i = 0
while True:
    mid = h.add_message(cid, "user" if i % 2 else "assistant", f"message {i} " + "lorem ipsum " * (i % 300),
                        sources=[{"file": f"f{i}.pdf", "page": i}])
    print(f"{cid} {mid} {i}", flush=True)  # printed only once add_message returned: committed
    i += 1
"""

SETTINGS_WRITER = """
from app.core.foundation.settings import Settings
s = Settings()
i = 0
while True:
    s.set("retrieval.top_k", 1 + i % 50)
    s.set("chat.system_prompt", "prompt " * (i % 500))
    s.save()
    print(i, flush=True)
    i += 1
"""


@pytest.fixture(autouse=True)
def passphrase_only(monkeypatch):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("STRONGROOM_PASSPHRASE", "crash test passphrase")
    yield
    keyring.set_keyring(previous)
    instance.release()


def _run_and_kill(script: str, lines_before_kill: int) -> list[str]:
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 60
        while len(lines) < lines_before_kill and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                pytest.fail(f"the child stopped early: {child.stderr.read()[-2000:]}")
            lines.append(line)
        child.send_signal(signal.SIGKILL)  # lands in the middle of the next save
    finally:
        if child.poll() is None:
            child.kill()
        rest, _ = child.communicate(timeout=30)
    lines.extend(rest.splitlines(keepends=True))
    assert child.returncode == -signal.SIGKILL
    return [line.strip() for line in lines if line.endswith("\n")]


def test_sigkill_while_saving_loses_nothing_saved():
    saved = {}  # message id -> (conversation id, index)
    for round_ in range(3):
        for line in _run_and_kill(SAVER, 40 + 25 * round_):
            cid, mid, i = map(int, line.split())
            saved[mid] = (cid, i)
        raw = sqlite3.connect(paths.history_db())
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        raw.close()
        h = History(KeyStore())
        assert h.warnings == []
        found = {m.id: m for c in h.list_conversations() for m in h.messages(c.id)}
        for mid, (cid, i) in saved.items():
            assert mid in found, f"message {mid} was reported saved but is gone"
            assert found[mid].conversation_id == cid and found[mid].content.startswith(f"message {i} ")
            assert found[mid].sources == [{"file": f"f{i}.pdf", "page": i}]
        h.close()
        instance.release()  # the next child must be able to take the data dir
    assert len(saved) >= 40 + 65 + 90


def test_sigkill_while_saving_settings_leaves_a_whole_file():
    written = _run_and_kill(SETTINGS_WRITER, 60)
    doc = tomllib.loads(paths.settings_file().read_text())  # parses: never half a file
    last = int(written[-1])
    # The file is the last save reported or the one in flight when the kill landed.
    assert doc["retrieval"]["top_k"] in (1 + last % 50, 1 + (last + 1) % 50)
    assert Settings().warnings == []
    assert not [p for p in paths.config_dir().iterdir() if p.name != "settings.toml" and not p.name.endswith(".tmp")]
