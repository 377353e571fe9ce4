"""Stable ids: a file's content hash, and chunk ids derived from it so re-indexing is idempotent."""
from __future__ import annotations

import hashlib
import uuid

CHUNK_NAMESPACE = uuid.UUID("5b0f5d0e-8f6c-4a53-9d8f-3f1f2a6c7e10")
HASH_BLOCK = 1 << 20


def file_hash(path: str) -> str:
    h = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as fh:
        while block := fh.read(HASH_BLOCK):
            h.update(block)
    return h.hexdigest()


def chunk_id(library_id: str, path: str, content_hash: str, index: int) -> str:
    """uuid5 of (library, path, content hash, chunk index): the same chunk always gets the same id."""
    return str(uuid.uuid5(CHUNK_NAMESPACE, f"{library_id}\0{path}\0{content_hash}\0{index}"))
