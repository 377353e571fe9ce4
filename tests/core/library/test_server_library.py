"""Libraries on the firm's Qdrant server, with real files, the real embedding model and qdrant-client's
local mode (or a real server when STRONGROOM_TEST_QDRANT_URL is set): two workstations with their own
STRONGROOM_HOME and their own mounts of the same share; one indexes, the other attaches and searches."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from app.core.foundation.settings import Settings
from app.core.index.server_lease import IndexLease, LeaseHeld, LeaseLost
from app.core.index.server_store import IncompatibleCollection
from app.core.library import server_library
from app.core.library.libraries import LibraryError, LibraryManager
from app.core.library.roots import OutsideRoots, RootMap, RootNotMapped
from app.core.library.sync import open_library_store, sync_library
from app.core.library.ingest.scanned import NO_TEXT
from app.core.library.sync_state import read_summary
from tests.core.embedder_fixture import embedder  # noqa: F401  (session fixture)
from tests.helpers.qdrant_server import firm_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

DOCS = {
    "leases/harbour-lease.txt": "The tenant of the harbour warehouse shall pay rent quarterly in advance. "
                                "Termination requires ninety days written notice to the landlord.",
    "leases/mill-lease.txt": "The mill lease renews automatically for five years unless the tenant objects.",
    "billing/invoice-2291.md": "# Invoice 2291\n\nInterest accrues daily on the overdue escrow balance.",
}


def _share(mount: Path) -> Path:
    """One workstation's mount of the firm's `matters` share, holding the same files as every other."""
    for rel, text in DOCS.items():
        (mount / rel).parent.mkdir(parents=True, exist_ok=True)
        (mount / rel).write_text(text, encoding="utf-8")
    return mount


class Workstation:
    """A STRONGROOM_HOME of its own with settings that map the `matters` root to its own mount."""

    def __init__(self, home: Path, server, roots: dict[str, str]):
        self.home = home
        self.server = server
        (home / "config").mkdir(parents=True, exist_ok=True)
        (home / "config" / "settings.toml").write_text(
            f'[libraries]\nserver_url = "{server.settings_url}"\n[libraries.roots]\n'
            + "".join(f'{k} = "{v}"\n' for k, v in roots.items()), encoding="utf-8")

    def __enter__(self):
        self._previous = os.environ.get("STRONGROOM_HOME")
        os.environ["STRONGROOM_HOME"] = str(self.home)
        self.settings = Settings()
        assert not self.settings.warnings, self.settings.warnings
        self.manager = LibraryManager()
        return self

    def __exit__(self, *exc):
        os.environ["STRONGROOM_HOME"] = self._previous


@pytest.fixture
def two_mounts(tmp_path):
    return _share(tmp_path / "anna-pc" / "mnt" / "matters"), _share(tmp_path / "ben-pc" / "shares" / "matters")


@pytest.fixture
def lease_clock(monkeypatch) -> list[float]:
    """The lease's clock, moved by hand (now[0] += seconds), with 60-second leases."""
    now = [2_000_000.0]
    monkeypatch.setattr(server_library, "CLOCK", lambda: now[0])
    monkeypatch.setattr(server_library, "LEASE_DURATION_S", 60.0)
    return now


def _anna_indexes_the_leases(tmp_path, firm_server, embedder, anna_mount, name):
    """Anna's workstation creates the shared library of the leases folder and indexes it; returns the
    library, the sync's report and her workstation (enter it again to use her settings)."""
    anna = Workstation(tmp_path / "anna-home", firm_server, {"matters": str(anna_mount)})
    with anna:
        lib = server_library.create(anna.manager, name, [anna_mount / "leases"], anna.settings)
        report = sync_library(lib, embedder, settings=anna.settings, manager=anna.manager)
    return lib, report, anna


def test_one_workstation_indexes_and_another_searches_it_through_its_own_mount(tmp_path, firm_server, embedder, two_mounts):
    anna_mount, ben_mount = two_mounts
    name = firm_server.name("Precedents")
    with Workstation(tmp_path / "anna-home", firm_server, {"matters": str(anna_mount)}) as anna:
        lib = server_library.create(anna.manager, name, [anna_mount / "leases"], anna.settings)
        assert json.loads((lib.root / "library.json").read_text())["location"] == "server"
        report = sync_library(lib, embedder, settings=anna.settings, manager=anna.manager)
        assert sorted(Path(p).name for p in report.indexed) == ["harbour-lease.txt", "mill-lease.txt"]
        assert not lib.shard_dir.exists()  # the points went to the server, not a local shard
    with Workstation(tmp_path / "ben-home", firm_server, {"matters": str(ben_mount)}) as ben:
        attached, missing = server_library.attach(ben.manager, name, ben.settings)
        assert missing == [] and attached.folders == [str((ben_mount / "leases").resolve())]
        assert attached.id == lib.id and attached.embedding_model == embedder.id
        with open_library_store(attached, embedder.dimensions, ben.settings) as store:
            query = "notice period for terminating the harbour lease"
            hits = store.search_hybrid(embedder.embed_query(query), query, limit=3)
            stored = [r.payload for r in store.client.scroll(attached.collection, limit=100)[0]]
        assert read_summary(attached.state_db) is None  # searched without indexing anything here
    top = hits[0].payload
    assert top["shared_file"] == "matters/leases/harbour-lease.txt"
    assert top["file"] == str(ben_mount.resolve() / "leases" / "harbour-lease.txt") and Path(top["file"]).is_file()
    # No workstation's own path is on the server: every stored name is root-relative.
    assert stored and {p["file"] for p in stored} == {"matters/leases/harbour-lease.txt", "matters/leases/mill-lease.txt"}
    assert not any(str(tmp_path) in json.dumps(p) for p in stored)


def test_the_other_workstation_embeds_only_what_the_server_lacks_and_removes_what_left_the_share(
        tmp_path, firm_server, embedder, two_mounts):
    anna_mount, ben_mount = two_mounts
    name = firm_server.name("Precedents")
    lib, first, _ = _anna_indexes_the_leases(tmp_path, firm_server, embedder, anna_mount, name)
    leases = ben_mount.resolve() / "leases"
    with Workstation(tmp_path / "ben-home", firm_server, {"matters": str(ben_mount)}) as ben:
        attached, _ = server_library.attach(ben.manager, name, ben.settings)
        (leases / "mill-lease.txt").unlink()  # removed from the share, seen from Ben's mount
        (leases / "harbour-lease.txt").touch()  # same content as Anna indexed: nothing to embed
        (leases / "quay-lease.txt").write_text("The quay lease ends at Martinmas.", encoding="utf-8")
        before = embedder.passages_embedded
        report = sync_library(attached, embedder, settings=ben.settings, manager=ben.manager)
        embedded = embedder.passages_embedded - before
        with open_library_store(attached, embedder.dimensions, ben.settings) as store:
            files = [r.payload["file"] for r in store.client.scroll(attached.collection, limit=100)[0]]
        again = sync_library(attached, embedder, settings=ben.settings, manager=ben.manager)
    assert report.adopted == [str(leases / "harbour-lease.txt")] and report.indexed == [str(leases / "quay-lease.txt")]
    assert embedded == 1  # the new file's one passage; the harbour lease's came from the server
    assert report.removed == [str(leases / "mill-lease.txt")]
    assert set(files) == {"matters/leases/harbour-lease.txt", "matters/leases/quay-lease.txt"}
    harbour_chunks = sum(1 for f in files if f.endswith("harbour-lease.txt"))
    assert report.chunks == harbour_chunks + 1 and harbour_chunks < first.chunks  # no duplicates
    assert again.indexed == again.adopted == [] and again.unchanged == 2
    summary = read_summary(attached.state_db)
    assert (summary.files, summary.chunks) == (2, report.chunks)


def test_a_file_the_server_holds_only_in_part_is_embedded_whole(tmp_path, firm_server, embedder, two_mounts):
    anna_mount, ben_mount = two_mounts
    name = firm_server.name("Precedents")
    lib, _, anna = _anna_indexes_the_leases(tmp_path, firm_server, embedder, anna_mount, name)
    with anna:
        with open_library_store(lib, embedder.dimensions, anna.settings) as store:
            records = store.client.scroll(lib.collection, limit=100)[0]
            first = next(r for r in records if r.payload["file"].endswith("harbour-lease.txt") and r.payload["chunk"] == 0)
            if sum(1 for r in records if r.payload["file"].endswith("harbour-lease.txt")) == 1:
                store.client.set_payload(lib.collection, {"chunk": 1}, points=[first.id])  # a gap at chunk 0
            else:
                store.client.delete(lib.collection, points_selector=[first.id])
    with Workstation(tmp_path / "ben-home", firm_server, {"matters": str(ben_mount)}) as ben:
        attached, _ = server_library.attach(ben.manager, name, ben.settings)
        report = sync_library(attached, embedder, settings=ben.settings, manager=ben.manager)
    leases = ben_mount.resolve() / "leases"
    assert report.adopted == [str(leases / "mill-lease.txt")]
    assert report.indexed == [str(leases / "harbour-lease.txt")]


def test_a_root_not_mapped_here_is_explained_not_a_crash(tmp_path, firm_server, embedder, two_mounts):
    anna_mount, _ = two_mounts
    name = firm_server.name("Precedents")
    _anna_indexes_the_leases(tmp_path, firm_server, embedder, anna_mount, name)
    with Workstation(tmp_path / "carl-home", firm_server, {"archive": str(tmp_path)}) as carl:
        attached, missing = server_library.attach(carl.manager, name, carl.settings)
        assert attached.folders == [] and "'matters'" in missing[0] and "libraries.roots" in missing[0]
        with open_library_store(attached, embedder.dimensions, carl.settings) as store:
            hits = store.search_dense(embedder.embed_query("harbour lease notice"), limit=2)
        shared = hits[0].payload["file"]
        assert shared.startswith("matters/leases/")
        with pytest.raises(RootNotMapped, match=r"\[libraries.roots\]"):
            RootMap(carl.settings.get("libraries.roots")).to_local(shared)


def test_a_folder_outside_every_root_cannot_join_a_server_library(tmp_path, firm_server, two_mounts):
    anna_mount, _ = two_mounts
    elsewhere = tmp_path / "desktop"
    elsewhere.mkdir()
    with Workstation(tmp_path / "anna-home", firm_server, {"matters": str(anna_mount)}) as anna:
        with pytest.raises(OutsideRoots, match="libraries.roots") as refused:
            server_library.create(anna.manager, firm_server.name("Desk"), [elsewhere], anna.settings)
        assert str(elsewhere) in str(refused.value)
        assert anna.manager.list() == []  # nothing half-made


def test_a_second_indexer_gets_the_holder_and_expiry_and_can_take_over_once_it_expires(
        tmp_path, firm_server, embedder, two_mounts, lease_clock):
    anna_mount, _ = two_mounts
    name = firm_server.name("Precedents")
    now = lease_clock
    with Workstation(tmp_path / "anna-home", firm_server, {"matters": str(anna_mount)}) as anna:
        lib = server_library.create(anna.manager, name, [anna_mount / "leases"], anna.settings)
        other = firm_server.client()
        IndexLease(other, lib.collection, lib.name, holder="PC-DEAD (process 99)", duration_s=60.0,
                   clock=lambda: now[0]).acquire()
        other.close()
        with pytest.raises(LeaseHeld, match=r"PC-DEAD \(process 99\).*in 60 s"):
            sync_library(lib, embedder, settings=anna.settings, manager=anna.manager)
        assert read_summary(lib.state_db) is None  # refused before anything was written
        now[0] += 61  # PC-DEAD never renewed: its lease ran out
        report = sync_library(lib, embedder, settings=anna.settings, manager=anna.manager)
        assert len(report.indexed) == 2
        probe = firm_server.client()
        free = IndexLease(probe, lib.collection, lib.name, clock=lambda: now[0])
        assert free.current()["holder"] == ""  # released after the sync
        probe.close()


def test_a_sync_whose_lease_is_taken_over_stops_and_says_who_took_it(tmp_path, firm_server, embedder, two_mounts,
                                                                      lease_clock):
    anna_mount, _ = two_mounts
    name = firm_server.name("Precedents")
    now = lease_clock
    with Workstation(tmp_path / "anna-home", firm_server, {"matters": str(anna_mount)}) as anna:
        lib = server_library.create(anna.manager, name, [anna_mount / "leases"], anna.settings)
        store = open_library_store(lib, embedder.dimensions, anna.settings)
        stolen = []

        def progress(p):
            if not stolen:  # this machine stalls past its lease; another takes it over
                now[0] += 120
                thief = IndexLease(store.client, lib.collection, lib.name, holder="PC-BEN (process 7)",
                                   duration_s=60.0, clock=lambda: now[0])
                thief.acquire()
                stolen.append(thief)

        cancel = threading.Event()
        try:
            with pytest.raises(LeaseLost, match=r"PC-BEN \(process 7\) took it over"):
                sync_library(lib, embedder, store=store, progress=progress, cancel=cancel, settings=anna.settings,
                             manager=anna.manager)
            assert cancel.is_set()
            assert stolen[0].current()["holder"] == "PC-BEN (process 7)"  # the loser did not release it
        finally:
            store.close()


def test_a_collection_with_another_vector_size_is_refused_in_plain_words(tmp_path, firm_server, embedder, two_mounts):
    from qdrant_client import models as m

    anna_mount, _ = two_mounts
    with Workstation(tmp_path / "anna-home", firm_server, {"matters": str(anna_mount)}) as anna:
        lib = server_library.create(anna.manager, firm_server.name("Precedents"), [anna_mount / "leases"], anna.settings)
        client = firm_server.client()
        client.create_collection(lib.collection, vectors_config={"dense": m.VectorParams(size=3, distance=m.Distance.COSINE)},
                                 sparse_vectors_config={"bm25": m.SparseVectorParams()})
        client.close()
        with pytest.raises(IncompatibleCollection, match=f"3-dimension vectors.*makes {embedder.dimensions}"):
            sync_library(lib, embedder, settings=anna.settings, manager=anna.manager)


def test_garbage_points_in_the_collection_are_skipped_by_search(tmp_path, firm_server, embedder, two_mounts):
    from qdrant_client import models as m

    anna_mount, _ = two_mounts
    lib, _, anna = _anna_indexes_the_leases(tmp_path, firm_server, embedder, anna_mount, firm_server.name("Precedents"))
    with anna:
        vector = embedder.embed_query("harbour lease notice")
        with open_library_store(lib, embedder.dimensions, anna.settings) as store:
            store.client.upsert(lib.collection, [
                m.PointStruct(id=n, vector={"dense": list(map(float, vector))}, payload=payload)
                for n, payload in enumerate([{"file": 42}, {"file": "/etc/passwd"}, {"file": "matters/../../etc/passwd"},
                                             {"text": "no file at all"}], start=1)])
            hits = store.search_dense(vector, limit=10)
    assert hits and all(h.payload["shared_file"].startswith("matters/leases/") for h in hits)


def test_attaching_a_name_the_server_does_not_have_lists_what_it_has(tmp_path, firm_server, two_mounts):
    anna_mount, _ = two_mounts
    name = firm_server.name("Precedents")
    with Workstation(tmp_path / "anna-home", firm_server, {"matters": str(anna_mount)}) as anna:
        server_library.create(anna.manager, name, [anna_mount / "leases"], anna.settings)
        with pytest.raises(LibraryError, match="already has a library named"):
            server_library.create(LibraryManager(anna.home / "other"), name, [anna_mount], anna.settings)
    with Workstation(tmp_path / "ben-home", firm_server, {}) as ben:
        with pytest.raises(LibraryError, match=f"no library named 'Nope'.*{name}"):
            server_library.attach(ben.manager, "Nope", ben.settings)


def test_scanned_pages_another_workstation_left_unread_are_read_by_the_one_that_adopts_the_file(
        tmp_path, firm_server, embedder, two_mounts):
    from tests.core.ingest_files import pdf_bytes

    anna_mount, ben_mount = two_mounts
    for mount in two_mounts:  # a text page and a scanned one
        (mount / "leases" / "fixtures.pdf").write_bytes(pdf_bytes(["Schedule of fixtures of the harbour lease.", None]))
    name = firm_server.name("Precedents")
    with Workstation(tmp_path / "anna-home", firm_server, {"matters": str(anna_mount)}) as anna:
        anna.settings.set("ocr.enabled", False)  # Anna's sync leaves the scanned page for later
        lib = server_library.create(anna.manager, name, [anna_mount / "leases"], anna.settings)
        first = sync_library(lib, embedder, settings=anna.settings, manager=anna.manager)
        assert [n["file"] for n in first.needs_ocr] == [str(anna_mount.resolve() / "leases" / "fixtures.pdf")]
    with Workstation(tmp_path / "ben-home", firm_server, {"matters": str(ben_mount)}) as ben:
        attached, _ = server_library.attach(ben.manager, name, ben.settings)
        report = sync_library(attached, embedder, settings=ben.settings, manager=ben.manager)
    fixtures = str(ben_mount.resolve() / "leases" / "fixtures.pdf")
    assert fixtures in report.adopted and report.scanned == [fixtures]  # adopted, then its scan read here
    assert report.unreadable == [{"file": fixtures, "pages": [{"page": 2, "reason": NO_TEXT}]}]


@pytest.mark.parametrize("garbage", ["all of them", [-3, True, "2"], [10**9], {"page": 1}])
def test_a_garbage_ocr_note_on_the_server_is_ignored_when_adopting(tmp_path, firm_server, embedder, two_mounts, garbage):
    anna_mount, ben_mount = two_mounts
    name = firm_server.name("Precedents")
    lib, _, anna = _anna_indexes_the_leases(tmp_path, firm_server, embedder, anna_mount, name)
    with anna:
        with open_library_store(lib, embedder.dimensions, anna.settings) as store:
            store.client.set_payload(lib.collection, {"needs_ocr": garbage},
                                     points=[r.id for r in store.client.scroll(lib.collection, limit=100)[0]])
    with Workstation(tmp_path / "ben-home", firm_server, {"matters": str(ben_mount)}) as ben:
        attached, _ = server_library.attach(ben.manager, name, ben.settings)
        report = sync_library(attached, embedder, settings=ben.settings, manager=ben.manager)
    assert len(report.adopted) == 2 and report.scanned == [] and report.needs_ocr == []
