"""The bundle's entry point, run from source exactly as PyInstaller runs it."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ENTRY = Path(__file__).resolve().parents[2] / "packaging" / "strongroom_main.py"


def run_entry(*args: str, **env: str) -> subprocess.CompletedProcess:
    # STRONGROOM_PASSPHRASE: without a keychain the window would otherwise ask for one in a dialog.
    full_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", STRONGROOM_PASSPHRASE="entry-test-passphrase", **env)
    return subprocess.run([sys.executable, str(ENTRY), *args], env=full_env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


# psutil dates a process from the boot time, which Linux gives in whole seconds, in clock ticks:
# the start it reports is up to a second and a tick earlier than the real one, never later.
START_GRANULARITY_S = 1.0 + 0.01


def test_startup_probe_opens_the_window_and_exits_after_first_paint():
    before = time.time()
    proc = run_entry(STRONGROOM_STARTUP_PROBE="1")
    lifetime = time.time() - before
    assert proc.returncode == 0, proc.stderr
    # One paint reported, and nothing after it: the process left at its first paint.
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and re.fullmatch(r"startup-probe: first paint [0-9]+\.[0-9]{3} s after process start",
                                            lines[0]), proc.stdout
    seconds = float(lines[0].split()[3])
    # Counted from this child's own start: no longer than the test saw it live (not, say, since boot or
    # since some earlier process), and more than nothing.
    assert 0 < seconds <= lifetime + START_GRANULARITY_S


def test_a_command_runs_the_cli_even_with_the_probe_variable_set(strongroom_home):
    proc = run_entry("models", "--json", STRONGROOM_STARTUP_PROBE="1")  # ignored: a command was given
    assert proc.returncode == 0, proc.stderr
    assert "startup-probe" not in proc.stdout
    assert any(m["origin"] == "demo" for m in json.loads(proc.stdout))


def test_ready_probe_waits_for_both_models_and_reports_after_the_first_paint():
    proc = run_entry(STRONGROOM_STARTUP_PROBE="ready")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("startup-probe: first paint"), proc.stdout
    assert re.fullmatch(r"startup-probe: ready to answer [0-9]+\.[0-9]{3} s after process start", lines[1])
    assert float(lines[1].split()[4]) >= float(lines[0].split()[3])
    log = (Path(os.environ["STRONGROOM_HOME"]) / "logs" / "strongroom.log").read_text(encoding="utf-8")
    assert "embedding model all-minilm-l6-v2 loaded" in log and "loaded smollm2-135m-instruct" in log
