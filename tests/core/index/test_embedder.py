"""The real all-MiniLM-L6-v2 folder, loaded offline; prefixes; missing and hostile model folders."""
from __future__ import annotations

import json

import numpy as np
import pytest

from app.core.index.embedder import EmbedderError, Embedder, EmbeddingModel, EmbeddingModelMissing, resolve_model
from tests.core.embedder_fixture import embedder  # noqa: F401  (session fixture)

pytestmark = pytest.mark.slow


def test_passages_and_queries_are_normalized_and_meaningful(embedder):
    vecs = embedder.embed_passages(["The lease ends in March.", "Bananas are yellow fruit.", ""])
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    q = embedder.embed_query("When does the tenancy agreement terminate?")
    assert q @ vecs[0] > q @ vecs[1] + 0.1


def test_prefixes_come_from_the_catalog_entry(embedder, demo_embedding_dir):
    model = EmbeddingModel("e5-style", demo_embedding_dir, 384, query_prefix="query: ", passage_prefix="passage: ",
                           gguf=embedder.model.gguf)
    prefixed = Embedder(model)
    prefixed._st = embedder.load()  # same weights, no second load
    q = prefixed.embed_query("notice period")
    assert np.allclose(q, embedder.embed_passages(["query: notice period"])[0], atol=1e-5)
    p = prefixed.embed_passages(["notice period"])[0]
    assert np.allclose(p, embedder.embed_passages(["passage: notice period"])[0], atol=1e-5)
    assert not np.allclose(q, p, atol=1e-3)
    bge = resolve_model.__globals__["load_catalog"]().embedding_by_id("bge-small-en-v1.5")
    assert bge.query_prefix.startswith("Represent this sentence")


def test_missing_model_names_the_folders_searched():
    with pytest.raises(EmbeddingModelMissing, match="multilingual-e5-small"):
        resolve_model("multilingual-e5-small")
    with pytest.raises(EmbedderError, match="neither in models.toml nor"):
        resolve_model("no-such-model")


def test_model_placed_in_the_user_models_dir_is_found(demo_embedding_dir):
    from app.core.foundation import paths

    (paths.user_models_dir() / "bge-small-en-v1.5").symlink_to(demo_embedding_dir, target_is_directory=True)
    assert resolve_model("bge-small-en-v1.5").folder == paths.user_models_dir() / "bge-small-en-v1.5"


def test_hostile_model_folder_gives_a_plain_error(tmp_path):
    bad = tmp_path / "bad-model"
    bad.mkdir()
    (bad / "modules.json").write_text("{ this is not json")
    (bad / "config.json").write_text(json.dumps({"model_type": "bert"}))
    e = Embedder(resolve_model(str(bad)))
    with pytest.raises(EmbedderError, match="cannot load the embedding model from"):
        e.embed_query("anything")
