"""Extraction speed (not part of the test suite), on the nine contracts of tests/eval/build_extract_corpus.py
with the contract-basics template (seven fields).

    .venv/bin/python tests/bench/bench_extract.py [--mistral-shape] [--threads N] [--json]

Reports per document: seconds, prompt tokens decoded vs reused from the KV cache, generated tokens;
and the cost of the JSON grammar: generation tokens/s under the schema against the same model
generating freely. With --mistral-shape it runs on a generated GGUF with Mistral 7B's layer width and
random weights (tests/bench/mistral_shape.py): one layer, so the seconds are not Mistral 7B's, but the
ratios (grammar overhead, prompt vs generation) are those of a model of that width.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.privacy import guard  # noqa: E402

guard.offline_environment()
guard.install()

from app.core.engine.local_engine import Engine, SamplingParams, physical_cores  # noqa: E402
from app.core.models.registry import Registry  # noqa: E402


def free_speed(engine: Engine, messages, max_tokens: int) -> float:
    """Generation tokens/s without a schema, same prompt (greedy; may stop early)."""
    done = engine.chat("free", messages, SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=max_tokens,
                                                        seed=0)).result()
    return done.timings.tokens_per_s


def run(engine: Engine, files: list[Path]) -> dict:
    from app.core.documents.extract import Extractor, messages_for
    from app.core.documents.fields import load_fields, template_path
    from app.core.documents.document_text import read_document

    fields = load_fields(template_path("contract-basics"))
    rows, free = [], []
    extractor = Extractor(engine, fields)
    for path in files:
        started = time.perf_counter()
        row = extractor.extract_file(path)
        seconds = time.perf_counter() - started
        t = row.timings
        rows.append({"file": path.name, "seconds": round(seconds, 2), **{k: t[k] for k in
                     ("prompt_tokens", "prompt_evaluated", "tokens", "requests")}, "schema_valid": row.schema_valid})
        rows[-1]["generation_s"] = t.get("generation_s", 0.0)
        doc = read_document(path)
        free.append(free_speed(engine, messages_for(path.name, doc.text, fields), 64))
    per_doc = [r["seconds"] for r in rows]
    return {"documents": len(rows), "per_document_s_median": round(statistics.median(per_doc), 2),
            "per_document_s_max": round(max(per_doc), 2),
            "prompt_tokens": sum(r["prompt_tokens"] for r in rows), "prompt_evaluated": sum(r["prompt_evaluated"] for r in rows),
            "generated_tokens": sum(r["tokens"] for r in rows),
            "schema_valid_rows": sum(r["schema_valid"] for r in rows) / len(rows),
            "schema_generation_tokens_per_s": round(sum(r["tokens"] for r in rows) /
                                                    max(1e-6, sum(r["generation_s"] for r in rows)), 1),
            "free_generation_tokens_per_s_median": round(statistics.median(free), 1), "rows": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mistral-shape", action="store_true")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    threads = args.threads or physical_cores()
    from app.core.foundation import paths
    from tests.eval.build_extract_corpus import build

    with tempfile.TemporaryDirectory(prefix="strongroom-bench-extract-") as tmp:
        files = build(Path(tmp) / "contracts")
        if args.mistral_shape:
            from tests.bench import mistral_shape

            fixture = mistral_shape.write(Path(tmp) / "mistral-shape-q8_0.gguf", next(paths.demo_chat_dir().glob("*.gguf")))
            os.environ["STRONGROOM_MODELS_PATH"] = tmp
            info = Registry().find(str(fixture))
            label = "mistral-shape (1 layer, 4096 wide, Q8_0, random weights)"
        else:
            info = Registry().find("smollm2-135m-instruct")
            label = info.id
        engine = Engine()
        loaded = engine.load(info, n_ctx=args.n_ctx, n_threads=threads, gpu_offload=True).result()
        report = {"model": label, "threads": threads, "n_ctx": loaded.n_ctx, **run(engine, files)}
        engine.close()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        rows = report.pop("rows")
        print(json.dumps(report, indent=2))
        for r in rows:
            print(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
