"""History costs, measured in one run on this machine and printed as JSON.

    .venv/bin/python tests/bench/bench_history.py [--messages 300] [--conversations 500]

- save_ms: one add_message (encrypt + commit with synchronous=FULL), median; the ratio to NORMAL shows
  what the power-loss durability costs.
- list_ms: list_conversations over N conversations (every title decrypted), and a title search.
- unlock_ms: deriving the key from a passphrase (scrypt n=2**15), paid once per start.
- plaintext_baseline_ms: the same insert without encryption, for the encryption overhead ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--conversations", type=int, default=500)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as home:
        os.environ["STRONGROOM_HOME"] = home
        os.environ["STRONGROOM_PASSPHRASE"] = "benchmark passphrase"
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        from app.core.privacy import guard

        guard.offline_environment()
        guard.install()
        from app.core.history.conversations import History
        from app.core.privacy.keystore import KeyStore

        text = "The lessee shall give ninety days' written notice before the renewal date. " * 8
        sources = [{"library": "Leases", "file": f"/docs/lease-{i}.pdf", "page": i, "excerpt": text[:300],
                    "score": 0.8, "cited": True} for i in range(6)]

        t0 = time.perf_counter()
        KeyStore().unlock()  # creates the key file: one scrypt
        store = KeyStore()
        t1 = time.perf_counter()
        store.unlock()
        unlock_s = time.perf_counter() - t1
        create_s = t1 - t0

        h = History(store)
        cid = h.create_conversation("bench")
        timings: dict[str, list[float]] = {"FULL": [], "NORMAL": []}
        for mode in ("FULL", "NORMAL"):
            h._db.execute(f"PRAGMA synchronous={mode}")
            for _ in range(args.messages):
                t = time.perf_counter()
                h.add_message(cid, "assistant", text, sources=sources, model="m", timings={"tokens": 80})
                timings[mode].append(time.perf_counter() - t)
        h._db.execute("PRAGMA synchronous=FULL")

        plain = sqlite3.connect(Path(home) / "plain.sqlite3", isolation_level=None)
        plain.execute("PRAGMA journal_mode=WAL")
        plain.execute("PRAGMA synchronous=FULL")
        plain.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, content TEXT, sources TEXT)")
        baseline = []
        for _ in range(args.messages):
            t = time.perf_counter()
            plain.execute("BEGIN IMMEDIATE")
            plain.execute("INSERT INTO m (content, sources) VALUES (?, ?)", (text, json.dumps(sources)))
            plain.execute("COMMIT")
            baseline.append(time.perf_counter() - t)
        plain.close()

        for i in range(args.conversations):
            h.create_conversation(f"Conversation {i} about the lease renewal")
        list_samples, search_samples = [], []
        for _ in range(5):
            t = time.perf_counter()
            h.list_conversations()
            list_samples.append(time.perf_counter() - t)
            t = time.perf_counter()
            h.list_conversations("renewal 42")
            search_samples.append(time.perf_counter() - t)

        t = time.perf_counter()
        h.delete_all()
        delete_all_s = time.perf_counter() - t
        h.close()

    full, normal, base = _median_ms(timings["FULL"]), _median_ms(timings["NORMAL"]), _median_ms(baseline)
    print(json.dumps({
        "messages": args.messages,
        "conversations": args.conversations + 1,
        "save_ms": {"full": full, "normal": normal, "full_over_normal": round(full / normal, 2) if normal else None},
        "plaintext_baseline_ms": base,
        "encrypted_over_plaintext": round(full / base, 2) if base else None,
        "list_ms": _median_ms(list_samples),
        "search_ms": _median_ms(search_samples),
        "unlock_ms": round(unlock_s * 1000, 1),
        "create_key_file_ms": round(create_s * 1000, 1),
        "delete_all_ms": round(delete_all_s * 1000, 1),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
