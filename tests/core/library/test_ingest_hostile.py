"""Bad files: each gives a ParseError with a plain-language reason, never a crash."""
from __future__ import annotations

import io
import os
import sys
import zipfile
from pathlib import Path

import pytest

from app.core.library.ingest import SUPPORTED_SUFFIXES, ParseError, parse_file
from app.core.library.ingest.pdf import MAX_PAGES
from tests.core.ingest_files import encrypted_pdf_bytes, pdf_bytes, write_docx, write_odt, zip_bytes

def reason(path: Path, **kwargs) -> str:
    with pytest.raises(ParseError) as info:
        parse_file(path, **kwargs)
    return info.value.reason


def test_password_protected_pdf(tmp_path):
    path = tmp_path / "locked.pdf"
    path.write_bytes(encrypted_pdf_bytes("Confidential settlement terms"))
    assert reason(path) == "password-protected PDF"


def test_truncated_and_corrupt_pdf(tmp_path):
    whole = pdf_bytes(["Page one text"] * 3)
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole[:60])  # the header and little else
    assert reason(cut) == "file is damaged or truncated"
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\n" + os.urandom(4000))
    assert reason(junk) == "file is damaged or truncated"
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"this is a note, saved with the wrong extension")
    assert reason(fake) == "not a real PDF"


def test_truncated_docx_and_odt(tmp_path):
    for writer, name in ((write_docx, "a.docx"), (write_odt, "a.odt")):
        data = writer(tmp_path / name).read_bytes()
        (tmp_path / name).write_bytes(data[: len(data) // 2])
        assert reason(tmp_path / name) == "file is damaged or truncated"


@pytest.mark.parametrize("suffix", sorted(SUPPORTED_SUFFIXES))
def test_zero_bytes(tmp_path, suffix):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    assert reason(path) == "empty file"


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    with open(path, "wb") as fh:
        fh.truncate(3 * 1024**2 + 10)  # sparse: costs no disk
    assert reason(path, max_bytes=1024**2) == "file too large (3 MB, the limit is 1 MB)"


@pytest.mark.parametrize("suffix", [".docx", ".odt"])
def test_zip_bomb_is_refused_before_opening(tmp_path, suffix):
    path = tmp_path / f"bomb{suffix}"
    inner = "word/document.xml" if suffix == ".docx" else "content.xml"
    path.write_bytes(zip_bytes({"[Content_Types].xml": b"<Types/>", "mimetype": b"application/vnd.oasis.opendocument.text",
                                inner: b"\0" * (40 * 1024**2)}))
    assert path.stat().st_size < 200 * 1024
    assert reason(path) == "compressed content too large (possible zip bomb)"


def test_not_a_real_word_document(tmp_path):
    text = tmp_path / "note.docx"
    text.write_text("plain words pretending to be Word")
    assert reason(text) == "not a real Word document"
    sheet = tmp_path / "sheet.docx"  # a zip, but a spreadsheet's parts
    sheet.write_bytes(zip_bytes({"[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
                                 "xl/workbook.xml": b"<workbook/>"}))
    assert reason(sheet) == "not a real Word document"
    old = tmp_path / "old.docx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert "old-format" in reason(old)
    (tmp_path / "x.odt").write_bytes(zip_bytes({"a.txt": b"hi"}))
    assert reason(tmp_path / "x.odt") == "not a real OpenDocument text file"


@pytest.mark.parametrize("suffix", [".txt", ".md", ".rst", ".html"])
def test_binary_junk_with_a_text_extension(tmp_path, suffix):
    path = tmp_path / f"photo{suffix}"
    path.write_bytes(bytes(range(256)) * 40 + os.urandom(2000))
    assert reason(path) == "binary data, not text"
    elf = tmp_path / f"program{suffix}"
    elf.write_bytes(Path(sys.executable).resolve().read_bytes()[:50_000])
    assert reason(elf) == "binary data, not text"


def test_not_a_real_rtf(tmp_path):
    path = tmp_path / "letter.rtf"
    path.write_text("Dear Sir, this is not RTF.")
    assert reason(path) == "not a real RTF document"


def test_permission_denied(tmp_path):
    path = tmp_path / "private.txt"
    path.write_text("attorney work product")
    path.chmod(0)
    if os.geteuid() != 0:
        assert reason(path) == "permission denied"
        return
    # root reads everything: check in a forked child that has dropped to an unprivileged user.
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.setgid(65534)
            os.setuid(65534)
            try:
                parse_file(path)
                message = "parsed"
            except ParseError as exc:
                message = exc.reason
            os.write(write_end, message.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(child, 0)
    with os.fdopen(read_end) as fh:
        assert fh.read() == "permission denied"


def test_file_disappeared_before_reading(tmp_path):
    path = tmp_path / "gone.pdf"
    path.write_bytes(pdf_bytes(["x"]))
    path.unlink()  # listed by the scan, deleted by the user before the parser got to it
    assert reason(path) == "file disappeared while reading"
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "missing.txt")
    assert reason(link) == "file disappeared while reading"


def test_directory_named_like_a_document(tmp_path):
    (tmp_path / "folder.pdf").mkdir()
    assert reason(tmp_path / "folder.pdf") == "not a regular file"


def test_twenty_megabyte_single_line_text(tmp_path):
    path = tmp_path / "dump.txt"
    words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod "
    path.write_text(words * (20 * 1024**2 // len(words)))
    doc = parse_file(path)
    assert len(doc.blocks) == 1 and len(doc.blocks[0].text) > 19 * 1024**2


def test_absurd_page_count_is_capped(tmp_path):
    path = tmp_path / "huge.pdf"
    path.write_bytes(pdf_bytes(["p"] * (MAX_PAGES + 1)))
    doc = parse_file(path)
    assert len(doc.blocks) == MAX_PAGES and doc.blocks[-1].page == MAX_PAGES
    assert doc.warnings == [f"only the first {MAX_PAGES} of {MAX_PAGES + 1} pages were read"]
    lying = tmp_path / "lying.pdf"  # the page tree claims a billion pages
    lying.write_bytes(pdf_bytes(["only page"], claimed_count=10**9))
    assert [b.text.strip() for b in parse_file(lying).blocks] == ["only page"]


def test_archive_members_with_parent_paths_are_never_extracted(tmp_path):
    docx_path = write_docx(tmp_path / "evil.docx")
    with zipfile.ZipFile(docx_path, "a") as zf:
        zf.writestr("../../escaped-evil.txt", "owned")
    odt_path = write_odt(tmp_path / "evil.odt")
    with zipfile.ZipFile(odt_path, "a") as zf:
        zf.writestr("../escaped-evil.txt", "owned")
    assert "ninety days" in parse_file(docx_path).blocks[-1].text
    assert parse_file(odt_path).blocks
    assert not list(tmp_path.parent.parent.rglob("escaped-evil.txt"))


def test_deeply_nested_html_and_markdown(tmp_path):
    html = tmp_path / "deep.html"
    html.write_text("<div>" * 20_000 + "bottom text" + "</div>" * 20_000)
    try:
        doc = parse_file(html)
        assert "bottom text" in doc.blocks[0].text
    except ParseError as exc:
        assert exc.reason == "page is nested too deeply to read"
    md = tmp_path / "deep.md"
    md.write_text(">" * 100_000 + " quoted")
    assert parse_file(md).blocks[0].text.endswith("quoted")


def test_email_with_broken_parts_keeps_what_it_can(tmp_path):
    path = tmp_path / "broken.eml"
    path.write_bytes(b"From: a@example.org\nSubject: Broken\nContent-Type: multipart/mixed; boundary=XX\n\n"
                     b"--XX\nContent-Type: text/plain; charset=no-such-charset\n\nBody survives.\n"
                     b"--XX\nContent-Type: application/pdf; name=x.pdf\nContent-Transfer-Encoding: base64\n"
                     b"Content-Disposition: attachment; filename=x.pdf\n\n!!!not base64!!!\n--XX")
    doc = parse_file(path)
    assert "Body survives." in doc.blocks[0].text
    assert any(w.startswith("attachment x.pdf skipped:") for w in doc.warnings)


@pytest.mark.parametrize("suffix", [".docx", ".odt"])
def test_xml_entity_bomb_inside_the_container(tmp_path, suffix):
    """'Billion laughs': nested entities that expand to gigabytes if a parser resolves them."""
    entities = b'<!DOCTYPE d [<!ENTITY e0 "lolololololololololol">' + b"".join(
        b'<!ENTITY e%d "%s">' % (i, b"&e%d;" % (i - 1) * 10) for i in range(1, 10)) + b"]>"
    source = (write_docx if suffix == ".docx" else write_odt)(tmp_path / f"src{suffix}").read_bytes()
    member = "word/document.xml" if suffix == ".docx" else "content.xml"
    bomb = tmp_path / f"bomb{suffix}"
    with zipfile.ZipFile(io.BytesIO(source)) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == member:
                after_decl = data.index(b"?>") + 2 if data.startswith(b"<?xml") else 0
                data = data[:after_decl] + entities + data[after_decl:]
                data = data.replace(b"</w:t>", b"&e9;</w:t>", 1).replace(b"Findings</text:h>", b"&e9;Findings</text:h>", 1)
            zout.writestr(info, data)
    assert reason(bomb) == "file is damaged or truncated"
