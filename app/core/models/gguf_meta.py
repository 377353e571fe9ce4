"""Reads a GGUF file's header (metadata and tensor table) without touching the weights.

gguf.GGUFReader parses every tokenizer entry into numpy objects (seconds per file); this reader
skips arrays it does not need and checks every length against the file, so a truncated or hostile
file gives a GGUFError with a reason instead of a crash or a huge allocation.
"""
from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path

import gguf

MAGIC = b"GGUF"
MAX_STRING = 64 * 1024 * 1024  # a chat template is a few KB; anything near this is hostile
MAX_COUNT = 1 << 32
KEEP_ARRAYS = {"general.languages", "general.tags"}

_SCALARS = {
    gguf.GGUFValueType.UINT8: "<B", gguf.GGUFValueType.INT8: "<b",
    gguf.GGUFValueType.UINT16: "<H", gguf.GGUFValueType.INT16: "<h",
    gguf.GGUFValueType.UINT32: "<I", gguf.GGUFValueType.INT32: "<i",
    gguf.GGUFValueType.FLOAT32: "<f", gguf.GGUFValueType.BOOL: "<?",
    gguf.GGUFValueType.UINT64: "<Q", gguf.GGUFValueType.INT64: "<q",
    gguf.GGUFValueType.FLOAT64: "<d",
}


# Architectures llama.cpp runs as embedding models, and the GGUF `<arch>.pooling_type` values it knows.
EMBEDDING_ARCHITECTURES = frozenset({
    "bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "neo-bert", "modern-bert",
    "t5encoder", "gte",
})
POOLING = {0: "none", 1: "mean", 2: "cls", 3: "last", 4: "rank"}


class GGUFError(ValueError):
    """The file is not a usable GGUF; the message says why in plain words."""


@dataclass
class GGUFInfo:
    path: Path
    version: int
    metadata: dict[str, object] = field(default_factory=dict)
    tensor_count: int = 0
    parameter_count: int = 0
    data_end: int = 0  # where the last tensor's bytes end: beyond the file size means truncated

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", "unknown"))

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name", "") or self.path.stem)

    @property
    def context_length(self) -> int:
        value = self.metadata.get(f"{self.architecture}.context_length", 0)
        return int(value) if isinstance(value, (int, float)) else 0

    @property
    def pooling(self) -> str:
        """The pooling an embedding model declares ("mean", "cls", "last"...); "" when none is declared."""
        value = self.metadata.get(f"{self.architecture}.pooling_type")
        return POOLING.get(int(value), "unknown") if isinstance(value, int) else ""

    @property
    def role(self) -> str:
        """"embedding" for an embedding architecture or a model that declares a pooling type, else "chat"."""
        return "embedding" if self.architecture in EMBEDDING_ARCHITECTURES or self.pooling else "chat"

    @property
    def chat_template(self) -> str | None:
        value = self.metadata.get("tokenizer.chat_template")
        return value if isinstance(value, str) and value.strip() else None

    @property
    def quantization(self) -> str:
        ftype = self.metadata.get("general.file_type")
        if isinstance(ftype, int):
            try:
                return gguf.LlamaFileType(ftype).name.removeprefix("MOSTLY_")
            except ValueError:
                return f"type {ftype}"
        return "unknown"



class _Cursor:
    def __init__(self, buf, path: Path):
        self.buf, self.pos, self.path = buf, 0, path

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.buf):
            raise GGUFError(f"{self.path.name} ends early (truncated or corrupt header at byte {self.pos})")
        chunk = self.buf[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def skip(self, n: int) -> None:
        if n < 0 or self.pos < 0 or self.pos + n > len(self.buf):
            raise GGUFError(f"{self.path.name} ends early (truncated or corrupt header at byte {self.pos})")
        self.pos += n

    def _skip_strings(self, count: int) -> None:
        # Tokenizer vocabularies hold ~50k-250k strings: a tight loop keeps the scan fast.
        buf, pos, end, unpack_from = self.buf, self.pos, len(self.buf), struct.unpack_from
        for _ in range(count):
            if pos + 8 > end:
                break
            pos += 8 + unpack_from("<Q", buf, pos)[0]
        self.pos = pos
        self.skip(0)  # raises when the loop ran past the end

    def _strings(self, count: int) -> list[str]:
        buf, pos, end, unpack_from = self.buf, self.pos, len(self.buf), struct.unpack_from
        out = []
        for _ in range(count):
            length = unpack_from("<Q", buf, pos)[0] if pos + 8 <= end else end
            if length > MAX_STRING or pos + 8 + length > end:
                raise GGUFError(f"{self.path.name} ends early (truncated or corrupt header at byte {pos})")
            out.append(buf[pos + 8 : pos + 8 + length].decode("utf-8", errors="replace"))
            pos += 8 + length
        self.pos = pos
        return out

    def unpack(self, fmt: str):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self, keep: bool = True) -> str | None:
        length = self.unpack("<Q")
        if length > MAX_STRING:
            raise GGUFError(f"{self.path.name} has an implausible string of {length} bytes (corrupt file)")
        if not keep:
            self.skip(length)
            return None
        return self.take(length).decode("utf-8", errors="replace")

    def value(self, vtype: int, keep: bool):
        if vtype == gguf.GGUFValueType.STRING:
            return self.string(keep)
        if vtype == gguf.GGUFValueType.ARRAY:
            item_type = self.unpack("<I")
            count = self.unpack("<Q")
            if count > MAX_COUNT:
                raise GGUFError(f"{self.path.name} has an implausible array of {count} items (corrupt file)")
            if item_type == gguf.GGUFValueType.STRING:
                return self._strings(count) if keep else self._skip_strings(count)
            if item_type in _SCALARS:
                fmt = _SCALARS[item_type]
                size = count * struct.calcsize(fmt)
                return list(struct.unpack(f"<{count}{fmt[1]}", self.take(size))) if keep else self.skip(size)
            items = [self.value(item_type, keep) for _ in range(count)]
            return items if keep else None
        try:
            fmt = _SCALARS[gguf.GGUFValueType(vtype)]
        except (ValueError, KeyError):
            raise GGUFError(f"{self.path.name} uses unknown value type {vtype} (corrupt or unsupported file)") from None
        return self.unpack(fmt)


def read_gguf(path: Path, arrays: frozenset[str] = frozenset()) -> GGUFInfo:
    """The header; `arrays` names the array values to read besides KEEP_ARRAYS (a tokenizer's vocabulary)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size < 24:
            raise GGUFError(f"{path.name} is {size} bytes long: too short to be a GGUF model")
        with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _parse(_Cursor(buf, path), path, size, KEEP_ARRAYS | arrays)
    except OSError as exc:
        raise GGUFError(f"{path.name} cannot be read: {exc.strerror or exc}") from None


def _parse(cur: _Cursor, path: Path, size: int, arrays: frozenset[str]) -> GGUFInfo:
    if cur.take(4) != MAGIC:
        raise GGUFError(f"{path.name} is not a GGUF file (wrong magic bytes)")
    version = cur.unpack("<I")
    if version not in (2, 3):
        raise GGUFError(f"{path.name} uses GGUF version {version}, which is not supported")
    tensor_count = cur.unpack("<Q")
    kv_count = cur.unpack("<Q")
    if tensor_count > 1_000_000 or kv_count > 1_000_000:
        raise GGUFError(f"{path.name} claims {tensor_count} tensors and {kv_count} keys (corrupt file)")
    info = GGUFInfo(path=path, version=version, tensor_count=tensor_count)
    for _ in range(kv_count):
        key = cur.string()
        vtype = cur.unpack("<I")
        keep = vtype != gguf.GGUFValueType.ARRAY or key in arrays
        value = cur.value(vtype, keep)
        if keep:
            info.metadata[key] = value
    tensors = []
    for _ in range(tensor_count):
        cur.string(keep=False)
        n_dims = cur.unpack("<I")
        if n_dims > 8:
            raise GGUFError(f"{path.name} has a tensor with {n_dims} dimensions (corrupt file)")
        dims = [cur.unpack("<Q") for _ in range(n_dims)]
        qtype = cur.unpack("<I")
        offset = cur.unpack("<Q")
        tensors.append((dims, qtype, offset))
    alignment = info.metadata.get("general.alignment", 32)
    alignment = alignment if isinstance(alignment, int) and alignment > 0 else 32
    data_start = (cur.pos + alignment - 1) // alignment * alignment
    for dims, qtype, offset in tensors:
        elements = 1
        for d in dims:
            elements *= d
        info.parameter_count += elements
        try:
            block, type_size = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType(qtype)]
        except (ValueError, KeyError):
            raise GGUFError(f"{path.name} uses unknown tensor type {qtype} (corrupt or too new)") from None
        info.data_end = max(info.data_end, data_start + offset + elements // block * type_size)
    if info.data_end > size:
        missing = info.data_end - size
        raise GGUFError(f"{path.name} is truncated: {missing:,} bytes of weights are missing (an interrupted copy?)")
    return info
