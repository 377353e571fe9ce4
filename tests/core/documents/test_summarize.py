"""Summaries on the real demo model: parts that fit the context, progress per part, every statement
citing a page of the document, cancel keeping what was read, and the summary saved as a conversation."""
from __future__ import annotations

import pytest

from app.core.answers.rag import Cancel
from app.core.documents.summarize import NOT_SUPPORTED, Summarizer, attribute, check_statements, save_summary
from app.core.documents.document_text import Piece
from tests.core.documents.conftest import load_engine
from tests.core.embedder_fixture import embedder  # noqa: F401  (session fixture)
from tests.core.ingest_files import pdf_bytes
from tests.helpers.keychain import no_keychain  # noqa: F401 (fixture)

PAGES = [f"Clause {n}. The Supplier shall deliver {n * 10} tonnes of grain to the Buyer in month {n}, "
         f"and the Buyer shall pay EUR {n * 1000} within 30 days of the delivery note. Title passes on delivery; risk "
         f"passes when the grain is unloaded at the Buyer's mill." for n in range(1, 9)]


@pytest.fixture(scope="module")
def engine():
    eng = load_engine(512)  # a small context: the eight pages need several parts
    yield eng
    eng.close()


@pytest.fixture
def contract(tmp_path):
    path = tmp_path / "supply.pdf"
    path.write_bytes(pdf_bytes(PAGES))
    return path


def test_map_reduce_reports_parts_and_every_statement_cites_a_page(engine, contract):
    progress: list[str] = []
    summary = Summarizer(engine, max_tokens=60).summarize(contract, on_progress=progress.append)
    assert summary.parts > 1 and summary.parts_done == summary.parts and summary.finish_reason == "stop"
    assert [p for p in progress if p.startswith("reading")] == [
        f"reading part {i} of {summary.parts}" for i in range(1, summary.parts + 1)]
    assert any(p.startswith("combining") for p in progress)
    assert summary.text and summary.claims
    pages = {s["n"]: s["page"] for s in summary.sources}
    assert set(pages.values()) <= set(range(1, 9))
    for claim in summary.claims:
        if claim["supported"]:
            assert claim["sources"] and all(n in pages for n in claim["sources"])
        else:
            assert claim["reason"] == NOT_SUPPORTED
    assert summary.timings["requests"] == summary.parts + (len(progress) - summary.parts)


def test_cancel_keeps_the_parts_already_read(engine, contract):
    cancel = Cancel()
    seen: list[str] = []

    def progress(text):
        seen.append(text)
        if text.startswith("reading part 2"):
            cancel.set()

    summary = Summarizer(engine, max_tokens=60).summarize(contract, cancel=cancel, on_progress=progress)
    assert summary.finish_reason == "cancelled" and summary.parts_done == 1 and summary.parts >= 2
    assert summary.text  # part 1's summary is kept


def test_statements_without_markers_are_mapped_to_the_passage_that_shares_their_words():
    passages = {1: Piece("The rent is GBP 4,000 per quarter.", 1), 2: Piece("Governed by the laws of Scotland.", 2)}
    text, claims = attribute("The laws of Scotland govern it. The moon is bright. Rent is GBP 4,000 [1][7].", passages)
    assert [c["sources"] for c in claims] == [[2], [], [1]]
    assert claims[1]["supported"] is False and "[7]" not in text and "Scotland govern it. [2]" in text


def test_the_summary_is_saved_as_a_conversation_that_exports(monkeypatch, no_keychain, engine, contract):
    from app.core.foundation import instance
    from app.core.history.conversations import History
    from app.core.history.export import to_markdown
    from app.core.privacy.keystore import KeyStore

    monkeypatch.setenv("STRONGROOM_PASSPHRASE", "summary test passphrase")
    summary = Summarizer(engine, max_tokens=30).summarize(contract)
    try:
        with History(KeyStore()) as history:
            cid = save_summary(history, summary, "smollm2-135m-instruct", ["Matter"])
            [conv] = [c for c in history.list_conversations() if c.id == cid]
            messages = history.messages(cid)
    finally:
        instance.release()
    assert conv.title == "Summary of supply.pdf" and conv.libraries == ["Matter"]
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[1].content == summary.text and messages[1].sources == summary.sources
    assert "supply.pdf" in to_markdown(conv.title, messages, ["Matter"])


def test_with_an_embedding_model_a_changed_fact_is_marked_however_close_the_wording(embedder):
    passages = {1: Piece("The Buyer shall pay EUR 3000 within 30 days of the delivery note.", 2),
                2: Piece("This agreement is governed by the laws of Scotland.", 5)}
    claims = check_statements("The Buyer pays EUR 3000 within 30 days of delivery [1]. The Buyer pays EUR 3000 "
                              "within 60 days of delivery [1]. Scots law governs the agreement.", passages,
                              embedder.embed_passages)
    assert [c["supported"] for c in claims] == [True, False, True]
    assert claims[0]["sources"] == [1] and claims[2]["sources"] == [2]
    assert "60" in claims[1]["reason"]


def test_the_summary_of_a_document_is_checked_when_an_embedder_is_given(engine, contract, embedder):
    progress: list[str] = []
    summary = Summarizer(engine, max_tokens=40, embed=embedder.embed_passages).summarize(
        contract, on_progress=progress.append)
    assert progress[-1] == "checking the summary against the document"
    pages = {s["n"] for s in summary.sources}
    assert summary.claims and all(set(c["sources"]) <= pages for c in summary.claims)
    # judged by the claim check, which gives every claim its reason (shared words leave supported ones empty)
    assert all(c["reason"] and c["reason"] != NOT_SUPPORTED for c in summary.claims)
