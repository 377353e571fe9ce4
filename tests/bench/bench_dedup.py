"""Identical passages embedded once (issue 15): how often passages repeat, and what it saves.

    .venv/bin/python tests/bench/bench_dedup.py [--threads 40] [--big-mb 20]

1. A mailbox-style folder: .eml threads of 3-8 messages where each reply quotes the whole message
   before it (Outlook style: a From/Sent/To/Subject header, then the earlier text) and every message
   carries the firm's disclaimer. Reports chunks, how many were reused from the vector cache, and the
   index time.
2. A 20 MB text file of repeated text ("lorem ipsum dolor sit amet " x 800,000): indexed end to end
   through `strongroom index --json` in a child process. Target: at most 2 minutes.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PEOPLE = ["Anna Berg <anna.berg@firm.example>", "Jonas Lie <jonas.lie@firm.example>",
          "Claire Dubois <c.dubois@client.example>", "Max Weber <m.weber@client.example>"]
TOPICS = ["the lease renewal", "the share purchase warranties", "the termination notice", "the licence royalties",
          "the construction delay", "the data breach report", "the escrow release", "the board minutes"]
SENTENCES = ["Please find my comments on {t} below.", "We need the signed copy of {t} by Friday.",
             "The client asked whether {t} can be extended by three months.",
             "I have reviewed {t} and see no issue with clause {n}.",
             "Could you confirm the amount in {t} is EUR {n},000?", "Let us discuss {t} at the call on {d}.",
             "The other side rejected our draft of {t}; their version deletes clause {n}.",
             "Thanks, agreed on {t}. I will send the final draft tomorrow."]
DISCLAIMER = ("This e-mail and any attachments are confidential and may be privileged. If you are not the "
              "intended recipient, please notify the sender immediately and delete this message. Any "
              "unauthorised use, disclosure or copying is prohibited.")


def build_mailbox(folder: Path, threads: int, seed: int = 5) -> int:
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    count = 0
    for t in range(threads):
        topic = rng.choice(TOPICS) + f" ({t})"
        previous = ""
        for m in range(rng.randint(3, 8)):
            sender, to = rng.sample(PEOPLE, 2)
            body = " ".join(rng.choice(SENTENCES).format(t=topic, n=rng.randint(2, 40), d=f"{rng.randint(1, 28)} May")
                            for _ in range(rng.randint(2, 5)))
            text = f"{body}\n\nBest regards,\n{sender.split(' <')[0]}\n\n{DISCLAIMER}\n"
            if previous:
                text += f"\nFrom: {to}\nSent: {rng.randint(1, 28)} May 2025\nTo: {sender}\nSubject: {topic}\n\n{previous}"
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = sender, to, ("RE: " * min(m, 1)) + topic
            msg.set_content(text)
            (folder / f"thread{t:03}-{m}.eml").write_bytes(bytes(msg))
            previous, count = text, count + 1
    return count


def index_in_process(folder: Path, home: Path) -> dict:
    os.environ["STRONGROOM_HOME"] = str(home)
    from app.core.privacy import guard

    guard.offline_environment()
    from app.core.index.embedder import Embedder
    from app.core.library.libraries import LibraryManager
    from app.core.library.sync import sync_library

    embedder = Embedder.from_settings()
    embedder.load()
    manager = LibraryManager()
    lib = manager.create("Mailbox", [folder])
    t0 = time.perf_counter()
    report = sync_library(lib, embedder, manager=manager)
    return {"files": len(report.indexed), "chunks": report.chunks, "chunks_reused": report.chunks_reused,
            "embedded": embedder.passages_embedded, "index_s": round(time.perf_counter() - t0, 1)}


def index_big_file(work: Path, mb: int) -> dict:
    folder = work / "big"
    folder.mkdir()
    repeats = mb * 1_000_000 // len("lorem ipsum dolor sit amet ")
    (folder / "lorem.txt").write_text("lorem ipsum dolor sit amet " * repeats, encoding="utf-8")
    env = dict(os.environ, STRONGROOM_HOME=str(work / "home-big"))
    cli = [sys.executable, "-m", "app"]
    subprocess.run(cli + ["library", "add", "Big", str(folder)], cwd=ROOT, env=env, check=True, capture_output=True)
    t0 = time.perf_counter()
    out = subprocess.run(cli + ["index", "Big", "--json"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    report = json.loads(out.stdout)
    report = report[0] if isinstance(report, list) else report
    return {"mb": round((folder / "lorem.txt").stat().st_size / 1e6, 1), "wall_s": round(seconds, 1),
            "chunks": report.get("chunks"), "chunks_reused": report.get("chunks_reused"),
            "failed": report.get("failed")}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=40)
    ap.add_argument("--big-mb", type=int, default=20)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="strongroom-dedup-"))
    try:
        big = index_big_file(work, args.big_mb) if args.big_mb else None
        messages = build_mailbox(work / "mailbox", args.threads)
        mail = index_in_process(work / "mailbox", work / "home")
        mail["messages"] = messages
    finally:
        shutil.rmtree(work, ignore_errors=True)
    share = mail["chunks_reused"] / mail["chunks"] if mail["chunks"] else 0.0
    print(f"mailbox: {mail['messages']} messages in {args.threads} threads, {mail['chunks']} chunks, "
          f"{mail['chunks_reused']} reused from the cache ({share:.0%}), {mail['embedded']} embedded, "
          f"{mail['index_s']} s")
    if big:
        print(f"{big['mb']} MB repeated text: indexed in {big['wall_s']} s wall (`strongroom index`), "
              f"{big['chunks']} chunks, {big['chunks_reused']} reused; target <= 120 s")
    print(json.dumps({"mailbox": mail, "big_file": big}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
