"""models.toml: the models Strongroom knows by name, size and published sha256."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from app.core.foundation import paths


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class ChatModelEntry:
    id: str
    name: str
    family: str
    files: tuple[str, ...]
    sha256: tuple[str, ...]
    size_bytes: int = 0
    quantization: str = ""
    context_length: int = 0
    license: str = ""
    template_notes: str = ""
    description: str = ""
    demo: bool = False


@dataclass(frozen=True)
class EmbeddingModelEntry:
    id: str
    name: str
    folder: str  # the sentence-transformers folder (its tokenizer.json also serves the chunker)
    dimensions: int
    max_tokens: int = 256
    query_prefix: str = ""
    passage_prefix: str = ""
    # Cosine similarity below which a passage is not about the question. Each model has its own scale
    # (e5 scores unrelated text near 0.7, MiniLM near 0.1), so it is calibrated per model; 0: no gate.
    min_similarity: float = 0.0
    sha256: str = ""
    license: str = ""
    description: str = ""
    demo: bool = False
    gguf: str = ""  # the GGUF conversion llama.cpp runs (file name, looked for on the model search path)


@dataclass(frozen=True)
class Catalog:
    chat: tuple[ChatModelEntry, ...] = field(default_factory=tuple)
    embedding: tuple[EmbeddingModelEntry, ...] = field(default_factory=tuple)

    def chat_by_id(self, model_id: str) -> ChatModelEntry | None:
        return next((m for m in self.chat if m.id == model_id), None)

    def embedding_by_id(self, model_id: str) -> EmbeddingModelEntry | None:
        return next((m for m in self.embedding if m.id == model_id), None)

    def chat_by_file(self, file_name: str) -> ChatModelEntry | None:
        """The entry whose first file is file_name (split GGUFs are matched by their first part)."""
        lowered = file_name.lower()
        return next((m for m in self.chat if m.files and m.files[0].lower() == lowered), None)


def _entry(cls, raw: dict, where: str):
    known = set(cls.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise CatalogError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    try:
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
        return cls(**values)
    except TypeError as exc:
        raise CatalogError(f"{where}: {exc}") from None


def parse_catalog(text: str, source: str = "models.toml") -> Catalog:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{source} is not valid TOML: {exc}") from None
    chat = tuple(_entry(ChatModelEntry, raw, f"{source} [[chat]] #{i + 1}") for i, raw in enumerate(doc.get("chat", [])))
    emb = tuple(
        _entry(EmbeddingModelEntry, raw, f"{source} [[embedding]] #{i + 1}") for i, raw in enumerate(doc.get("embedding", []))
    )
    for entry in chat:
        if len(entry.sha256) != len(entry.files):
            raise CatalogError(f"{source}: {entry.id} lists {len(entry.files)} file(s) but {len(entry.sha256)} sha256 value(s)")
    ids = [e.id for e in chat + emb]
    if len(ids) != len(set(ids)):
        raise CatalogError(f"{source}: model ids must be unique")
    return Catalog(chat=chat, embedding=emb)


def load_catalog(path: Path | None = None) -> Catalog:
    path = path or paths.catalog_file()
    return _load_cached(str(path))


@lru_cache(maxsize=4)
def _load_cached(path: str) -> Catalog:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"cannot read the model catalog {path}: {exc}") from None
    return parse_catalog(text, Path(path).name)
