"""Writers for real test documents: every format built with the library that reads it, or by hand."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path


def pdf_bytes(pages: list[str | None], title: str | None = None, claimed_count: int | None = None) -> bytes:
    """A hand-written PDF: a page per item, text in Helvetica; None makes a scan-like image-only page."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_id = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for text in pages:
        if text is None:
            # An 8x8 grey bitmap painted over the page, like a scanner's output.
            stream = b"q 612 0 0 792 0 0 cm BI /W 8 /H 8 /CS /G /BPC 8 ID " + bytes(range(100, 164)) + b" EI Q"
        else:
            lines = []
            y = 740
            for line in text.split("\n"):
                safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("cp1252")
                lines.append(b"BT /F1 11 Tf 56 %d Td (" % y + safe + b") Tj ET")
                y -= 14
            stream = b"\n".join(lines)
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                        b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, content, font)))
    count = claimed_count if claimed_count is not None else len(kids)
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % count
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    info = add(b"<< /Title (" + title.encode("latin-1") + b") >>") if title else None
    return serialize_pdf(objects, catalog, info)


def serialize_pdf(objects: list[bytes], catalog: int, info: int | None = None) -> bytes:
    """Numbered objects (1-based), the catalog's and the info dictionary's numbers -> a PDF file with
    its cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    if info:
        trailer += b" /Info %d 0 R" % info
    out.write(b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def encrypted_pdf_bytes(text: str, password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes([text]))))
    writer.encrypt(user_password=password, owner_password=password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_docx(path: Path, title: str | None = None) -> Path:
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    document.add_heading("Part I", level=1)
    document.add_paragraph("The tenant shall pay rent on the first day of each month.")
    document.add_heading("Section 5", level=2)
    document.add_paragraph("Late payment incurs a fee of five percent.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Party"
    table.cell(0, 1).text = "Role"
    table.cell(1, 0).text = "Acme Holdings"
    table.cell(1, 1).text = "Landlord"
    document.add_heading("Part II", level=1)
    document.add_paragraph("Either party may terminate with ninety days notice.")
    document.save(str(path))
    return path


def write_odt(path: Path) -> Path:
    from odf import text as odftext
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow

    document = OpenDocumentText()
    document.text.addElement(odftext.H(outlinelevel=1, text="Findings"))
    document.text.addElement(odftext.P(text="The witness arrived at nine."))
    document.text.addElement(odftext.H(outlinelevel=2, text="Exhibits"))
    items = odftext.List()
    item = odftext.ListItem()
    item.addElement(odftext.P(text="Exhibit A: the signed lease."))
    items.addElement(item)
    document.text.addElement(items)
    table = Table(name="T")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    row = TableRow()
    for value in ("Claimant", "Jane Roe"):
        cell = TableCell()
        cell.addElement(odftext.P(text=value))
        row.addElement(cell)
    table.addElement(row)
    document.text.addElement(table)
    document.save(str(path))
    return path


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def email_bytes(attachments: list[tuple[str, str, bytes]] = (), html_only: bool = False) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Ana Silva <ana@example.org>"
    message["To"] = "Ben Okafor <ben@example.org>"
    message["Date"] = "Mon, 02 Mar 2026 10:15:00 +0000"
    message["Subject"] = "Settlement draft"
    if html_only:
        message.set_content("<html><body><p>Please review the <b>settlement</b> draft.</p>"
                            "<script>track()</script></body></html>", subtype="html")
    else:
        message.set_content("Please review the settlement draft before Friday.")
    for name, ctype, data in attachments:
        maintype, subtype = ctype.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()
