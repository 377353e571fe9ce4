"""Both store implementations against the same tests: real Qdrant Edge shards and qdrant-client's local mode."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid

import numpy as np
import pytest

from app.core.index.edge_store import EdgeStore
from app.core.index.server_store import QdrantServerStore
from app.core.index.store import ChunkPoint, SearchFilter, StoreInUse, folder_chain

DIM = 8


def _vec(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def _point(i: int, text: str, file: str, kind: str = "txt", content_hash: str = "h") -> ChunkPoint:
    return ChunkPoint(
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{file}#{i}")), vector=_vec(i), text=text,
        payload={"file": file, "dirs": folder_chain(file), "kind": kind, "content_hash": content_hash, "chunk": i, "page": 1},
    )


TEXTS = [
    ("The tenant shall pay rent monthly in advance.", "/docs/lease/a.txt", "txt", "ha"),
    ("Termination requires ninety days written notice.", "/docs/lease/a.txt", "txt", "ha"),
    ("Invoice 2291 is overdue; interest accrues daily.", "/docs/billing/b.pdf", "pdf", "hb"),
    ("The quick brown fox jumps over the lazy dog.", "/misc/c.txt", "txt", "hc"),
]


@pytest.fixture(params=["edge", "qdrant-client"])
def store(request, tmp_path):
    if request.param == "edge":
        s = EdgeStore(tmp_path / "shard", DIM, name="Test")
    else:
        from qdrant_client import QdrantClient

        s = QdrantServerStore(QdrantClient(path=str(tmp_path / "local")), "test", DIM)
    s.upsert([_point(i, t, f, k, h) for i, (t, f, k, h) in enumerate(TEXTS)])
    s.flush()
    yield s
    s.close()
    if request.param == "qdrant-client":
        s.client.close()


def test_dense_search_ranks_the_same_vector_first(store):
    hits = store.search_dense(_vec(2), limit=2)
    assert hits[0].payload["file"] == "/docs/billing/b.pdf"
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert hits[0].payload["text"].startswith("Invoice 2291")


def test_sparse_search_finds_the_word(store):
    hits = store.search_sparse("termination notice", limit=3)
    assert hits and hits[0].payload["text"].startswith("Termination")
    assert store.search_sparse("zebra", limit=3) == []


def test_hybrid_fuses_both_arms_and_filters(store):
    hits = store.search_hybrid(_vec(3), "overdue invoice", limit=4)
    top_two = {h.payload["file"] for h in hits[:2]}
    assert top_two == {"/misc/c.txt", "/docs/billing/b.pdf"}  # one from each arm
    only_lease = store.search_hybrid(_vec(3), "overdue invoice", limit=4, filter=SearchFilter(folder="/docs/lease"))
    assert {h.payload["file"] for h in only_lease} == {"/docs/lease/a.txt"}
    pdfs = store.search_hybrid(_vec(0), "rent", limit=4, filter=SearchFilter(kinds=("pdf",)))
    assert [h.payload["kind"] for h in pdfs] == ["pdf"]
    assert store.count(SearchFilter(folder="/docs")) == 3


def test_delete_file_and_payload_update(store):
    assert store.count() == 4
    store.delete_file("/docs/lease/a.txt")  # both of its chunks
    assert store.count() == 2
    ids = [pid for pid, _, _ in store.points_with_hash("hc")]
    store.set_payload(ids, {"file": "/moved/c.txt", "dirs": folder_chain("/moved/c.txt")})
    assert store.count(SearchFilter(folder="/moved")) == 1
    got = store.points_with_hash("hb")
    assert len(got) == 1 and np.allclose(got[0][1], _vec(2), atol=1e-5)
    assert len(set(store.all_ids())) == 2


def test_upsert_is_idempotent(store):
    store.upsert([_point(i, t, f, k, h) for i, (t, f, k, h) in enumerate(TEXTS)])
    store.flush()
    assert store.count() == 4


def test_edge_shard_survives_reopen_and_optimize(tmp_path):
    s = EdgeStore(tmp_path / "shard", DIM)
    s.upsert([_point(i, f"text {i}", f"/d/{i}.txt") for i in range(300)])
    s.optimize()
    s.close()
    s = EdgeStore(tmp_path / "shard", DIM)
    assert s.count() == 300
    assert s.search_dense(_vec(7), limit=1)[0].payload["file"] == "/d/7.txt"
    s.close()


def test_optimize_runs_beside_other_threads_and_keeps_the_shard_owned(tmp_path):
    """qdrant-edge holds the interpreter lock while optimizing: done in-process, no other thread (the
    window's) would run at all. In the child process, other threads go on meanwhile."""
    import threading

    s = EdgeStore(tmp_path / "shard", DIM, name="Big")
    s.upsert([_point(i, f"text {i}", f"/d/{i}.txt") for i in range(3000)])
    ticks, stop = [], threading.Event()
    ticker = threading.Thread(target=lambda: [ticks.append(time.perf_counter())
                                              for _ in iter(lambda: stop.wait(0.001), True)])
    ticker.start()
    try:
        started = time.perf_counter()
        s.optimize()
        ended = time.perf_counter()
    finally:
        stop.set()
        ticker.join()
    during = [t for t in ticks if started < t < ended]
    assert len(during) >= 10, "the other thread hardly ran while the shard was optimized"
    with pytest.raises(StoreInUse):  # the owner lock was held throughout
        EdgeStore(tmp_path / "shard", DIM, name="Big")
    assert s.count() == 3000 and s.search_dense(_vec(11), limit=1)[0].payload["file"] == "/d/11.txt"
    s.close()


def test_optimize_child_failure_leaves_a_working_shard(tmp_path, monkeypatch, caplog):
    from app.core.index import shard_optimize

    s = EdgeStore(tmp_path / "shard", DIM)
    s.upsert([_point(i, f"text {i}", f"/d/{i}.txt") for i in range(50)])
    monkeypatch.setattr(shard_optimize, "command", lambda path: [sys.executable, "-c", "import sys; sys.exit('disk gone')"])
    s.optimize()
    assert "disk gone" in caplog.text
    assert s.count() == 50 and s.search_dense(_vec(3), limit=1)[0].payload["file"] == "/d/3.txt"
    s.close()


def test_optimize_command_refuses_a_missing_folder(tmp_path):
    out = subprocess.run([sys.executable, "-m", "app", "_optimize-shard", str(tmp_path / "nope")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "usage" in out.stderr


def test_second_process_gets_a_plain_in_use_message(tmp_path):
    s = EdgeStore(tmp_path / "shard", DIM, name="Contracts")
    code = (
        "import sys\nfrom app.core.index.edge_store import EdgeStore\nfrom app.core.index.store import StoreInUse\n"
        f"try:\n    EdgeStore({str(tmp_path / 'shard')!r}, {DIM}, name='Contracts')\n"
        "except StoreInUse as e:\n    print(e); sys.exit(3)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    s.close()
    assert out.returncode == 3, out.stderr
    assert "in use by another running Strongroom" in out.stdout
    assert "WouldBlock" not in out.stdout + out.stderr
    assert issubclass(StoreInUse, RuntimeError)
