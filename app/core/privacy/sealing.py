"""Field sealing: AES-GCM over one JSON value, bound to the table, column and row it belongs to.

A sealed blob is `nonce (12 random bytes) || ciphertext || tag (16 bytes)`. The associated data is
`"<table>:<column>:<row id>"` in ASCII, so a blob copied to another row or field fails to open. The
value is JSON, UTF-8 with lone surrogates kept (file names that are not valid UTF-8 reach Python as
lone surrogates, PEP 383).

The key check is a fixed marker sealed under the associated data `meta:key_check`: a store keeps one
and proves, on opening, that the key at hand is the one its data was sealed with.

History databases hold blobs in exactly this layout: changing it would make every saved conversation
unreadable.
"""
from __future__ import annotations

import json
import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
TAG_BYTES = 16
KEY_CHECK_MARKER = b"strongroom-history-key-check"
KEY_CHECK_AAD = b"meta:key_check"


class SealError(Exception):
    """A blob that does not open: damaged, moved from another field, or sealed under another key."""


def _aad(table: str, column: str, row_id: int) -> bytes:
    # A ':' inside a name would let two different places share associated data.
    if not table or not column or ":" in table or ":" in column:
        raise ValueError(f"invalid sealing place {table!r}.{column!r}")
    if isinstance(row_id, bool) or not isinstance(row_id, int):
        raise ValueError(f"row id must be an int, not {type(row_id).__name__}")
    return f"{table}:{column}:{row_id}".encode("ascii")


class FieldSealer:
    """Seals and opens values under one 256-bit key. Holds no state besides the key: thread-safe."""

    def __init__(self, key: bytes):
        if not isinstance(key, (bytes, bytearray)) or len(key) != 32:
            raise ValueError("a sealing key is 32 bytes")
        self._aead = AESGCM(bytes(key))

    # -- values bound to a field -----------------------------------------------------------
    def seal(self, table: str, column: str, row_id: int, value: Any) -> bytes:
        plain = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
        return self._seal_bytes(plain, _aad(table, column, row_id))

    def open(self, table: str, column: str, row_id: int, blob: object) -> Any:
        """The value sealed for this field; SealError when the blob is not one."""
        plain = self._open_bytes(blob, _aad(table, column, row_id))
        try:
            return json.loads(plain.decode("utf-8", "surrogatepass"))
        except (UnicodeDecodeError, ValueError):
            # Authenticated but not JSON: sealed by something else under the same key.
            raise SealError("the sealed value is not JSON") from None

    # -- the key check ---------------------------------------------------------------------
    def key_check(self) -> bytes:
        """A fresh marker to store beside the data this key seals."""
        return self._seal_bytes(KEY_CHECK_MARKER, KEY_CHECK_AAD)

    def matches(self, key_check: object) -> bool:
        """True when `key_check` was made by key_check() under this key."""
        try:
            return self._open_bytes(key_check, KEY_CHECK_AAD) == KEY_CHECK_MARKER
        except SealError:
            return False

    # -- the layout ------------------------------------------------------------------------
    def _seal_bytes(self, plain: bytes, aad: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plain, aad)

    def _open_bytes(self, blob: object, aad: bytes) -> bytes:
        if not isinstance(blob, (bytes, bytearray, memoryview)):
            raise SealError(f"a sealed value is bytes, not {type(blob).__name__}")
        blob = bytes(blob)
        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise SealError(f"a sealed value is at least {NONCE_BYTES + TAG_BYTES} bytes, not {len(blob)}")
        try:
            return self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
        except InvalidTag:
            raise SealError("the sealed value failed authentication (damaged, moved, or another key)") from None
