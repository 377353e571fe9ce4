"""Finds GGUF models on the search path, matches them to the catalog and verifies them.

Hashing a 4-30 GB file takes minutes, so sha256 results are cached by (path, size, mtime):
a file is hashed once unless it changes. Header metadata is cached the same way.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import psutil

from app.core.foundation import paths
from app.core.foundation.atomic import write_atomic
from app.core.foundation.settings import ModelSettings, Settings
from app.core.models.catalog import Catalog, ChatModelEntry, load_catalog
from app.core.models.gguf_meta import GGUFError, read_gguf
from app.core.models.memory import kv_bytes_per_token, ram_required

log = logging.getLogger(__name__)

SPLIT_RE = re.compile(r"^(?P<stem>.+)-(?P<part>\d{5})-of-(?P<total>\d{5})\.gguf$", re.IGNORECASE)
HASH_BLOCK = 4 * 1024 * 1024
AUTO_VERIFY_BYTES = 2 * 1024**3  # hashing 2 GB takes a few seconds; bigger files are verified on request

# Status words shown to users and in `models --json`.
VERIFIED, UNVERIFIED, MISMATCH, CORRUPT, INCOMPLETE = "verified", "unverified", "mismatch", "corrupt", "incomplete"

Progress = Callable[[int, int], None]  # (bytes done, bytes total)


@dataclass
class ModelInfo:
    id: str
    name: str
    files: list[Path]
    origin: str  # user, system, env, demo
    size_bytes: int
    status: str
    reason: str = ""
    catalog_id: str | None = None
    side_loaded: bool = True
    sha256: list[str] = field(default_factory=list)
    architecture: str = ""
    context_length: int = 0
    quantization: str = ""
    parameter_count: int = 0
    has_chat_template: bool = False
    kv_bytes_per_token: int = 0
    ram_required_bytes: int = 0  # at the registry's context length (models.memory)
    fits_ram: bool = True
    license: str = ""
    template_notes: str = ""
    description: str = ""
    role: str = "chat"  # or "embedding" (gguf_meta.GGUFInfo.role): never offered as a chat model
    pooling: str = ""  # an embedding model's pooling (mean, cls, last...)

    @property
    def path(self) -> Path:
        return self.files[0] if self.files else Path()  # a model served by the firm's server has no file

    @property
    def loadable(self) -> bool:
        return self.status in (VERIFIED, UNVERIFIED)

    def to_json(self) -> dict:
        data = asdict(self)
        data["files"] = [str(p) for p in self.files]
        data["path"] = str(self.path) if self.files else ""
        return data


class FileCache:
    """A JSON map path -> {size, mtime_ns, ...}; entries go stale as soon as the file changes."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        try:
            self._data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(self._data, dict):
                raise ValueError("not an object")
        except FileNotFoundError:
            self._data = {}
        except (OSError, ValueError) as exc:
            log.warning("model cache %s unreadable (%s): starting afresh", path, exc)
            self._data = {}

    @staticmethod
    def _stamp(file: Path) -> dict:
        st = file.stat()
        return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}

    def get(self, file: Path, key: str):
        with self._lock:
            entry = self._data.get(str(file))
        try:
            if entry and {k: entry.get(k) for k in ("size", "mtime_ns")} == self._stamp(file):
                return entry.get(key)
        except OSError:
            pass
        return None

    def put(self, file: Path, key: str, value) -> None:
        with self._lock:
            entry = self._data.get(str(file))
            stamp = self._stamp(file)
            if not entry or {k: entry.get(k) for k in ("size", "mtime_ns")} != stamp:
                entry = dict(stamp)
            entry[key] = value
            self._data[str(file)] = entry
            write_atomic(self.path, json.dumps(self._data, indent=1))


def sha256_file(path: Path, progress: Progress | None = None, cancel: threading.Event | None = None) -> str:
    total = path.stat().st_size
    digest = hashlib.sha256()
    done = 0
    with open(path, "rb") as handle:
        while block := handle.read(HASH_BLOCK):
            if cancel is not None and cancel.is_set():
                raise InterruptedError("verification cancelled")
            digest.update(block)
            done += len(block)
            if progress:
                progress(done, total)
    return digest.hexdigest()


def _walk_gguf(root: Path) -> Iterator[Path]:
    # os.walk without following links: a symlink loop in a models folder cannot hang the scan.
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=lambda e: log.warning("%s", e)):
        dirnames.sort()
        for name in sorted(filenames):
            if name.lower().endswith(".gguf"):
                yield Path(dirpath) / name


def _group_splits(files: list[Path]) -> list[list[Path]]:
    """One list per model: a single file, or all parts of a split GGUF in order."""
    singles, splits = [], {}
    for f in files:
        m = SPLIT_RE.match(f.name)
        if m:
            splits.setdefault((f.parent, m["stem"], m["total"]), []).append(f)
        else:
            singles.append([f])
    for parts in splits.values():
        singles.append(sorted(parts))
    return singles


@dataclass(frozen=True)
class LoadPolicy:
    """Which models may be loaded: the model settings, and so whatever IT policy locks there."""

    allow_unverified: bool = ModelSettings.allow_unverified
    allow_mismatch: bool = ModelSettings.allow_mismatch
    allowed_models: tuple[str, ...] = ()  # catalog or side-loaded ids; empty: any
    n_ctx: int = ModelSettings.n_ctx  # the context the engine loads with: memory is judged at it
    only_backend: str | None = None  # model.backend when IT locks it: the other kind of model never loads

    @classmethod
    def from_settings(cls, settings: Settings) -> "LoadPolicy":
        return cls(allow_unverified=settings.get("model.allow_unverified"),
                   allow_mismatch=settings.get("model.allow_mismatch"),
                   allowed_models=tuple(settings.get("model.allowed_models")), n_ctx=settings.get("model.n_ctx"),
                   only_backend=settings.get("model.backend") if settings.is_locked("model.backend") else None)


class Registry:
    """The one owner of model discovery and verification state."""

    def __init__(self, catalog: Catalog | None = None, policy: LoadPolicy | None = None):
        self.catalog = catalog or load_catalog()
        self.policy = policy or LoadPolicy()
        self.cache = FileCache(paths.cache_dir() / "models.json")

    @classmethod
    def from_settings(cls, settings: Settings) -> "Registry":
        return cls(policy=LoadPolicy.from_settings(settings))

    def scan(self, role: str | None = "chat") -> list[ModelInfo]:
        """The models found, of one role ("chat", "embedding") or of every role (None)."""
        models: list[ModelInfo] = []
        seen: set[Path] = set()
        for model_dir in paths.model_search_path():
            found = [f for f in _walk_gguf(model_dir.path) if f.resolve() not in seen]
            seen.update(f.resolve() for f in found)
            models.extend(self._describe(group, model_dir.origin) for group in _group_splits(found))
        return [m for m in models if role is None or m.role == role]

    def find(self, model_id: str) -> ModelInfo | None:
        return next((m for m in self.scan() if m.id == model_id or str(m.path) == model_id), None)

    # -- describing one model -------------------------------------------------
    def _describe(self, files: list[Path], origin: str) -> ModelInfo:
        first = files[0]
        size = sum(f.stat().st_size for f in files if f.exists())
        entry = self.catalog.chat_by_file(first.name)
        if entry and entry.size_bytes and entry.size_bytes != size:
            entry = None  # same name, different file: treat as side-loaded rather than claim a match
        info = ModelInfo(
            id=entry.id if entry else side_loaded_id(first),
            name=entry.name if entry else first.stem,
            files=files,
            origin=origin,
            size_bytes=size,
            status=UNVERIFIED,
            catalog_id=entry.id if entry else None,
            side_loaded=entry is None,
        )
        if entry:
            info.license, info.template_notes, info.description = entry.license, entry.template_notes, entry.description
        self._read_header(info)
        if info.status != CORRUPT:
            self._check_split(info)
        if info.status not in (CORRUPT, INCOMPLETE):
            self._apply_cached_hash(info, entry)
        if info.role == "embedding":
            self._describe_embedding(info)
        n_ctx = self.policy.n_ctx
        info.ram_required_bytes = ram_required(size, info.kv_bytes_per_token, min(n_ctx, info.context_length or n_ctx))
        info.fits_ram = info.ram_required_bytes <= psutil.virtual_memory().total
        return info

    def _describe_embedding(self, info: ModelInfo) -> None:
        """An embedding GGUF: the catalog entry whose `gguf` it is (converted at set-up), or side-loaded."""
        entry = next((e for e in self.catalog.embedding if e.gguf and e.gguf.lower() == info.path.name.lower()), None)
        if entry is None:
            return
        info.id, info.name, info.catalog_id, info.side_loaded = entry.id, entry.name, entry.id, False
        info.license, info.description = entry.license, entry.description
        if info.status == UNVERIFIED:
            info.reason = "converted here from the packaged model: no published checksum for the GGUF"

    def _read_header(self, info: ModelInfo) -> None:
        cached = self.cache.get(info.path, "header")
        if cached is not None and "error" not in cached and "role" not in cached:
            cached = None  # cached before memory needs and roles were: read the header again
        if cached is None:
            try:
                header = read_gguf(info.path)
            except GGUFError as exc:
                cached = {"error": str(exc)}
            else:
                cached = {
                    "architecture": header.architecture,
                    "context_length": header.context_length,
                    "quantization": header.quantization,
                    "parameter_count": header.parameter_count,
                    "has_chat_template": header.chat_template is not None,
                    "general_name": header.metadata.get("general.name", ""),
                    "kv_bytes_per_token": kv_bytes_per_token(header.metadata),
                    "role": header.role,
                    "pooling": header.pooling,
                }
                if len(info.files) > 1:
                    cached["parameter_count"] = 0  # counted from all parts below
            try:
                self.cache.put(info.path, "header", cached)
            except OSError as exc:
                log.warning("cannot write the model cache: %s", exc)
        if "error" in cached:
            info.status, info.reason = CORRUPT, cached["error"]
            return
        for key in ("architecture", "context_length", "quantization", "parameter_count", "has_chat_template",
                    "kv_bytes_per_token", "role", "pooling"):
            setattr(info, key, cached[key])
        if info.side_loaded and cached.get("general_name"):
            info.name = str(cached["general_name"])

    def _check_split(self, info: ModelInfo) -> None:
        m = SPLIT_RE.match(info.path.name)
        if not m:
            return
        total = int(m["total"])
        present = {int(SPLIT_RE.match(f.name)["part"]) for f in info.files}
        missing = sorted(set(range(1, total + 1)) - present)
        if missing:
            info.status = INCOMPLETE
            info.reason = f"split model is missing part(s) {', '.join(str(n) for n in missing)} of {total}"

    def _apply_cached_hash(self, info: ModelInfo, entry: ChatModelEntry | None) -> None:
        hashes = [self.cache.get(f, "sha256") for f in info.files]
        if all(hashes):
            info.sha256 = hashes
        self._judge(info, entry)

    def _judge(self, info: ModelInfo, entry: ChatModelEntry | None) -> None:
        if not info.sha256:
            info.status = UNVERIFIED
            info.reason = "not verified yet" if entry and any(entry.sha256) else (
                "side-loaded: not in the catalog" if entry is None else "no published checksum: it cannot be verified")
            return
        if entry is None or not any(entry.sha256):
            info.status = UNVERIFIED
            info.reason = "side-loaded: not in the catalog" if entry is None else "no published checksum: it cannot be verified"
            return
        expected = list(entry.sha256)
        if len(expected) == len(info.sha256) and all(e.lower() == h for e, h in zip(expected, info.sha256) if e):
            info.status, info.reason = VERIFIED, "sha256 matches the catalog"
        else:
            info.status = MISMATCH
            info.reason = "sha256 differs from the catalog: the file is damaged or not the published one"

    # -- verification ---------------------------------------------------------
    def verify(self, info: ModelInfo, progress: Progress | None = None, cancel: threading.Event | None = None) -> ModelInfo:
        """Hashes every file of the model (unless cached) and updates its status."""
        if info.status in (CORRUPT, INCOMPLETE):
            return info
        total = info.size_bytes or 1
        offset = 0
        hashes = []
        for f in info.files:
            cached = self.cache.get(f, "sha256")
            if cached is None:
                base = offset
                cached = sha256_file(f, (lambda d, _t, b=base: progress(b + d, total)) if progress else None, cancel)
                self.cache.put(f, "sha256", cached)
            offset += f.stat().st_size
            if progress:
                progress(offset, total)
            hashes.append(cached)
        info.sha256 = hashes
        self._judge(info, self.catalog.chat_by_id(info.catalog_id) if info.catalog_id else None)
        if info.role == "embedding":
            self._describe_embedding(info)
        return info

    def verify_pending(self, models: list[ModelInfo], max_bytes: int = AUTO_VERIFY_BYTES) -> None:
        """Verifies catalog models never hashed before, when they are small enough to do it on the spot."""
        for m in models:
            if m.status == UNVERIFIED and not m.sha256 and not m.side_loaded and m.size_bytes <= max_bytes:
                self.verify(m)

    def load_refusal(self, info: ModelInfo, policy: LoadPolicy | None = None, n_ctx: int | None = None) -> str | None:
        """Why this model may not be loaded, in plain words; None when it may. The policy defaults to
        the registry's; memory is judged at n_ctx tokens of context when given, else at the policy's."""
        policy = policy or self.policy
        if policy.only_backend == "endpoint":
            return (f"Your IT policy sends questions to the firm's model server (model.backend = endpoint); "
                    f"{info.name} on this computer is not used.")
        if info.status in (CORRUPT, INCOMPLETE):
            return f"{info.name} cannot be used: {info.reason}."
        if policy.allowed_models and not {info.id, info.catalog_id} & set(policy.allowed_models):
            return (f"Your IT policy allows only these models: {', '.join(policy.allowed_models)}. "
                    f"{info.name} is not one of them.")
        if info.status == MISMATCH and not policy.allow_mismatch:
            return (f"{info.name} was not loaded because its checksum does not match the published file. "
                    "Copy the file again, or ask IT to allow unverified files.")
        if info.status != VERIFIED and not policy.allow_unverified:
            if info.side_loaded:
                return f"{info.name} is not in the approved catalog, and your IT policy only allows verified models."
            if info.status == UNVERIFIED and not info.sha256:
                entry = self.catalog.chat_by_id(info.catalog_id) if info.catalog_id else None
                if entry is not None and any(entry.sha256):
                    return f"{info.name} has not been verified yet; verify it in Models (or `strongroom models verify`)."
            return (f"{info.name} has no published checksum to verify it against, and your IT policy only "
                    "allows verified models.")
        n_ctx = n_ctx or policy.n_ctx
        n_ctx = min(n_ctx, info.context_length or n_ctx)
        need = ram_required(info.size_bytes, info.kv_bytes_per_token, n_ctx)
        total = psutil.virtual_memory().total
        if need > total:
            return (f"{info.name} needs about {need / 1024**3:.1f} GB of memory with a {n_ctx}-token context; "
                    f"this computer has {total / 1024**3:.1f} GB. Choose a smaller model or a shorter context.")
        return None

    def check_before_load(self, info: ModelInfo, policy: LoadPolicy, n_ctx: int,
                          progress: Progress | None = None, cancel: threading.Event | None = None) -> str | None:
        """load_refusal, after hashing a catalog model that the policy requires verified and that has
        a published checksum but was never hashed (slow for big files: call off the UI thread)."""
        if (not policy.allow_unverified and info.status == UNVERIFIED and not info.side_loaded
                and not info.sha256):
            entry = self.catalog.chat_by_id(info.catalog_id) if info.catalog_id else None
            if entry is not None and any(entry.sha256):
                self.verify(info, progress, cancel)
        return self.load_refusal(info, policy, n_ctx)


def side_loaded_id(path: Path) -> str:
    stem = SPLIT_RE.sub(r"\g<stem>", path.name) if SPLIT_RE.match(path.name) else path.stem
    return "local:" + re.sub(r"[^a-z0-9.]+", "-", stem.lower()).strip("-")
