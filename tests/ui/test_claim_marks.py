"""The claim check in the window, from a hand-written answer and its claims: the unsupported sentences,
and only they, are marked "check this" on their exact text; tooltips carry the backing passage or the
reason; the line under the answer counts them; the Markdown still renders."""
import re

from PySide6.QtCore import QEvent
from PySide6.QtGui import QHelpEvent, QTextCursor, QTextDocument, QTextFormat
from PySide6.QtWidgets import QApplication, QToolTip

from app.ui import markdown_render
from app.ui.chat_view import ChatView
from app.ui.markdown_render import check_summary, render
from app.ui.services import ShownMessage

SOURCES = [
    {"n": 1, "library": "Leases", "file": "/docs/lease.pdf", "page": 3,
     "excerpt": "Either party may terminate the agreement with ninety days written notice.", "score": 0.8, "cited": True},
    {"n": 2, "library": "Leases", "file": "/docs/memo.txt", "page": None,
     "excerpt": "The tenant pays a deposit of three months rent before moving in.", "score": 0.6, "cited": True},
]
ANSWER = ("The agreement can be ended with **ninety days** written notice [1]. The notice must reach the "
          "landlord by 4 June [1].\n\n- The deposit is three months rent [2].\n- It is refunded within 60 days [2].\n\n"
          "I hope this helps.")
CLAIMS = [
    {"text": "The agreement can be ended with **ninety days** written notice [1]. ", "sources": [1], "supported": True,
     "reason": "supported by [1]"},
    {"text": "The notice must reach the landlord by 4 June [1].\n\n", "sources": [1], "supported": False,
     "reason": "the number 4 does not appear in [1]"},
    {"text": "- The deposit is three months rent [2].\n", "sources": [2], "supported": True,
     "reason": "supported by [2]"},
    {"text": "- It is refunded within 60 days [2].\n\n", "sources": [2], "supported": False,
     "reason": "the number 60 does not appear in [2]"},
    {"text": "I hope this helps.", "sources": [], "supported": True, "reason": "no statement to check"},
]


def _fragments(doc: QTextDocument) -> list[tuple[str, str, bool, int]]:
    """(text, tooltip, highlighted, position) of every run of text the document shows."""
    out = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            fmt = frag.charFormat()
            highlighted = fmt.hasProperty(QTextFormat.Property.BackgroundBrush) and fmt.background().color().alpha() > 0
            out.append((frag.text(), fmt.toolTip(), highlighted, frag.position()))
            it += 1
        block = block.next()
    return out


def _words(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text)


def shown_words(markdown: str) -> str:
    """The letters and digits of Markdown as the document shows it: without list numbers and bullets."""
    return _words(re.sub(r"(?m)^[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+|#{1,6}[ \t]+|>[ \t]?)*", "", markdown))


def check_marks(doc: QTextDocument, claims: list[dict], sources: list[dict]) -> None:
    """Asserts that the document marks exactly the unsupported claims, each with a "check" marker whose
    tooltip gives the reason and the cited passages, and that supported ones show their passage."""
    fragments = _fragments(doc)
    unsupported = [c for c in claims if not c["supported"]]
    highlighted = "".join(text for text, _tip, lit, _p in fragments if lit)
    assert _words(highlighted) == "".join(shown_words(c["text"]) for c in unsupported)
    markers = [tip for text, tip, _lit, _p in fragments if text.strip() == markdown_render.CHECK_MARKER]
    assert len(markers) == len(unsupported)
    by_n = {s["n"]: s for s in sources}
    for claim, tip in zip(unsupported, markers):
        assert tip.startswith(f"Check this: {claim['reason']}.")
        for n in claim["sources"]:
            assert f"[{n}] {by_n[n]['file'].rsplit('/', 1)[-1]}" in tip
    tips = [tip for _text, tip, _lit, _p in fragments]
    for claim in claims:
        if claim["supported"] and claim["reason"].startswith("supported by"):
            source = by_n[claim["sources"][0]]
            page = f", page {source['page']}" if source.get("page") else ""
            label = f"Backed by [{source['n']}] {source['file'].rsplit('/', 1)[-1]}{page}\n\u201c"
            assert any(tip.startswith(label) and " ".join(source["excerpt"].split()[:4]) in tip for tip in tips)
            assert not any(lit for _text, tip, lit, _p in fragments if tip.startswith(label))


def _doc(html: str) -> QTextDocument:
    doc = QTextDocument()
    doc.setHtml(html)
    return doc


def test_the_claims_join_back_to_the_answer():
    assert "".join(c["text"] for c in CLAIMS) == ANSWER


def test_exactly_the_unsupported_claims_are_marked_with_their_reason(qapp):
    check_marks(_doc(render(ANSWER, CLAIMS, SOURCES)), CLAIMS, SOURCES)
    fragments = _fragments(_doc(render(ANSWER, CLAIMS, SOURCES)))
    highlighted = "".join(text for text, _tip, lit, _p in fragments if lit)
    assert _words(highlighted) == _words("The notice must reach the landlord by 4 June [1]."
                                         "It is refunded within 60 days [2].")
    markers = [tip for text, tip, _lit, _p in fragments if text.strip() == markdown_render.CHECK_MARKER]
    assert len(markers) == 2  # one small "check" after each unsupported sentence
    assert markers[0].startswith("Check this: the number 4 does not appear in [1].")
    assert "[1] lease.pdf, page 3" in markers[0] and "ninety days written notice" in markers[0]
    assert markers[1].startswith("Check this: the number 60 does not appear in [2].") and "[2] memo.txt" in markers[1]
    tips = {tip for text, tip, lit, _p in fragments if lit and text.strip() and not re.fullmatch(r"\[\d+\]", text)}
    assert tips == set(markers)  # the highlighted text says the same as its marker ([n] says "Open source n")


def test_supported_sentences_stay_plain_and_show_their_passage(qapp):
    fragments = _fragments(_doc(render(ANSWER, CLAIMS, SOURCES)))
    backed = [(text, tip) for text, tip, lit, _p in fragments if tip.startswith("Backed by")]
    assert backed and not any(lit for text, tip, lit, _p in fragments if tip.startswith("Backed by"))
    first = next(tip for text, tip in backed if "ninety" in text)
    assert first == ("Backed by [1] lease.pdf, page 3\n"
                     "\u201cEither party may terminate the agreement with ninety days written notice.\u201d")
    deposit = next(tip for text, tip in backed if "deposit" in text)
    assert deposit.startswith("Backed by [2] memo.txt\n\u201cThe tenant pays a deposit")
    closing = [(tip, lit) for text, tip, lit, _p in fragments if "hope this helps" in text]
    assert closing == [("", False)]  # nothing to check: no mark, no tooltip


def test_markdown_and_citations_render_as_before_with_claims(qapp):
    html = render(ANSWER, CLAIMS, SOURCES)
    assert "<strong>" in html and html.count("<li>") == 2
    assert 'href="cite:1"' in html and 'href="cite:2"' in html
    assert not re.search("[\U000F0000-\U000FFFFD]", html)  # the claim marks used on the way never show
    plain = _doc(render(ANSWER)).toPlainText()
    marked = re.sub(r"\s" + markdown_render.CHECK_MARKER, "", _doc(html).toPlainText())
    assert marked == plain  # the same text, only marked
    table = "| Term | Days |\n|---|---|\n| Notice | 90 |\n"
    claims = [{"text": "| Term | Days |\n|---|---|\n", "sources": [], "supported": False, "reason": "no source says this"},
              {"text": "| Notice | 90 |\n", "sources": [1], "supported": True, "reason": "supported by [1]"}]
    rendered = render(table, claims, SOURCES)
    assert "<table>" in rendered and rendered.count("<td>") == 2
    lit = [text for text, _tip, lit, _p in _fragments(_doc(rendered)) if lit]
    assert _words("".join(lit)) == "TermDays"


def test_claims_that_do_not_match_the_text_mark_nothing(qapp):
    assert render(ANSWER, CLAIMS[:-1], SOURCES) == render(ANSWER)
    assert render(ANSWER, [], SOURCES) == render(ANSWER)


def test_the_line_under_the_answer_counts_what_to_check():
    assert check_summary(CLAIMS) == "2 of 4 statements are not backed by the sources \u2014 check them."
    assert check_summary(CLAIMS[:2] + CLAIMS[2:3]) == "1 of 3 statements is not backed by the sources \u2014 check it."
    assert check_summary(CLAIMS[1:2]) == "This statement is not backed by the sources \u2014 check it."
    assert check_summary([c for c in CLAIMS if c["supported"]]) == ""
    assert check_summary([]) == ""


def test_the_answer_widget_marks_its_claims_and_hovering_shows_why(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    view.add_message(ShownMessage("user", "How can the lease end?"))
    widget = view.add_message(ShownMessage("assistant", ANSWER, sources=SOURCES, claims=CLAIMS))
    qtbot.waitUntil(widget.check_note.isVisible, timeout=5000)
    assert "2 of 4 statements are not backed by the sources \u2014 check them." in widget.check_note.text()
    # Hover the unsupported sentence about June: its tooltip gives the reason.
    doc = widget.text.document()
    cursor = QTextCursor(doc)
    cursor.setPosition(doc.find("4 June").selectionStart() + 1)
    point = widget.text.cursorRect(cursor).center()
    QApplication.sendEvent(widget.text.viewport(),
                           QHelpEvent(QEvent.Type.ToolTip, point, widget.text.viewport().mapToGlobal(point)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=5000)
    assert QToolTip.text().startswith("Check this: the number 4 does not appear in [1].")
    QToolTip.hideText()
    # An answer without claims (a plain chat answer, or one saved before the claim check) has no line.
    plain = view.add_message(ShownMessage("assistant", "Ninety days [1].", sources=SOURCES))
    assert not plain.check_note.isVisibleTo(plain) and "check" not in plain.text.toPlainText()
