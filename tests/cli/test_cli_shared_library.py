"""`strongroom library create --server / attach / set-server-key`, `index` and `search` on a library on the
firm's Qdrant server, run in-process (the server is qdrant-client's local mode, or a real one by
STRONGROOM_TEST_QDRANT_URL), with the real embedding model and two workstations' homes and mounts."""
from __future__ import annotations

import io
import json
from pathlib import Path

import keyring
import pytest

from app.cli import main
from app.core.index.server_lease import IndexLease
from app.core.library.libraries import LibraryManager
from app.core.privacy import server_key
from tests.helpers.keychain import MemoryKeychain, no_keychain  # noqa: F401  (fixture)
from tests.helpers.qdrant_server import firm_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow


def _home(tmp_path: Path, who: str, server, mount: Path) -> Path:
    home = tmp_path / f"{who}-home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.toml").write_text(
        f'[libraries]\nserver_url = "{server.settings_url}"\n[libraries.roots]\nmatters = "{mount}"\n')
    return home


def _mount(path: Path) -> Path:
    (path / "leases").mkdir(parents=True)
    (path / "leases" / "harbour.txt").write_text("Termination of the harbour lease requires ninety days notice.")
    (path / "leases" / "mill.txt").write_text("The mill lease renews for five years unless the tenant objects.")
    return path


@pytest.fixture
def keychain():
    previous = keyring.get_keyring()
    keychain = MemoryKeychain()
    keyring.set_keyring(keychain)
    yield keychain
    keyring.set_keyring(previous)


def test_set_server_key_reads_stdin_into_the_keychain_and_prints_no_key(keychain, monkeypatch, capsys, strongroom_home):
    monkeypatch.delenv(server_key.ENV, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("qk-7f3a9c-secret\n"))
    assert main(["library", "set-server-key"]) == 0
    assert server_key.api_key() == "qk-7f3a9c-secret"
    out = capsys.readouterr()
    assert "qk-7f3a9c-secret" not in out.out + out.err
    logs = [p.read_text(errors="replace") for p in strongroom_home.rglob("*.log*")]
    assert not any("qk-7f3a9c-secret" in text for text in logs)
    monkeypatch.setenv(server_key.ENV, "from-the-environment")
    assert server_key.api_key() == "from-the-environment"  # the environment wins over the keychain


@pytest.mark.parametrize("pasted", ["\n", "two words\n", "x" * 5000 + "\n"])
def test_set_server_key_refuses_what_is_no_key(keychain, monkeypatch, capsys, pasted):
    monkeypatch.setattr("sys.stdin", io.StringIO(pasted))
    assert main(["library", "set-server-key"]) == 1
    assert keychain.secrets == {}
    assert "API key" in capsys.readouterr().err


def test_set_server_key_without_a_keychain_names_the_environment_variable(no_keychain, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("qk-123\n"))
    assert main(["library", "set-server-key"]) == 1
    assert server_key.ENV in capsys.readouterr().err


def test_create_on_the_server_index_attach_elsewhere_and_search_opens_the_local_copy(tmp_path, firm_server, monkeypatch, capsys):
    anna_mount, ben_mount = _mount(tmp_path / "anna-mnt" / "matters"), _mount(tmp_path / "ben-mnt" / "matters")
    name = firm_server.name("Precedents")
    monkeypatch.setenv("STRONGROOM_HOME", str(_home(tmp_path, "anna", firm_server, anna_mount)))
    assert main(["library", "create", name, str(anna_mount / "leases"), "--server"]) == 0
    assert "on the firm's server" in capsys.readouterr().out
    assert main(["index", name]) == 0
    assert "2 indexed" in capsys.readouterr().out

    monkeypatch.setenv("STRONGROOM_HOME", str(_home(tmp_path, "ben", firm_server, ben_mount)))
    assert main(["library", "attach", name]) == 0
    assert "no indexing needed" in capsys.readouterr().out
    assert main(["search", "--library", name, "--json", "harbour lease termination notice"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results[0]["file"] == str(ben_mount.resolve() / "leases" / "harbour.txt")
    assert main(["library", "list"]) == 0
    assert "(on the firm's server)" in capsys.readouterr().out

    lib = LibraryManager().get(name)
    holder = firm_server.client()
    IndexLease(holder, lib.collection, lib.name, holder="PC-ANNA (process 4242)").acquire()
    holder.close()
    assert main(["index", name]) == 1
    assert "is being indexed by PC-ANNA (process 4242)" in capsys.readouterr().err

    assert main(["library", "rename", name, "Other"]) == 1
    assert "keeps that name" in capsys.readouterr().err
    assert main(["library", "remove", name]) == 0
    assert "stays on the firm's server" in capsys.readouterr().out


def test_create_on_the_server_refuses_a_folder_outside_the_roots(tmp_path, firm_server, monkeypatch, capsys):
    mount = _mount(tmp_path / "mnt" / "matters")
    desktop = tmp_path / "Desktop"
    desktop.mkdir()
    monkeypatch.setenv("STRONGROOM_HOME", str(_home(tmp_path, "anna", firm_server, mount)))
    assert main(["library", "create", firm_server.name("Desk"), str(desktop), "--server"]) == 1
    err = capsys.readouterr().err
    assert str(desktop) in err and "libraries.roots" in err


def test_an_unreachable_server_is_a_plain_message(tmp_path, monkeypatch, capsys):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "settings.toml").write_text(
        f'[libraries]\nserver_url = "http://127.0.0.1:{port}"\n[libraries.roots]\nmatters = "{tmp_path}"\n')
    monkeypatch.setenv("STRONGROOM_HOME", str(home))
    assert main(["library", "attach", "Precedents"]) == 1
    assert "cannot be reached" in capsys.readouterr().err
