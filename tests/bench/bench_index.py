"""Indexing and retrieval benchmark, as ratios measured in one run (no timed assertions in tests).

    .venv/bin/python tests/bench/bench_index.py [--files 120] [--points 100000] [--tree 5000] [--json]
        [--backends llama.cpp,sentence-transformers]

1. Pipeline throughput on real documents this machine already has (Debian docs and manuals,
   Python package docs, PDFs found on disk), against the floor: the same chunks embedded
   alone, same process, same batch size. Target: ratio >= 0.8. Run once per embedding backend,
   side by side: llama.cpp (the runtime) and sentence-transformers (the reference, and the backend
   before issue 15). Target: llama.cpp >= 1.5 x the old backend's chunks/s.
2. A moved file costs no embedding. Target: 0 texts embedded.
3. Re-sync of an unchanged tree of 5k files. Target: < 5 s.
4. Query latency at 100k chunks of 384 dimensions (synthetic vectors; BM25 over real words),
   dense and hybrid, p50/p95, after the HNSW build. Target: p50 < 20 ms. Opening that shard: < 0.5 s.
5. Peak memory (max RSS) of the whole run.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.privacy import guard  # noqa: E402

guard.offline_environment()
guard.install()

import numpy as np  # noqa: E402

from app.core.library import ingest  # noqa: E402
from app.core.index.embedder import Embedder, resolve_model  # noqa: E402
from app.core.foundation.settings import Settings  # noqa: E402
from app.core.library.libraries import LibraryManager  # noqa: E402
from app.core.index.edge_store import EdgeStore  # noqa: E402
from app.core.index.store import ChunkPoint, folder_chain  # noqa: E402
from app.core.library.pipeline import EMBED_BATCH  # noqa: E402
from app.core.library.sync import open_library_store, sync_library  # noqa: E402

SOURCES = [Path("/usr/share/doc"), Path("/usr/share/common-licenses"), Path("/usr/share/man"),
           Path(sys.prefix) / "lib", Path("/usr/lib/python3"), Path("/usr/share")]
MAX_FILE = 200_000  # keeps one run to minutes on a 2-core laptop
MAX_PDF = 400_000


def find_documents(limit: int) -> list[Path]:
    """Real text, Markdown, HTML and PDF files, spread over formats, none written by us."""
    by_kind: dict[str, list[Path]] = {}
    seen_names: set[str] = set()
    for base in SOURCES:
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if not d.startswith((".", "__pycache__")) and "strongroom" not in d]
            for name in filenames:
                path = Path(dirpath) / name
                suffix = path.suffix.lower()
                if suffix not in (".txt", ".md", ".rst", ".html", ".htm", ".pdf") or name in seen_names:
                    continue
                try:
                    size = path.stat().st_size
                except OSError:
                    continue
                if 2_000 <= size <= (MAX_PDF if suffix == ".pdf" else MAX_FILE) and ingest.supported(path):
                    by_kind.setdefault(suffix, []).append(path)
                    seen_names.add(name)
            if sum(len(v) for k, v in by_kind.items() if k != ".pdf") > limit * 20:
                break  # enough text files from this source; PDFs are rarer, so keep looking for them
    rng = random.Random(7)
    picked: list[Path] = []
    kinds = sorted(by_kind)
    for k in kinds:
        rng.shuffle(by_kind[k])
    while len(picked) < limit and any(by_kind.values()):
        for k in kinds:
            if by_kind[k] and len(picked) < limit:
                picked.append(by_kind[k].pop())
    return picked


def copy_corpus(files: list[Path], dest: Path) -> None:
    dest.mkdir(parents=True)
    for i, f in enumerate(files):
        shutil.copyfile(f, dest / f"{i:04}-{f.name}")


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def bench_pipeline(work: Path, embedder: Embedder, n_files: int) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"
    copy_corpus(find_documents(n_files), corpus)
    manager = LibraryManager(work / "libraries")
    lib = manager.create("Bench", [corpus])
    t0 = time.perf_counter()
    report = sync_library(lib, embedder, manager=manager)
    pipeline_s = time.perf_counter() - t0
    store = open_library_store(lib, embedder.dimensions)
    texts = [r.payload["text"] for r in store._scroll()]  # the exact chunks the pipeline embedded
    store.close()
    t0 = time.perf_counter()
    for i in range(0, len(texts), EMBED_BATCH):
        embedder.embed_passages(texts[i:i + EMBED_BATCH])
    floor_s = time.perf_counter() - t0
    kinds: dict[str, int] = {}
    for f in corpus.iterdir():
        kinds[f.suffix.lower()] = kinds.get(f.suffix.lower(), 0) + 1

    # a moved file: its vectors are reused, nothing is embedded
    victim = next(Path(p) for p in report.indexed)
    (corpus / "moved").mkdir()
    shutil.move(victim, corpus / "moved" / victim.name)
    before = embedder.passages_embedded
    moved = sync_library(lib, embedder, manager=manager)
    return {
        "files": len(list(corpus.rglob("*.*"))), "kinds": kinds, "indexed": len(report.indexed),
        "failed": len(report.failed), "chunks": len(texts),
        "pipeline_s": round(pipeline_s, 2), "pipeline_chunks_per_s": round(len(texts) / pipeline_s, 1),
        "floor_chunks_per_s": round(len(texts) / floor_s, 1),
        "ratio": round((len(texts) / pipeline_s) / (len(texts) / floor_s), 3),
        "moved_file_embedded_texts": embedder.passages_embedded - before,
        "moved_detected": moved.moved == [str(corpus / "moved" / victim.name)],
    }


def bench_resync(work: Path, embedder: Embedder, n_files: int) -> dict:
    tree = work / "tree"
    words = "clause party notice term payment breach remedy court".split()
    for i in range(n_files):
        folder = tree / f"d{i // 100:03}" / f"s{i // 10 % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        # 64 distinct texts: the first sync embeds those and copies vectors for the rest
        (folder / f"note{i:05}.txt").write_text(f"Note {i % 64}: {words[i % 8]} {words[(i // 8) % 8]}.", encoding="utf-8")
    manager = LibraryManager(work / "libraries")
    lib = manager.create("Tree", [tree])
    t0 = time.perf_counter()
    first = sync_library(lib, embedder, manager=manager)
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = sync_library(lib, embedder, manager=manager)
    resync_s = time.perf_counter() - t0
    assert again.unchanged == n_files and not again.indexed, again
    return {"files": n_files, "first_sync_s": round(first_s, 2), "resync_unchanged_s": round(resync_s, 3),
            "chunks": first.chunks}


def bench_queries(work: Path, n_points: int, dims: int = 384, queries: int = 200) -> dict:
    rng = np.random.default_rng(1)
    vocab = ("agreement tenant landlord invoice warranty indemnity liability termination notice payment court "
             "appeal evidence witness contract clause party breach remedy damages statute").split()
    path = work / "scale-shard"
    store = EdgeStore(path, dims)
    t0 = time.perf_counter()
    batch = 2000
    for start in range(0, n_points, batch):
        vecs = rng.normal(size=(min(batch, n_points - start), dims)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        pts = []
        for j, v in enumerate(vecs):
            i = start + j
            text = " ".join(vocab[(i * k) % len(vocab)] for k in (1, 3, 7, 11, 13)) + f" item{i}"
            f = f"/corpus/f{i // 50:05}/doc{i // 10}.pdf"
            pts.append(ChunkPoint(str(uuid.UUID(int=i + 1)), v, text, {"file": f, "dirs": folder_chain(f), "kind": "pdf",
                                                    "content_hash": f"h{i // 10}", "page": i % 30 + 1}))
        store.upsert(pts)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    store.optimize()
    optimize_s = time.perf_counter() - t0
    store.close()
    t0 = time.perf_counter()
    store = EdgeStore(path, dims)
    open_s = time.perf_counter() - t0
    qs = rng.normal(size=(queries, dims)).astype(np.float32)
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    dense, hybrid = [], []
    for q in qs[:10]:
        store.search_hybrid(q, "tenant notice", limit=10)  # warm-up
    for i, q in enumerate(qs):
        t = time.perf_counter()
        store.search_dense(q, limit=10)
        dense.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        store.search_hybrid(q, f"{vocab[i % len(vocab)]} {vocab[(i * 5) % len(vocab)]}", limit=10)
        hybrid.append((time.perf_counter() - t) * 1000)
    count = store.count()
    store.close()
    return {"points": count, "load_s": round(load_s, 1), "optimize_s": round(optimize_s, 1),
            "open_s": round(open_s, 3),
            "dense_p50_ms": round(pct(dense, 50), 2), "dense_p95_ms": round(pct(dense, 95), 2),
            "hybrid_p50_ms": round(pct(hybrid, 50), 2), "hybrid_p95_ms": round(pct(hybrid, 95), 2)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=120, help="real documents in the pipeline run")
    ap.add_argument("--tree", type=int, default=5000, help="files in the unchanged re-sync tree")
    ap.add_argument("--points", type=int, default=100_000, help="chunks in the query-latency shard")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--backends", default="llama.cpp,sentence-transformers",
                    help="embedding backends for the pipeline run, side by side; the first serves the rest")
    args = ap.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    work = Path(tempfile.mkdtemp(prefix="strongroom-bench-"))
    os.environ["STRONGROOM_HOME"] = str(work / "home")
    try:
        # The runtime backend first, in a process that has not loaded torch; the others after it.
        model_id = Settings().get("retrieval.embedding_model")
        results = {"cpus": os.cpu_count(), "embedder_load_s": {}}

        def load(name: str) -> Embedder:
            e = Embedder(resolve_model(model_id, backend=name))
            t0 = time.perf_counter()
            e.load()
            e.embed_passages(["warm-up"])
            results["embedder_load_s"][name] = round(time.perf_counter() - t0, 2)
            return e

        embedder = load(backends[0])
        for key, fn in (("pipeline", lambda: bench_pipeline(work / backends[0], embedder, args.files)),
                        ("resync", lambda: bench_resync(work, embedder, args.tree)),
                        ("query", lambda: bench_queries(work, args.points))):
            t0 = time.perf_counter()
            results[key] = fn()
            print(f"{key}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        for name in backends[1:]:
            t0 = time.perf_counter()
            results[f"pipeline_{name}"] = bench_pipeline(work / name, load(name), args.files)
            print(f"pipeline ({name}): {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    p, r, q = results["pipeline"], results["resync"], results["query"]
    rows = [
        ("pipeline / embedding-only floor", f"{p['pipeline_chunks_per_s']} / {p['floor_chunks_per_s']} chunks/s = {p['ratio']}", ">= 0.8"),
        ("moved file: texts embedded", str(p["moved_file_embedded_texts"]), "0"),
        (f"re-sync, unchanged {r['files']}-file tree", f"{r['resync_unchanged_s']} s", "< 5 s"),
        (f"search p50 / p95 at {q['points']} chunks (dense)", f"{q['dense_p50_ms']} / {q['dense_p95_ms']} ms", "p50 < 20 ms"),
        (f"search p50 / p95 at {q['points']} chunks (hybrid)", f"{q['hybrid_p50_ms']} / {q['hybrid_p95_ms']} ms", "p50 < 20 ms"),
        (f"open a {q['points']}-chunk library", f"{q['open_s']} s", "< 0.5 s"),
        ("peak memory (max RSS)", f"{results['peak_rss_mb']} MB", ""),
    ]
    for name in backends[1:]:
        o = results[f"pipeline_{name}"]
        rows.insert(1, (f"pipeline, {backends[0]} vs {name}",
                        f"{p['pipeline_chunks_per_s']} vs {o['pipeline_chunks_per_s']} chunks/s = "
                        f"{p['pipeline_chunks_per_s'] / o['pipeline_chunks_per_s']:.2f} x", ">= 1.5 x"))
    print(f"embedder load: {results['embedder_load_s']}")
    print(f"corpus: {p['files']} real files {p['kinds']}, {p['chunks']} chunks, {p['failed']} failed to parse")
    print(f"{'measure':50} {'result':42} target")
    for name, value, target in rows:
        print(f"{name:50} {value:42} {target}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
