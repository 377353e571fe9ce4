"""Sentence embeddings from a local sentence-transformers folder, never from the hub.

torch and sentence-transformers are imported on first use (a second or more), so the window
opens without waiting for them. The Hugging Face offline switches are set before that import:
without them sentence-transformers asks the hub for model files even when the folder is local.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
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


def _candidate_dirs() -> list[Path]:
    dirs = [paths.user_models_dir(), paths.system_models_dir()]
    for part in os.environ.get("STRONGROOM_MODELS_PATH", "").split(os.pathsep):
        if part.strip():
            dirs.append(Path(part).expanduser())
    return dirs


def _is_st_folder(folder: Path) -> bool:
    return folder.is_dir() and ((folder / "modules.json").is_file() or (folder / "config.json").is_file())


def resolve_model(model: str) -> EmbeddingModel:
    """A catalog id (searched in the demo package, then the model folders) or a folder path."""
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
        self._st = None
        self._lock = threading.Lock()
        self.passages_embedded = 0  # counts texts, so tests and benchmarks can see reuse

    @classmethod
    def from_settings(cls, settings=None) -> "Embedder":
        from app.core.foundation.settings import Settings

        settings = settings or Settings()
        return cls(resolve_model(settings.get("retrieval.embedding_model")))

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
        return int(self.load().get_sentence_embedding_dimension())

    @property
    def loaded(self) -> bool:
        return self._st is not None

    def load(self):
        with self._lock:
            if self._st is None:
                self._st = self._load()
            return self._st

    def _load(self):
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
