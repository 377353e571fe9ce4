"""The bundle's entry point, run from source exactly as PyInstaller runs it."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ENTRY = Path(__file__).resolve().parents[2] / "packaging" / "strongroom_main.py"


def run_entry(*args: str, **env: str) -> subprocess.CompletedProcess:
    # STRONGROOM_PASSPHRASE: without a keychain the window would otherwise ask for one in a dialog.
    full_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", STRONGROOM_PASSPHRASE="entry-test-passphrase", **env)
    return subprocess.run([sys.executable, str(ENTRY), *args], env=full_env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_startup_probe_opens_the_window_and_exits_after_first_paint():
    proc = run_entry(STRONGROOM_STARTUP_PROBE="1")
    assert proc.returncode == 0, proc.stderr
    seconds = float(re.search(r"startup-probe: first paint ([0-9.]+) s", proc.stdout).group(1))
    assert 0 < seconds < 120


def test_a_command_runs_the_cli_even_with_the_probe_variable_set(strongroom_home):
    proc = run_entry("models", "--json", STRONGROOM_STARTUP_PROBE="1")  # ignored: a command was given
    assert proc.returncode == 0, proc.stderr
    assert "startup-probe" not in proc.stdout
    assert any(m["origin"] == "demo" for m in json.loads(proc.stdout))
