"""The chunker with the real embedding model's tokenizer."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.core.library.ingest import Block, ParsedDocument, chunk_document, load_tokenizer, parse_file
from tests.core.ingest_files import pdf_bytes, write_docx

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def tokenizer(demo_embedding_dir):
    return load_tokenizer(demo_embedding_dir)


def tokens(tokenizer, text: str) -> int:
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


def doc_of(*texts: str, **block_fields) -> ParsedDocument:
    return ParsedDocument(path=Path("x.txt"), title="x", blocks=[Block(text=t, **block_fields) for t in texts])


def check_invariants(doc: ParsedDocument, chunks, tokenizer, max_tokens: int) -> None:
    assert [c.index for c in chunks] == list(range(len(chunks)))
    covered = {i: bytearray(len(b.text)) for i, b in enumerate(doc.blocks)}
    for c in chunks:
        block = doc.blocks[c.block_index]
        assert block.text[c.char_start:c.char_end] == c.text
        assert c.text and c.text == c.text.strip()
        assert (c.page, c.heading) == (block.page, block.heading)
        assert tokens(tokenizer, c.text) <= max_tokens
        covered[c.block_index][c.char_start:c.char_end] = b"\1" * (c.char_end - c.char_start)
    for i, block in enumerate(doc.blocks):
        missing = [ch for ch, hit in zip(block.text, covered[i]) if not hit and not ch.isspace()]
        assert not missing, f"block {i}: characters in no chunk: {''.join(missing[:40])!r}"


def test_tokenizer_loads_without_truncation(tokenizer):
    assert tokens(tokenizer, "word " * 1000) == 1000  # the model's own file truncates at 128


def test_tokenizer_and_chunker_do_not_import_torch(demo_embedding_dir):
    code = ("import sys; from pathlib import Path; from app.core.library.ingest import *\n"
            "t = load_tokenizer(Path(sys.argv[1]))\n"
            "chunk_document(ParsedDocument(Path('a'), 'a', [Block('hello world')]), t)\n"
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(demo_embedding_dir)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


def test_real_documents_chunk_within_limits(tmp_path, tokenizer):
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(pdf_bytes(["Clause %d. The lessee shall maintain the premises in good repair." % i for i in range(40)]))
    for path in (pdf, write_docx(tmp_path / "b.docx")):
        doc = parse_file(path)
        chunks = chunk_document(doc, tokenizer)
        check_invariants(doc, chunks, tokenizer, 200)
        assert {c.block_index for c in chunks} == set(range(len(doc.blocks)))


def test_breaks_at_paragraph_then_sentence_ends(tokenizer):
    paragraph = " ".join(f"The court considered argument number {i} carefully." for i in range(12))
    doc = doc_of("\n\n".join([paragraph] * 6))
    chunks = chunk_document(doc, tokenizer, max_tokens=200, overlap=0)
    check_invariants(doc, chunks, tokenizer, 200)
    assert len(chunks) >= 3
    for c in chunks[:-1]:
        assert c.text.endswith("carefully."), c.text[-40:]
    # With room for a whole paragraph and a bit, a chunk ends where a paragraph ends.
    ends = [doc.blocks[0].text[c.char_end:c.char_end + 2] for c in chunks[:-1]]
    assert "\n\n" in ends


def test_overlap_repeats_the_end_of_the_previous_chunk(tokenizer):
    doc = doc_of(" ".join(f"word{i}" for i in range(3000)))
    chunks = chunk_document(doc, tokenizer, max_tokens=100, overlap=20)
    check_invariants(doc, chunks, tokenizer, 100)
    for before, after in zip(chunks, chunks[1:]):
        assert before.char_start < after.char_start < before.char_end
        shared = doc.blocks[0].text[after.char_start:before.char_end]
        assert 10 <= tokens(tokenizer, shared) <= 25


def test_chunks_never_cross_blocks_and_keep_page_and_heading(tokenizer):
    doc = ParsedDocument(path=Path("a.pdf"), title="a", kind="pdf", blocks=[
        Block("First page ends mid", page=1), Block("sentence on page two.", page=2),
        Block("   \n\t  ", page=3), Block("Heading text.", heading="Part I > Section 5")])
    chunks = chunk_document(doc, tokenizer)
    assert [(c.text, c.block_index, c.page, c.heading) for c in chunks] == [
        ("First page ends mid", 0, 1, None), ("sentence on page two.", 1, 2, None),
        ("Heading text.", 3, None, "Part I > Section 5")]


def test_unbroken_text_falls_back_to_token_and_character_limits(tokenizer):
    doc = doc_of("x" * 50_000, "中文法律文件" * 3000, "https://example.org/" + "a1b2" * 5000)
    chunks = chunk_document(doc, tokenizer, max_tokens=64, overlap=8)
    check_invariants(doc, chunks, tokenizer, 64)
    assert max(len(c.text) for c in chunks) <= 64 * 16


def test_deterministic(tokenizer, tmp_path):
    doc = parse_file(write_docx(tmp_path / "c.docx"))
    assert chunk_document(doc, tokenizer, 20, 5) == chunk_document(doc, tokenizer, 20, 5)


def test_large_single_line_file_parses_and_chunks(tmp_path, tokenizer):
    path = tmp_path / "dump.txt"
    sentence = "The parties agree that this clause is severable from the remainder. "
    path.write_text(sentence * (1024**2 // len(sentence)))
    doc = parse_file(path)
    chunks = chunk_document(doc, tokenizer)
    text = doc.blocks[0].text
    assert len(chunks) > 1000
    assert all(text[c.char_start:c.char_end] == c.text for c in chunks)
    assert chunks[-1].char_end == len(text)
    sample = chunks[:: len(chunks) // 50]
    assert max(tokens(tokenizer, c.text) for c in sample) <= 200


def test_tokenizer_is_loaded_once_per_folder(demo_embedding_dir, tokenizer):
    assert load_tokenizer(demo_embedding_dir) is tokenizer
    assert load_tokenizer(Path(str(demo_embedding_dir) + "/")) is tokenizer


def test_a_tokenizer_that_does_not_split_on_whitespace_still_chunks_every_character():
    """A Metaspace (SentencePiece-style) tokenizer: the chunker recounts instead of trusting offsets."""
    import tokenizers
    from tokenizers import models, pre_tokenizers, trainers

    from app.core.library.ingest.chunker import _splits_on_whitespace

    text = " ".join(f"Clause {i} obliges the lessee to keep the premises in good repair." for i in range(120))
    spm = tokenizers.Tokenizer(models.Unigram())
    spm.pre_tokenizer = pre_tokenizers.Metaspace()
    spm.train_from_iterator([text], trainers.UnigramTrainer(vocab_size=60, show_progress=False))
    assert not _splits_on_whitespace(spm)
    doc = doc_of(text)
    chunks = chunk_document(doc, spm, max_tokens=50, overlap=10)
    assert len(chunks) > 10
    check_invariants(doc, chunks, spm, 50)


def test_the_embedding_tokenizer_splits_on_whitespace(tokenizer):
    from app.core.library.ingest.chunker import _splits_on_whitespace

    assert _splits_on_whitespace(tokenizer)
