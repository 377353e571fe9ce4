"""A real llama_cpp.server on loopback, serving the demo GGUF under an alias with an API key, started
and stopped inside the test run (tests/helpers/llama_server_main.py says why it starts through there)."""
from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

KEY = "test-key-7f3a91"
ALIAS = "firm-assistant"
N_CTX = 2048


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LlamaServer:
    port: int
    key: str = KEY
    alias: str = ALIAS
    process: subprocess.Popen | None = field(default=None, repr=False)
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen | None) -> None:
    """Terminates a server the test started, killing it if it does not leave within 10 s."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _ready(port: int, key: str) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/v1/models", headers={"Authorization": f"Bearer {key}"})
        response = conn.getresponse()
        return response.status == 200 and bool(json.loads(response.read()).get("data"))
    except (OSError, ValueError):
        return False
    finally:
        conn.close()


def start_llama_server(gguf: Path, log: Path, key: str = KEY, alias: str = ALIAS, n_ctx: int = N_CTX) -> LlamaServer:
    port = free_port()
    server = LlamaServer(port, key, alias, log=log)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log, "wb") as out:
        server.process = subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.llama_server_main", "--model", str(gguf), "--host", "127.0.0.1",
             "--port", str(port), "--api_key", key, "--model_alias", alias, "--n_ctx", str(n_ctx),
             "--n_threads", "1", "--verbose", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited: {log.read_text(errors='replace')[-2000:]}")
        if _ready(port, key):
            return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"llama_cpp.server did not start in 120 s: {log.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="session")
def llama_server(demo_gguf, tmp_path_factory):
    server = start_llama_server(demo_gguf, tmp_path_factory.mktemp("llama-server") / "server.log")
    yield server
    server.stop()


def endpoint_policy(server: LlamaServer, **endpoint) -> str:
    """An IT policy.toml that sends every question to this server (a wrong url or key is the test's)."""
    values = {"url": server.url, "model": server.alias, "max_context": N_CTX, "timeout_s": 20.0, **endpoint}
    lines = [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    return "[model]\nbackend = \"endpoint\"\n[sampling]\nmax_tokens = 16\ntemperature = 0.0\nseed = 5\n" \
           "[endpoint]\n" + "\n".join(lines) + "\n"
