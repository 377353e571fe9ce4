"""One indexer at a time per shared library: the lease on the firm's Qdrant server (local mode, or a real
server when STRONGROOM_TEST_QDRANT_URL is set). The clock is injected: no test waits for time to pass."""
from __future__ import annotations

import uuid

import pytest

from app.core.index.server_lease import LEASES, IndexLease, LeaseHeld, LeaseLost
from tests.helpers.qdrant_server import firm_server  # noqa: F401  (fixture)

DURATION = 30.0


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def client(firm_server):
    c = firm_server.client()
    yield c
    c.close()


@pytest.fixture
def collection():
    return f"strongroom_test_{uuid.uuid4().hex[:12]}"


def _lease(client, collection, holder, clock):
    return IndexLease(client, collection, "Precedents", holder=holder, duration_s=DURATION, clock=clock)


def test_a_second_indexer_is_refused_with_the_holder_and_when_the_lease_ends(client, collection):
    clock = Clock()
    first = _lease(client, collection, "PC-ANNA (process 41)", clock)
    first.acquire()
    clock.now += 5
    with pytest.raises(LeaseHeld) as refused:
        _lease(client, collection, "PC-BEN (process 7)", clock).acquire()
    assert "PC-ANNA (process 41)" in str(refused.value) and "in 25 s" in str(refused.value)
    assert refused.value.expires_at == pytest.approx(1_000_000.0 + DURATION)


def test_an_expired_lease_of_a_dead_machine_is_taken_over_and_its_holder_learns_it_lost(client, collection):
    clock = Clock()
    dead = _lease(client, collection, "PC-ANNA (process 41)", clock)
    dead.acquire()
    clock.now += DURATION + 1  # PC-ANNA stopped renewing
    taker = _lease(client, collection, "PC-BEN (process 7)", clock)
    taker.acquire()
    assert taker.current()["holder"] == "PC-BEN (process 7)"
    with pytest.raises(LeaseLost, match="PC-BEN"):
        dead.renew()
    assert taker.current()["holder"] == "PC-BEN (process 7)"  # the loser's renewal changed nothing


def test_renewing_keeps_the_lease_past_its_first_expiry(client, collection):
    clock = Clock()
    holder = _lease(client, collection, "PC-ANNA (process 41)", clock)
    holder.acquire()
    clock.now += DURATION * 0.2
    holder.renew_if_due()  # not due yet: a third of the duration has not passed
    assert holder.current()["expires_at"] == pytest.approx(1_000_000.0 + DURATION)
    clock.now += DURATION * 0.5
    holder.renew_if_due()
    clock.now += DURATION * 0.6  # past the first expiry, within the renewed one
    with pytest.raises(LeaseHeld, match="PC-ANNA"):
        _lease(client, collection, "PC-BEN (process 7)", clock).acquire()


def test_a_released_lease_is_free_at_once(client, collection):
    clock = Clock()
    with _lease(client, collection, "PC-ANNA (process 41)", clock):
        pass
    other = _lease(client, collection, "PC-BEN (process 7)", clock)
    other.acquire()
    assert other.current()["holder"] == "PC-BEN (process 7)"


def test_two_acquisitions_of_one_free_lease_leave_exactly_one_holder(client, collection):
    clock = Clock()
    a, b = _lease(client, collection, "PC-ANNA (process 41)", clock), _lease(client, collection, "PC-BEN (process 7)", clock)
    a._ensure_collection()
    # b read the lease as free before a wrote it; its conditional write must not overwrite a's
    b.version = 0
    a.acquire()
    token = "b-token"
    after = b._write(b.holder, token, clock.now + DURATION, {"version": 0})
    assert after["holder"] == "PC-ANNA (process 41)" and after["token"] == a.token


def test_a_damaged_lease_point_is_replaced_not_obeyed(client, collection):
    from qdrant_client import models as m

    clock = Clock()
    lease = _lease(client, collection, "PC-BEN (process 7)", clock)
    lease._ensure_collection()
    client.upsert(LEASES, [m.PointStruct(id=lease.point_id, vector={}, payload={
        "holder": ["not", "text"], "expires_at": "tomorrow", "version": "x"})], wait=True)
    lease.acquire()
    assert lease.current()["holder"] == "PC-BEN (process 7)"
