import hashlib

import pytest

from app.core.models.catalog import CatalogError, load_catalog, parse_catalog


def test_shipped_catalog_lists_the_mistral_family():
    cat = load_catalog()
    ids = {m.id for m in cat.chat}
    assert {"mistral-7b-instruct-v0.3", "ministral-8b-instruct-2410", "mistral-nemo-12b-instruct-2407",
            "mistral-small-3.1-24b-instruct-2503", "mixtral-8x7b-instruct-v0.1", "smollm2-135m-instruct"} <= ids
    assert cat.embedding_by_id("all-minilm-l6-v2").dimensions == 384
    for m in cat.chat:
        for h in m.sha256:
            assert h == "" or len(h) == 64  # empty means "no published hash", never a made-up one


def _is_sha256(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def test_chat_entries_are_verifiable_or_plainly_unverified():
    """Every chat entry has a published sha256 for each file and an exact size, or neither: a
    half-filled entry would verify one file of a split model, or match a file by name alone."""
    for m in load_catalog().chat:
        hashes = [h for h in m.sha256 if h]
        if hashes:
            assert len(hashes) == len(m.files), f"{m.id}: a sha256 for some files but not all"
            assert all(_is_sha256(h) for h in m.sha256), f"{m.id}: sha256 must be 64 lowercase hex characters"
            assert m.size_bytes > 0, f"{m.id}: has a sha256 but no size_bytes"
        else:
            assert m.size_bytes == 0, f"{m.id}: has size_bytes but no sha256"


def test_embedding_hashes_are_sha256_or_empty():
    for e in load_catalog().embedding:
        assert e.sha256 == "" or _is_sha256(e.sha256), e.id


def test_demo_hash_is_the_real_file_hash(demo_gguf):
    entry = load_catalog().chat_by_id("smollm2-135m-instruct")
    assert entry.files[0] == demo_gguf.name
    assert entry.size_bytes == demo_gguf.stat().st_size
    assert entry.sha256[0] == hashlib.sha256(demo_gguf.read_bytes()).hexdigest()


def test_embedding_hash_is_real(demo_embedding_dir):
    entry = load_catalog().embedding_by_id("all-minilm-l6-v2")
    assert entry.sha256 == hashlib.sha256((demo_embedding_dir / "model.safetensors").read_bytes()).hexdigest()


@pytest.mark.parametrize("text, reason", [
    ("[[chat]\nid='x'", "not valid TOML"),
    ("[[chat]]\nid='x'\nname='X'\nfamily='f'\nfiles=['a.gguf']\nsha256=[]\n", "sha256 value"),
    ("[[chat]]\nid='x'\nname='X'\nfamily='f'\nfiles=['a.gguf']\nsha256=['']\nbogus=1\n", "unknown field"),
    ("[[chat]]\nname='X'\n", "missing"),
])
def test_hostile_catalog(text, reason):
    with pytest.raises(CatalogError, match=reason):
        parse_catalog(text)
