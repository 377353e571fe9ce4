"""Encrypted history on a real SQLite file, with the real scrypt-wrapped key (no keychain here)."""
import json
import logging
import os
import sqlite3
import stat
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.core.history import conversations as history_mod
from app.core.foundation import instance, paths
from app.core.history.conversations import History, HistoryError, HistoryKeyMismatch
from app.core.privacy.keystore import KeyStore, PassphraseNeeded, WrongPassphrase
from tests.core.history.conftest import PASS
from tests.helpers.log_scan import assert_absent, find_phrases, scan_logs

PHRASE = "Zanzibar-7731 merger escrow clause"
FILE = "/clients/Okonkwo Holdings/settlement-draft.pdf"
LIBRARY = "Okonkwo Holdings litigation"
SECRETS = (PHRASE, FILE, LIBRARY, "Okonkwo")


@pytest.fixture
def app_log():
    """Everything app.* logs, at DEBUG, into the log dir of this test."""
    handler = logging.FileHandler(paths.log_dir() / "strongroom.log", encoding="utf-8")
    logger = logging.getLogger("app")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield paths.log_dir() / "strongroom.log"
    logger.removeHandler(handler)
    logger.setLevel(old)
    handler.close()


def _fill(h: History) -> int:
    cid = h.create_conversation(f"About {PHRASE}", libraries=[LIBRARY])
    h.add_message(cid, "user", f"What does the {PHRASE} say?")
    h.add_message(cid, "assistant", f"The {PHRASE} requires notice [1].",
                  sources=[{"library": LIBRARY, "file": FILE, "page": 4, "excerpt": f"...{PHRASE}...",
                            "score": 0.81, "cited": True}],
                  model="smollm2-135m-instruct", timings={"first_token_s": 0.4, "tokens_per_s": 31.0})
    return cid


def test_round_trip(hist):
    cid = _fill(hist)
    msgs = hist.messages(cid)
    assert [m.role for m in msgs] == ["user", "assistant"]
    assert msgs[1].content == f"The {PHRASE} requires notice [1]."
    assert msgs[1].sources[0]["file"] == FILE and msgs[1].sources[0]["page"] == 4
    assert msgs[1].model == "smollm2-135m-instruct" and msgs[1].timings["tokens_per_s"] == 31.0
    [summary] = hist.list_conversations()
    assert (summary.id, summary.title, summary.libraries, summary.message_count) == (cid, f"About {PHRASE}", [LIBRARY], 2)
    other = hist.create_conversation("Lease renewal")
    hist.rename(cid, "Escrow questions")
    hist.set_libraries(cid, ["Lib A", "Lib B"])
    assert [c.id for c in hist.list_conversations("escrow")] == [cid]
    assert [c.id for c in hist.list_conversations("LEASE")] == [other]
    assert hist.list_conversations()[0].libraries == ["Lib A", "Lib B"]  # touched last: first
    assert {c.id for c in hist.list_conversations()} == {cid, other}


def test_delete_messages_after_keeps_the_earlier_ones(hist):
    cid = hist.create_conversation("t")
    q1 = hist.add_message(cid, "user", "q1")
    a1 = hist.add_message(cid, "assistant", "a1", sources=[{"file": "x.pdf", "page": 1}])
    hist.add_message(cid, "user", "q2")
    hist.add_message(cid, "assistant", "a2")
    other = hist.create_conversation("other")
    kept = hist.add_message(other, "user", "elsewhere")
    assert hist.delete_messages_after(cid, a1) == 2
    assert [(m.id, m.content, m.sources) for m in hist.messages(cid)] == [
        (q1, "q1", []), (a1, "a1", [{"file": "x.pdf", "page": 1}])]
    assert [m.id for m in hist.messages(other)] == [kept]


def test_bad_calls_are_refused_plainly(hist):
    with pytest.raises(HistoryError, match="no conversation #999"):
        hist.add_message(999, "user", "x")
    cid = hist.create_conversation("t")
    with pytest.raises(ValueError, match="role"):
        hist.add_message(cid, "robot", "x")
    assert hist.messages(cid) == []


def test_known_phrase_is_on_no_file_under_the_home(hist, strongroom_home):
    cid = _fill(hist)
    # While open: the WAL and -shm files hold the fresh pages.
    assert (paths.history_db().parent / "history.sqlite3-wal").exists()
    assert_absent(strongroom_home, SECRETS)
    assert hist.messages(cid)[0].content.startswith("What does")  # the data is really there
    hist.close()
    assert_absent(strongroom_home, SECRETS)


def test_history_operations_log_no_content(app_log):
    h = History(KeyStore())
    cid = _fill(h)
    h.list_conversations(PHRASE)
    h.messages(cid)
    h.apply_retention(1)
    h.delete_all()
    h.close()
    assert "history" in app_log.read_text()  # something was logged, so the scan means something
    assert scan_logs(SECRETS) == []


def test_blobs_are_bound_to_their_row_and_column(hist):
    cid = hist.create_conversation("t")
    first = hist.add_message(cid, "user", "first")
    second = hist.add_message(cid, "user", "second")
    raw = sqlite3.connect(hist.path)
    a, b = (raw.execute("SELECT content_enc FROM messages WHERE id = ?", (i,)).fetchone()[0] for i in (first, second))
    raw.execute("UPDATE messages SET content_enc = ? WHERE id = ?", (b, first))
    raw.commit()
    raw.close()
    with pytest.raises(HistoryError, match="damaged"):
        hist.messages(cid)


def test_delete_removes_the_ciphertext_too(hist, strongroom_home):
    keep = hist.create_conversation("keep")
    hist.add_message(keep, "user", "keep me")
    gone = _fill(hist)
    raw = sqlite3.connect(hist.path)
    blobs = [r[0] for r in raw.execute("SELECT content_enc FROM messages WHERE conversation_id = ?", (gone,))]
    raw.close()
    hist.delete(gone)
    assert [c.id for c in hist.list_conversations()] == [keep]
    data = b"".join(p.read_bytes() for p in strongroom_home.rglob("*") if p.is_file())
    assert blobs and not any(blob in data for blob in blobs)  # secure_delete + WAL truncation


def test_delete_all_really_removes(hist, strongroom_home):
    for _ in range(30):
        _fill(hist)
    raw = sqlite3.connect(hist.path)
    blobs = [r[0] for r in raw.execute("SELECT content_enc FROM messages")]
    raw.close()
    hist.close()
    size_before = hist.path.stat().st_size
    h = History(KeyStore())
    h.delete_all()
    assert h.list_conversations() == []
    wal = h.path.with_name(h.path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert h.path.stat().st_size < size_before
    data = b"".join(p.read_bytes() for p in strongroom_home.rglob("*") if p.is_file())
    assert not any(blob in data for blob in blobs)
    raw = sqlite3.connect(h.path)
    assert raw.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0
    raw.close()
    h.add_message(h.create_conversation("after"), "user", "still works")
    h.close()
    assert_absent(strongroom_home, SECRETS)


def test_retention_deletes_old_conversations(monkeypatch):
    h = History(KeyStore())
    real_now = history_mod._now
    monkeypatch.setattr(history_mod, "_now", lambda: real_now() - 40 * 86400)
    old = h.create_conversation("old")
    h.add_message(old, "user", "old question")
    monkeypatch.setattr(history_mod, "_now", real_now)
    recent = h.create_conversation("recent")
    assert h.apply_retention(0) == 0
    h.close()
    instance.release()
    h = History(KeyStore(), retention_days=30)  # applied on open
    assert [c.id for c in h.list_conversations()] == [recent]
    assert h.messages(old) == []
    assert h.apply_retention(30) == 0
    h.close()


def test_a_closed_history_refuses_reads_and_writes(hist):
    cid = hist.create_conversation("t")
    hist.close()
    with pytest.raises(HistoryError, match="closed"):
        hist.list_conversations()
    with pytest.raises(HistoryError, match="closed"):
        hist.messages(cid)
    with pytest.raises(HistoryError, match="closed"):
        hist.add_message(cid, "user", "x")
    hist.close()  # twice is harmless


def test_change_passphrase_rewraps_the_key_and_keeps_the_history(hist, monkeypatch):
    cid = _fill(hist)
    hist.change_passphrase(PASS, "a brand new passphrase")
    hist.add_message(cid, "user", "after the change")  # the open history goes on with the same key
    hist.close()
    instance.release()
    monkeypatch.setenv("STRONGROOM_PASSPHRASE", PASS)
    with pytest.raises(WrongPassphrase):
        History(KeyStore())
    instance.release()
    monkeypatch.setenv("STRONGROOM_PASSPHRASE", "a brand new passphrase")
    with History(KeyStore()) as h:
        assert [m.content for m in h.messages(cid)][-1] == "after the change"


@pytest.mark.parametrize("old, new, error", [
    ("definitely the wrong one", "a brand new passphrase", WrongPassphrase),
    (PASS, "short", PassphraseNeeded),
], ids=["wrong-old", "short-new"])
def test_a_refused_passphrase_change_leaves_the_key_file_alone(hist, old, new, error):
    key_file = hist.keystore.key_file
    before = key_file.read_bytes()
    with pytest.raises(error):
        hist.change_passphrase(old, new)
    assert key_file.read_bytes() == before
    hist.add_message(hist.create_conversation("t"), "user", "still open")


def _v1_database(key: bytes) -> int:
    """A history as the first schema wrote it, sealed by hand in the stored layout; returns its conversation id."""
    def seal(value, aad: str) -> bytes:
        nonce = os.urandom(12)
        plain = value if isinstance(value, bytes) else json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
        return nonce + AESGCM(key).encrypt(nonce, plain, aad.encode())

    paths.history_db().parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(paths.history_db(), isolation_level=None)
    raw.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied REAL NOT NULL)")
    raw.execute("BEGIN")
    history_mod._m001_initial(raw)
    raw.execute("INSERT INTO migrations VALUES ('m001_initial', 0)")
    raw.execute("INSERT INTO meta VALUES ('key_check', ?)", (seal(b"strongroom-history-key-check", "meta:key_check"),))
    raw.execute("INSERT INTO conversations (id, created, updated, title_enc, libraries_enc, settings_enc) "
                "VALUES (5, 1.0, 2.0, ?, ?, ?)", (seal(f"About {PHRASE}", "conversations:title:5"),
                                                  seal([LIBRARY], "conversations:libraries:5"),
                                                  seal({"temperature": 0.2}, "conversations:settings:5")))
    raw.execute("INSERT INTO messages (id, conversation_id, role, created, content_enc, sources_enc, model, timings) "
                "VALUES (9, 5, 'assistant', 2.0, ?, ?, 'm', ?)",
                (seal(PHRASE, "messages:content:9"), seal([{"file": "a\udcff.pdf", "page": 4}], "messages:sources:9"),
                 json.dumps({"tokens": 3})))
    raw.execute("COMMIT")
    raw.close()
    return 5


def test_a_v1_database_opens_and_loses_only_the_settings_column(strongroom_home):
    store = KeyStore()
    store.unlock(PASS)
    cid = _v1_database(store.key())
    with History(KeyStore()) as h:
        [summary] = h.list_conversations()
        assert (summary.id, summary.title, summary.libraries, summary.message_count) == (cid, f"About {PHRASE}", [LIBRARY], 1)
        [msg] = h.messages(cid)
        assert (msg.id, msg.content, msg.sources, msg.model, msg.timings, msg.claims) == (
            9, PHRASE, [{"file": "a\udcff.pdf", "page": 4}], "m", {"tokens": 3}, [])
        h.add_message(cid, "user", "a new message after the upgrade")
    raw = sqlite3.connect(paths.history_db())
    assert [r[1] for r in raw.execute("PRAGMA table_info(conversations)")] == [
        "id", "created", "updated", "title_enc", "libraries_enc"]
    assert [r[0] for r in raw.execute("SELECT name FROM migrations ORDER BY rowid")] == [
        "m001_initial", "m002_drop_conversation_settings", "m003_message_claims", "m004_extraction_tables"]
    raw.close()


def test_claims_are_saved_sealed_with_their_message(hist, strongroom_home):
    cid = hist.create_conversation("t")
    claims = [{"text": f"The fee is {PHRASE}. ", "sources": [1], "supported": False, "reason": "no source says this"}]
    mid = hist.add_message(cid, "assistant", f"The fee is {PHRASE}. ", claims=claims)
    assert [m.claims for m in hist.messages(cid) if m.id == mid] == [claims]
    hist.close()
    assert_absent(strongroom_home, [PHRASE])


def test_a_new_database_has_no_settings_column(hist):
    raw = sqlite3.connect(hist.path)
    assert "settings_enc" not in [r[1] for r in raw.execute("PRAGMA table_info(conversations)")]
    raw.close()


def test_hostile_database_is_set_aside_not_deleted(strongroom_home):
    db = paths.history_db()
    garbage = b"this is not SQLite at all \x00\xff" * 200
    db.write_bytes(garbage)
    h = History(KeyStore())
    [kept] = list(db.parent.glob("history.sqlite3.corrupt-*"))
    assert kept.read_bytes() == garbage
    assert len(h.warnings) == 1 and "could not be read" in h.warnings[0] and kept.name in h.warnings[0]
    cid = h.create_conversation("fresh start")
    assert [c.id for c in h.list_conversations()] == [cid]
    h.close()


def test_truncated_database_is_set_aside(hist):
    _fill(hist)
    hist.close()
    instance.release()
    data = hist.path.read_bytes()
    hist.path.write_bytes(data[: len(data) // 2])
    h = History(KeyStore())
    assert h.warnings and list(hist.path.parent.glob("history.sqlite3.corrupt-*"))
    h.close()


def test_a_foreign_sqlite_file_is_set_aside(strongroom_home):
    raw = sqlite3.connect(paths.history_db())
    raw.execute("CREATE TABLE conversations (something TEXT)")
    raw.execute("INSERT INTO conversations VALUES ('keep me')")
    raw.commit()
    raw.close()
    h = History(KeyStore())
    assert h.warnings and h.list_conversations() == []
    h.close()
    [kept] = paths.history_db().parent.glob("history.sqlite3.corrupt-*")
    raw = sqlite3.connect(kept)
    assert raw.execute("SELECT something FROM conversations").fetchall() == [("keep me",)]
    raw.close()


def test_a_newer_schema_is_left_untouched(hist):
    hist.close()
    instance.release()
    raw = sqlite3.connect(hist.path)
    raw.execute("INSERT INTO migrations (name, applied) VALUES ('m999_future', 0)")
    raw.commit()
    raw.close()
    before = hist.path.read_bytes()
    with pytest.raises(HistoryError, match="newer version"):
        History(KeyStore())
    assert hist.path.read_bytes() == before
    assert not list(hist.path.parent.glob("history.sqlite3.corrupt-*"))


def test_a_different_key_is_refused_and_the_data_left_alone(hist, monkeypatch):
    _fill(hist)
    hist.close()
    instance.release()
    before = hist.path.read_bytes()
    KeyStore().key_file.unlink()  # the key file lost: a new one gets made with a new key
    monkeypatch.setenv("STRONGROOM_PASSPHRASE", "some other passphrase")
    with pytest.raises(HistoryKeyMismatch, match="different key"):
        History(KeyStore())
    assert hist.path.read_bytes() == before


def test_files_are_owner_only_and_migrations_recorded(hist):
    hist.create_conversation("t")
    for name in ("history.sqlite3", "history.sqlite3-wal", "history.sqlite3-shm", "history.key"):
        assert stat.S_IMODE(os.stat(hist.path.parent / name).st_mode) == 0o600, name
    assert stat.S_IMODE(os.stat(hist.path.parent).st_mode) == 0o700
    hist.close()
    instance.release()
    History(KeyStore()).close()  # reopening applies nothing twice
    raw = sqlite3.connect(hist.path)
    assert [r[0] for r in raw.execute("SELECT name FROM migrations")] == [n for n, _ in history_mod.MIGRATIONS]
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def test_concurrent_writers_never_race(hist):
    cid = hist.create_conversation("t")
    ids, errors = [], []

    def write(n):
        try:
            for i in range(15):
                ids.append(hist.add_message(cid, "user", f"{n}-{i}"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(ids)) == 60
    assert sorted(m.content for m in hist.messages(cid)) == sorted(f"{n}-{i}" for n in range(4) for i in range(15))


def test_find_phrases_sees_utf8_and_utf16(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"xx" + PHRASE.encode("utf-16-le") + b"yy")
    (tmp_path / "b.txt").write_text(f"log line {PHRASE}", encoding="utf-8")
    hits = {(p.name, enc) for p, _, enc in find_phrases(tmp_path, [PHRASE])}
    assert hits == {("a.bin", "utf-16-le"), ("b.txt", "utf-8")}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(max_size=80), content=st.text(max_size=400),
       page=st.integers(min_value=0, max_value=10**6), excerpt=st.text(max_size=200))
def test_any_text_round_trips(hist, title, content, page, excerpt):
    cid = hist.create_conversation(title, libraries=[title])
    mid = hist.add_message(cid, "assistant", content, sources=[{"file": "a\udcff.pdf", "page": page, "excerpt": excerpt}])
    [msg] = hist.messages(cid)
    assert (msg.id, msg.content, msg.sources) == (mid, content, [{"file": "a\udcff.pdf", "page": page, "excerpt": excerpt}])
    summary = next(c for c in hist.list_conversations() if c.id == cid)
    assert (summary.title, summary.libraries) == (title, [title])
