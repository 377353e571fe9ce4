"""Summary speed (not part of the test suite): one generated contract of N pages summarized by the
demo model, map over parts then reduce, with the statements then checked by the embedding model.

    .venv/bin/python tests/bench/bench_summarize.py [--pages 24] [--n-ctx 4096] [--threads N] [--json]

Reports pages per minute, the parts and requests the context size gives, prompt and generated tokens,
and the share of the time the claim check takes (the same run, check timed on its own afterwards).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.privacy import guard  # noqa: E402

guard.offline_environment()
guard.install()

from app.core.engine.local_engine import Engine, physical_cores  # noqa: E402
from app.core.models.registry import Registry  # noqa: E402

CLAUSES = ("The Supplier shall deliver {n}0 tonnes of grain to the Buyer's mill at Leith in month {n}.",
           "The Buyer shall pay EUR {n},000 within 30 days of each delivery note, by bank transfer.",
           "Title passes on delivery; risk passes when the grain is unloaded at the mill.",
           "Either party may terminate on ninety days' written notice after the second year.",
           "This Agreement is governed by the laws of Scotland; the courts of Edinburgh decide disputes.")


def contract_pages(pages: int) -> list[str]:
    """About 2,000 characters a page, in lines that fit the page (the PDF is read as printed)."""
    text = [f"Clause {n}. " + " ".join(c.format(n=n) for c in CLAUSES * 3) for n in range(1, pages + 1)]
    return ["\n".join(textwrap.wrap(page, 95)) for page in text]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from app.core.documents.summarize import Summarizer, check_statements
    from app.core.documents.document_text import read_document
    from app.core.index.embedder import Embedder
    from tests.core.ingest_files import pdf_bytes

    threads = args.threads or physical_cores()
    embedder = Embedder.from_settings()
    embedder.embed_passages(["warm up"])
    engine = Engine()
    info = Registry().find("smollm2-135m-instruct")
    loaded = engine.load(info, n_ctx=args.n_ctx, n_threads=threads, gpu_offload=True).result()
    with tempfile.TemporaryDirectory(prefix="strongroom-bench-summary-") as tmp:
        path = Path(tmp) / "supply-agreement.pdf"
        path.write_bytes(pdf_bytes(contract_pages(args.pages)))
        started = time.perf_counter()
        summary = Summarizer(engine, embed=embedder.embed_passages).summarize(path)
        total = time.perf_counter() - started
        doc = read_document(path)
        from app.core.documents.summarize import PASSAGE_CHARS

        numbered = dict(enumerate(doc.pieces(PASSAGE_CHARS), 1))
        t0 = time.perf_counter()
        check_statements(summary.text, numbered, embedder.embed_passages)
        check_s = time.perf_counter() - t0
    engine.close()
    t = summary.timings
    report = {"model": info.id, "n_ctx": loaded.n_ctx, "threads": threads, "pages": args.pages,
              "characters": len(doc.text), "parts": summary.parts, "requests": t["requests"],
              "prompt_tokens": t["prompt_tokens"], "generated_tokens": t["tokens"], "seconds": round(total, 1),
              "pages_per_minute": round(args.pages / total * 60, 1), "passages_checked": len(numbered),
              "claim_check_s": round(check_s, 2), "claim_check_share": round(check_s / total, 3),
              "statements": len(summary.claims),
              "statements_supported": sum(1 for c in summary.claims if c["supported"])}
    print(json.dumps(report, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
