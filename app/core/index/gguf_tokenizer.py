"""The chunker's tokenizer for an embedding model: its folder's tokenizer.json, or one built from the
vocabulary its GGUF carries (an embedding GGUF dropped into the models folder has no tokenizer.json).

A GGUF stores the vocabulary as llama.cpp reads it (`tokenizer.ggml.*`: the model kind, tokens, scores,
token types, special ids, merges, SentencePiece's character map). This builds the same tokenizer with
the `tokenizers` library, as Hugging Face transformers does for GGUF files
(transformers/integrations/gguf/gguf_tokenizer_mapping.py), and normalizes text as llama.cpp's
llama-vocab.cpp does for that kind, since llama.cpp is what embeds the passages:
- "bert" (WordPiece): llama.cpp's converter writes a word-initial piece with a leading "▁" and a
  continuation bare; Hugging Face spells them bare and "##"-prefixed. BERT's normalizer (lower case,
  accents stripped, CJK characters split) and pre-tokenizer.
- "t5" (SentencePiece Unigram: T5, and XLM-RoBERTa as in multilingual-e5 and bge-m3): the file's
  precompiled character map, spaces collapsed and trimmed when the file says so, "▁" before each word.
- "gpt2" (byte-level BPE, e.g. jina-embeddings-v2-base-de, Qwen3-Embedding): the file's merges, the text
  split first by the regex llama.cpp uses for the file's `tokenizer.ggml.pre`.
"""
from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.models.gguf_meta import GGUFError, read_gguf

if TYPE_CHECKING:
    import tokenizers

log = logging.getLogger(__name__)

# gguf.TokenType (llama.cpp's llama_token_type): which entries are real pieces and which are markers.
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
VOCAB_ARRAYS = frozenset({"tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type",
                          "tokenizer.ggml.merges", "tokenizer.ggml.precompiled_charsmap"})
PHANTOM_SPACE = "\u2581"
# The unknown token llama.cpp assumes when the file names none (llama_vocab::impl::load), by kind.
_DEFAULT_UNKNOWN_ID = {"bert": 100, "t5": 2}

# Byte-level BPE: the split before merging, by `tokenizer.ggml.pre` (names and regexes as llama.cpp's
# llama-vocab.cpp and transformers' GGUF_PRE_TOKENIZER_SPLITS have them). GPT-2's own split is
# ByteLevel's built-in regex; a name not listed here falls back to it, with a warning.
_GPT2 = frozenset({"gpt-2", "phi-2", "jina-es", "jina-de", "jina-v2-es", "jina-v2-de", "jina-v2-code",
                   "roberta-bpe", "gigachat"})
_LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
           r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
_QWEN2 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
_SPLITS = {"llama3": _LLAMA3, "llama-v3": _LLAMA3, "llama-bpe": _LLAMA3, "falcon3": _LLAMA3, "pixtral": _LLAMA3,
           "qwen2": _QWEN2, "deepseek-r1-qwen": _QWEN2, "megrez": _QWEN2}


class GGUFTokenizerError(ValueError):
    """No tokenizer can be built from the file's vocabulary; the message names the file."""


def folder_tokenizer(model_dir: Path) -> "tokenizers.Tokenizer":
    """The tokenizer of a sentence-transformers folder (tokenizer.json), without importing torch.

    Loaded once per folder: reading tokenizer.json holds the interpreter lock long enough to stall the
    window, and every sync would otherwise pay for it. Encoding is thread-safe and nothing changes
    the tokenizer after this."""
    return _folder_tokenizer(str(Path(model_dir).resolve()))


@functools.lru_cache(maxsize=4)
def _folder_tokenizer(model_dir: str) -> "tokenizers.Tokenizer":
    import tokenizers

    return _for_chunking(tokenizers.Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json")))


def gguf_tokenizer(path: Path) -> "tokenizers.Tokenizer":
    """The tokenizer an embedding GGUF's vocabulary describes; GGUFTokenizerError when it has none usable."""
    path = Path(path).resolve()
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise GGUFTokenizerError(f"{path.name} cannot be read: {exc.strerror or exc}") from None
    return _gguf_tokenizer(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _gguf_tokenizer(path: str, _size: int, _mtime_ns: int) -> "tokenizers.Tokenizer":
    name = Path(path).name
    try:
        metadata = read_gguf(Path(path), arrays=VOCAB_ARRAYS).metadata
    except GGUFError as exc:
        raise GGUFTokenizerError(f"the vocabulary of {name} cannot be read: {exc}") from None
    vocab = _Vocab.from_metadata(metadata, name)
    build = _BUILDERS.get(vocab.kind)
    if build is None:
        raise GGUFTokenizerError(f"{name} uses the tokenizer {vocab.kind!r}, which Strongroom cannot read "
                                 f"(it reads {', '.join(sorted(_BUILDERS))})")
    try:
        tokenizer = build(vocab)
        _add_marked_tokens(tokenizer, vocab)
    except GGUFTokenizerError:
        raise
    except Exception as exc:  # noqa: BLE001 - the tokenizers library rejects a bad vocabulary with plain Exceptions
        raise GGUFTokenizerError(f"the vocabulary of {name} is not usable ({exc})") from None
    log.info("chunk tokenizer built from %s (%s, %d tokens)", name, vocab.kind, len(vocab.tokens))
    return _for_chunking(tokenizer)


def _for_chunking(tokenizer):
    tokenizer.no_truncation()  # the chunker needs every token; it enforces the limit itself
    tokenizer.no_padding()
    return tokenizer


@dataclass(frozen=True)
class _Vocab:
    name: str  # the file's name, for messages
    kind: str  # tokenizer.ggml.model
    pre: str  # tokenizer.ggml.pre
    tokens: list[str]
    types: list[int]
    scores: list[float] | None
    merges: list[str] | None
    charsmap: bytes | None
    unk_id: int | None
    lowercase: bool
    add_space_prefix: bool
    remove_extra_whitespaces: bool

    @classmethod
    def from_metadata(cls, meta: dict, name: str) -> "_Vocab":
        def bad(what: str) -> GGUFTokenizerError:
            return GGUFTokenizerError(f"{name} has no usable vocabulary ({what})")

        kind = meta.get("tokenizer.ggml.model")
        if not isinstance(kind, str) or not kind:
            raise bad("tokenizer.ggml.model is missing")
        tokens = meta.get("tokenizer.ggml.tokens")
        if not isinstance(tokens, list) or not tokens or not all(isinstance(t, str) for t in tokens):
            raise bad("tokenizer.ggml.tokens is missing or not a list of strings")
        n = len(tokens)
        types = meta.get("tokenizer.ggml.token_type", [NORMAL] * n)
        if not isinstance(types, list) or len(types) != n or not all(isinstance(t, int) for t in types):
            raise bad(f"tokenizer.ggml.token_type does not give one type for each of the {n} tokens")
        scores = meta.get("tokenizer.ggml.scores")
        if scores is not None and (not isinstance(scores, list) or len(scores) != n
                                   or not all(isinstance(s, (int, float)) for s in scores)):
            raise bad(f"tokenizer.ggml.scores does not give one score for each of the {n} tokens")
        merges = meta.get("tokenizer.ggml.merges")
        if merges is not None and (not isinstance(merges, list) or not all(isinstance(m, str) for m in merges)):
            raise bad("tokenizer.ggml.merges is not a list of strings")
        charsmap = meta.get("tokenizer.ggml.precompiled_charsmap")
        if charsmap is not None and not (isinstance(charsmap, list) and all(isinstance(b, int) for b in charsmap)):
            raise bad("tokenizer.ggml.precompiled_charsmap is not a byte array")
        unk_id = meta.get("tokenizer.ggml.unknown_token_id", _DEFAULT_UNKNOWN_ID.get(kind))
        if unk_id is None:
            unk_id = next((i for i, t in enumerate(types) if t == UNKNOWN), None)
        if unk_id is not None and not (isinstance(unk_id, int) and 0 <= unk_id < n):
            raise bad(f"the unknown-token id {unk_id!r} is outside the {n} tokens")
        return cls(
            name=name, kind=kind, pre=str(meta.get("tokenizer.ggml.pre") or "default"), tokens=tokens,
            types=types, scores=[float(s) for s in scores] if scores is not None else None, merges=merges,
            charsmap=bytes(b & 0xFF for b in charsmap) if charsmap else None, unk_id=unk_id,
            lowercase=bool(meta.get("tokenizer.ggml.normalizer.lowercase", True)),
            # llama.cpp's defaults when the file does not say (llama_vocab::impl)
            add_space_prefix=bool(meta.get("tokenizer.ggml.add_space_prefix", False)),
            remove_extra_whitespaces=bool(meta.get("tokenizer.ggml.remove_extra_whitespaces", False)),
        )


def _wordpiece(v: _Vocab):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers

    if v.unk_id is None:
        raise GGUFTokenizerError(f"{v.name} has no usable vocabulary (no unknown token for WordPiece)")
    spelled = [_hf_wordpiece(token, kind) for token, kind in zip(v.tokens, v.types)]
    vocab: dict[str, int] = {}
    for index, token in enumerate(spelled):
        vocab.setdefault(token, index)
    # max_input_chars_per_word: Hugging Face's BERT default (llama_embedding.py cuts giant words the same way)
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token=spelled[v.unk_id], max_input_chars_per_word=100))
    tokenizer.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                      strip_accents=None, lowercase=v.lowercase)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    return tokenizer


def _hf_wordpiece(token: str, kind: int) -> str:
    """llama.cpp's spelling of a WordPiece token ("▁word" starts a word, "piece" continues one) as
    Hugging Face spells it ("word", "##piece"); markers like [CLS] are stored as they are."""
    if kind in (CONTROL, UNKNOWN):
        return token
    return token[1:] if token.startswith(PHANTOM_SPACE) else "##" + token


def _unigram(v: _Vocab):
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers

    if v.scores is None:
        raise GGUFTokenizerError(f"{v.name} has no usable vocabulary (a SentencePiece vocabulary without scores)")
    tokenizer = Tokenizer(models.Unigram(list(zip(v.tokens, v.scores)), unk_id=v.unk_id, byte_fallback=False))
    steps = [normalizers.Precompiled(v.charsmap)] if v.charsmap else []
    if v.remove_extra_whitespaces:  # as SentencePiece and llama.cpp: runs of spaces become one, ends trimmed
        steps += [normalizers.Replace(Regex(" {2,}"), " "), normalizers.Replace(Regex(r"\A | \z"), "")]
    if steps:
        tokenizer.normalizer = normalizers.Sequence(steps)
    scheme = "always" if v.add_space_prefix else "never"
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=PHANTOM_SPACE, prepend_scheme=scheme)
    tokenizer.decoder = decoders.Metaspace(replacement=PHANTOM_SPACE, prepend_scheme=scheme)
    return tokenizer


def _byte_level_bpe(v: _Vocab):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

    if not v.merges:
        raise GGUFTokenizerError(f"{v.name} has no usable vocabulary (a BPE vocabulary without merges)")
    merges = [tuple(m.split(" ")) for m in v.merges]
    if any(len(m) != 2 for m in merges):
        raise GGUFTokenizerError(f"{v.name} has no usable vocabulary (a merge is not two pieces)")
    vocab: dict[str, int] = {}
    for index, token in enumerate(v.tokens):
        vocab.setdefault(token, index)
    tokenizer = Tokenizer(models.BPE(vocab, merges, fuse_unk=False, byte_fallback=False))
    split = _SPLITS.get(v.pre)
    if split is not None:
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(split), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    else:
        if v.pre not in _GPT2:
            log.warning("%s: pre-tokenizer %r not known here; splitting as GPT-2 does (token counts approximate)",
                        v.name, v.pre)
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer


def _add_marked_tokens(tokenizer, v: _Vocab) -> None:
    """Markers ([CLS], <s>) as special tokens and user-defined tokens as added ones, so that each stays
    one token when it appears in text, as in Hugging Face's tokenizer.json and transformers' GGUF loader."""
    from tokenizers import AddedToken

    words = tokenizer.get_vocab()
    control = [AddedToken(t, normalized=False, special=True)
               for t, kind in zip(v.tokens, v.types) if kind == CONTROL and t in words]
    if control:
        tokenizer.add_special_tokens(control)
    user = [AddedToken(t, normalized=False, special=False)
            for t, kind in zip(v.tokens, v.types) if kind == USER_DEFINED and t in words]
    if user:
        tokenizer.add_tokens(user)


_BUILDERS = {"bert": _wordpiece, "t5": _unigram, "gpt2": _byte_level_bpe}
