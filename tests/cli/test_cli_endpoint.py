"""`strongroom` with model.backend = "endpoint" in IT's policy, against a real llama_cpp.server on
loopback: ask (plain and from a library), models, doctor, endpoint set-key / clear-key / test."""
from __future__ import annotations

import io
import json
import time

import pytest

from tests.conftest import run_cli
from tests.helpers.keychain import MemoryKeychain, keychain_of
from tests.helpers.llama_server import endpoint_policy, free_port, llama_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow


@pytest.fixture
def policy(strongroom_home, llama_server):
    """Writes IT's policy for this server (endpoint values overridable); returns the child's env."""
    def write(**endpoint) -> dict:
        path = strongroom_home / "system" / "policy.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(endpoint_policy(llama_server, **endpoint), encoding="utf-8")
        return {"STRONGROOM_API_KEY": llama_server.key}

    return write


def test_ask_answers_through_the_model_server(policy, llama_server):
    env = policy()
    out = run_cli("ask", "--no-rag", "--no-history", "--json", "What is a deed?", env=env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["model"] == llama_server.alias and data["answer"].strip()
    assert data["finish_reason"] in ("stop", "length") and data["timings"]["tokens"] > 0
    assert "llama_model_loader" not in out.stderr  # nothing was loaded in this process


def test_a_wrong_key_fails_with_a_plain_message_naming_the_key(policy):
    env = {**policy(), "STRONGROOM_API_KEY": "not-the-key"}
    out = run_cli("ask", "--no-rag", "--no-history", "--json", "Hi", env=env)
    assert out.returncode == 1 and out.stdout == ""
    assert "refused the API key (HTTP 401)" in out.stderr and "strongroom endpoint set-key" in out.stderr
    assert "not-the-key" not in out.stderr and "Traceback" not in out.stderr


def test_a_stopped_server_fails_within_the_timeout_naming_its_url(policy):
    url = f"http://127.0.0.1:{free_port()}/v1"
    env = policy(url=url)
    started = time.monotonic()
    out = run_cli("ask", "--no-rag", "--no-history", "Hi", env=env, timeout=60)
    assert time.monotonic() - started < 30
    assert out.returncode == 1 and f"model server at {url} cannot be reached" in out.stderr


def test_models_lists_what_the_server_serves_beside_the_local_models(policy, llama_server):
    out = run_cli("models", "--json", env=policy())
    assert out.returncode == 0, out.stderr
    models = json.loads(out.stdout)
    served = [m for m in models if m["origin"] == "endpoint"]
    assert [m["id"] for m in served] == [llama_server.alias] and served[0]["path"] == ""
    assert any(m["origin"] == "demo" for m in models)  # the local entries stay


def test_doctor_shows_the_allowlist(policy, llama_server):
    out = run_cli("doctor", "--json", env=policy())
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["network"]["allowed"] == [f"127.0.0.1:{llama_server.port}"]


def test_endpoint_test_reports_the_server(policy, llama_server):
    out = run_cli("endpoint", "test", "--json", env=policy())
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["models"] == [llama_server.alias] and report["model_served"] and report["key"] == "environment"
    assert report["tls"] == "none (http)" and report["latency_ms"] > 0


def test_set_key_reads_stdin_never_argv_and_clear_key_removes_it(policy, llama_server, monkeypatch, capsys):
    from app.cli import main
    from app.core.remote.endpoint_config import API_KEY

    policy()
    monkeypatch.delenv("STRONGROOM_API_KEY", raising=False)
    with keychain_of(MemoryKeychain()):
        with pytest.raises(SystemExit):  # there is no argument to put a key in
            main(["endpoint", "set-key", llama_server.key])
        monkeypatch.setattr("sys.stdin", io.StringIO(llama_server.key + "\n"))
        assert main(["endpoint", "set-key"]) == 0
        assert API_KEY.get() == llama_server.key and API_KEY.source() == "keychain"
        assert main(["endpoint", "test", "--json"]) == 0  # the key from the keychain opens the server
        assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["key"] == "keychain"
        assert main(["endpoint", "clear-key"]) == 0 and API_KEY.get() is None
        assert main(["endpoint", "test"]) == 1
        assert "asks for an API key (HTTP 401) and none is set" in capsys.readouterr().err
    from app.core.privacy import guard

    guard.allow_endpoints([])


def test_a_library_answer_through_the_server_has_sources_claims_history_and_export(policy, llama_server, tmp_path,
                                                                                   strongroom_home):
    from tests.cli.test_cli_engine import _indexed_matter
    from tests.cli.test_history_cli import WITH_PASS
    from tests.helpers.log_scan import find_phrases

    docs = _indexed_matter(tmp_path, "The lease begins on 1 March 2024 and runs for five years.",
                           "Either party may terminate this lease with ninety days written notice.")
    env = {**WITH_PASS, **policy()}
    out = run_cli("ask", "--library", "Okafor", "--json", "How much notice ends the lease?", env=env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["model"] == llama_server.alias and data["answer"].strip()
    first = data["sources"][0]
    assert first["file"] == str((docs / "lease.pdf").resolve()) and first["page"] == 2
    assert "ninety days" in first["excerpt"] and isinstance(data["claims"], list)
    assert data["timings"]["retrieval_ms"] > 0

    shown = json.loads(run_cli("history", "show", str(data["conversation_id"]), "--json", env=env).stdout)
    assert [m["role"] for m in shown] == ["user", "assistant"] and shown[1]["model"] == llama_server.alias
    exported = tmp_path / "answer.md"
    assert run_cli("history", "export", str(data["conversation_id"]), str(exported), env=env).returncode == 0
    assert "lease.pdf" in exported.read_text(encoding="utf-8")
    assert find_phrases(strongroom_home, [llama_server.key]) == []  # the key is in no log or file
