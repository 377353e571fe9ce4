"""Conversations in SQLite, encrypted field by field. `History` is the one owner of the database.
It also keeps each library's last extracted table (`extraction_tables`, one sealed JSON per library:
the values quote the documents), under the same key, deletion and retention rules.

Titles, library names, message text and sources (file paths, excerpts) are sealed by a FieldSealer
(app.core.privacy.sealing) under the key from the KeyStore, each bound to its table, column and row
id. Timestamps, roles, the model id and timings stay in clear: retention needs the dates, and the rest
says nothing about the documents.

Durability: WAL with synchronous=FULL, so a message is on disk when add_message returns, even if the
power fails right after (NORMAL would only survive a crashed process). Exchanges are rare: the fsync
costs nothing noticeable. secure_delete overwrites deleted rows; delete_all also VACUUMs and truncates
the WAL so no old page lingers.

The API is synchronous and thread-safe (one lock; writes never race). The UI calls it from a worker.
"""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from app.core.foundation import instance, paths
from app.core.privacy.keystore import KeyStore
from app.core.privacy.sealing import FieldSealer, SealError

log = logging.getLogger(__name__)

ROLES = ("user", "assistant", "system")


class HistoryError(Exception):
    """A history problem said in plain words."""


class HistoryKeyMismatch(HistoryError):
    pass


@dataclass
class ConversationSummary:
    id: int
    title: str
    created: float
    updated: float
    libraries: list[str]
    message_count: int

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class StoredMessage:
    """A message as the history stores it: its row, with its sources, model and timings."""

    id: int
    conversation_id: int
    role: str
    content: str
    created: float
    sources: list[dict] = field(default_factory=list)
    model: str | None = None
    timings: dict = field(default_factory=dict)
    claims: list[dict] = field(default_factory=list)  # {"text", "sources", "supported", "reason"}

    def to_json(self) -> dict:
        return dict(self.__dict__)


# -- migrations: ordered, named, each applied once and recorded ----------------------------------
def _run(db: sqlite3.Connection, script: str) -> None:
    # Statement by statement: executescript() would COMMIT the migration's transaction half-way.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _m001_initial(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created REAL NOT NULL,
            updated REAL NOT NULL,
            title_enc BLOB,
            libraries_enc BLOB,
            settings_enc BLOB
        );
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            created REAL NOT NULL,
            content_enc BLOB,
            sources_enc BLOB,
            model TEXT,
            timings TEXT
        );
        CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
        CREATE INDEX conversations_by_updated ON conversations(updated);
        """
    )


def _m002_drop_conversation_settings(db: sqlite3.Connection) -> None:
    # Nothing reads per-conversation settings: the sealed blobs go with the column.
    db.execute("ALTER TABLE conversations DROP COLUMN settings_enc")


def _m003_message_claims(db: sqlite3.Connection) -> None:
    # An answer's statements as checked against its sources (answers.claims), sealed like its text.
    db.execute("ALTER TABLE messages ADD COLUMN claims_enc BLOB")


def _m004_extraction_tables(db: sqlite3.Connection) -> None:
    # The library id is a random name the app gave it: only the sealed table says anything.
    db.execute("CREATE TABLE extraction_tables (id INTEGER PRIMARY KEY AUTOINCREMENT, "
               "library_id TEXT NOT NULL UNIQUE, updated REAL NOT NULL, table_enc BLOB)")


MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("m001_initial", _m001_initial),
    ("m002_drop_conversation_settings", _m002_drop_conversation_settings),
    ("m003_message_claims", _m003_message_claims),
    ("m004_extraction_tables", _m004_extraction_tables),
]


def _now() -> float:
    return time.time()


class History:
    def __init__(self, keystore: KeyStore, path: Path | None = None, retention_days: int = 0,
                 single_instance: bool = True):
        """Opens (or creates) the database, unlocks the key, runs migrations, applies retention.

        A file that is not a readable database is moved aside as <name>.corrupt-<timestamp> (never
        deleted) and a new history starts; `warnings` says so.
        """
        self.path = Path(path) if path else paths.history_db()
        self.keystore = keystore
        self.warnings: list[str] = []
        self._lock = threading.RLock()
        self._sealer: FieldSealer | None = None
        if single_instance:
            instance.hold()  # raises AlreadyRunning when another process owns the data dir
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._db = self._open_checked()
        try:
            keystore.unlock()
            self._check_key()
        except BaseException:
            self._db.close()
            raise
        if retention_days > 0:
            self.apply_retention(retention_days)

    # -- opening ----------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        fresh = not self.path.exists()
        if fresh:
            # Created owner-only before SQLite touches it; -wal/-shm inherit the mode from it.
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA secure_delete=ON")
        return db

    def _open_checked(self) -> sqlite3.Connection:
        db = None
        try:
            db = self._connect()
            row = db.execute("PRAGMA quick_check").fetchone()
            if not row or row[0] != "ok":
                db.close()
                raise sqlite3.DatabaseError(f"integrity check failed: {row[0] if row else 'no answer'}")
            self._migrate(db)
            return db
        except HistoryError:
            if db is not None:
                db.close()
            raise
        except sqlite3.DatabaseError as exc:
            if db is not None:
                db.close()
            kept = self._set_aside()
            message = (f"Your conversation history could not be read ({exc}). The damaged file was kept as "
                       f"{kept.name} in {kept.parent}; a new, empty history was started.")
            self.warnings.append(message)
            log.error("history database unreadable (%s); kept as %s", type(exc).__name__, kept)
            db = self._connect()
            self._migrate(db)
            return db

    def _set_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        self.path.replace(target)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.replace(target.with_name(target.name + suffix))
        return target

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied REAL NOT NULL)")
        done = {row[0] for row in db.execute("SELECT name FROM migrations")}
        unknown = done - {name for name, _ in MIGRATIONS}
        if unknown:
            # A newer Strongroom changed the schema: writing with this one could damage it.
            raise HistoryError("The conversation history was written by a newer version of Strongroom "
                               "and is left untouched. Update Strongroom to open it.")
        for name, step in MIGRATIONS:
            if name in done:
                continue
            db.execute("BEGIN IMMEDIATE")
            try:
                step(db)
                db.execute("INSERT INTO migrations (name, applied) VALUES (?, ?)", (name, _now()))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            log.info("history migration applied: %s", name)

    def _check_key(self) -> None:
        """Stores a key check on first use; later opens prove the key is the one the data needs."""
        with self._lock:
            sealer = FieldSealer(self.keystore.key())
            row = self._db.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta (key, value) VALUES ('key_check', ?)", (sealer.key_check(),))
            elif not sealer.matches(row[0]):
                self.keystore.lock()
                raise HistoryKeyMismatch(
                    "The history was saved under a different key than the one available now "
                    "(the keychain entry or key file was replaced). Nothing was changed."
                )
            self._sealer = sealer

    # -- sealing --------------------------------------------------------------------------------
    def _open_sealer(self) -> FieldSealer:
        if self._sealer is None:
            raise HistoryError("The conversation history is closed.")
        return self._sealer

    def _seal(self, table: str, column: str, row_id: int, value: Any) -> bytes:
        return self._open_sealer().seal(table, column, row_id, value)

    def _unseal(self, table: str, column: str, row_id: int, blob: bytes | None, default: Any = None) -> Any:
        if blob is None:
            return default
        try:
            return self._open_sealer().open(table, column, row_id, blob)
        except SealError:
            log.error("history: %s.%s of row %d failed authentication", table, column, row_id)
            raise HistoryError(f"A saved {table[:-1]} (#{row_id}) is damaged and cannot be read.") from None

    # -- the passphrase ---------------------------------------------------------------------------
    def change_passphrase(self, old: str, new: str) -> None:
        """Re-wraps the history key under `new`; no conversation is rewritten.

        The KeyStore stays the one owner of the key; this refuses (KeyStoreError subclasses) when the key
        is in the OS keychain (NoPassphrase), `old` is wrong (WrongPassphrase) or `new` is too short
        (PassphraseNeeded), and then the key file is left as it was.
        """
        with self._lock:
            self._open_sealer()
            self.keystore.change_passphrase(old, new)

    # -- transactions ---------------------------------------------------------------------------
    def _write(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        with self._lock:
            self._open_sealer()  # refuse before touching anything when closed
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = fn(self._db)
                self._db.execute("COMMIT")
                return result
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _exists(self, db: sqlite3.Connection, conv_id: int) -> None:
        if db.execute("SELECT 1 FROM conversations WHERE id = ?", (conv_id,)).fetchone() is None:
            raise HistoryError(f"There is no conversation #{conv_id}.")

    # -- conversations ------------------------------------------------------------------------
    def create_conversation(self, title: str, libraries: list[str] | None = None) -> int:
        def step(db):
            now = _now()
            cid = db.execute("INSERT INTO conversations (created, updated) VALUES (?, ?)", (now, now)).lastrowid
            db.execute(
                "UPDATE conversations SET title_enc = ?, libraries_enc = ? WHERE id = ?",
                (self._seal("conversations", "title", cid, title),
                 self._seal("conversations", "libraries", cid, list(libraries or [])), cid),
            )
            return cid
        return self._write(step)

    def rename(self, conv_id: int, title: str) -> None:
        def step(db):
            self._exists(db, conv_id)
            db.execute("UPDATE conversations SET title_enc = ?, updated = ? WHERE id = ?",
                       (self._seal("conversations", "title", conv_id, title), _now(), conv_id))
        self._write(step)

    def set_libraries(self, conv_id: int, libraries: list[str]) -> None:
        def step(db):
            self._exists(db, conv_id)
            db.execute("UPDATE conversations SET libraries_enc = ?, updated = ? WHERE id = ?",
                       (self._seal("conversations", "libraries", conv_id, list(libraries)), _now(), conv_id))
        self._write(step)

    def delete(self, conv_id: int) -> None:
        self._write(lambda db: db.execute("DELETE FROM conversations WHERE id = ?", (conv_id,)))
        self._checkpoint()

    def list_conversations(self, query: str | None = None) -> list[ConversationSummary]:
        """Newest first. `query` filters by title, case-insensitively (titles are decrypted in memory)."""
        with self._lock:
            self._open_sealer()
            rows = self._db.execute(
                "SELECT c.id, c.created, c.updated, c.title_enc, c.libraries_enc, "
                "(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) "
                "FROM conversations c ORDER BY c.updated DESC, c.id DESC"
            ).fetchall()
            out = []
            for cid, created, updated, title_enc, libs_enc, count in rows:
                title = self._unseal("conversations", "title", cid, title_enc, "")
                if query and query.casefold() not in title.casefold():
                    continue
                libs = self._unseal("conversations", "libraries", cid, libs_enc, [])
                out.append(ConversationSummary(cid, title, created, updated, libs, count))
            return out

    # -- messages -----------------------------------------------------------------------------
    def add_message(self, conv_id: int, role: str, content: str, sources: list[dict] | None = None,
                    model: str | None = None, timings: dict | None = None, claims: list[dict] | None = None) -> int:
        """Saves one message; it is durable on disk when this returns."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")

        def step(db):
            self._exists(db, conv_id)
            now = _now()
            mid = db.execute(
                "INSERT INTO messages (conversation_id, role, created, model, timings) VALUES (?, ?, ?, ?, ?)",
                (conv_id, role, now, model, json.dumps(timings or {})),
            ).lastrowid
            db.execute("UPDATE messages SET content_enc = ?, sources_enc = ?, claims_enc = ? WHERE id = ?",
                       (self._seal("messages", "content", mid, content),
                        self._seal("messages", "sources", mid, list(sources or [])),
                        self._seal("messages", "claims", mid, list(claims or [])), mid))
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conv_id))
            return mid
        return self._write(step)

    def messages(self, conv_id: int) -> list[StoredMessage]:
        with self._lock:
            self._open_sealer()
            rows = self._db.execute(
                "SELECT id, role, created, content_enc, sources_enc, model, timings, claims_enc FROM messages "
                "WHERE conversation_id = ? ORDER BY id", (conv_id,)
            ).fetchall()
            return [
                StoredMessage(mid, conv_id, role,
                        self._unseal("messages", "content", mid, content_enc, ""), created,
                        self._unseal("messages", "sources", mid, sources_enc, []), model,
                        json.loads(timings) if timings else {},
                        self._unseal("messages", "claims", mid, claims_enc, []))
                for mid, role, created, content_enc, sources_enc, model, timings, claims_enc in rows
            ]

    def delete_messages_after(self, conv_id: int, msg_id: int) -> int:
        """Deletes the messages of conv_id that came after msg_id (edit-and-resend); returns how many."""
        count = self._write(lambda db: db.execute(
            "DELETE FROM messages WHERE conversation_id = ? AND id > ?", (conv_id, msg_id)).rowcount)
        return count

    # -- extracted tables ---------------------------------------------------------------------
    def save_table(self, library_id: str, table: dict) -> None:
        """Keeps `table` (JSON) as the library's last extracted table, replacing the one before."""
        def step(db):
            db.execute("INSERT INTO extraction_tables (library_id, updated) VALUES (?, ?) "
                       "ON CONFLICT(library_id) DO UPDATE SET updated = excluded.updated", (library_id, _now()))
            row_id = db.execute("SELECT id FROM extraction_tables WHERE library_id = ?", (library_id,)).fetchone()[0]
            db.execute("UPDATE extraction_tables SET table_enc = ? WHERE id = ?",
                       (self._seal("extraction_tables", "table", row_id, table), row_id))
        self._write(step)

    def load_table(self, library_id: str) -> dict | None:
        """The library's last extracted table; None when there is none. HistoryError when damaged."""
        with self._lock:
            self._open_sealer()
            row = self._db.execute("SELECT id, table_enc FROM extraction_tables WHERE library_id = ?",
                                   (library_id,)).fetchone()
        return self._unseal("extraction_tables", "table", row[0], row[1]) if row else None

    def delete_table(self, library_id: str) -> None:
        if self._write(lambda db: db.execute("DELETE FROM extraction_tables WHERE library_id = ?",
                                             (library_id,)).rowcount):
            self._checkpoint()

    # -- removal ------------------------------------------------------------------------------
    def apply_retention(self, days: int) -> int:
        """Deletes conversations and extracted tables not touched for `days` days; returns how many.
        days <= 0 keeps all."""
        if days <= 0:
            return 0
        cutoff = _now() - days * 86400
        count = self._write(lambda db: db.execute("DELETE FROM conversations WHERE updated < ?", (cutoff,)).rowcount
                            + db.execute("DELETE FROM extraction_tables WHERE updated < ?", (cutoff,)).rowcount)
        if count:
            log.info("history retention removed %d conversation(s) or table(s) older than %d day(s)", count, days)
            self._checkpoint()
        return count

    def delete_all(self) -> None:
        """Removes every conversation and extracted table, then VACUUMs and truncates the WAL: nothing
        old stays in the files."""
        self._write(lambda db: (db.execute("DELETE FROM messages"), db.execute("DELETE FROM conversations"),
                                db.execute("DELETE FROM extraction_tables")))
        with self._lock:
            self._db.execute("VACUUM")
            self._checkpoint()
        log.info("history: all conversations deleted")

    def _checkpoint(self) -> None:
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self._lock:
            if self._db is None:
                return
            try:
                self._checkpoint()
            finally:
                self._db.close()
                self._db = None
                self._sealer = None

    def __enter__(self) -> "History":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_history(passphrase_provider=None, retention_days: int | None = None) -> History:
    """The History this process uses, keyed and with retention from the settings."""
    from app.core.foundation.settings import Settings

    if retention_days is None:
        retention_days = Settings().get("history.retention_days")
    return History(KeyStore(passphrase_provider=passphrase_provider), retention_days=retention_days)


__all__ = ["History", "HistoryError", "HistoryKeyMismatch", "ConversationSummary", "StoredMessage", "open_history"]
