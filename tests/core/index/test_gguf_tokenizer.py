"""The chunker's tokenizer built from a GGUF's own vocabulary, against tokenizer.json and llama.cpp.

WordPiece is checked on the real MiniLM GGUF made by `make setup`. No real multilingual GGUF can be had
here, so SentencePiece and BPE vocabularies are written into small GGUF files with gguf's GGUFWriter:
the real SentencePiece test model that ships in sentencepiece's source distribution (fixtures/), and
vocabularies trained by the `tokenizers` library on multilingual text. llama.cpp opens such a file with
`vocab_only`, so every one is compared with llama.cpp's own tokenization, the tokenizer that embeds.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import gguf
import llama_cpp
import pytest
from llama_cpp import _internals as internals

from app.core.index.embedder import Embedder, EmbedderError, EmbeddingModel
from app.core.index.gguf_tokenizer import gguf_tokenizer
from app.core.library.ingest import chunk_document, load_tokenizer, parse_file
from app.core.models.llama_backend import init_backend
from tests.core.embedder_fixture import embedder  # noqa: F401  (session fixture)

pytestmark = pytest.mark.slow
CORPUS = Path(__file__).resolve().parents[2] / "eval" / "corpus"
SPM_MODEL = Path(__file__).with_name("fixtures") / "sentencepiece_test_model.model"
MULTILINGUAL = [
    "Leietakeren skal betale husleie forskuddsvis den første i hver måned til utleiers konto i Tromsø.",
    "Oppsigelsesfristen er tre måneder; særlige vilkår gjelder for næringslokaler på Ålesund brygge.",
    "Die Kündigungsfrist beträgt drei Monate zum Monatsende; Schäden an der Straße trägt der Mieter.",
    "Übermäßige Abnutzung ist vom Mieter zu ersetzen, außer bei höherer Gewalt (§ 536 BGB).",
    "Le locataire paiera le loyer à l'avance ; les réparations de la façade sont à la charge du bailleur.",
    "Après résiliation, le dépôt de garantie est restitué sous deux mois — sauf dégâts constatés à Noël.",
    "  Spaces   collapse\tand tabs\nand lines  ", "ＡＢＣ ﬁle ① ½ Ⅷ naïve coöperate",
    "Προθεσμία καταγγελίας: τρεις μήνες. Срок уведомления — три месяца. 解约通知期为三个月。",
    "It's 12345 o'clock, we'll see!!  \n\n x", "",
]


def _corpus_passages(limit: int = 80) -> list[str]:
    tokenizer = load_tokenizer(Path(__import__("app.core.foundation.paths", fromlist=["x"]).demo_embedding_dir()))
    texts: list[str] = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix.lower() in (".txt", ".md", ".html", ".docx", ".pdf") and len(texts) < limit:
            texts += [c.text for c in chunk_document(parse_file(path), tokenizer, max_tokens=200)[:8]]
    return texts[:limit]


def _llama_vocab(path: Path):
    init_backend()
    params = llama_cpp.llama_model_default_params()
    params.vocab_only = True
    return internals.LlamaModel(path_model=str(path), params=params, verbose=False)


def _write_gguf(path: Path, kind: str, tokens: list[str], types: list[int], *, scores=None, merges=None,
                charsmap: bytes | None = None, pre: str = "default", unk_id: int | None = None,
                spaces: bool = True) -> Path:
    """A vocabulary-only embedding GGUF, with the keys llama.cpp's converter writes for this kind."""
    w = gguf.GGUFWriter(str(path), "bert")
    w.add_name(path.stem)
    w.add_block_count(1)
    w.add_context_length(512)
    w.add_embedding_length(8)
    w.add_feed_forward_length(8)
    w.add_head_count(1)
    w.add_layer_norm_eps(1e-12)
    w.add_causal_attention(False)
    w.add_pooling_type(gguf.PoolingType.MEAN)
    w.add_tokenizer_model(kind)
    w.add_tokenizer_pre(pre)
    w.add_token_list(tokens)
    w.add_token_types(types)
    if scores is not None:
        w.add_token_scores(scores)
    if merges is not None:
        w.add_token_merges(merges)
    if charsmap:
        w.add_precompiled_charsmap(charsmap)
    if kind == "t5":  # as convert_hf_to_gguf.py writes an XLM-RoBERTa (multilingual-e5, bge-m3) vocabulary
        w.add_add_space_prefix(spaces)
        w.add_remove_extra_whitespaces(spaces)
    if unk_id is not None:
        w.add_unk_token_id(unk_id)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def _assert_same_as_llama_cpp(path: Path, texts: list[str]) -> None:
    ours, theirs = gguf_tokenizer(path), _llama_vocab(path)
    try:
        for text in texts:
            expected = theirs.tokenize(text.encode("utf-8"), False, False)
            assert ours.encode(text, add_special_tokens=False).ids == expected, text
    finally:
        theirs.close()


# -- WordPiece: the real MiniLM GGUF --------------------------------------------------------------------

def test_wordpiece_from_the_real_gguf_matches_tokenizer_json_and_llama_cpp(embedder, demo_embedding_dir):
    built = Embedder(EmbeddingModel("bare", None, 384, gguf=embedder.model.gguf)).chunk_tokenizer()
    reference = load_tokenizer(demo_embedding_dir)
    assert type(built.pre_tokenizer).__name__ == "BertPreTokenizer"  # the chunker's fast path holds
    loaded = embedder.load()
    texts = _corpus_passages() + MULTILINGUAL + ["[SEP] inside text", "x" * 150 + " word"]
    assert len(texts) > 60 and any(not t.isascii() for t in texts)
    for text in texts:
        ids = built.encode(text, add_special_tokens=False)
        expected = reference.encode(text, add_special_tokens=False)
        assert ids.ids == expected.ids and ids.offsets == expected.offsets, text
        if "[SEP]" not in text:  # llama.cpp reads markers in text as words
            assert ids.ids == loaded.tokenize(text)[1:-1], text  # minus [CLS] and [SEP]


# -- SentencePiece Unigram (the kind of multilingual-e5 and bge-m3) ------------------------------------

def _sentencepiece_model(path: Path) -> tuple[list[tuple[str, float, int]], dict[int, object]]:
    """(pieces, normalizer spec) of a SentencePiece .model file, read from its protobuf wire format."""
    def fields(buf: bytes):
        pos = 0
        while pos < len(buf):
            key, pos = varint(buf, pos)
            number, wire = key >> 3, key & 7
            if wire == 0:
                value, pos = varint(buf, pos)
            elif wire == 5:
                value, pos = buf[pos:pos + 4], pos + 4
            elif wire == 2:
                size, pos = varint(buf, pos)
                value, pos = buf[pos:pos + size], pos + size
            else:
                raise ValueError(f"wire type {wire}")
            yield number, value

    def varint(buf: bytes, pos: int) -> tuple[int, int]:
        out = shift = 0
        while True:
            byte = buf[pos]
            pos += 1
            out |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return out, pos

    pieces, normalizer = [], {}
    for number, value in fields(path.read_bytes()):
        if number == 1:  # SentencePiece {piece, score, type}
            piece = {1: b"", 2: b"\0\0\0\0", 3: 1, **dict(fields(value))}
            pieces.append((piece[1].decode(), struct.unpack("<f", piece[2])[0], piece[3]))
        elif number == 3:  # NormalizerSpec {name, precompiled_charsmap, add_dummy_prefix, remove_extra_whitespaces}
            normalizer = dict(fields(value))
    return pieces, normalizer


def test_unigram_from_a_real_sentencepiece_model_matches_llama_cpp(tmp_path):
    pieces, normalizer = _sentencepiece_model(SPM_MODEL)
    assert len(pieces) == 1000 and len(normalizer[2]) > 100_000  # the real model and its nmt_nfkc map
    path = _write_gguf(tmp_path / "spm-unigram.gguf", "t5", [p[0] for p in pieces], [p[2] for p in pieces],
                       scores=[p[1] for p in pieces], charsmap=normalizer[2], unk_id=0)
    _assert_same_as_llama_cpp(path, MULTILINGUAL + _corpus_passages(40))


def _trained(model, trainer, pre_tokenizer) -> dict:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer(model)
    tokenizer.pre_tokenizer = pre_tokenizer
    tokenizer.train_from_iterator(MULTILINGUAL * 4 + _corpus_passages(30), trainer)
    return json.loads(tokenizer.to_str())["model"]


def test_unigram_trained_on_multilingual_text_matches_llama_cpp(tmp_path):
    from tokenizers import models, pre_tokenizers, trainers

    trained = _trained(models.Unigram(), trainers.UnigramTrainer(
        vocab_size=600, special_tokens=["<unk>", "<s>", "</s>"], unk_token="<unk>"), pre_tokenizers.Metaspace())
    tokens = [piece for piece, _ in trained["vocab"]]
    assert {"▁på", "ß"} & set(tokens)  # pieces of the Norwegian and German text
    types = [2 if t == "<unk>" else 3 if t in ("<s>", "</s>") else 1 for t in tokens]
    path = _write_gguf(tmp_path / "multilingual-unigram.gguf", "t5", tokens, types,
                       scores=[score for _, score in trained["vocab"]], unk_id=trained["unk_id"])
    _assert_same_as_llama_cpp(path, MULTILINGUAL + _corpus_passages(40))


# -- byte-level BPE (gpt2: jina-embeddings-v2-base-de, Qwen3-Embedding) ---------------------------------

@pytest.mark.parametrize("pre", ["gpt-2", "llama-bpe", "qwen2"])
def test_byte_level_bpe_trained_on_multilingual_text_matches_llama_cpp(tmp_path, pre):
    from tokenizers import models, pre_tokenizers, trainers

    trained = _trained(models.BPE(), trainers.BpeTrainer(
        vocab_size=600, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=["<|endoftext|>"]),
        pre_tokenizers.ByteLevel(add_prefix_space=False))
    tokens = [t for t, _ in sorted(trained["vocab"].items(), key=lambda kv: kv[1])]
    merges = [m if isinstance(m, str) else " ".join(m) for m in trained["merges"]]
    types = [3 if t == "<|endoftext|>" else 1 for t in tokens]
    path = _write_gguf(tmp_path / f"bpe-{pre}.gguf", "gpt2", tokens, types, merges=merges, pre=pre)
    _assert_same_as_llama_cpp(path, MULTILINGUAL + _corpus_passages(40))


# -- hostile vocabularies ------------------------------------------------------------------------------

def _bare(path: Path) -> Embedder:
    return Embedder(EmbeddingModel("bare", None, 8, gguf=path))


def test_a_missing_garbage_or_unknown_vocabulary_is_a_plain_error_naming_the_file(tmp_path):
    cases = {
        "unknown-kind.gguf": dict(kind="rwkv", tokens=["a", "b"], types=[1, 1]),
        "no-scores.gguf": dict(kind="t5", tokens=["<unk>", "a"], types=[2, 1]),
        "no-merges.gguf": dict(kind="gpt2", tokens=["a", "b"], types=[1, 1]),
        "short-scores.gguf": dict(kind="t5", tokens=["<unk>", "a", "b"], types=[2, 1, 1], scores=[0.0]),
        "short-types.gguf": dict(kind="bert", tokens=["[UNK]", "▁a"], types=[3]),
        "bad-unknown-id.gguf": dict(kind="bert", tokens=["[UNK]", "▁a"], types=[1, 1], unk_id=7),
        "bad-merge.gguf": dict(kind="gpt2", tokens=["a", "b", "ab"], types=[1, 1, 1], merges=["a b c"]),
        "empty-vocab.gguf": dict(kind="bert", tokens=[], types=[]),
    }
    for name, spec in cases.items():
        path = _write_gguf(tmp_path / name, spec.pop("kind"), spec.pop("tokens"), spec.pop("types"), **spec)
        with pytest.raises(EmbedderError, match=name.replace(".", r"\.")) as caught:
            _bare(path).chunk_tokenizer()
        assert "Traceback" not in str(caught.value)
    no_vocab = gguf.GGUFWriter(str(tmp_path / "no-vocab.gguf"), "bert")
    no_vocab.add_pooling_type(gguf.PoolingType.MEAN)
    no_vocab.write_header_to_file(), no_vocab.write_kv_data_to_file(), no_vocab.write_tensors_to_file()
    no_vocab.close()
    with pytest.raises(EmbedderError, match=r"no-vocab\.gguf has no usable vocabulary"):
        _bare(tmp_path / "no-vocab.gguf").chunk_tokenizer()
    good = _write_gguf(tmp_path / "cut.gguf", "bert", ["[UNK]"] + [f"▁w{i}" for i in range(2000)], [3] + [1] * 2000)
    good.write_bytes(good.read_bytes()[:5000])
    with pytest.raises(EmbedderError, match=r"cut\.gguf"):
        _bare(good).chunk_tokenizer()
    garbage = tmp_path / "garbage.gguf"
    garbage.write_bytes(b"GGUF" + b"\xff" * 64)
    with pytest.raises(EmbedderError, match=r"garbage\.gguf"):
        _bare(garbage).chunk_tokenizer()


def test_the_tokenizer_is_built_once_per_embedder(embedder):
    bare = Embedder(EmbeddingModel("bare", None, 384, gguf=embedder.model.gguf))
    assert bare.chunk_tokenizer() is bare.chunk_tokenizer()
