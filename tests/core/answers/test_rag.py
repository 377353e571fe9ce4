"""Answers from libraries: real documents, the real embedding model, real Qdrant Edge shards and the
real demo chat model."""
from __future__ import annotations

import re
from contextlib import nullcontext

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from app.core.answers import rag
from app.core.answers.citations import MarkerFilter, cited_numbers, clean_markers
from app.core.engine.local_engine import Engine, SamplingParams
from app.core.library.libraries import LibraryManager
from app.core.models.registry import Registry
from app.core.index.store import Hit, SearchFilter
from app.core.library.sync import open_library_store, sync_library
from tests.core.embedder_fixture import embedder  # noqa: F401  (session fixture)
from tests.core.ingest_files import pdf_bytes

LEASE_PAGES = [
    "Residential lease between Harbor Estates Ltd and Mrs Okafor.\nThe lease begins on 1 March 2024 and runs for five years.",
    "Rent and deposit.\nThe tenant pays a security deposit equal to three months of rent before moving in.\n"
    "The deposit is returned within thirty days after the keys are handed back.",
    "Termination.\nEither party may terminate this lease with ninety days written notice sent by registered mail.",
    "Governing law.\nDisputes are settled by arbitration in Lyon under French law.",
]
MEMO = """# Memo on the Okafor matter

## Witnesses
The building caretaker, Mr Dubois, saw water leaking from the ceiling on 4 June.

## Damages
The repair estimate for the flooded kitchen is 12,400 euros, according to the contractor's quote.
"""
UNRELATED = "The quarterly newsletter of the chess club lists the winners of the spring tournament."


@pytest.fixture(scope="module")
def libraries(tmp_path_factory, embedder):  # noqa: F811
    """Two indexed libraries: one matter (a PDF lease and a memo), and an unrelated club folder."""
    import os

    home = tmp_path_factory.mktemp("rag-home")
    old = os.environ.get("STRONGROOM_HOME")
    os.environ["STRONGROOM_HOME"] = str(home)
    try:
        matter = tmp_path_factory.mktemp("okafor")
        (matter / "lease.pdf").write_bytes(pdf_bytes(LEASE_PAGES))
        (matter / "notes").mkdir()
        (matter / "notes" / "memo.md").write_text(MEMO, encoding="utf-8")
        club = tmp_path_factory.mktemp("club")
        (club / "newsletter.txt").write_text(UNRELATED, encoding="utf-8")
        manager = LibraryManager(home / "data" / "libraries-fixture")
        libs = {name: manager.create(name, [folder]) for name, folder in (("Okafor", matter), ("Chess club", club))}
        for lib in libs.values():
            report = sync_library(lib, embedder, manager=manager)
            assert not report.failed
        libs = {name: manager.get(name) for name in libs}  # reloaded: now records its embedding model
        yield libs, matter
    finally:
        if old is None:
            os.environ.pop("STRONGROOM_HOME", None)
        else:
            os.environ["STRONGROOM_HOME"] = old


@pytest.fixture
def retriever(libraries, embedder):  # noqa: F811
    libs, _ = libraries
    stores = {lib.id: open_library_store(lib, embedder.dimensions) for lib in libs.values()}
    yield rag.Retriever(embedder, lambda lib: nullcontext(stores[lib.id]))
    for store in stores.values():
        store.close()


@pytest.fixture(scope="module")
def engine(demo_gguf):
    registry = Registry()
    info = next(m for m in registry.scan() if m.path == demo_gguf)
    eng = Engine(registry)
    eng.load(info, n_ctx=2048, n_threads=2, gpu_offload=False).result()
    yield eng
    eng.close()


# -- retrieval --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_question_finds_the_right_file_and_page(libraries, retriever):
    libs, matter = libraries
    found = retriever.retrieve([libs["Okafor"]], "How much notice is needed to terminate the lease?", top_k=3)
    best = found.passages[0]
    assert best.file == str(matter / "lease.pdf") and best.page == 3
    assert "ninety days" in best.text
    assert found.retrieval_ms > 0


@pytest.mark.slow
def test_scope_is_the_chosen_libraries_only(libraries, retriever):
    libs, _ = libraries
    found = retriever.retrieve([libs["Chess club"]], "Who won the spring chess tournament?", top_k=5)
    assert found.passages and all(p.library == "Chess club" for p in found.passages)
    found = retriever.retrieve([libs["Okafor"]], "Who won the spring chess tournament?", top_k=5)
    assert all(p.library == "Okafor" for p in found.passages)


@pytest.mark.slow
def test_folder_and_kind_filters(libraries, retriever):
    libs, matter = libraries
    question = "What does the repair of the kitchen cost?"
    notes_only = retriever.retrieve([libs["Okafor"]], question, 5, SearchFilter(folder=str(matter / "notes")))
    assert notes_only.passages and {p.file for p in notes_only.passages} == {str(matter / "notes" / "memo.md")}
    assert "12,400" in notes_only.passages[0].text
    pdf_only = retriever.retrieve([libs["Okafor"]], question, 5, SearchFilter(kinds=("pdf",)))
    assert all(p.file.endswith(".pdf") for p in pdf_only.passages)


@pytest.mark.slow
def test_off_topic_question_finds_nothing(libraries, retriever):
    libs, _ = libraries
    found = retriever.retrieve([libs["Okafor"]], "What is the boiling point of liquid nitrogen in kelvin?", 5)
    assert found.passages == []


@pytest.mark.slow
def test_unindexed_library_is_a_note_not_an_error(libraries, retriever, tmp_path):
    libs, _ = libraries
    empty = LibraryManager(tmp_path / "libs").create("Fresh", [tmp_path])
    found = retriever.retrieve([empty, libs["Okafor"]], "ninety days notice termination", 3)
    assert found.notes == ["Fresh has not been indexed yet."]
    assert found.passages


def _hit(chunk: int, text: str, score: float, file="/m/a.pdf", page=1, start=0, block=0) -> Hit:
    return Hit(id=f"{file}#{chunk}", score=score, similarity=0.5, payload={
        "file": file, "page": page, "chunk": chunk, "text": text, "block_index": block,
        "char_start": start, "char_end": start + len(text)})


def test_neighbouring_chunks_merge_without_repeating_the_overlap():
    block = "Alpha beta gamma. Delta epsilon zeta. Eta theta iota."
    first, second = block[:30], block[20:]
    hits = [("L", _hit(4, second, 0.9, start=20)), ("L", _hit(3, first, 0.8, start=0)),
            ("L", _hit(9, "Far away chunk.", 0.7, start=400)), ("L", _hit(1, "Other page.", 0.6, page=2))]
    passages = rag.merge_neighbours(hits, limit=5)
    assert [p.chunks for p in passages] == [[3, 4], [9], [1]]
    merged = passages[0]
    assert merged.score == 0.9
    assert merged.text == block  # the chunk before joined in front, the overlap once


def test_a_passage_holds_at_most_three_chunks():
    hits = [("L", _hit(i, f"chunk {i}.", 1.0 - i / 10, start=i * 100)) for i in range(5)]
    passages = rag.merge_neighbours(hits, limit=5)
    assert [p.chunks for p in passages] == [[0, 1, 2], [3, 4]]


def test_following_chunk_in_the_same_block_is_appended_once():
    block = "One two three four five six seven eight nine ten."
    hits = [("L", _hit(0, block[:25], 0.9, start=0)), ("L", _hit(1, block[15:], 0.8, start=15))]
    (p,) = rag.merge_neighbours(hits, limit=3)
    assert p.text == block


def test_limit_counts_passages_not_hits():
    hits = [("L", _hit(i * 10, f"chunk {i}", 1.0 - i / 10, start=i * 100)) for i in range(6)]
    assert len(rag.merge_neighbours(hits, limit=4)) == 4


def test_budget_keeps_the_best_ranked_passages_that_fit_and_always_one():
    passages = [rag.Passage("L", f"/m/{i}.txt", None, None, "word " * n, 1.0 - i / 10, 0.5)
                for i, n in enumerate((50, 30, 40, 900))]
    count = lambda text: len(text.split())  # noqa: E731
    assert [p.file for p in rag.within_budget(passages, count, 100)] == ["/m/0.txt", "/m/1.txt"]
    assert [p.file for p in rag.within_budget(passages[3:], count, 100)] == ["/m/3.txt"]


# -- answers ----------------------------------------------------------------------------------------------


def test_markers_to_no_passage_are_removed_and_citations_marked():
    passages = [rag.Passage("L", "/m/a.pdf", 2, None, "text a", 0.5, 0.5), rag.Passage("L", "/m/b.md", None, "Damages", "b", 0.4, 0.4)]
    text, sources = rag.finish_answer("The deposit is three months [1][7]. See also [3] .", passages)
    assert text == "The deposit is three months [1]. See also."
    assert [(s["n"], s["cited"]) for s in sources] == [(1, True), (2, False)]
    assert sources[0]["page"] == 2 and sources[0]["file"] == "/m/a.pdf"


@pytest.mark.slow
def test_grounded_answer_from_the_demo_model(libraries, retriever, engine):
    libs, matter = libraries
    streamed: list[str] = []
    result = rag.answer(engine, retriever, "conv-1", [], "How much notice is needed to terminate the lease?",
                        [libs["Okafor"]], SamplingParams(max_tokens=48, seed=7, temperature=0.0),
                        base_prompt="You are careful.", on_token=streamed.append)
    assert result.finish_reason in ("stop", "length")
    assert result.text and result.sources
    assert result.sources[0]["file"] == str(matter / "lease.pdf") and result.sources[0]["page"] == 3
    assert set(result.sources[0]) >= {"n", "library", "file", "page", "excerpt", "score", "cited"}
    assert set(rag.cited_numbers(result.text)) <= {s["n"] for s in result.sources}
    assert {s["n"] for s in result.sources if s["cited"]} == set(rag.cited_numbers(result.text))
    assert result.prompt_tokens > 0 and result.ttft_ms >= result.retrieval_ms > 0
    # What streamed to the screen is the final answer as it was written: no marker the final text drops.
    assert _tidy("".join(streamed)).strip() == result.text


@pytest.mark.slow
def test_prompt_numbers_labelled_passages_and_fits_the_context(libraries, retriever, engine):
    libs, _ = libraries
    found = retriever.retrieve([libs["Okafor"]], "security deposit returned after keys", 4)
    blocks = [rag.passage_block(p) for p in found.passages]
    fitted = engine.fit(rag.system_prompt("Be brief."), [], blocks, "When is the deposit returned?", 256, rag.compose)
    user = fitted.messages[-1]["content"]
    assert user.startswith("Excerpts from the user's documents:\n\n[1] (lease.pdf, page 2)")
    assert user.endswith("Question: When is the deposit returned?")
    assert "Cite the excerpt" in fitted.messages[0]["content"] and "language of the question" in fitted.messages[0]["content"]
    assert fitted.prompt_tokens + fitted.max_tokens <= engine.loaded.n_ctx


@pytest.mark.slow
def test_a_long_history_and_many_passages_still_fit(libraries, retriever, engine):
    libs, _ = libraries
    history = []
    for i in range(30):
        history += [{"role": "user", "content": f"Question {i} about the lease terms and the deposit " * 8},
                    {"role": "assistant", "content": f"Answer {i}: the deposit is three months of rent. " * 8}]
    result = rag.answer(engine, retriever, "conv-long", history, "And the notice period?", [libs["Okafor"]],
                        SamplingParams(max_tokens=16, seed=1), top_k=6)
    assert result.finish_reason in ("stop", "length") and result.prompt_tokens + 16 <= engine.loaded.n_ctx
    small = rag.answer(engine, retriever, "conv-budget", [], "And the notice period?", [libs["Okafor"]],
                       SamplingParams(max_tokens=4, seed=1), top_k=6, passage_tokens=30)
    assert len(small.sources) == 1  # one passage always stays, however small the budget
    # "And the notice period?" leans on the earlier question: the search ran on both.
    assert result.query.startswith("Question 29 about the lease terms")


@pytest.mark.slow
def test_nothing_relevant_means_a_plain_answer_and_no_model_call(libraries, retriever, engine):
    libs, _ = libraries
    calls = []
    result = rag.answer(engine, retriever, "conv-2", [], "What is the boiling point of liquid nitrogen in kelvin?",
                        [libs["Okafor"]], SamplingParams(max_tokens=16), on_token=calls.append)
    assert result.finish_reason == "nothing-found" and result.sources == [] and calls == []
    assert "I found nothing about this in Okafor" in result.text


@pytest.mark.slow
def test_cancel_before_generation_returns_at_once(libraries, retriever, engine):
    libs, _ = libraries
    cancel = rag.Cancel()
    cancel.set()
    result = rag.answer(engine, retriever, "conv-3", [], "ninety days notice", [libs["Okafor"]],
                        SamplingParams(max_tokens=200), cancel=cancel)
    assert result.finish_reason == "cancelled" and result.tokens == 0


# -- streaming markers ------------------------------------------------------------------------------------

def _tidy(text: str) -> str:
    """The one thing clean_markers does that streaming cannot: "word [9]." becomes "word ." while
    streaming (the "." may not have arrived yet) and "word." in the final text."""
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", text)


def _stream(text: str, cuts: list[int], valid: int) -> str:
    """What the screen shows: the filtered pieces of `text`, cut at `cuts`, joined; nothing cleaned after."""
    f = MarkerFilter(valid)
    pieces, last = [], 0
    for cut in sorted(set(c % (len(text) + 1) for c in cuts)):
        pieces.append(f.feed(text[last:cut]))
        last = cut
    pieces.append(f.feed(text[last:]))
    return "".join(pieces) + f.flush()


def test_stream_filter_holds_a_marker_until_it_closes():
    f = MarkerFilter(2)
    assert f.feed("The notice is ninety days [") == "The notice is ninety days "
    assert f.feed("1") == ""
    assert f.feed("][9] and [a list] [") == "[1] and [a list] "
    assert f.flush() == "["


def test_streamed_text_is_the_final_text():
    text = "Notice is ninety days [1][7]. The deposit [2, 9] is three months [3-4] ([a note])."
    streamed = _stream(text, [24, 25, 27, 40, 41], valid=2)
    assert streamed == "Notice is ninety days [1]. The deposit [2] is three months  ([a note])."
    assert _tidy(streamed) == clean_markers(text, range(1, 3))


@hsettings(max_examples=1000, deadline=None)
@given(st.text(alphabet="ab [],-1239.", max_size=60), st.lists(st.integers(0, 60), max_size=8), st.integers(0, 4))
def test_streaming_shows_exactly_the_cleaned_answer(text, cuts, valid):
    streamed = _stream(text, cuts, valid)
    # Compared raw: a filter that let any marker through would show it here.
    assert set(cited_numbers(streamed)) <= set(range(1, valid + 1))
    assert _tidy(streamed) == clean_markers(text, range(1, valid + 1))


@pytest.mark.parametrize("text", ["[1[9]]", "x [2, [9]3] y", "[[9]5]"])
def test_a_marker_joined_by_removing_an_inner_one_is_held(text):
    streamed = _stream(text, [], valid=0)
    assert cited_numbers(streamed) == [] and _tidy(streamed) == clean_markers(text, range(0))
