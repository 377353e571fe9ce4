"""llama.cpp, driven directly: one model, one context, one KV sequence. Used only by the engine thread.

Why not `llama_cpp.Llama`: with verbose=False it redirects the whole process's stdout/stderr while
loading, and its Python per-token path is heavier than this loop. Here llama.cpp logs go to the
`llama_cpp` logger, cancel reaches inside a prompt decode through the abort callback, and the KV cache
bookkeeping (which tokens are cached) is ours, so prefix reuse and cancel stay consistent.
"""
from __future__ import annotations

import codecs
import ctypes
import functools
import json
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import llama_cpp
import numpy as np
from llama_cpp import _internals as internals
from llama_cpp.llama_grammar import json_schema_to_gbnf

from app.core.engine.sampling import SamplingParams
from app.core.models.llama_backend import amx_kernels_enabled, init_backend  # noqa: F401 (shared with the embedder)

log = logging.getLogger(__name__)

N_BATCH = 512
PENALTY_LAST_N = 64  # same window as llama_cpp.Llama's default

@functools.lru_cache(maxsize=16)
def _gbnf(schema_json: str) -> bytes:
    return json_schema_to_gbnf(schema_json).encode("utf-8")


def schema_grammar(schema: dict) -> bytes:
    """The GBNF grammar llama.cpp samples with for a JSON schema (cached: one schema serves many rows)."""
    try:
        return _gbnf(json.dumps(schema))  # key order is the order the model writes them in
    except Exception as exc:  # the converter asserts on what it does not understand
        raise ValueError(f"the JSON schema cannot be turned into a grammar ({exc})") from None


class GrammarSampler:
    """The sampler chain under a grammar, applied as llama.cpp's own common sampler does: the chain's
    pick is checked against the grammar alone; only a pick the grammar rejects is drawn again from
    the tokens it allows, looked for among the SHORTLIST likeliest first (the whole vocabulary only
    when none of those is allowed). Constraining the whole vocabulary at every token made JSON
    answers many times slower. Greedy picks are the same either way: the likeliest allowed token
    is in the shortlist whenever any allowed token is."""

    SHORTLIST = 256

    def __init__(self, chain: internals.LlamaSampler, grammar, n_vocab: int):
        self.chain, self.grammar, self.n_vocab = chain, grammar, n_vocab
        self.sampler = chain.sampler
        self._all = internals.LlamaTokenDataArray(n_vocab=n_vocab)
        self._few = (llama_cpp.llama_token_data * self.SHORTLIST)()
        self._few_array = llama_cpp.llama_token_data_array(data=self._few, size=0, selected=-1, sorted=False)

    def _apply(self, array, constrained: bool) -> int:
        """Applies (the grammar and) the chain to a candidate array; the chosen token, or -1 when the
        grammar allows none of them."""
        if constrained:
            llama_cpp.llama_sampler_apply(self.grammar, ctypes.byref(array))
            if not any(math.isfinite(array.data[i].logit) for i in range(array.size)):
                return -1
        array.selected = -1
        llama_cpp.llama_sampler_apply(self.chain.sampler, ctypes.byref(array))
        return int(array.data[array.selected].id) if array.selected >= 0 else -1

    def _shortlist(self, logits, ids) -> int:
        for i, token in enumerate(ids):
            self._few[i].id, self._few[i].logit, self._few[i].p = int(token), float(logits[token]), 0.0
        self._few_array.size, self._few_array.sorted = len(ids), False
        return self._apply(self._few_array, constrained=True)

    def _whole(self, logits, constrained: bool) -> int:
        self._all.copy_logits(logits)
        return self._apply(self._all.candidates, constrained)

    def sample(self, ctx) -> int:
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(ctx, -1), shape=(self.n_vocab,))
        token = self._whole(logits, constrained=False)
        if token < 0 or self._shortlist(logits, [token]) != token:
            k = min(self.SHORTLIST, self.n_vocab)
            token = self._shortlist(logits, np.argpartition(logits, -k)[-k:])
            if token < 0:
                token = self._whole(logits, constrained=True)
        llama_cpp.llama_sampler_accept(self.grammar, token)
        llama_cpp.llama_sampler_accept(self.chain.sampler, token)
        return token

    def close(self) -> None:
        if self.grammar is not None:
            llama_cpp.llama_sampler_free(self.grammar)
            self.grammar = None
        self.chain.close()


def supports_gpu_offload() -> bool:
    return bool(llama_cpp.llama_supports_gpu_offload())


class Aborted(Exception):
    """A decode was stopped by cancel (through llama.cpp's abort callback or between tokens)."""


class LoadCancelled(Exception):
    pass


@dataclass
class DecodeStats:
    prompt_tokens: int = 0
    prompt_evaluated: int = 0  # tokens actually decoded: the rest came from the KV cache
    prompt_ms: float = 0.0
    abort_hits: int = 0  # decodes stopped by the abort callback


@dataclass
class Runtime:
    """A loaded model with its context. All methods except tokenize/detokenize run on one thread."""

    path: Path
    n_ctx: int
    n_threads: int
    gpu_layers: int
    model: internals.LlamaModel
    ctx: internals.LlamaContext
    cached: list[int] = field(default_factory=list)  # tokens in KV sequence 0, positions 0..n-1
    _cancel: threading.Event | None = None

    # -- loading ----------------------------------------------------------------
    @classmethod
    def load(cls, path: Path, n_ctx: int, n_threads: int, gpu_layers: int,
             on_progress: Callable[[float], None] | None = None, cancel: threading.Event | None = None,
             n_batch: int = N_BATCH) -> "Runtime":
        init_backend()
        params = llama_cpp.llama_model_default_params()
        params.n_gpu_layers = gpu_layers
        params.load_mode = llama_cpp.LLAMA_LOAD_MODE_MMAP
        # The AMX matrix kernels of this llama.cpp crash the process on multi-token batches (any prompt);
        # the extra buffer types are what send weights to them, so they stay off on AMX machines.
        params.use_extra_bufts = not amx_kernels_enabled()

        def progress(fraction: float, _data) -> bool:
            if on_progress:
                try:
                    on_progress(float(fraction))
                except Exception:  # a broken progress listener must not break loading
                    log.exception("load progress callback failed")
            return not (cancel is not None and cancel.is_set())

        progress_cb = llama_cpp.llama_progress_callback(progress)
        params.progress_callback = progress_cb
        try:
            # verbose=True only means "do not redirect stdout/stderr": logs go through _log_callback.
            model = internals.LlamaModel(path_model=str(path), params=params, verbose=True)
        except ValueError:
            if cancel is not None and cancel.is_set():
                raise LoadCancelled("loading was cancelled") from None
            raise
        finally:
            params.progress_callback = llama_cpp.llama_progress_callback()
            del progress_cb
        n_ctx = max(256, min(n_ctx, model.n_ctx_train() or n_ctx))
        cparams = llama_cpp.llama_context_default_params()
        cparams.n_ctx = n_ctx
        cparams.n_batch = min(n_batch, n_ctx)
        cparams.n_ubatch = min(n_batch, n_ctx)
        cparams.n_threads = n_threads
        cparams.n_threads_batch = n_threads
        cparams.n_seq_max = 1
        try:
            ctx = internals.LlamaContext(model=model, params=cparams, verbose=True)
        except ValueError:
            model.close()
            raise
        rt = cls(path=path, n_ctx=ctx.n_ctx(), n_threads=n_threads, gpu_layers=gpu_layers, model=model, ctx=ctx)
        rt._batch = llama_cpp.llama_batch_init(cparams.n_batch, 0, 1)
        rt._piece_buf = ctypes.create_string_buffer(256)
        # Keep the ctypes callback alive as long as the context: llama.cpp holds only its address.
        rt._abort_cb = llama_cpp.ggml_abort_callback(rt._should_abort)
        rt._no_abort_cb = llama_cpp.ggml_abort_callback()
        rt.stats = DecodeStats()
        return rt

    def close(self) -> None:
        if getattr(self, "_batch", None) is not None:
            llama_cpp.llama_batch_free(self._batch)
            self._batch = None
        self.ctx.close()
        self.model.close()
        self.cached = []

    # -- model facts ------------------------------------------------------------
    def metadata_template(self) -> str | None:
        raw = llama_cpp.llama_model_chat_template(self.model.model, None)
        return raw.decode("utf-8", "replace") if raw else None

    def token_text(self, token: int) -> str:
        return self.model.token_get_text(token) if token >= 0 else ""

    @property
    def bos(self) -> int:
        return self.model.token_bos()

    @property
    def eos(self) -> int:
        return self.model.token_eos()

    @property
    def n_ctx_train(self) -> int:
        return self.model.n_ctx_train()

    # -- text <-> tokens (read-only vocab: safe from any thread while the model is loaded) ------
    def tokenize(self, text: str, special: bool = True) -> list[int]:
        tokens = self.model.tokenize(text.encode("utf-8"), False, special)
        bos = self.bos
        if special and self.model.add_bos_token() and bos >= 0 and (not tokens or tokens[0] != bos):
            tokens.insert(0, bos)
        return tokens

    def count(self, text: str) -> int:
        return len(self.model.tokenize(text.encode("utf-8"), False, False))

    def piece(self, token: int) -> bytes:
        n = llama_cpp.llama_token_to_piece(self.model.vocab, token, self._piece_buf, len(self._piece_buf), 0, False)
        if n < 0:
            self._piece_buf = ctypes.create_string_buffer(-n)
            n = llama_cpp.llama_token_to_piece(self.model.vocab, token, self._piece_buf, -n, 0, False)
        return self._piece_buf.raw[:n]

    # -- decoding ---------------------------------------------------------------
    def _should_abort(self, _data) -> bool:
        cancel = self._cancel
        if cancel is not None and cancel.is_set():
            self.stats.abort_hits += 1
            return True
        return False

    def _decode(self, tokens: list[int], abortable: bool) -> None:
        """Decodes tokens at the end of the cache; on abort or failure the cache is cut back to `cached`."""
        batch = self._batch
        start = len(self.cached)
        n = len(tokens)
        batch.n_tokens = n
        for i, tok in enumerate(tokens):
            batch.token[i] = tok
            batch.pos[i] = start + i
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = 0
            batch.logits[i] = 0
        batch.logits[n - 1] = 1
        # The callback costs a GIL round-trip per graph node: only worth it for multi-token (prompt) batches.
        if abortable:
            llama_cpp.llama_set_abort_callback(self.ctx.ctx, self._abort_cb, None)
        try:
            rc = llama_cpp.llama_decode(self.ctx.ctx, batch)
        finally:
            if abortable:
                llama_cpp.llama_set_abort_callback(self.ctx.ctx, self._no_abort_cb, None)
        if rc != 0:
            # llama.cpp may keep earlier ubatches of an aborted batch: drop everything we do not account for.
            self.ctx.kv_cache_seq_rm(0, start, -1)
            if rc == 2:
                raise Aborted("cancelled during prompt processing")
            if rc == 1:
                raise RuntimeError("the model's context is full (no room left in the KV cache)")
            raise RuntimeError(f"llama.cpp could not process the prompt (code {rc})")
        self.cached.extend(tokens)

    def prefill(self, prompt: list[int], cancel: threading.Event) -> DecodeStats:
        """Brings the KV cache to `prompt`, reusing the longest cached prefix; logits ready for sampling."""
        self._cancel = cancel
        self.stats = DecodeStats(prompt_tokens=len(prompt))
        common = 0
        for a, b in zip(self.cached, prompt):
            if a != b:
                break
            common += 1
        common = min(common, len(prompt) - 1)  # the last prompt token is re-decoded to get fresh logits
        if common < len(self.cached):
            if not self.ctx.kv_cache_seq_rm(0, common, -1):
                self.ctx.kv_cache_clear()
                common = 0
            del self.cached[common:]
        todo = prompt[common:]
        self.stats.prompt_evaluated = len(todo)
        started = time.perf_counter()
        step = self._batch_capacity
        for i in range(0, len(todo), step):
            if cancel.is_set():
                raise Aborted("cancelled before prompt processing finished")
            self._decode(todo[i : i + step], abortable=True)
        self.stats.prompt_ms = (time.perf_counter() - started) * 1000
        return self.stats

    @property
    def _batch_capacity(self) -> int:
        return llama_cpp.llama_n_batch(self.ctx.ctx)

    def make_sampler(self, s: SamplingParams) -> internals.LlamaSampler:
        # Same chain as llama_cpp.Llama, so the two produce the same text for the same seed.
        sampler = internals.LlamaSampler()
        sampler.add_penalties(self.model.n_vocab(), PENALTY_LAST_N, s.repeat_penalty, 0.0, 0.0)
        seed = s.seed if s.seed >= 0 else llama_cpp.LLAMA_DEFAULT_SEED
        if s.temperature <= 0:
            sampler.add_greedy()
        else:
            sampler.add_top_k(s.top_k)
            sampler.add_typical(1.0, 1)
            sampler.add_top_p(s.top_p, 1)
            sampler.add_min_p(s.min_p, 1)
            sampler.add_temp(s.temperature)
            sampler.add_dist(seed)
        if s.json_schema is not None:
            grammar = llama_cpp.llama_sampler_init_grammar(self.model.vocab, schema_grammar(s.json_schema), b"root")
            if not grammar:
                sampler.close()
                raise ValueError("the JSON schema could not be turned into a llama.cpp grammar")
            return GrammarSampler(sampler, grammar, self.model.n_vocab())
        return sampler

    def generate(self, sampler: internals.LlamaSampler, max_tokens: int, cancel: threading.Event) -> Iterator[tuple[int, str]]:
        """Yields (token, text piece) after prefill; stops at end-of-generation, max_tokens or cancel.

        The cache always holds exactly `cached`: a sampled token is decoded before the next one is drawn.
        """
        self._cancel = cancel
        self.finish = "length"
        self.first_token_at = 0.0
        vocab = self.model.vocab
        utf8 = codecs.getincrementaldecoder("utf-8")("replace")
        room = self.n_ctx - len(self.cached)
        for produced in range(min(max_tokens, room)):
            if cancel.is_set():
                raise Aborted("cancelled")
            if isinstance(sampler, GrammarSampler):
                token = sampler.sample(self.ctx.ctx)
            else:
                token = llama_cpp.llama_sampler_sample(sampler.sampler, self.ctx.ctx, -1)
            if not produced:
                self.first_token_at = time.perf_counter()
            if llama_cpp.llama_vocab_is_eog(vocab, token):
                self.finish = "stop"
                tail = utf8.decode(b"", final=True)
                if tail:
                    yield token, tail
                return
            text = utf8.decode(self.piece(token))
            yield token, text
            if produced + 1 < min(max_tokens, room):
                self._decode([token], abortable=False)
