"""Exporting a conversation from the real encrypted history to Markdown and Word files."""
import os
import stat

import keyring
import pytest
from docx import Document
from keyring.backends import fail

from app.core.foundation import instance
from app.core.history.export import ExportError, cited_sources, export_conversation
from app.core.history.conversations import History
from app.core.privacy.keystore import KeyStore

SOURCES = [
    {"n": 1, "library": "Meridian", "file": "/matters/meridian/lease.pdf", "page": 4,
     "excerpt": "Either party may terminate this lease with ninety (90) days' written notice.", "score": 0.8},
    {"n": 2, "library": "Meridian", "file": "/matters/meridian/memo.txt", "page": None,
     "excerpt": "Notice periods in the 2019 template were shorter.", "score": 0.5},
    {"n": 3, "library": "Meridian", "file": "/matters/meridian/unused.txt", "page": None, "excerpt": "x", "score": 0.1},
]
ANSWER = "Ninety days' written notice is required [1], longer than the older template [2]."


@pytest.fixture
def conversation(monkeypatch):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("STRONGROOM_PASSPHRASE", "export test passphrase")
    h = History(KeyStore())
    cid = h.create_conversation("Notice period", libraries=["Meridian"])
    h.add_message(cid, "user", "How much notice ends the lease?")
    h.add_message(cid, "assistant", ANSWER, sources=SOURCES, model="smollm2-135m-instruct")
    yield h, cid
    h.close()
    keyring.set_keyring(previous)
    instance.release()


def test_only_cited_sources_in_citation_order():
    cited = cited_sources("First [2], then [1][2], and [9] points nowhere.", SOURCES)
    assert [c.n for c in cited] == [2, 1]
    assert cited[1].where == "/matters/meridian/lease.pdf, page 4" and cited[0].where == "/matters/meridian/memo.txt"


def test_markdown_export(conversation, tmp_path):
    h, cid = conversation
    out = export_conversation(tmp_path / "notice.md", "Notice period", h.messages(cid), ["Meridian"])
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Notice period\n")
    assert "Libraries searched: Meridian" in text and "How much notice ends the lease?" in text
    assert ANSWER in text
    assert "[1] /matters/meridian/lease.pdf, page 4" in text and "ninety (90) days" in text
    assert "[2] /matters/meridian/memo.txt" in text
    # The passage found but not cited is listed after the cited ones, under its own label.
    cited, also = text.split("Also retrieved (not cited):")
    assert "unused.txt" not in cited and "[3] /matters/meridian/unused.txt" in also
    # The model by its catalog name and id, and the demo model's caveat, at the top and on the answer.
    assert "Model: SmolLM2 135M Instruct (demo) [smollm2-135m-instruct]" in text
    assert "model: SmolLM2 135M Instruct (demo) [smollm2-135m-instruct])" in text
    assert text.count("built-in demo model") == 2
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_word_export_reads_back(conversation, tmp_path):
    h, cid = conversation
    out = export_conversation(tmp_path / "Notice.DOCX", "Notice period", h.messages(cid), ["Meridian"])
    doc = Document(str(out))
    paragraphs = [p.text for p in doc.paragraphs]
    assert doc.core_properties.title == "Notice period"
    assert "How much notice ends the lease?" in paragraphs and ANSWER in paragraphs
    assert "[1] /matters/meridian/lease.pdf, page 4" in paragraphs
    also = paragraphs.index("Also retrieved (not cited):")
    assert [i for i, p in enumerate(paragraphs) if "unused.txt" in p] == [also + 1]
    assert any(p.startswith("Caveat: written by the built-in demo model") for p in paragraphs)


@pytest.mark.parametrize("name, message", [
    ("notice.pdf", "choose .md, .txt or .docx"),
    ("notice", "without an extension"),
])
def test_unsupported_target_is_refused_plainly(conversation, tmp_path, name, message):
    h, cid = conversation
    out = tmp_path / "exports"
    out.mkdir()
    with pytest.raises(ExportError, match=message):
        export_conversation(out / name, "Notice period", h.messages(cid))
    assert list(out.iterdir()) == []


def test_a_folder_named_like_a_file_is_refused_and_untouched(conversation, tmp_path):
    h, cid = conversation
    folder = tmp_path / "looks-like.md"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExportError, match="is a folder"):
        export_conversation(folder, "Notice period", h.messages(cid))
    assert (folder / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_existing_file_is_replaced_whole(conversation, tmp_path):
    h, cid = conversation
    (tmp_path / "exports").mkdir()
    target = tmp_path / "exports" / "notice.md"
    target.write_text("old export " * 1000, encoding="utf-8")
    export_conversation(target, "Notice period", h.messages(cid))
    assert "old export" not in target.read_text(encoding="utf-8")
    assert [p.name for p in target.parent.iterdir()] == ["notice.md"]  # no temp file left behind


CHECKED = "Notice is ninety days [1]. The landlord pays the removal costs [2]."
CLAIMS = [{"text": "Notice is ninety days [1]. ", "sources": [1], "supported": True, "reason": "supported by [1]"},
          {"text": "The landlord pays the removal costs [2].", "sources": [2], "supported": False,
           "reason": "no source says this"}]


def test_exports_keep_the_claim_check_marks(conversation, tmp_path):
    h, cid = conversation
    h.add_message(cid, "user", "Who pays for moving out?")
    h.add_message(cid, "assistant", CHECKED, sources=SOURCES, claims=CLAIMS)
    md = export_conversation(tmp_path / "out.md", "Notice", h.messages(cid)).read_text(encoding="utf-8")
    assert "Notice is ninety days [1]. **\u26a0 check:** The landlord pays the removal costs [2]." in md
    assert "1 of 2 statements are not backed by the sources" in md
    assert "- The landlord pays the removal costs [2]. (no source says this)" in md
    assert md.count("\u26a0 check:") == 1  # the earlier answer had no claims: nothing marked
    assert "Caveat: 1 statement of this answer is not backed by the sources" in md

    doc = Document(export_conversation(tmp_path / "out.docx", "Notice", h.messages(cid)))
    runs = [r for p in doc.paragraphs for r in p.runs]
    highlighted = [r.text for r in runs if r.font.highlight_color is not None]
    assert highlighted == ["The landlord pays the removal costs [2]."]
    texts = [p.text for p in doc.paragraphs]
    assert "Notice is ninety days [1]. \u26a0 check: The landlord pays the removal costs [2]." in texts
    assert any(t.startswith("1 of 2 statements") for t in texts)


def test_caveats_follow_the_model_and_the_citations(conversation, tmp_path):
    """No caveat for a catalog model that is not the demo; one for an answer that cites nothing it found."""
    h, cid = conversation
    h.add_message(cid, "user", "And the deposit?")
    h.add_message(cid, "assistant", "The deposit is three months.", sources=SOURCES, model="mistral-7b-instruct-v0.3")
    md = export_conversation(tmp_path / "out.md", "Notice", h.messages(cid)).read_text(encoding="utf-8")
    last = md.split("## Question")[-1]
    assert "built-in demo model" not in last and "Mistral 7B" in last
    assert "Caveat: this answer cites none of the passages found" in last
    assert "Sources:" not in last and last.count("Also retrieved (not cited):") == 1
