"""Every supported format parsed from a real file on disk."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.core.library.ingest import SUPPORTED_SUFFIXES, ParseError, parse_file, supported
from tests.core.ingest_files import email_bytes, pdf_bytes, write_docx, write_odt

CORPUS = Path(__file__).resolve().parents[2] / "eval" / "corpus"
# Real-world PDFs the repository ships (tests/eval/corpus/SOURCES.md): two typeset by other projects'
# tool chains (Texinfo, DocBook), one typeset from a licence text. (file, title, pages, a phrase and
# the first page it is on)
CORPUS_PDFS = [
    ("manuals/libtasn1.pdf", "libtasn1", 36, "asn1_write_value", 14),
    ("manuals/shared-mime-info-spec.pdf", "shared-mime-info-spec", 17, "Recommended checking order", 14),
    ("licenses/MPL-1.1.pdf", "Mozilla Public License 1.1", 7, "1.0.1. \"Commercial Use\" means", 1),
]


def test_supported_suffixes():
    for suffix in (".pdf", ".docx", ".txt", ".md", ".rst", ".html", ".htm", ".eml", ".odt", ".rtf",
                   ".png", ".jpg", ".jpeg", ".tif", ".tiff"):
        assert suffix in SUPPORTED_SUFFIXES
        assert supported(Path(f"Brief{suffix.upper()}"))
    assert not supported(Path("photo.gif"))
    assert not supported(Path("~$Brief.docx"))  # Word's lock file


def test_pdf_pages_titles_and_scanned_pages(tmp_path):
    path = tmp_path / "lease.pdf"
    path.write_bytes(pdf_bytes(["Article 1 (Rent)\nRent is due monthly.", None, "Article 2\nTermination."], title="Lease"))
    doc = parse_file(path)
    assert doc.kind == "pdf" and doc.title == "Lease"
    assert [b.page for b in doc.blocks] == [1, 3]
    assert "Article 1 (Rent)\nRent is due monthly." in doc.blocks[0].text
    assert doc.needs_ocr_pages == [2]


def test_fully_scanned_pdf_is_not_an_error(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf_bytes([None, None, None]))
    doc = parse_file(path)
    assert doc.blocks == [] and doc.needs_ocr_pages == [1, 2, 3]
    assert doc.title == "scan"


@pytest.mark.parametrize(("name", "title", "pages", "phrase", "page"), CORPUS_PDFS)
def test_real_world_pdfs(name, title, pages, phrase, page):
    doc = parse_file(CORPUS / name)
    assert doc.kind == "pdf" and doc.title == title
    assert [b.page for b in doc.blocks] == list(range(1, pages + 1))  # every page, in order, none scanned
    assert doc.needs_ocr_pages == []
    assert all(b.text.strip() and "\r" not in b.text for b in doc.blocks)
    found = [b.page for b in doc.blocks if phrase in b.text]
    assert (found[0] if found else None) == page


def test_docx_headings_paragraphs_and_tables(tmp_path):
    doc = parse_file(write_docx(tmp_path / "contract.docx", title="Lease Agreement"))
    assert doc.kind == "docx" and doc.title == "Lease Agreement"
    headings = [b.heading for b in doc.blocks]
    assert headings == ["Part I", "Part I > Section 5", "Part II"]
    assert "first day of each month" in doc.blocks[0].text
    assert "Acme Holdings | Landlord" in doc.blocks[1].text
    assert "ninety days" in doc.blocks[2].text


def test_docx_title_falls_back_to_first_heading(tmp_path):
    assert parse_file(write_docx(tmp_path / "c.docx")).title == "Part I"


def test_plain_text_encodings(tmp_path):
    text = "Señora Müller signed the déclaration — § 4 applies.\nSecond line."
    for name, data in {
        "utf8.txt": text.encode("utf-8"),
        "utf8bom.txt": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "cp1252.txt": text.encode("cp1252"),
        "utf16bom.txt": text.encode("utf-16"),
        "utf16le.txt": text.encode("utf-16-le"),
        "utf16be.txt": text.encode("utf-16-be"),
        "crlf.txt": text.replace("\n", "\r\n").encode("cp1252"),
    }.items():
        (tmp_path / name).write_bytes(data)
        doc = parse_file(tmp_path / name)
        assert doc.kind == "text" and doc.blocks[0].text == text, name


def test_latin1_without_typographic_characters(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes("Contrat de bail: la société paie le loyer à l'échéance.".encode("latin-1"))
    assert parse_file(path).blocks[0].text == "Contrat de bail: la société paie le loyer à l'échéance."


def test_markdown_sections_skip_code_fences(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("Intro line.\n\n# Case notes\n\nFirst fact.\n\n## Witnesses\n\n```\n# not a heading\n```\n\n"
                    "Second fact.\n\nDamages\n-------\n\nThird fact.\n", encoding="utf-8")
    doc = parse_file(path)
    assert doc.kind == "markdown" and doc.title == "Case notes"
    assert [b.heading for b in doc.blocks] == [None, "Case notes", "Case notes > Witnesses", "Case notes > Damages"]
    assert "# not a heading" in doc.blocks[2].text
    assert doc.blocks[3].text.endswith("Third fact.")


def test_rst_sections(tmp_path):
    path = tmp_path / "memo.rst"
    path.write_text("=====\nMemo\n=====\n\nPreamble.\n\nFacts\n=====\n\nThe facts.\n\nDetail\n------\n\nMore.\n\n"
                    "Law\n===\n\nThe law.\n", encoding="utf-8")
    doc = parse_file(path)
    assert doc.title == "Memo"
    assert [b.heading for b in doc.blocks] == ["Memo", "Memo > Facts", "Memo > Facts > Detail", "Memo > Law"]
    assert "The law." in doc.blocks[-1].text


def test_html_visible_text_only(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Ruling</title><style>p{color:red}</style><script>var x='secret';</script></head>"
        "<body><nav><a href='/'>Home</a> | <a>Menu item</a></nav><header>Site banner</header>"
        "<main><h1>Ruling</h1><p>The court <b>finds</b> for the plaintiff.</p><!-- hidden comment -->"
        "<div hidden>invisible</div><h2>Costs</h2><p>Costs follow the event.</p></main>"
        "<aside>Related links</aside><footer>Copyright</footer><noscript>enable js</noscript></body></html>",
        encoding="utf-8",
    )
    doc = parse_file(path)
    everything = "\n".join(b.text for b in doc.blocks)
    assert doc.kind == "html" and doc.title == "Ruling"
    assert "The court finds for the plaintiff." in everything
    assert [b.heading for b in doc.blocks] == ["Ruling", "Ruling > Costs"]
    for junk in ("secret", "Menu item", "Site banner", "Related links", "Copyright", "hidden comment",
                 "invisible", "enable js", "color:red"):
        assert junk not in everything


def test_email_headers_body_and_attachments(tmp_path):
    attachments = [
        ("lease.pdf", "application/pdf", pdf_bytes(["Rent is 900 euros."])),
        ("archive.zip", "application/zip", b"PK\x03\x04junk"),
        ("../../escape.txt", "text/plain", b"Attached note about the deposit."),
        ("locked.pdf", "application/pdf", b"%PDF-1.4 garbage"),
    ]
    path = tmp_path / "mail.eml"
    path.write_bytes(email_bytes(attachments))
    doc = parse_file(path)
    assert doc.kind == "email" and doc.title == "Settlement draft"
    first = doc.blocks[0].text
    assert "From: Ana Silva <ana@example.org>" in first and "Subject: Settlement draft" in first
    assert "review the settlement draft before Friday" in first
    by_heading = {b.heading: b.text for b in doc.blocks[1:]}
    assert by_heading["Attachment: lease.pdf > Page 1"].strip() == "Rent is 900 euros."
    assert by_heading["Attachment: escape.txt"] == "Attached note about the deposit."
    assert "attachment archive.zip skipped: unsupported type" in doc.warnings
    assert any(w.startswith("attachment locked.pdf skipped:") for w in doc.warnings)
    # Attachments are parsed in memory: nothing was written next to the e-mail or above it.
    assert {p.name for p in tmp_path.iterdir()} - {"home"} == {"mail.eml"}
    assert not list(tmp_path.parent.rglob("escape.txt"))


def test_email_html_only_body(tmp_path):
    path = tmp_path / "html.eml"
    path.write_bytes(email_bytes(html_only=True))
    text = parse_file(path).blocks[0].text
    assert "Please review the settlement draft." in text and "track()" not in text


def test_forwarded_messages_are_attachments_up_to_a_depth(tmp_path):
    from email import message_from_bytes, policy
    from email.message import EmailMessage

    message = message_from_bytes(email_bytes(), policy=policy.default)
    for level in range(5):  # forwarded, forwarded again, ...
        outer = EmailMessage()
        outer["Subject"] = f"Fwd level {level}"
        outer.set_content(f"Forwarding at level {level}.")
        outer.add_attachment(message)
        message = outer
    path = tmp_path / "fwd.eml"
    path.write_bytes(message.as_bytes())
    doc = parse_file(path)
    assert doc.title == "Fwd level 4"
    assert doc.blocks[0].text.endswith("Forwarding at level 4.")
    assert doc.blocks[1].heading == "Attachment: forwarded message.eml"
    assert doc.blocks[1].text.endswith("Forwarding at level 3.")
    assert any("skipped: nested too deeply" in w for w in doc.warnings)


def test_odt_headings_lists_tables(tmp_path):
    doc = parse_file(write_odt(tmp_path / "findings.odt"))
    assert doc.kind == "odt" and doc.title == "Findings"
    assert [b.heading for b in doc.blocks] == ["Findings", "Findings > Exhibits"]
    assert "The witness arrived at nine." in doc.blocks[0].text
    assert "Exhibit A: the signed lease." in doc.blocks[1].text
    assert "Claimant | Jane Roe" in doc.blocks[1].text


def test_rtf_with_code_page_escapes(tmp_path):
    path = tmp_path / "letter.rtf"
    path.write_bytes(rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times New Roman;}}"
                     rb"{\*\generator Writer;}\f0\fs24 Dear Ms. M\'fcller,\par The d\'e9posit is \'80500.\par}")
    doc = parse_file(path)
    assert doc.kind == "rtf"
    assert doc.blocks[0].text == "Dear Ms. Müller,\nThe déposit is €500."


def test_unsupported_suffix_is_a_parse_error(tmp_path):
    path = tmp_path / "x.xyz"
    path.write_text("hello")
    with pytest.raises(ParseError, match="unsupported file type"):
        parse_file(path)
