"""An embedding GGUF dropped into a models folder serves on its own: no catalog entry, no
sentence-transformers folder. Real files: the MiniLM GGUF made by `make setup`, copied under a new name."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from app.core.foundation import paths
from app.core.foundation.settings import Settings
from app.core.index.embedder import Embedder, EmbedderError, family_prefixes, resolve_model
from app.core.library.libraries import LibraryManager
from app.core.library.sync import open_library_store, sync_library
from app.core.models.registry import Registry
from tests.core.embedder_fixture import embedder  # noqa: F401  (session fixture)

pytestmark = pytest.mark.slow
DOCS = {
    "lease.txt": "The tenant pays the rent monthly in advance. The notice period is three months.\n\n"
                 "Repairs to the roof and the facade are the landlord's duty.",
    "leie.txt": "Leietakeren betaler husleie forskuddsvis hver måned. Oppsigelsesfristen er tre måneder.",
    "miete.md": "# Mietvertrag\n\nDie Kündigungsfrist beträgt drei Monate. Schäden an der Straße trägt der Mieter.",
    "invoice.txt": "Invoice 2291: consulting services, 14 hours, due within 30 days of receipt.",
}


@pytest.fixture
def side_loaded(models_dir, embedder) -> tuple[str, Path]:
    """The MiniLM GGUF alone in a models folder, under a name no catalog entry knows: (registry id, path)."""
    path = models_dir / "minilm-l6-side-loaded-f16.gguf"
    shutil.copyfile(embedder.model.gguf, path)
    info = next(m for m in Registry().scan(role="embedding") if m.path == path)
    assert info.side_loaded and info.id.startswith("local:")
    return info.id, path


def test_a_gguf_alone_resolves_by_registry_id_file_name_or_path(side_loaded, embedder):
    model_id, path = side_loaded
    for name in (model_id, path.name, str(path)):
        model = resolve_model(name)
        assert (model.id, model.gguf, model.folder, model.backend) == (model_id, path, None, "llama.cpp")
        assert (model.dimensions, model.max_tokens) == (384, 512)  # from the header
        assert (model.query_prefix, model.passage_prefix, model.min_similarity) == ("", "", 0.0)
    with pytest.raises(EmbedderError, match="only llama.cpp runs it"):
        resolve_model(model_id, backend="sentence-transformers")
    # The catalog's own conversion, named by its file name, keeps the catalog's prefixes and gate.
    assert resolve_model(embedder.model.gguf.name).min_similarity == embedder.model.min_similarity > 0


def test_e5_by_its_name_gets_the_e5_prefixes(models_dir, embedder):
    path = models_dir / "multilingual-e5-small-q8_0.gguf"
    shutil.copyfile(embedder.model.gguf, path)
    model = resolve_model(path.name)
    assert (model.query_prefix, model.passage_prefix) == ("query: ", "passage: ")
    assert family_prefixes("Multilingual E5 Base") == family_prefixes("e5-large-v2") == ("query: ", "passage: ")
    for other in ("multilingual-e5-large-instruct", "e5-mistral-7b-instruct", "bge-m3", "MiniLM L6 H384 Uncased"):
        assert family_prefixes(other) == ("", "")


def test_a_chat_gguf_or_a_name_found_nowhere_is_refused_in_plain_words(models_dir, demo_gguf):
    shutil.copyfile(demo_gguf, models_dir / demo_gguf.name)
    with pytest.raises(EmbedderError, match="is not an embedding model"):
        resolve_model(demo_gguf.name)
    with pytest.raises(EmbedderError, match="neither in models.toml nor an embedding GGUF"):
        resolve_model("local:no-such-model")


def test_a_catalog_model_whose_folder_is_missing_runs_from_its_gguf(monkeypatch, embedder):
    monkeypatch.setattr(paths, "demo_embedding_dir", lambda: None)
    model = resolve_model("all-minilm-l6-v2")
    assert model.folder is None and model.gguf == embedder.model.gguf
    assert model.min_similarity == embedder.model.min_similarity  # the catalog's facts still apply
    assert type(Embedder(model).chunk_tokenizer().pre_tokenizer).__name__ == "BertPreTokenizer"


def _sync_and_search(lib, manager, embedder: Embedder, query: str):
    report = sync_library(lib, embedder, manager=manager)
    assert report.failed == [] and len(report.indexed) == len(DOCS)
    store = open_library_store(lib, embedder.dimensions)
    try:
        hits = store.search_dense(embedder.embed_query(query), limit=10)
        return report, [(h.payload["file"], h.payload["text"], h.score) for h in hits]
    finally:
        store.close()


def test_it_sets_the_gguf_alone_in_the_policy_and_the_library_re_embeds_with_the_same_results(
        side_loaded, embedder, tmp_path, monkeypatch):
    model_id, _ = side_loaded
    root = tmp_path / "docs"
    root.mkdir()
    for name, text in DOCS.items():
        (root / name).write_text(text, encoding="utf-8")
    manager = LibraryManager()
    lib = manager.create("Matters", [root])
    query = "How long is the notice period?"
    _, expected = _sync_and_search(lib, manager, embedder, query)  # the catalog model, folder and all

    policy = tmp_path / "policy.toml"
    policy.write_text(f'[retrieval]\nembedding_model = "{model_id}"\n', encoding="utf-8")
    monkeypatch.setenv("STRONGROOM_POLICY", str(policy))
    alone = Embedder.from_settings(Settings())
    assert (alone.id, alone.folder, alone.backend) == (model_id, None, "llama.cpp")
    report, found = _sync_and_search(manager.get("Matters"), manager, alone, query)
    assert report.rebuilt and manager.get("Matters").embedding_model == model_id
    assert [(f, t) for f, t, _ in found] == [(f, t) for f, t, _ in expected]
    assert np.allclose([s for *_, s in found], [s for *_, s in expected], atol=1e-4)
    assert Path(found[0][0]).name == "lease.txt"
