"""One indexer at a time for a library on the firm's Qdrant server: a lease in `strongroom_leases`.

One point per library collection: holder (machine and process), a token of this acquisition, when it
expires, and a version. Every change is conditional on what the writer last read (Qdrant's
update_filter), so two workstations that race for a free or expired lease cannot both win. A holder
renews while it indexes; a machine that died stops renewing and its lease can be taken over once it
expires. Expiry is judged by the clocks of the workstations, which a firm keeps in sync (NTP).
"""
from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from typing import Callable

from app.core.index.store import StoreError

log = logging.getLogger(__name__)

LEASES = "strongroom_leases"
DEFAULT_DURATION_S = 120.0
LEASE_NAMESPACE = uuid.UUID("0c5e8a51-6a2f-4f43-9a3e-5d2f0b7c41aa")


def holder_id() -> str:
    """This process on this machine: what another workstation is told holds the lease."""
    return f"{socket.gethostname()} (process {os.getpid()})"


def _when(expires_at: float, now: float) -> str:
    return f"{time.strftime('%H:%M:%S', time.localtime(expires_at))}, in {max(0, round(expires_at - now))} s"


class LeaseHeld(StoreError):
    def __init__(self, library: str, holder: str, expires_at: float, now: float):
        self.holder, self.expires_at = holder, expires_at
        super().__init__(f"{library!r} is being indexed by {holder}. Its lease on the firm's server runs until "
                         f"{_when(expires_at, now)}; searching works meanwhile. Index again when that indexing "
                         "has finished (or the lease has run out, if that computer stopped).")


class LeaseLost(StoreError):
    def __init__(self, library: str, holder: str):
        super().__init__(f"Indexing of {library!r} stopped: its lease ran out and {holder or 'another computer'} took "
                         "it over. What was indexed is kept; index again later to finish.")


class IndexLease:
    """`with IndexLease(client, collection, name):` holds the lease for the block (LeaseHeld if another has it)."""

    def __init__(self, client, collection: str, library: str, holder: str | None = None,
                 duration_s: float = DEFAULT_DURATION_S, clock: Callable[[], float] = time.time):
        from qdrant_client import models as m

        self._m = m
        self.client, self.collection, self.library = client, collection, library
        self.holder = holder or holder_id()
        self.duration_s, self.clock = duration_s, clock
        self.point_id = str(uuid.uuid5(LEASE_NAMESPACE, collection))
        self.token = ""
        self.version = 0
        self.renewed_at = 0.0

    # -- reading ---------------------------------------------------------------------------------

    def _ensure_collection(self) -> None:
        if not self.client.collection_exists(LEASES):
            try:
                self.client.create_collection(LEASES, vectors_config={})
            except Exception:  # noqa: BLE001 - another workstation created it first
                if not self.client.collection_exists(LEASES):
                    raise

    def current(self) -> dict | None:
        """The lease point's payload as stored (None when there is none)."""
        records = self.client.retrieve(LEASES, [self.point_id], with_payload=True) if self.client.collection_exists(LEASES) else []
        return dict(records[0].payload or {}) if records else None

    @staticmethod
    def _number(payload: dict | None, key: str) -> float | None:
        value = (payload or {}).get(key)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    # -- writing ---------------------------------------------------------------------------------

    def _write(self, holder: str, token: str, expires_at: float, expected: dict) -> dict | None:
        """Writes the lease if it still matches `expected` (field -> value); returns what is stored after."""
        m = self._m
        version = self.version + 1
        payload = {"collection": self.collection, "library": self.library, "holder": holder, "token": token,
                   "expires_at": expires_at, "version": version}
        condition = m.Filter(must=[m.FieldCondition(key=k, match=m.MatchValue(value=v)) for k, v in expected.items()])
        self.client.upsert(LEASES, [m.PointStruct(id=self.point_id, vector={}, payload=payload)],
                           update_filter=condition, wait=True)
        return self.current()

    def acquire(self) -> None:
        self._ensure_collection()
        now = self.clock()
        stored = self.current()
        holder = str((stored or {}).get("holder") or "")
        expires_at = self._number(stored, "expires_at") or 0.0
        if holder and expires_at > now:
            raise LeaseHeld(self.library, holder, expires_at, now)
        version = self._number(stored, "version")
        if stored is not None and (version is None or version != int(version)):
            # A damaged lease point (not written by Strongroom): replaced, as if it had expired.
            self.client.delete(LEASES, points_selector=[self.point_id], wait=True)
            version = None
        self.version = int(version or 0)
        token = uuid.uuid4().hex
        after = self._write(self.holder, token, now + self.duration_s, {"version": self.version})
        if not after or after.get("token") != token:  # another workstation won the race
            raise LeaseHeld(self.library, str((after or {}).get("holder") or "another computer"),
                            self._number(after, "expires_at") or now + self.duration_s, now)
        self.token, self.version, self.renewed_at = token, self.version + 1, now
        log.info("index lease taken for %s", self.collection)

    def renew(self) -> None:
        """Extends the lease by its duration; LeaseLost when another workstation has taken it over."""
        now = self.clock()
        after = self._write(self.holder, self.token, now + self.duration_s, {"token": self.token, "version": self.version})
        if not after or after.get("token") != self.token:
            self.token = ""
            raise LeaseLost(self.library, str((after or {}).get("holder") or ""))
        self.version += 1
        self.renewed_at = now

    def renew_if_due(self) -> None:
        """Renews once a third of the duration has passed since the last renewal."""
        if self.token and self.clock() - self.renewed_at >= self.duration_s / 3:
            self.renew()

    def release(self) -> None:
        if not self.token:
            return
        try:
            self._write("", "", 0.0, {"token": self.token, "version": self.version})
        except Exception as exc:  # noqa: BLE001 - the lease then simply runs out
            log.warning("index lease for %s not released (%s); it runs out by itself", self.collection,
                        type(exc).__name__)
        self.token = ""

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
