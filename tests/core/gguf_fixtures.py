"""Fixture GGUFs derived from the real SmolLM2 demo file: same weights, another chat template.

Written by the tests themselves, never committed. gguf.GGUFWriter re-encodes every tensor (seconds
per copy); this does what gguf-new-metadata does at the byte level: the key/value section is
rewritten with the `gguf` package's encoding, the tensor table and weights are copied as they are
(tensor offsets are relative to the aligned data start, so they stay valid).
"""
from __future__ import annotations

import mmap
import shutil
import struct
from pathlib import Path

import gguf

from app.core.models.gguf_meta import _Cursor

TEMPLATE_KEY = "tokenizer.chat_template"


def _kv_string(key: str, value: str) -> bytes:
    k, v = key.encode(), value.encode()
    return (struct.pack("<Q", len(k)) + k + struct.pack("<I", gguf.GGUFValueType.STRING)
            + struct.pack("<Q", len(v)) + v)


def with_template(src: Path, dest: Path, template: str | None) -> Path:
    """A copy of src whose chat template is `template` (None: no template at all)."""
    if dest.exists():
        return dest
    with open(src, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        cur = _Cursor(buf, src)
        assert cur.take(4) == b"GGUF"
        version = cur.unpack("<I")
        n_tensors = cur.unpack("<Q")
        n_kv = cur.unpack("<Q")
        kvs, alignment = [], 32
        for _ in range(n_kv):
            start = cur.pos
            key = cur.string()
            vtype = cur.unpack("<I")
            value = cur.value(vtype, keep=key == "general.alignment")
            if key == "general.alignment":
                alignment = value
            if key != TEMPLATE_KEY:
                kvs.append(bytes(buf[start:cur.pos]))
        info_start = cur.pos
        for _ in range(n_tensors):
            cur.string(keep=False)
            cur.skip(8 * cur.unpack("<I") + 4 + 8)
        tensor_table = bytes(buf[info_start:cur.pos])
        data_start = (cur.pos + alignment - 1) // alignment * alignment
    if template is not None:
        kvs.append(_kv_string(TEMPLATE_KEY, template))
    head = b"GGUF" + struct.pack("<IQQ", version, n_tensors, len(kvs)) + b"".join(kvs) + tensor_table
    head += b"\0" * (-len(head) % alignment)
    tmp = dest.with_suffix(".partial")
    with open(src, "rb") as inp, open(tmp, "wb") as out:
        out.write(head)
        inp.seek(data_start)
        shutil.copyfileobj(inp, out, 8 * 1024 * 1024)
    tmp.replace(dest)
    return dest
