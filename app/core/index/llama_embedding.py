"""Sentence embeddings from a GGUF embedding model, run by llama.cpp (the runtime the chat model uses).

Several passages go into one decode, one sequence each; llama.cpp pools each sequence as the GGUF's
`<arch>.pooling_type` says (mean for sentence-transformers' MiniLM, CLS for BGE, last token for
decoder embedders), and the vectors are L2-normalised like sentence-transformers' `normalize_embeddings`.
A passage longer than the model's limit is cut like sentence-transformers cuts it: the first tokens,
then the closing special token.
"""
from __future__ import annotations

import ctypes
import logging
import os
import re
import threading
from pathlib import Path
from typing import Sequence

import llama_cpp
import numpy as np
from llama_cpp import _internals as internals

from app.core.models.gguf_meta import POOLING, GGUFError, read_gguf
from app.core.models.llama_backend import amx_kernels_enabled, init_backend

log = logging.getLogger(__name__)

N_UBATCH = 512  # tokens per decode: the attention scratch grows with its square (512 measured fastest)
N_SEQ_MAX = 64
# BERT's WordPiece gives a word over 100 characters one [UNK] (Hugging Face's max_input_chars_per_word);
# llama.cpp's would spell it out in pieces, so such words become [UNK] before tokenizing, as there.
_GIANT_WORD = re.compile(r"[^\W_]{101,}")


class LlamaEmbeddingError(RuntimeError):
    """The GGUF cannot serve as an embedding model; the message is plain words for the user."""


def embedding_facts(path: Path) -> dict:
    """Name, architecture, pooling, dimensions and context of an embedding GGUF, from its header alone.

    Raises LlamaEmbeddingError when the file is unreadable or is not an embedding model."""
    try:
        header = read_gguf(path)
    except GGUFError as exc:
        raise LlamaEmbeddingError(f"{Path(path).name} cannot be used as an embedding model: {exc}") from None
    arch = header.architecture
    if header.role != "embedding":
        raise LlamaEmbeddingError(
            f"{Path(path).name} is not an embedding model (architecture {arch or 'unknown'!r}, no pooling type)")
    return {
        "name": header.name,
        "architecture": arch,
        "pooling": header.pooling or "mean",
        "dimensions": int(header.metadata.get(f"{arch}.embedding_length") or 0),
        "context_length": int(header.context_length or 0),
    }


class LlamaEmbeddingModel:
    """A loaded embedding GGUF. Thread-safe: one decode at a time."""

    def __init__(self, path: Path, max_tokens: int = 0, threads: int = 0):
        self.path = Path(path)
        self.facts = embedding_facts(self.path)
        init_backend()
        params = llama_cpp.llama_model_default_params()
        params.n_gpu_layers = 0
        params.use_extra_bufts = not amx_kernels_enabled()  # the engine's rule: AMX kernels crash on batches
        try:
            self._model = internals.LlamaModel(path_model=str(self.path), params=params, verbose=True)
        except (ValueError, OSError) as exc:
            raise LlamaEmbeddingError(f"{self.path.name} could not be loaded as an embedding model ({exc})") from None
        self.n_ctx_train = self._model.n_ctx_train() or 512
        self.max_tokens = min(max_tokens or self.n_ctx_train, self.n_ctx_train, N_UBATCH)
        cparams = llama_cpp.llama_context_default_params()
        cparams.embeddings = True
        cparams.n_ctx = N_UBATCH
        cparams.n_batch = N_UBATCH
        cparams.n_ubatch = N_UBATCH
        cparams.n_seq_max = N_SEQ_MAX
        if hasattr(cparams, "kv_unified"):
            cparams.kv_unified = True
        threads = threads or max(1, (os.cpu_count() or 2))
        cparams.n_threads = cparams.n_threads_batch = threads
        try:
            self._ctx = internals.LlamaContext(model=self._model, params=cparams, verbose=True)
        except ValueError as exc:
            self._model.close()
            raise LlamaEmbeddingError(f"{self.path.name} could not be loaded as an embedding model ({exc})") from None
        self.dimensions = int(llama_cpp.llama_model_n_embd(self._model.model))
        self.pooling = POOLING.get(int(llama_cpp.llama_pooling_type(self._ctx.ctx)), "none")
        self._memory = llama_cpp.llama_get_memory(self._ctx.ctx)
        self._batch = llama_cpp.llama_batch_init(N_UBATCH, 0, 1)
        self._lock = threading.Lock()
        vocab = self._model.vocab
        self._wordpiece = llama_cpp.llama_vocab_type(vocab) == llama_cpp.LLAMA_VOCAB_TYPE_WPM
        self._eos = llama_cpp.llama_vocab_sep(vocab)
        if self._eos < 0:
            self._eos = llama_cpp.llama_vocab_eos(vocab)
        log.info("embedding GGUF loaded: %s, %d dims, %s pooling", self.facts["architecture"], self.dimensions,
                 self.pooling)

    def close(self) -> None:
        with self._lock:
            if self._batch is not None:
                llama_cpp.llama_batch_free(self._batch)
                self._batch = None
                self._ctx.close()
                self._model.close()

    def tokenize(self, text: str) -> list[int]:
        special = False
        if self._wordpiece and _GIANT_WORD.search(text):
            text, special = _GIANT_WORD.sub("[UNK]", text), True
        tokens = self._model.tokenize(text.encode("utf-8", "replace"), True, special)
        if len(tokens) > self.max_tokens:
            tail = [tokens[-1]] if tokens[-1] == self._eos else []
            tokens = tokens[: self.max_tokens - len(tail)] + tail
        return tokens

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if not len(texts):
            return out
        tokenized = [self.tokenize(t) or [self._eos] for t in texts]
        with self._lock:
            if self._batch is None:
                raise LlamaEmbeddingError("the embedding model was closed")
            group: list[int] = []
            used = 0
            for i, tokens in enumerate(tokenized):
                if group and (used + len(tokens) > N_UBATCH or len(group) == N_SEQ_MAX):
                    self._decode(group, tokenized, out)
                    group, used = [], 0
                group.append(i)
                used += len(tokens)
            self._decode(group, tokenized, out)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)

    def _decode(self, group: list[int], tokenized: list[list[int]], out: np.ndarray) -> None:
        batch = self._batch
        n = 0
        for seq, i in enumerate(group):
            for pos, token in enumerate(tokenized[i]):
                batch.token[n] = token
                batch.pos[n] = pos
                batch.n_seq_id[n] = 1
                batch.seq_id[n][0] = seq
                batch.logits[n] = True
                n += 1
        batch.n_tokens = n
        llama_cpp.llama_memory_clear(self._memory, True)
        rc = llama_cpp.llama_decode(self._ctx.ctx, batch)
        if rc != 0:
            raise LlamaEmbeddingError(f"llama.cpp could not embed the passages (decode returned {rc})")
        dims = self.dimensions
        if self.pooling == "none":  # token vectors: mean-pool them here
            start = 0
            for seq, i in enumerate(group):
                count = len(tokenized[i])
                rows = [np.ctypeslib.as_array(llama_cpp.llama_get_embeddings_ith(self._ctx.ctx, start + k), (dims,))
                        for k in range(count)]
                out[i] = np.mean(rows, axis=0)
                start += count
            return
        for seq, i in enumerate(group):
            ptr = llama_cpp.llama_get_embeddings_seq(self._ctx.ctx, seq)
            if not ptr:
                raise LlamaEmbeddingError("llama.cpp returned no pooled embedding")
            out[i] = np.ctypeslib.as_array(ctypes.cast(ptr, ctypes.POINTER(ctypes.c_float)), (dims,))
