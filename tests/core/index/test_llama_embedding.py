"""The llama.cpp embedding backend: the real GGUF made by `make setup`, against sentence-transformers."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from app.core.index.embedder import Embedder, EmbedderError, EmbeddingModelMissing, resolve_model
from app.core.index.llama_embedding import LlamaEmbeddingError, embedding_facts
from app.core.library.ingest import chunk_document, load_tokenizer, parse_file
from tests.core.embedder_fixture import embedder  # noqa: F401  (session fixture)

pytestmark = pytest.mark.slow
CORPUS = Path(__file__).resolve().parents[2] / "eval" / "corpus"


def _real_passages(tokenizer, limit: int = 120) -> list[str]:
    texts: list[str] = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix.lower() in (".txt", ".md", ".html", ".docx", ".pdf") and len(texts) < limit:
            chunks = chunk_document(parse_file(path), tokenizer, max_tokens=200, overlap=40)
            texts += [c.text for c in chunks[:12]]
    return texts[:limit]


def test_the_default_backend_is_llama_cpp_with_the_gguf_made_at_setup(embedder):
    assert embedder.backend == "llama.cpp" and embedder.model.gguf.is_file()
    facts = embedding_facts(embedder.model.gguf)
    assert facts == {"name": "MiniLM L6 H384 Uncased", "architecture": "bert", "pooling": "mean", "dimensions": 384,
                     "context_length": 512}


def test_llama_cpp_matches_sentence_transformers_on_real_passages(embedder):
    reference = Embedder(resolve_model("all-minilm-l6-v2", backend="sentence-transformers"))
    assert reference.backend == "sentence-transformers"
    texts = _real_passages(load_tokenizer(embedder.folder))
    texts += ["", "x" * 3000, "word " * 600]  # empty, one giant word, longer than the model's limit
    assert len(texts) >= 100
    ours, theirs = embedder.embed_passages(texts), reference.embed_passages(texts)
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() >= 0.999, f"lowest cosine {cosine.min():.5f} at passage {int(cosine.argmin())}"
    q1, q2 = embedder.embed_query("How long is the notice period?"), reference.embed_query("How long is the notice period?")
    assert float(q1 @ q2) >= 0.999


def test_a_batch_of_many_passages_equals_each_passage_alone(embedder):
    texts = _real_passages(load_tokenizer(embedder.folder), limit=40)
    together = embedder.embed_passages(texts)
    alone = np.stack([embedder.embed_passages([t])[0] for t in texts[:10]])
    assert np.allclose(together[:10], alone, atol=2e-3)


def test_a_chat_gguf_or_a_truncated_gguf_is_refused_in_plain_words(tmp_path, demo_gguf, embedder):
    with pytest.raises(LlamaEmbeddingError, match="is not an embedding model"):
        embedding_facts(demo_gguf)
    cut = tmp_path / "all-minilm-l6-v2-f16.gguf"
    with open(embedder.model.gguf, "rb") as src:
        cut.write_bytes(src.read(1_000_000))
    e = Embedder(resolve_model("all-minilm-l6-v2"))
    e.model = type(e.model)(**{**e.model.__dict__, "gguf": cut})
    with pytest.raises(EmbedderError, match="cannot be used as an embedding model|could not be loaded"):
        e.embed_query("anything")
    garbage = tmp_path / "garbage.gguf"
    garbage.write_bytes(b"GGUF" + b"\xff" * 64)
    with pytest.raises(LlamaEmbeddingError, match="cannot be used as an embedding model"):
        embedding_facts(garbage)


def test_without_the_gguf_the_llama_backend_says_what_is_missing(monkeypatch, tmp_path):
    from app.core.foundation import paths

    monkeypatch.setattr(paths, "builtin_models_dir", lambda: tmp_path / "nothing-here")
    with pytest.raises(EmbeddingModelMissing, match="make setup"):
        resolve_model("all-minilm-l6-v2", backend="llama.cpp")


def test_an_embedding_gguf_in_the_user_models_folder_is_used(monkeypatch, tmp_path, embedder):
    from app.core.foundation import paths

    monkeypatch.setattr(paths, "builtin_models_dir", lambda: tmp_path / "nothing-here")
    (paths.user_models_dir() / embedder.model.gguf.name).symlink_to(embedder.model.gguf)
    assert resolve_model("all-minilm-l6-v2").gguf == paths.user_models_dir() / embedder.model.gguf.name
