"""Field sealing: values bound to their table, column and row, in the layout history databases hold."""
import json
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.privacy import sealing
from app.core.privacy.sealing import FieldSealer, SealError

KEY = bytes(range(32))
# Blobs in the layout existing history databases hold (this key, nonce bytes 100..111): they must open
# for as long as such databases exist.
GOLDEN_TITLE = bytes.fromhex(
    "6465666768696a6b6c6d6e6f3339aa0f0d8533bc04427daabb0c06dda05e9528a74cd10285eb8c13cafed8d39d5e90"
    "a0591cb09844a91883839717")
GOLDEN_KEY_CHECK = bytes.fromhex(
    "6465666768696a6b6c6d6e6f3b6fac09178e24f1510f7280b3161e9230bb2b61ee15de11cfb4cf234adb8db767680f"
    "c8d36a62346c2bc11b")


@pytest.fixture
def sealer():
    return FieldSealer(KEY)


def test_round_trip(sealer):
    value = {"file": "/clients/a\udcff.pdf", "page": 4, "excerpt": "ninety days ✓", "cited": True}
    blob = sealer.seal("messages", "sources", 12, [value])
    assert b"ninety" not in blob and blob != sealer.seal("messages", "sources", 12, [value])  # fresh nonce
    assert sealer.open("messages", "sources", 12, blob) == [value]
    assert sealer.open("messages", "sources", 12, memoryview(blob)) == [value]


@settings(max_examples=50, deadline=None)
@given(value=st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                          lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                          max_leaves=12),
       row_id=st.integers(min_value=-2**63, max_value=2**63 - 1))
def test_any_json_value_round_trips(value, row_id):
    sealer = FieldSealer(KEY)
    assert sealer.open("t", "c", row_id, sealer.seal("t", "c", row_id, value)) == value


def test_blobs_in_the_stored_layout_open(sealer):
    assert sealer.open("conversations", "title", 7, GOLDEN_TITLE) == {"title": "Bail ✓", "p": [1]}
    assert sealer.matches(GOLDEN_KEY_CHECK)


def test_layout_is_nonce_then_aes_gcm_over_json_with_the_place_as_associated_data(sealer):
    blob = sealer.seal("conversations", "title", 3, "Lease ✓")
    assert len(blob) == 12 + len(json.dumps("Lease ✓", ensure_ascii=False).encode()) + 16
    plain = AESGCM(KEY).decrypt(blob[:12], blob[12:], b"conversations:title:3")
    assert json.loads(plain) == "Lease ✓"
    nonce = os.urandom(12)
    made_elsewhere = nonce + AESGCM(KEY).encrypt(nonce, b'["x"]', b"conversations:libraries:3")
    assert sealer.open("conversations", "libraries", 3, made_elsewhere) == ["x"]


@pytest.mark.parametrize("place", [("messages", "content", 2), ("messages", "sources", 1),
                                   ("conversations", "content", 1), ("messages", "content", -1)],
                         ids=["other-row", "other-column", "other-table", "negative-row"])
def test_a_blob_moved_to_another_place_does_not_open(sealer, place):
    blob = sealer.seal("messages", "content", 1, "privileged")
    with pytest.raises(SealError, match="authentication"):
        sealer.open(*place, blob)


@pytest.mark.parametrize("index", [0, 11, 12, -17, -1], ids=["nonce-first", "nonce-last", "ciphertext", "ct-last", "tag"])
def test_a_flipped_bit_does_not_open(sealer, index):
    blob = bytearray(sealer.seal("messages", "content", 1, "privileged"))
    blob[index] ^= 0x01
    with pytest.raises(SealError, match="authentication"):
        sealer.open("messages", "content", 1, bytes(blob))


def test_a_wrong_key_does_not_open_and_fails_the_key_check(sealer):
    other = FieldSealer(bytes(32))
    with pytest.raises(SealError):
        other.open("messages", "content", 1, sealer.seal("messages", "content", 1, "x"))
    check = sealer.key_check()
    assert sealer.matches(check) and not other.matches(check)
    assert not sealer.matches(sealer.seal("meta", "key_check", 0, "strongroom-history-key-check"))


@pytest.mark.parametrize("blob", [b"", b"\x00", os.urandom(27), os.urandom(28), os.urandom(500), None,
                                  "text, not bytes", 12345, ["a list"]],
                         ids=["empty", "one-byte", "27-bytes", "28-random", "500-random", "none", "str", "int", "list"])
def test_hostile_input_gives_a_seal_error_not_a_crash(sealer, blob):
    with pytest.raises(SealError):
        sealer.open("messages", "content", 1, blob)
    assert sealer.matches(blob) is False


def test_a_truncated_blob_is_refused(sealer):
    blob = sealer.seal("messages", "content", 1, "a longer message that gets cut")
    for cut in (1, 16, len(blob) - 12, len(blob) - 1):
        with pytest.raises(SealError):
            sealer.open("messages", "content", 1, blob[:-cut])


def test_authentic_bytes_that_are_not_json_are_a_seal_error(sealer):
    nonce = os.urandom(12)
    blob = nonce + AESGCM(KEY).encrypt(nonce, b"\xff\xfe not json", b"messages:content:1")
    with pytest.raises(SealError, match="not JSON"):
        sealer.open("messages", "content", 1, blob)


@pytest.mark.parametrize("key", [b"", bytes(16), bytes(31), bytes(33), "0" * 32, None])
def test_only_a_256_bit_key_is_accepted(key):
    with pytest.raises(ValueError, match="32 bytes"):
        FieldSealer(key)


@pytest.mark.parametrize("place", [("a:b", "c", 1), ("a", "b:c", 1), ("", "c", 1), ("a", "c", "1"), ("a", "c", True)])
def test_places_that_could_share_associated_data_are_refused(sealer, place):
    with pytest.raises(ValueError):
        sealer.seal(*place, "x")


def test_the_key_check_is_fresh_each_time_and_opens_only_as_a_key_check(sealer):
    first, second = sealer.key_check(), sealer.key_check()
    assert first != second and sealer.matches(first) and sealer.matches(second)
    assert first[12:] != sealing.KEY_CHECK_MARKER
