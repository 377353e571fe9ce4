"""Sentence embeddings, run by llama.cpp from a GGUF (llama_embedding.py), or by sentence-transformers.

A catalog model names both its sentence-transformers folder (whose tokenizer.json the chunker uses) and
its GGUF conversion (`make setup` converts the built-in one). llama.cpp is the runtime: it loads in a
fraction of a second and needs no torch. sentence-transformers is the reference, and the backend for a
model that has no GGUF; it is an optional install, imported only then (torch takes seconds), with the
Hugging Face offline switches set first: without them it asks the hub even for a local folder.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from app.core.privacy import guard

from app.core.foundation import paths
from app.core.models.catalog import EmbeddingModelEntry, load_catalog

log = logging.getLogger(__name__)


class EmbedderError(RuntimeError):
    """The embedding model cannot be found or loaded; the message is for the user."""


class EmbeddingModelMissing(EmbedderError):
    pass


@dataclass(frozen=True)
class EmbeddingModel:
    """A resolved embedding model: catalog facts plus the folder it is loaded from."""

    id: str
    folder: Path
    dimensions: int
    max_tokens: int = 256
    query_prefix: str = ""
    passage_prefix: str = ""
    min_similarity: float = 0.0  # see catalog.EmbeddingModelEntry
    gguf: Path | None = None  # run by llama.cpp when set, else by sentence-transformers

    @property
    def backend(self) -> str:
        return "llama.cpp" if self.gguf else "sentence-transformers"


def _candidate_dirs() -> list[Path]:
    dirs = [paths.user_models_dir(), paths.system_models_dir()]
    for part in os.environ.get("STRONGROOM_MODELS_PATH", "").split(os.pathsep):
        if part.strip():
            dirs.append(Path(part).expanduser())
    return dirs


def _is_st_folder(folder: Path) -> bool:
    return folder.is_dir() and ((folder / "modules.json").is_file() or (folder / "config.json").is_file())


def _find_gguf(name: str) -> Path | None:
    if not name:
        return None
    for folder in [paths.builtin_models_dir(), *_candidate_dirs()]:
        if (folder / name).is_file():
            return folder / name
    return None


def _reference_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("sentence_transformers") is not None


def resolve_model(model: str, backend: str = "auto") -> EmbeddingModel:
    """A catalog id (searched in the demo package, then the model folders) or a folder path.

    backend: "auto" (llama.cpp when the model's GGUF is there), "llama.cpp" or "sentence-transformers"."""
    resolved = _resolve_folder(model)
    if backend == "sentence-transformers":
        return resolved
    entry = load_catalog().embedding_by_id(resolved.id)
    gguf = _find_gguf(entry.gguf) if entry else None
    if gguf is None:
        if backend == "llama.cpp" or not _reference_installed():
            raise EmbeddingModelMissing(
                f"the embedding model {resolved.id!r} has no GGUF conversion here"
                + (f" ({entry.gguf}; `make setup` makes the built-in one)" if entry and entry.gguf else ""))
        return resolved
    return replace(resolved, gguf=gguf)


def _resolve_folder(model: str) -> EmbeddingModel:
    entry: EmbeddingModelEntry | None = load_catalog().embedding_by_id(model)
    if entry is None:
        folder = Path(model).expanduser()
        if _is_st_folder(folder):
            return EmbeddingModel(id=folder.name, folder=folder.resolve(), dimensions=0)
        raise EmbedderError(
            f"the embedding model {model!r} is neither in models.toml nor a sentence-transformers folder"
        )
    candidates: list[Path] = []
    if entry.demo and paths.demo_embedding_dir():
        candidates.append(paths.demo_embedding_dir())
    candidates += [d / entry.folder for d in _candidate_dirs()]
    for folder in candidates:
        if _is_st_folder(folder):
            return EmbeddingModel(
                id=entry.id, folder=folder, dimensions=entry.dimensions, max_tokens=entry.max_tokens,
                query_prefix=entry.query_prefix, passage_prefix=entry.passage_prefix,
                min_similarity=entry.min_similarity,
            )
    where = ", ".join(str(d) for d in _candidate_dirs())
    raise EmbeddingModelMissing(f"the embedding model folder {entry.folder!r} was not found in: {where}")


class Embedder:
    """Thread-safe; the model loads on the first embed call (or `load()` from a worker)."""

    def __init__(self, model: EmbeddingModel, batch_size: int = 32, threads: int = 0):
        self.model = model
        self.batch_size = batch_size
        self.threads = threads
        self._st = None  # the loaded model: a LlamaEmbeddingModel or a SentenceTransformer
        self._lock = threading.Lock()
        self.passages_embedded = 0  # counts texts, so tests and benchmarks can see reuse

    @classmethod
    def from_settings(cls, settings=None) -> "Embedder":
        from app.core.foundation.settings import Settings

        settings = settings or Settings()
        # STRONGROOM_EMBEDDING_BACKEND=sentence-transformers runs the reference (benchmarks, comparisons).
        backend = os.environ.get("STRONGROOM_EMBEDDING_BACKEND", "auto")
        return cls(resolve_model(settings.get("retrieval.embedding_model"), backend=backend))

    @property
    def backend(self) -> str:
        return self.model.backend

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def folder(self) -> Path:
        return self.model.folder

    @property
    def dimensions(self) -> int:
        if self.model.dimensions:
            return self.model.dimensions
        loaded = self.load()
        if self.model.gguf:
            return loaded.dimensions
        return int(loaded.get_sentence_embedding_dimension())

    @property
    def loaded(self) -> bool:
        return self._st is not None

    def load(self):
        with self._lock:
            if self._st is None:
                self._st = self._load()
            return self._st

    def _load(self):
        if self.model.gguf:
            from app.core.index.llama_embedding import LlamaEmbeddingError, LlamaEmbeddingModel

            try:
                loaded = LlamaEmbeddingModel(self.model.gguf, max_tokens=self.model.max_tokens, threads=self.threads)
            except LlamaEmbeddingError as exc:
                raise EmbedderError(str(exc)) from None
            if self.model.dimensions and loaded.dimensions != self.model.dimensions:
                loaded.close()
                raise EmbedderError(f"{self.model.gguf.name} gives {loaded.dimensions}-dimensional vectors; "
                                    f"{self.model.id} has {self.model.dimensions}")
            log.info("embedding model %s loaded (llama.cpp)", self.model.id)
            return loaded
        guard.offline_environment()
        import torch  # noqa: F401  (lazy: seconds of import time)
        from sentence_transformers import SentenceTransformer

        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            st = SentenceTransformer(str(self.model.folder), device="cpu", local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any load failure becomes one plain message
            raise EmbedderError(f"cannot load the embedding model from {self.model.folder}: {exc}") from exc
        if self.model.max_tokens:
            st.max_seq_length = min(st.max_seq_length or self.model.max_tokens, self.model.max_tokens)
        log.info("embedding model %s loaded from %s", self.model.id, self.model.folder)
        return st

    def _encode(self, texts: list[str]) -> np.ndarray:
        st = self.load()
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        if self.model.gguf:
            return st.embed(texts)
        out = st.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.asarray(out, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dimensions) float32, L2-normalized."""
        vectors = self._encode([self.model.passage_prefix + t for t in texts])
        self.passages_embedded += len(texts)
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self.model.query_prefix + text])[0]
