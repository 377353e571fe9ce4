"""Sentence embeddings, run by llama.cpp from a GGUF (llama_embedding.py), or by sentence-transformers.

A catalog model names both its sentence-transformers folder (whose tokenizer.json the chunker uses) and
its GGUF conversion (`make setup` converts the built-in one). An embedding GGUF in a models folder serves
alone too, named by its registry id, file name or path: its header gives the dimensions and context, its
vocabulary the chunker's tokenizer (gguf_tokenizer.py). llama.cpp is the runtime: it loads in a
fraction of a second and needs no torch. sentence-transformers is the reference, and the backend for a
model that has no GGUF; it is an optional install, imported only then (torch takes seconds), with the
Hugging Face offline switches set first: without them it asks the hub even for a local folder.
"""
from __future__ import annotations

import logging
import os
import re
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
    """A resolved embedding model: catalog (or GGUF header) facts plus where it is loaded from."""

    id: str
    folder: Path | None  # the sentence-transformers folder; None for a GGUF that came alone
    dimensions: int
    max_tokens: int = 256
    query_prefix: str = ""
    passage_prefix: str = ""
    min_similarity: float = 0.0  # see catalog.EmbeddingModelEntry
    gguf: Path | None = None  # run by llama.cpp when set, else by sentence-transformers

    @property
    def backend(self) -> str:
        return "llama.cpp" if self.gguf else "sentence-transformers"


# Query and passage prefixes for a GGUF without a catalog entry, by the family its name (general.name or
# file name) shows: these models were trained with the prefixes and retrieve worse without them. e5
# (multilingual-e5-*, e5-*) wants "query: " / "passage: "; its instruct and Mistral variants take a task
# instruction instead, so they are left out. A catalog entry gives its own prefixes.
FAMILY_PREFIXES = (
    (re.compile(r"^(?!.*(?:instruct|mistral)).*(?:^|[\W_])e5(?:[\W_]|$)", re.IGNORECASE), "query: ", "passage: "),
)


def family_prefixes(*names: str) -> tuple[str, str]:
    """(query prefix, passage prefix) for a model known only by its names; ("", "") when none fits."""
    for pattern, query, passage in FAMILY_PREFIXES:
        if any(pattern.search(name) for name in names if name):
            return query, passage
    return "", ""


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
    """A catalog id (searched in the demo package, then the model folders), a sentence-transformers
    folder, or an embedding GGUF: its registry id, its file name in the model folders, or its path.

    backend: "auto" (llama.cpp when the model's GGUF is there), "llama.cpp" or "sentence-transformers"."""
    entry = load_catalog().embedding_by_id(model)
    if entry is None and not _is_st_folder(Path(model).expanduser()):
        return _resolve_gguf(model, backend)
    resolved = _resolve_folder(model, entry)
    gguf = _find_gguf(entry.gguf) if entry else None
    if backend == "sentence-transformers":
        if resolved.folder is None:
            raise EmbeddingModelMissing(f"the embedding model folder {entry.folder!r} was not found in: {_where()}")
        return resolved
    if gguf is None and backend == "auto" and resolved.folder is not None and _reference_installed():
        return resolved
    if gguf is None:
        conversion = f" ({entry.gguf}{'; `make setup` makes it' if entry.demo else ''})" if entry and entry.gguf else ""
        folder = "" if resolved.folder else f", nor its folder {entry.folder!r} in: {_where()}"
        raise EmbeddingModelMissing(f"the embedding model {resolved.id!r} has no GGUF conversion here{conversion}{folder}")
    return replace(resolved, gguf=gguf)


def _where() -> str:
    return ", ".join(str(d) for d in _candidate_dirs())


def _resolve_gguf(model: str, backend: str) -> EmbeddingModel:
    """An embedding GGUF that came without a catalog entry or a sentence-transformers folder."""
    from app.core.models.registry import Registry, side_loaded_id

    path = Path(model).expanduser()
    found = next((m for m in Registry().scan(role=None)
                  if model in (m.id, str(m.path)) or m.path.name.lower() == model.lower()
                  or (path.is_file() and m.path.resolve() == path.resolve())), None)
    if found is None and not (path.suffix.lower() == ".gguf" and path.is_file()):
        raise EmbedderError(f"the embedding model {model!r} is neither in models.toml nor an embedding GGUF "
                            f"in the model folders nor a sentence-transformers folder")
    if found is not None and found.catalog_id and load_catalog().embedding_by_id(found.catalog_id):
        return resolve_model(found.catalog_id, backend)  # the catalog's conversion: its prefixes and gate
    path, model_id = (found.path, found.id) if found else (path.resolve(), side_loaded_id(path))
    from app.core.index.llama_embedding import N_UBATCH, LlamaEmbeddingError, embedding_facts

    try:
        facts = embedding_facts(path)
    except LlamaEmbeddingError as exc:
        raise EmbedderError(str(exc)) from None
    if backend == "sentence-transformers":
        raise EmbedderError(f"{path.name} is a GGUF without a sentence-transformers folder: only llama.cpp runs it")
    query, passage = family_prefixes(facts["name"], path.stem)
    return EmbeddingModel(
        id=model_id, folder=None, dimensions=facts["dimensions"],
        max_tokens=min(facts["context_length"] or N_UBATCH, N_UBATCH),  # what llama_embedding embeds at most
        query_prefix=query, passage_prefix=passage, gguf=path)


def _resolve_folder(model: str, entry: EmbeddingModelEntry | None) -> EmbeddingModel:
    """The catalog entry's facts and its folder (None when only its GGUF is here), or a folder path."""
    if entry is None:
        folder = Path(model).expanduser()
        return EmbeddingModel(id=folder.name, folder=folder.resolve(), dimensions=0)
    candidates: list[Path] = []
    if entry.demo and paths.demo_embedding_dir():
        candidates.append(paths.demo_embedding_dir())
    candidates += [d / entry.folder for d in _candidate_dirs()]
    folder = next((f for f in candidates if _is_st_folder(f)), None)
    return EmbeddingModel(
        id=entry.id, folder=folder, dimensions=entry.dimensions, max_tokens=entry.max_tokens,
        query_prefix=entry.query_prefix, passage_prefix=entry.passage_prefix,
        min_similarity=entry.min_similarity,
    )


class Embedder:
    """Thread-safe; the model loads on the first embed call (or `load()` from a worker)."""

    def __init__(self, model: EmbeddingModel, batch_size: int = 32, threads: int = 0):
        self.model = model
        self.batch_size = batch_size
        self.threads = threads
        self._st = None  # the loaded model: a LlamaEmbeddingModel or a SentenceTransformer
        self._lock = threading.Lock()
        self._tokenizer = None  # the chunker's tokenizer (chunk_tokenizer)
        self._tokenizer_lock = threading.Lock()
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
    def folder(self) -> Path | None:
        return self.model.folder

    def chunk_tokenizer(self):
        """The `tokenizers.Tokenizer` the chunker counts with: the model's own, from tokenizer.json in its
        folder, else built from its GGUF's vocabulary. Built once (thread-safe); EmbedderError when neither
        gives one."""
        with self._tokenizer_lock:
            if self._tokenizer is None:
                self._tokenizer = self._build_tokenizer()
            return self._tokenizer

    def _build_tokenizer(self):
        from app.core.index.gguf_tokenizer import GGUFTokenizerError, folder_tokenizer, gguf_tokenizer

        folder = self.model.folder
        if folder is not None and (folder / "tokenizer.json").is_file():
            try:
                return folder_tokenizer(folder)
            except Exception as exc:  # noqa: BLE001 - the tokenizers library raises plain Exceptions
                raise EmbedderError(f"cannot read the tokenizer of {folder}: {exc}") from None
        if self.model.gguf is None:
            raise EmbedderError(f"the embedding model {self.model.id} has no tokenizer.json and no GGUF")
        try:
            return gguf_tokenizer(self.model.gguf)
        except GGUFTokenizerError as exc:
            raise EmbedderError(str(exc)) from None

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
        if self.model.folder is None:
            raise EmbedderError(f"the embedding model {self.model.id} has neither a GGUF nor a sentence-transformers folder")
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
