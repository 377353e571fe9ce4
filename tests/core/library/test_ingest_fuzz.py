"""Property tests: parsers only ever raise ParseError; chunks keep their invariants on any text."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.library.ingest import (SUPPORTED_SUFFIXES, Block, ParsedDocument, ParseError, chunk_document,
                             load_tokenizer, parse_bytes)
from app.core.foundation.paths import demo_embedding_dir
from tests.core.ingest_files import email_bytes, pdf_bytes, write_docx, write_odt
from tests.core.library.test_ingest_chunker import check_invariants

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _parse_or_refuse(data: bytes, name: str) -> None:
    try:
        doc = parse_bytes(data, Path(name))
    except ParseError as exc:
        assert exc.reason and isinstance(exc.reason, str)
        return
    assert isinstance(doc, ParsedDocument)
    for block in doc.blocks:
        assert isinstance(block.text, str)


@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_only_raise_parse_error(suffix, data):
    _parse_or_refuse(data, f"f{suffix}")


def _seed_files() -> dict[str, bytes]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        docx = write_docx(Path(folder) / "a.docx").read_bytes()
        odt = write_odt(Path(folder) / "a.odt").read_bytes()
    return {
        ".pdf": pdf_bytes(["Rent is due.", None]),
        ".docx": docx,
        ".odt": odt,
        ".eml": email_bytes([("n.pdf", "application/pdf", pdf_bytes(["Note"]))]),
        ".rtf": rb"{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 Dear M\'fcller,\par Regards.}",
        ".html": b"<html><head><title>T</title></head><body><h1>A</h1><p>Text &amp; more</p></body></html>",
        ".md": "# Title\n\nText with é.\n\n## Sub\n\n```\ncode\n```\n".encode(),
    }


SEEDS = _seed_files()


@pytest.mark.parametrize("suffix", sorted(SEEDS))
@FUZZ
@given(edits=st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=8)), min_size=1, max_size=6),
       cut=st.floats(0.05, 1.0))
def test_damaged_real_files_only_raise_parse_error(suffix, edits, cut):
    data = bytearray(SEEDS[suffix])
    for where, junk in edits:  # overwrite a few spots, then maybe truncate
        at = int(where * (len(data) - 1))
        data[at:at + len(junk)] = junk
    _parse_or_refuse(bytes(data[: max(1, int(len(data) * cut))]), f"f{suffix}")


TOKENIZER = load_tokenizer(demo_embedding_dir()) if demo_embedding_dir() else None
TEXT = st.text(alphabet=st.sampled_from(list("abcdefghij XYZ .,!?;:'\"()\n\n\t-") + ["é", "ß", "中", "文", "\u00a0",
                                                                                      "\u2028", "€", "😀", "\x0b"]),
               max_size=3000)


@pytest.mark.skipif(TOKENIZER is None, reason="the demo embedding model is not installed")
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXT, min_size=1, max_size=3), max_tokens=st.integers(4, 80), overlap=st.integers(0, 60))
def test_chunk_invariants_on_any_text(texts, max_tokens, overlap):
    doc = ParsedDocument(path=Path("f.txt"), title="f", blocks=[Block(t, page=i + 1) for i, t in enumerate(texts)])
    chunks = chunk_document(doc, TOKENIZER, max_tokens=max_tokens, overlap=overlap)
    check_invariants(doc, chunks, TOKENIZER, max_tokens)
    assert chunks == chunk_document(doc, TOKENIZER, max_tokens=max_tokens, overlap=overlap)
