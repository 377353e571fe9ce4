"""Builds tests/eval/firm/: the fictional documents of a small Rotterdam law firm, Merrow Aalto Advocaten.

Every word is defined in this script (see SOURCES.md: the firm, its people and its clients are
invented). The output is committed; this script documents it and can write it again, byte for
byte on the same machine: the PDFs are laid out by hand (standard Helvetica, no embedded fonts,
no dates taken from the clock) and the DOCX archives get fixed timestamps.

    .venv/bin/python tests/eval/firm/build_firm_corpus.py [--out DIR]
"""
from __future__ import annotations

import argparse
import io
import re
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from tests.core.ingest_files import serialize_pdf  # noqa: E402  (the same PDF writer as the ingest tests)

HERE = Path(__file__).resolve().parent

FIRM = "Merrow Aalto Advocaten"
FIRM_ADDRESS = "Hoogstraat-Zuid 212, 3011 PX Rotterdam, The Netherlands"
FIRM_WEB = "www.merrowaalto.example"

# ---------------------------------------------------------------------------------------------
# PDF: a hand-written writer for A4 pages of wrapped Helvetica text.
# ---------------------------------------------------------------------------------------------

A4 = (595, 842)
MARGIN_LEFT, MARGIN_RIGHT, TOP, BOTTOM = 64, 64, 780, 70

# Advance widths (1/1000 em) of Helvetica from its AFM file; anything else counts as 556.
_WIDTHS = {
    " ": 278, "!": 278, '"': 355, "#": 556, "$": 556, "%": 889, "&": 667, "'": 191, "(": 333, ")": 333,
    "*": 389, "+": 584, ",": 278, "-": 333, ".": 278, "/": 278, ":": 278, ";": 278, "<": 584, "=": 584,
    ">": 584, "?": 556, "@": 1015, "[": 278, "]": 278, "_": 556, "\u2013": 556, "\u2019": 222,
    "\u201c": 333, "\u201d": 333, "\u20ac": 556, "\u00a7": 556,
    "A": 667, "B": 667, "C": 722, "D": 722, "E": 667, "F": 611, "G": 778, "H": 722, "I": 278, "J": 500,
    "K": 667, "L": 556, "M": 833, "N": 722, "O": 778, "P": 667, "Q": 778, "R": 722, "S": 667, "T": 611,
    "U": 722, "V": 667, "W": 944, "X": 667, "Y": 667, "Z": 611,
    "a": 556, "b": 556, "c": 500, "d": 556, "e": 556, "f": 278, "g": 556, "h": 556, "i": 222, "j": 222,
    "k": 500, "l": 222, "m": 833, "n": 556, "o": 556, "p": 556, "q": 556, "r": 333, "s": 500, "t": 278,
    "u": 556, "v": 500, "w": 722, "x": 500, "y": 500, "z": 500,
}
STYLES = {  # name: (font resource, size, line height, space before)
    "title": ("F2", 14, 19, 6),
    "h": ("F2", 10.5, 14, 9),
    "p": ("F1", 10, 13, 5),
    "line": ("F1", 10, 13, 0),  # one unwrapped line: addresses, signature blocks
    "small": ("F1", 8.5, 11, 0),
}


def _width(text: str, size: float, bold: bool) -> float:
    factor = 1.06 if bold else 1.0
    return sum(_WIDTHS.get(ch, 556) for ch in text) * size / 1000 * factor


def _wrap(text: str, size: float, bold: bool, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and _width(candidate, size, bold) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")  # WinAnsiEncoding: the euro sign, umlauts and curly quotes included
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf_bytes(pages: list[list[tuple[str, str]]], title: str, author: str, footer: str) -> bytes:
    """One A4 page per item; each page is a list of (style, text) blocks laid out top to bottom.

    `footer` is a format string with {page} and {pages}; a block that does not fit raises ValueError.
    """
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog, pages_id = add(b""), add(b"")
    regular = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    usable = A4[0] - MARGIN_LEFT - MARGIN_RIGHT
    kids = []
    for number, blocks in enumerate(pages, start=1):
        ops: list[bytes] = []
        y = TOP
        for style, text in blocks:
            font, size, leading, before = STYLES[style]
            y -= before
            is_bold = font == "F2"
            lines = [text] if style in ("line", "small") else _wrap(text, size, is_bold, usable)
            for line in lines:
                y -= leading
                if y < BOTTOM:
                    raise ValueError(f"{title}: page {number} overflows at {line[:40]!r}")
                ops.append(b"BT /%s %g Tf %d %d Td %s Tj ET" % (font.encode(), size, MARGIN_LEFT, y,
                                                                 _pdf_string(line)))
        foot = footer.format(page=number, pages=len(pages))
        ops.append(b"BT /F1 8 Tf %d 40 Td %s Tj ET" % (MARGIN_LEFT, _pdf_string(foot)))
        stream = zlib.compress(b"\n".join(ops), 9)
        content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
                        b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>"
                        % (pages_id, A4[0], A4[1], content, regular, bold)))
    objects[pages_id - 1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
                             + b"] /Count %d >>" % len(kids))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    info = add(b"<< /Title " + _pdf_string(title) + b" /Author " + _pdf_string(author)
               + b" /Producer (Strongroom evaluation corpus) >>")
    return serialize_pdf(objects, catalog, info)


# ---------------------------------------------------------------------------------------------
# DOCX: python-docx, then the archive rewritten with fixed timestamps so that rebuilds match.
# ---------------------------------------------------------------------------------------------


def docx_bytes(blocks: list[tuple[str, str]], title: str, author: str) -> bytes:
    import datetime as dt

    import docx

    document = docx.Document()
    for style, text in blocks:
        if style == "title":
            document.add_heading(text, level=0)
        elif style == "h":
            document.add_heading(text, level=1)
        elif style == "bullet":
            document.add_paragraph(text, style="List Bullet")
        else:
            document.add_paragraph(text)
    stamp = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    props = document.core_properties
    props.created = props.modified = stamp
    props.last_printed = stamp
    props.author = props.last_modified_by = author
    props.title = title
    props.revision = 1
    raw = io.BytesIO()
    document.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            fixed = zipfile.ZipInfo(item.filename, date_time=(2025, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(item.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# E-mail: one saved message per thread, the newest on top and the earlier ones quoted below.
# ---------------------------------------------------------------------------------------------


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def _paragraphs(text: str) -> str:
    """Wraps each paragraph at 72 columns the way a mail client does; blank lines separate them."""
    out = []
    for para in textwrap.dedent(text).strip().split("\n\n"):
        lines = para.rstrip().split("\n")
        prose = all(len(line) > 60 for line in lines[:-1]) and not re.match(r"\d+\. |[-*] ", lines[0])
        # Short lines are signatures and headers, numbered items a list: both keep their layout.
        out.append(textwrap.fill(" ".join(para.split()), 72) if prose else "\n".join(lines))
    return "\n\n".join(out)


def eml_bytes(headers: dict[str, str], messages: list[dict[str, str]]) -> bytes:
    """messages[0] is this message; each later one is quoted under an attribution line.

    A message's "forward" is a forwarded e-mail appended to its body as it stands.
    """
    def text(message: dict[str, str]) -> str:
        own = _paragraphs(message["body"])
        return f"{own}\n\n{message['forward']}" if "forward" in message else own

    lines = [f"{name}: {value}" for name, value in headers.items()]
    lines += ["MIME-Version: 1.0", 'Content-Type: text/plain; charset="utf-8"',
              "Content-Transfer-Encoding: 8bit"]
    body = text(messages[0])
    quoted = ""
    for message in reversed(messages[1:]):
        inner = text(message) + (f"\n\n{quoted}" if quoted else "")
        quoted = f"On {message['when']}, {message['who']} wrote:\n\n{_quote(inner)}"
    if quoted:
        body += f"\n\n{quoted}"
    return ("\n".join(lines) + "\n\n" + body + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------
# The documents
# ---------------------------------------------------------------------------------------------

LETTERHEAD = [
    ("title", FIRM.upper()),
    ("small", f"{FIRM_ADDRESS}  |  {FIRM_WEB}  |  office@merrowaalto.example"),
    ("small", "A partnership of lawyers registered with the Chamber of Commerce in Rotterdam  |  "
              "Members of the Netherlands Bar"),
]

ENGAGEMENT_BRIGHTWATER = [
    LETTERHEAD + [
        ("p", "Brightwater Logistics B.V."),
        ("line", "Attn. Mr Marco Feldmann, Chief Financial Officer"),
        ("line", "Havensteiger 14"),
        ("line", "3089 RK Rotterdam"),
        ("p", "Rotterdam, 14 February 2025"),
        ("line", "Our reference: 2025-0147/IH"),
        ("line", "Re: lease of warehouse unit 4, Waalhaven Distribution Park \u2013 terms of engagement"),
        ("p", "Dear Mr Feldmann,"),
        ("p", "Thank you for asking us to assist Brightwater Logistics B.V. (\u201cBrightwater\u201d) with the "
              "lease of warehouse unit 4 and the adjoining office mezzanine at the Waalhaven Distribution "
              "Park in Rotterdam. This letter confirms the scope of our work, who will carry it out, how we "
              "charge for it and the other terms on which we act. Please read it carefully and return a "
              "signed copy; if you do not, but you instruct us to continue, you will be taken to have "
              "accepted these terms."),
        ("h", "1. Scope of our work"),
        ("p", "We will review the draft lease prepared by the landlord, Havenkwartier Vastgoed B.V., advise "
              "you on its terms (in particular the term and renewal, the early termination option, rent "
              "indexation, service charges and the security to be provided) and negotiate the lease with "
              "the landlord and its advisers until it is signed."),
        ("p", "Our work does not include tax advice (including on the VAT treatment of the rent), "
              "environmental due diligence on the site, or applications for permits. If you would like "
              "us to help with any of these, we will agree the terms with you separately."),
        ("h", "2. Who will work on your matter"),
        ("p", "The partner with overall responsibility for your matter is Ingrid Halvorsen, a partner in "
              "our real estate practice. The day-to-day work will be done by Saskia de Wilde, senior "
              "associate, who will be your first point of contact. She will be assisted where useful by "
              "Daan Verhoef, associate, and by our paralegal team for the closing formalities."),
        ("p", "All advice prepared by associates and trainee lawyers is reviewed by Ingrid Halvorsen before "
              "it is sent to you. If Ms de Wilde is unavailable, Ms Halvorsen will step in personally."),
    ],
    [
        ("h", "3. Our fees"),
        ("p", "We charge for the time we spend on your matter at the hourly rates below. Rates are "
              "exclusive of 21% VAT and are reviewed each year on 1 January; we will tell you in writing "
              "at least one month before any change takes effect."),
        ("line", "Partner: EUR 395 per hour"),
        ("line", "Senior associate: EUR 295 per hour"),
        ("line", "Associate: EUR 230 per hour"),
        ("line", "Trainee lawyer: EUR 150 per hour"),
        ("line", "Paralegal: EUR 95 per hour"),
        ("p", "Time is recorded in units of six minutes. Short telephone calls and e-mails are charged "
              "for the time actually spent on them."),
        ("p", "Based on the draft lease we have seen and on a negotiation of normal length, we estimate our "
              "fees up to the signing of the lease at EUR 14,000 to EUR 18,000, excluding VAT and "
              "disbursements. This is an estimate and not a fixed price. If we expect to exceed it, we "
              "will tell you before we do and explain why."),
        ("h", "4. Office expenses and disbursements"),
        ("p", "We charge a flat 4% of our fees for office expenses such as copying, courier services and "
              "legal research databases. Disbursements we pay on your behalf, such as extracts from the "
              "land registry, bailiff\u2019s costs and notarial fees, are passed on at cost."),
        ("h", "5. Advance payment and billing"),
        ("p", "Before we start work we ask for an advance payment of EUR 5,000, which we hold and set off "
              "against our final invoice on this matter."),
        ("p", "We invoice monthly in arrears, with a specification of the time recorded by each lawyer. "
              "Invoices are payable within 14 days of the invoice date. If an invoice remains unpaid after "
              "that, statutory commercial interest (article 6:119a of the Dutch Civil Code) is due from "
              "the due date. If an invoice is still unpaid 30 days after it fell due, we may suspend our "
              "work after notifying you in writing."),
        ("p", "Questions about an invoice are best raised within 30 days of receiving it, with our office "
              "manager, Femke Oosterhuis, or with Ms Halvorsen."),
    ],
    [
        ("h", "6. Conflict check and client identification"),
        ("p", "Before accepting your instructions we searched our records for Brightwater, its shareholder "
              "Brightwater Holding B.V., the landlord Havenkwartier Vastgoed B.V. and its managing "
              "director Mr R. Scheepmaker. No conflict of interest was found. For completeness: in 2021 we "
              "acted for a company in the same group as the landlord on an unrelated employment matter. "
              "That matter is closed and we hold no information from it that is relevant to this lease."),
        ("p", "The Dutch Anti-Money Laundering and Anti-Terrorist Financing Act (Wwft) requires us to "
              "identify our clients and their ultimate beneficial owners before we act. We have received "
              "the extract from the trade register and the copies of identity documents we need."),
        ("h", "7. Liability"),
        ("p", "Our liability for any loss arising from our work on this matter is limited to the amount "
              "paid out under our professional liability insurance in that case, plus any deductible we "
              "bear under that policy. Details of the insurance are available on request."),
        ("h", "8. General terms, complaints and applicable law"),
        ("p", "Our general terms and conditions, enclosed with this letter, apply to this engagement. If "
              "they conflict with this letter, this letter prevails. Our relationship with you is governed "
              "by Dutch law, and disputes will be decided by the District Court of Rotterdam."),
        ("p", "If you are not satisfied with our work or our invoices, please tell Ms Halvorsen first. You "
              "may also use our complaints procedure: our complaints officer is Tobias Merrow, managing "
              "partner, who has not been involved in your matter."),
        ("h", "9. Your file and ending the engagement"),
        ("p", "We keep your file, in paper or electronic form, for seven years after the matter is closed, "
              "after which it is destroyed without further notice. Original documents you have given us "
              "will be returned to you at the end of the matter."),
        ("p", "You may end this engagement at any time by writing to us. We may also end it in writing, "
              "for example if invoices are not paid, subject to our professional rules. Fees and "
              "disbursements incurred until the engagement ends remain payable."),
        ("p", "We look forward to working with you."),
        ("p", "Yours sincerely,"),
        ("line", "Ingrid Halvorsen, partner"),
        ("line", f"{FIRM}"),
        ("p", "Agreed on behalf of Brightwater Logistics B.V.:"),
        ("line", "Name: ____________________  Date: ____________  Signature: ____________________"),
    ],
]

LEASE_BRIGHTWATER = [
    [
        ("title", "LEASE AGREEMENT"),
        ("line", "Commercial premises: warehouse and offices (article 7:230a Dutch Civil Code)"),
        ("line", "Warehouse unit 4, Waalhaven Distribution Park, Havensteiger 14, 3089 RK Rotterdam"),
        ("h", "The undersigned"),
        ("p", "1. Havenkwartier Vastgoed B.V., a private limited company with its registered office in "
              "Rotterdam, duly represented by its managing director Mr R. Scheepmaker, hereinafter "
              "\u201cthe Landlord\u201d; and"),
        ("p", "2. Brightwater Logistics B.V., a private limited company with its registered office in "
              "Rotterdam, duly represented by Mr M. Feldmann and Ms C. Baptiste, hereinafter "
              "\u201cthe Tenant\u201d,"),
        ("p", "have agreed as follows."),
        ("h", "Article 1 \u2013 Premises"),
        ("p", "1.1 The Landlord lets to the Tenant, and the Tenant rents from the Landlord, warehouse unit 4 "
              "of the Waalhaven Distribution Park, comprising approximately 6,200 square metres of "
              "warehouse space, an office mezzanine of approximately 850 square metres, six loading docks "
              "and 40 parking spaces on the shared site, as shown on the floor plan in Annex 1 "
              "(\u201cthe Premises\u201d)."),
        ("p", "1.2 The condition of the Premises at handover will be recorded in a delivery report signed by "
              "both parties, which will be attached to this lease as Annex 2."),
        ("h", "Article 2 \u2013 Use"),
        ("p", "2.1 The Tenant shall use the Premises only for the storage and distribution of goods, with "
              "ancillary offices. Any other use requires the Landlord\u2019s prior written consent."),
        ("p", "2.2 The Tenant shall not store hazardous substances in the Premises, except small quantities "
              "needed for its normal operations and kept in accordance with the applicable regulations."),
        ("h", "Article 3 \u2013 Term, renewal and termination at the end of the term"),
        ("p", "3.1 This lease is entered into for a period of five years, commencing on 1 April 2025 and "
              "ending on 31 March 2030."),
        ("p", "3.2 Unless terminated in accordance with article 3.3, the lease is thereafter renewed each "
              "time for a further period of five years."),
        ("p", "3.3 Either party may terminate the lease with effect from the end of a lease period by giving "
              "notice at least twelve (12) months before the end of that period. Notice shall be given by "
              "bailiff\u2019s writ or by registered letter."),
    ],
    [
        ("h", "Article 4 \u2013 Early termination option for the Tenant"),
        ("p", "4.1 The Tenant may terminate this lease early with effect from 31 March 2028 (\u201cthe Break "
              "Date\u201d) by giving the Landlord notice at least six (6) months before the Break Date, by "
              "bailiff\u2019s writ or by registered letter."),
        ("p", "4.2 The termination under article 4.1 takes effect only if:"),
        ("p", "(a) the Tenant pays the Landlord a break fee equal to three months\u2019 rent, excluding VAT "
              "and service charges, at the rate applicable on the Break Date, no later than the Break Date;"),
        ("p", "(b) at the time the notice is given, the Tenant is not in arrears with the payment of more "
              "than one month\u2019s rent; and"),
        ("p", "(c) the Tenant vacates the Premises and returns them in accordance with article 12 on or "
              "before the Break Date."),
        ("p", "4.3 The Landlord has no right to terminate the lease before 31 March 2030, other than for "
              "breach by the Tenant as provided by law."),
        ("h", "Article 5 \u2013 Rent"),
        ("p", "5.1 The initial rent is EUR 486,000 (four hundred and eighty-six thousand euros) per year, "
              "excluding VAT."),
        ("p", "5.2 The rent, the advance payment for service charges and the VAT on both are payable "
              "quarterly in advance, on 1 January, 1 April, 1 July and 1 October of each year, into the "
              "bank account designated by the Landlord."),
        ("p", "5.3 As an incentive, no rent is due for the period from 1 April 2025 up to and including "
              "30 June 2025. Service charges are payable from the commencement date."),
        ("p", "5.4 The parties opt for a lease subject to VAT. The Tenant declares that it will use the "
              "Premises for at least 90% for activities that entitle it to deduct VAT, and will inform the "
              "Landlord at once if this changes."),
        ("p", "5.5 If the Tenant pays any amount late, it owes interest at the statutory commercial rate "
              "from the due date, without any notice of default being required."),
        ("h", "Article 6 \u2013 Service charges"),
        ("p", "6.1 In addition to the rent, the Tenant pays for the supplies and services listed in Annex 3, "
              "such as the maintenance of the shared site, security patrols, snow clearance and the "
              "sprinkler installation. The advance payment is EUR 36,000 per year, excluding VAT."),
        ("p", "6.2 The Landlord provides a statement of the actual costs for each calendar year no later "
              "than 1 July of the following year. Any difference between the advance payments and the "
              "actual costs is settled within 30 days of that statement."),
    ],
    [
        ("h", "Article 7 \u2013 Annual indexation"),
        ("p", "7.1 The rent is adjusted each year on 1 April, for the first time on 1 April 2026, in line "
              "with the change in the monthly consumer price index (CPI), series all households (2015 = 100), "
              "published by Statistics Netherlands (CBS)."),
        ("p", "7.2 The adjusted rent is calculated by multiplying the rent applicable on the day before the "
              "adjustment date by the index figure for the fourth calendar month before the adjustment "
              "date, divided by the index figure for the sixteenth calendar month before the adjustment "
              "date."),
        ("p", "7.3 The indexation shall never result in a rent lower than the rent applicable in the "
              "preceding year."),
        ("p", "7.4 If the CBS stops publishing the index or changes its basis, the index figure that most "
              "closely matches it will be used."),
        ("h", "Article 8 \u2013 Security"),
        ("p", "8.1 No later than fourteen days before the commencement date, the Tenant shall provide the "
              "Landlord with a bank guarantee, or at its option a cash deposit, for an amount equal to "
              "three months\u2019 rent plus service charges, increased by VAT, being EUR 157,905."),
        ("p", "8.2 The bank guarantee shall be issued by a bank established in the Netherlands and "
              "substantially follow the model in Annex 4. If the rent is increased, the Tenant shall "
              "increase the guarantee accordingly at the Landlord\u2019s first request."),
        ("p", "8.3 The Landlord shall release the bank guarantee, or repay the deposit, within three months "
              "after the Tenant has vacated the Premises, less any amounts the Tenant still owes under "
              "this lease."),
        ("h", "Article 9 \u2013 Maintenance and repairs"),
        ("p", "9.1 The Tenant is responsible for minor repairs and day-to-day maintenance, including the "
              "loading dock levellers, the doors and the interior finishes of the offices."),
        ("p", "9.2 The Landlord is responsible for the maintenance and renewal of the structure of the "
              "building, including the foundations, the roof, the facades, the sprinkler installation and "
              "the main heating installation."),
        ("p", "9.3 The Landlord shall remedy defects for which it is responsible within a reasonable period "
              "after notification. In urgent cases, such as a leaking roof or a failure of the sprinkler "
              "installation, the Landlord shall begin repairs within 48 hours of the Tenant\u2019s report."),
    ],
    [
        ("h", "Article 10 \u2013 Subletting"),
        ("p", "10.1 The Tenant may not sublet the Premises, in whole or in part, or otherwise give their use "
              "to third parties without the Landlord\u2019s prior written consent."),
        ("p", "10.2 The Landlord shall not unreasonably withhold consent to subletting part of the Premises "
              "to a company in the same group as the Tenant, provided that the Tenant remains fully liable "
              "under this lease."),
        ("h", "Article 11 \u2013 Insurance"),
        ("p", "11.1 The Landlord insures the building against fire, storm and water damage at its "
              "reinstatement value. The Tenant insures its own property in the Premises and its business "
              "interruption risk, and holds adequate third-party liability insurance."),
        ("h", "Article 12 \u2013 End of the lease"),
        ("p", "12.1 At the end of the lease the Tenant shall return the Premises vacant and in the condition "
              "described in the delivery report, except for normal wear and tear."),
        ("p", "12.2 The parties shall jointly inspect the Premises no later than two weeks before the end of "
              "the lease and record the works the Tenant must still carry out."),
        ("h", "Article 13 \u2013 Notices"),
        ("p", "13.1 Notices under this lease shall be given in writing to the addresses stated above. Notices "
              "of termination shall be given by bailiff\u2019s writ or by registered letter; e-mail is not "
              "sufficient for such notices."),
        ("h", "Article 14 \u2013 Governing law and disputes"),
        ("p", "14.1 This lease is governed by the laws of the Netherlands."),
        ("p", "14.2 All disputes arising from or in connection with this lease shall be submitted exclusively "
              "to the competent court in Rotterdam."),
    ],
    [
        ("h", "Annexes"),
        ("line", "Annex 1: floor plan of the Premises"),
        ("line", "Annex 2: delivery report (to be signed at handover)"),
        ("line", "Annex 3: list of supplies and services included in the service charges"),
        ("line", "Annex 4: model bank guarantee"),
        ("h", "Signatures"),
        ("p", "Agreed and signed in duplicate in Rotterdam on 20 March 2025."),
        ("line", "For the Landlord, Havenkwartier Vastgoed B.V.:"),
        ("line", "R. Scheepmaker, managing director"),
        ("line", " "),
        ("line", "For the Tenant, Brightwater Logistics B.V.:"),
        ("line", "M. Feldmann, chief financial officer            C. Baptiste, managing director"),
    ],
]

MIETVERTRAG_OKAPI = [  # German: the Düsseldorf office of a client
    [
        ("title", "GEWERBEMIETVERTRAG"),
        ("line", "über Büroflächen im Gebäude Hafenbogen 7, 40221 Düsseldorf"),
        ("h", "Zwischen"),
        ("p", "der Rheinblick Immobilien GmbH & Co. KG, Am Speicherkai 3, 40221 Düsseldorf, vertreten durch "
              "ihre Komplementärin, diese vertreten durch den Geschäftsführer Herrn Lorenz Haberkamp, "
              "\u2013 nachfolgend \u201eVermieterin\u201c \u2013"),
        ("p", "und"),
        ("p", "der Okapi Games GmbH, vertreten durch die Geschäftsführerin Frau Jana Vollmer, "
              "\u2013 nachfolgend \u201eMieterin\u201c \u2013"),
        ("p", "wird folgender Mietvertrag geschlossen:"),
        ("h", "§ 1 Mietgegenstand"),
        ("p", "(1) Vermietet werden die Büroflächen im 3. Obergeschoss des Gebäudes Hafenbogen 7, 40221 "
              "Düsseldorf, mit einer Mietfläche von ca. 420 m² gemäß dem als Anlage 1 beigefügten "
              "Grundriss, sowie vier Stellplätze in der Tiefgarage."),
        ("p", "(2) Die Mieterin erhält bei Übergabe sechs Schlüssel und zwölf Zugangskarten. Die Übergabe "
              "wird in einem gemeinsamen Protokoll festgehalten."),
        ("h", "§ 2 Mietzweck"),
        ("p", "Die Mietflächen werden ausschließlich zum Betrieb eines Büros für die Entwicklung und den "
              "Vertrieb von Computerspielen vermietet. Eine Änderung des Mietzwecks bedarf der vorherigen "
              "schriftlichen Zustimmung der Vermieterin."),
        ("h", "§ 3 Mietzeit und Verlängerungsoption"),
        ("p", "(1) Das Mietverhältnis beginnt am 1. Juli 2025 und wird fest bis zum 30. Juni 2030 "
              "abgeschlossen."),
        ("p", "(2) Der Mieterin wird das Recht eingeräumt, das Mietverhältnis zweimal um jeweils drei Jahre "
              "zu verlängern (Option). Die Option ist spätestens neun Monate vor Ablauf der jeweiligen "
              "Mietzeit durch schriftliche Erklärung gegenüber der Vermieterin auszuüben."),
        ("p", "(3) Wird die Option nicht ausgeübt, endet das Mietverhältnis mit Ablauf der Mietzeit, ohne "
              "dass es einer Kündigung bedarf. § 545 BGB findet keine Anwendung."),
    ],
    [
        ("h", "§ 4 Sonderkündigungsrecht der Mieterin"),
        ("p", "(1) Die Mieterin ist berechtigt, das Mietverhältnis vorzeitig zum 30. Juni 2028 zu kündigen. "
              "Die Kündigung muss mit einer Frist von neun Monaten schriftlich erklärt werden und der "
              "Vermieterin spätestens am 30. September 2027 zugehen."),
        ("p", "(2) Macht die Mieterin von diesem Recht Gebrauch, zahlt sie der Vermieterin eine "
              "Ausgleichszahlung in Höhe von zwei Monatsnettokaltmieten, fällig mit dem Ende des "
              "Mietverhältnisses."),
        ("h", "§ 5 Miete und Nebenkosten"),
        ("p", "(1) Die monatliche Nettokaltmiete beträgt EUR 8.400,00 (EUR 20,00 je m²). Für die vier "
              "Tiefgaragenstellplätze werden monatlich insgesamt EUR 480,00 berechnet."),
        ("p", "(2) Auf die Betriebskosten leistet die Mieterin eine monatliche Vorauszahlung von "
              "EUR 1.890,00."),
        ("p", "(3) Die Vermieterin hat zur Umsatzsteuer optiert. Alle Beträge verstehen sich zuzüglich der "
              "gesetzlichen Umsatzsteuer, derzeit 19 %."),
        ("p", "(4) Miete und Vorauszahlungen sind monatlich im Voraus, spätestens am dritten Werktag eines "
              "jeden Monats, auf das Konto der Vermieterin zu zahlen."),
        ("h", "§ 6 Wertsicherung"),
        ("p", "(1) Verändert sich der vom Statistischen Bundesamt ermittelte Verbraucherpreisindex für "
              "Deutschland (VPI, Basis 2020 = 100) gegenüber dem Stand bei Mietbeginn oder bei der letzten "
              "Mietanpassung um mehr als 5 Prozent, so ändert sich die Nettokaltmiete im gleichen "
              "prozentualen Verhältnis."),
        ("p", "(2) Die geänderte Miete ist ab dem Monat zu zahlen, der auf die schriftliche Mitteilung der "
              "Änderung folgt. Eine rückwirkende Anpassung ist ausgeschlossen."),
        ("h", "§ 7 Mietsicherheit"),
        ("p", "(1) Die Mieterin leistet vor Übergabe der Mietflächen eine Mietsicherheit in Höhe von drei "
              "Bruttomonatsmieten einschließlich Nebenkostenvorauszahlung, derzeit EUR 38.448,90."),
        ("p", "(2) Die Sicherheit kann als Barkaution oder durch selbstschuldnerische, unbefristete "
              "Bürgschaft einer deutschen Bank oder Sparkasse erbracht werden. Eine Barkaution wird nicht "
              "verzinst."),
        ("p", "(3) Die Vermieterin gibt die Sicherheit nach Beendigung des Mietverhältnisses und Rückgabe "
              "der Mietflächen zurück, sobald feststeht, dass ihr keine Ansprüche mehr zustehen, "
              "spätestens jedoch sechs Monate nach Rückgabe."),
    ],
    [
        ("h", "§ 8 Betriebskosten"),
        ("p", "(1) Die Mieterin trägt anteilig die Betriebskosten im Sinne der Betriebskostenverordnung "
              "sowie die Kosten der Verwaltung des Gebäudes bis zu 3 % der Nettokaltmiete."),
        ("p", "(2) Die Vermieterin rechnet über die Vorauszahlungen jährlich ab. Die Abrechnung für ein "
              "Kalenderjahr ist der Mieterin bis zum 30. September des Folgejahres zu übersenden."),
        ("h", "§ 9 Instandhaltung und Reparaturen"),
        ("p", "(1) Die Instandhaltung und Instandsetzung von Dach und Fach sowie der zentralen technischen "
              "Anlagen obliegt der Vermieterin."),
        ("p", "(2) Die Kosten kleinerer Reparaturen an Gegenständen, die dem häufigen Zugriff der Mieterin "
              "ausgesetzt sind, trägt die Mieterin bis zu EUR 150,00 im Einzelfall, höchstens jedoch "
              "EUR 1.500,00 im Kalenderjahr."),
        ("p", "(3) Schönheitsreparaturen innerhalb der Mietflächen führt die Mieterin nach Bedarf auf eigene "
              "Kosten fachgerecht aus."),
        ("h", "§ 10 Untervermietung"),
        ("p", "(1) Eine Untervermietung oder sonstige Gebrauchsüberlassung an Dritte bedarf der vorherigen "
              "schriftlichen Zustimmung der Vermieterin."),
        ("p", "(2) Die Überlassung an mit der Mieterin verbundene Unternehmen im Sinne der §§ 15 ff. AktG "
              "ist ohne Zustimmung zulässig; die Mieterin hat sie der Vermieterin vorher anzuzeigen."),
        ("h", "§ 11 Bauliche Veränderungen"),
        ("p", "Bauliche Veränderungen durch die Mieterin, insbesondere Eingriffe in die Haustechnik, "
              "bedürfen der vorherigen schriftlichen Zustimmung der Vermieterin. Bei Mietende sind sie auf "
              "Verlangen der Vermieterin zurückzubauen."),
    ],
    [
        ("h", "§ 12 Rückgabe"),
        ("p", "Bei Beendigung des Mietverhältnisses sind die Mietflächen geräumt, besenrein und mit allen "
              "Schlüsseln und Zugangskarten zurückzugeben."),
        ("h", "§ 13 Schriftform, anwendbares Recht, Gerichtsstand"),
        ("p", "(1) Änderungen und Ergänzungen dieses Vertrages bedürfen der Schriftform. Die Parteien "
              "verpflichten sich, alle Handlungen vorzunehmen, die erforderlich sind, um der gesetzlichen "
              "Schriftform (§ 550 BGB) Genüge zu tun."),
        ("p", "(2) Es gilt das Recht der Bundesrepublik Deutschland."),
        ("p", "(3) Gerichtsstand für alle Streitigkeiten aus diesem Vertrag ist Düsseldorf."),
        ("h", "Anlagen"),
        ("line", "Anlage 1: Grundriss der Mietflächen im 3. Obergeschoss"),
        ("line", "Anlage 2: Übergabeprotokoll"),
        ("h", "Unterschriften"),
        ("line", "Düsseldorf, den 12. Mai 2025"),
        ("line", "Für die Vermieterin: Lorenz Haberkamp, Geschäftsführer der Komplementärin"),
        ("line", "Für die Mieterin: Jana Vollmer, Geschäftsführerin"),
    ],
]

ENGAGEMENT_VISSER = [
    ("title", FIRM),
    ("p", f"{FIRM_ADDRESS}  |  {FIRM_WEB}"),
    ("p", "Ms H. (Rieke) Visser\nBy e-mail only: rieke.visser@mail.example"),
    ("p", "Rotterdam, 2 December 2025\nOur reference: 2025-0388/LB\n"
          "Re: the end of your employment with Kroonduif Media B.V."),
    ("p", "Dear Ms Visser,"),
    ("p", "Thank you for meeting us on 1 December. As agreed, we will advise you on the proposal of your "
          "employer, Kroonduif Media B.V. (\u201cKroonduif\u201d), to end your employment by mutual "
          "agreement. This letter sets out what we will do, who will do it and what it will cost."),
    ("h", "What we will do"),
    ("p", "We will review the draft settlement agreement Kroonduif gave you, explain its consequences to you "
          "(including for your entitlement to unemployment benefit), and negotiate better terms with "
          "Kroonduif on your behalf until the agreement is signed or negotiations end."),
    ("p", "Court proceedings, and advice on the taxation of any severance payment, are not included. If they "
          "become necessary we will first agree separate terms with you."),
    ("h", "Who will work on your matter"),
    ("p", "Your matter will be handled by Luuk Brandsma, an associate in our employment team, who will be "
          "your contact person. He works under the supervision of Tobias Merrow, partner, who remains "
          "responsible for the quality of our work. You may contact Mr Merrow directly at any time, in "
          "particular if you are not satisfied with how your matter is being handled."),
    ("h", "Our fee"),
    ("p", "For the work described above we charge a fixed fee of EUR 1,650 excluding VAT (EUR 1,996.50 "
          "including 21% VAT). The fixed fee covers the review of the draft agreement, one meeting or video "
          "call with you, and the correspondence and calls with Kroonduif up to signing."),
    ("p", "Work outside that scope, for example if Kroonduif withdraws its proposal and you ask us to start "
          "proceedings, is charged at an hourly rate of EUR 245 excluding VAT, and only after you have "
          "agreed to it in writing."),
    ("p", "Employers usually contribute to the legal costs of an employee who signs a settlement agreement. "
          "We will ask Kroonduif for such a contribution. Any amount Kroonduif pays towards our fee will be "
          "deducted from what you owe us."),
    ("p", "You told us that you do not have legal expenses insurance and that your income is above the "
          "limit for subsidised legal aid."),
    ("h", "Invoices"),
    ("p", "We will invoice half of the fixed fee when we start work and the other half when the settlement "
          "agreement is signed or our work ends. Our invoices are payable within 30 days."),
    ("h", "Conflict check"),
    ("p", "We have checked that we do not act for Kroonduif Media B.V., its parent company Kroonduif Holding "
          "B.V. or its managing director Mr J. Osinga. We found no conflict of interest that prevents us "
          "from acting for you."),
    ("h", "Your right to cancel"),
    ("p", "Because you engage us as a private individual and this agreement is concluded at a distance, you "
          "may cancel this engagement within 14 days of accepting it, without giving reasons. If you ask us "
          "to start work within those 14 days and then cancel, you pay a proportionate part of the fixed "
          "fee for the work already done."),
    ("h", "Complaints, liability and general terms"),
    ("p", "If you have a complaint about our work or our invoice, please raise it first with Mr Brandsma or "
          "Mr Merrow. If that does not resolve it, our complaints officer will deal with it under our office "
          "complaints procedure, and you may then bring the complaint before the independent disputes "
          "committee for the legal profession."),
    ("p", "Our liability is limited to the amount paid out under our professional liability insurance. Our "
          "general terms and conditions, which we enclose, apply, and Dutch law governs this engagement."),
    ("p", "We process your personal data as described in our privacy statement, which is available on our "
          "website."),
    ("p", "If you agree with these terms, please sign and return a copy of this letter. We will start as soon "
          "as we receive it."),
    ("p", "Kind regards,"),
    ("p", f"Luuk Brandsma, associate\nTobias Merrow, partner\n{FIRM}"),
    ("p", "Read and agreed: ____________________ (H. Visser)   Date: ____________"),
]

NDA_NORDKAP = [
    ("title", "Mutual Non-Disclosure Agreement"),
    ("p", "This agreement is made on 2 June 2025 (the \u201cEffective Date\u201d) between:"),
    ("p", "Brightwater Logistics B.V., a private limited company incorporated under Dutch law, with its "
          "registered office at Havensteiger 14, 3089 RK Rotterdam, the Netherlands (\u201cBrightwater\u201d); "
          "and"),
    ("p", "Nordkap Robotics AS, a private limited company incorporated under Norwegian law, with its "
          "registered office at Havnegata 21, 7010 Trondheim, Norway (\u201cNordkap\u201d),"),
    ("p", "each a \u201cParty\u201d and together the \u201cParties\u201d."),
    ("h", "1. Purpose"),
    ("p", "The Parties wish to evaluate a pilot of Nordkap\u2019s automated pallet-handling robots in "
          "Brightwater\u2019s warehouse at the Waalhaven Distribution Park, Rotterdam (the \u201cPurpose\u201d). "
          "For that Purpose each Party may disclose Confidential Information to the other."),
    ("h", "2. Confidential Information"),
    ("p", "\u201cConfidential Information\u201d means all information disclosed by or on behalf of a Party "
          "(the \u201cDiscloser\u201d) to the other Party (the \u201cRecipient\u201d), in any form, that is marked "
          "as confidential or that a reasonable person would understand to be confidential, including "
          "warehouse layouts, throughput and volume figures, customer names, pricing, source code, robot "
          "telemetry and technical drawings."),
    ("h", "3. Obligations of the Recipient"),
    ("p", "The Recipient shall (a) use the Confidential Information only for the Purpose; (b) keep it "
          "confidential and protect it with at least the care it uses for its own confidential information, "
          "and no less than reasonable care; and (c) not copy it except as needed for the Purpose."),
    ("h", "4. Exceptions"),
    ("p", "The obligations in clause 3 do not apply to information that the Recipient can show (a) is or "
          "becomes public other than through a breach of this agreement; (b) was lawfully known to it before "
          "disclosure; (c) was independently developed without use of the Confidential Information; or "
          "(d) was lawfully received from a third party without a duty of confidentiality. The Recipient may "
          "disclose Confidential Information where required by law or by a court or regulator, provided it "
          "first notifies the Discloser, where lawful, so that the Discloser can seek protection."),
    ("h", "5. Permitted recipients"),
    ("p", "The Recipient may disclose Confidential Information to its directors, employees and professional "
          "advisers, such as lawyers and accountants, and to those of its group companies, who need to know "
          "it for the Purpose and who are bound by duties of confidentiality no less protective than this "
          "agreement. The Recipient is responsible for any breach by them."),
    ("h", "6. Term"),
    ("p", "This agreement applies for two years from the Effective Date. Either Party may end it earlier by "
          "written notice. The obligations of confidentiality continue for three (3) years after this "
          "agreement ends; for trade secrets they continue for as long as the information remains a trade "
          "secret."),
    ("h", "7. Return and destruction"),
    ("p", "Within ten (10) business days of a written request by the Discloser, and in any event when this "
          "agreement ends, the Recipient shall return or destroy all Confidential Information and confirm in "
          "writing that it has done so. The Recipient may keep copies held in automatic electronic back-up "
          "systems and one copy required to comply with law, which remain subject to this agreement."),
    ("h", "8. No licence, no warranty"),
    ("p", "All Confidential Information remains the property of the Discloser. Nothing in this agreement "
          "grants either Party any licence or other right under any patent, copyright, trade secret or other "
          "intellectual property right of the other Party, except the limited right to use the Confidential "
          "Information for the Purpose. Confidential Information is provided \u201cas is\u201d."),
    ("h", "9. No obligation to proceed"),
    ("p", "Neither Party is obliged to enter into any further agreement. Either Party may end the "
          "discussions at any time."),
    ("h", "10. Non-solicitation"),
    ("p", "For twelve (12) months after the end of this agreement, neither Party shall actively solicit for "
          "employment any employee of the other Party who has been involved in the Purpose. General "
          "advertisements not aimed at those employees are not a breach of this clause."),
    ("h", "11. Penalty"),
    ("p", "A Party that breaches clause 3, 5 or 10 forfeits to the other Party, without any notice of default "
          "being required, an immediately payable penalty of EUR 25,000 for each breach, plus EUR 2,500 for "
          "each day the breach continues. The penalty does not replace the right to claim full compensation "
          "or performance; article 6:92 of the Dutch Civil Code is set aside to that extent."),
    ("h", "12. Governing law and jurisdiction"),
    ("p", "This agreement is governed by the laws of the Netherlands. All disputes shall be submitted to the "
          "exclusive jurisdiction of the District Court of Rotterdam."),
    ("h", "Signatures"),
    ("p", "For Brightwater Logistics B.V.: Marco Feldmann, chief financial officer\n"
          "For Nordkap Robotics AS: Eirik Solbakken, chief executive officer"),
]

MEMO_GDPR = [
    ("title", "Internal memorandum"),
    ("p", "To: Mirjam Aalto, partner (privacy & technology)\nFrom: Daan Verhoef, associate\n"
          "Cc: Ingrid Halvorsen, Saskia de Wilde\nDate: 9 September 2025\n"
          "Client/matter: Brightwater Logistics B.V. \u2013 2025-0291/MA\n"
          "Subject: camera analytics in the Waalhaven warehouse \u2013 GDPR questions"),
    ("h", "1. Question"),
    ("p", "Brightwater wants to install ceiling cameras in warehouse unit 4 that feed a cloud service, "
          "\u201cFlowSight\u201d, supplied by Sightline Analytics Ltd (Manchester, United Kingdom). The service "
          "measures pallet flows and flags near-misses between forklifts and pedestrians. Brightwater asks "
          "(a) what role Sightline has under the GDPR, (b) what contract it needs, (c) whether footage may "
          "go to the United Kingdom, and (d) what else must be done before the cameras go live on "
          "1 November 2025."),
    ("h", "2. Short answer"),
    ("p", "Sightline acts as a processor: it processes the footage only on Brightwater\u2019s instructions "
          "and for Brightwater\u2019s purposes, and Brightwater decides why and how the footage is used. "
          "Brightwater is the controller. A data processing agreement meeting article 28 GDPR is needed "
          "before any footage is shared. The transfer to the United Kingdom is allowed on the basis of the "
          "European Commission\u2019s adequacy decision for the UK. Because the cameras also record "
          "employees, a data protection impact assessment (DPIA) should be carried out and the works "
          "council\u2019s consent obtained first."),
    ("h", "3. Processor or controller"),
    ("p", "Sightline\u2019s standard terms say that it may use \u201caggregated and anonymised\u201d data to "
          "improve its models. If Sightline uses footage for its own product development it becomes a "
          "controller for that use, and Brightwater would need a legal basis for sharing the footage for "
          "that purpose. We recommend that the agreement excludes any such use, or limits it to data that "
          "is anonymised within Brightwater\u2019s environment before it reaches Sightline."),
    ("h", "4. The data processing agreement"),
    ("p", "The agreement must at least cover the subject matter and duration of the processing, the types "
          "of personal data and data subjects, processing only on documented instructions, confidentiality "
          "of Sightline\u2019s staff, security measures, the use of sub-processors only with Brightwater\u2019s "
          "prior authorisation, assistance with data subject requests and with breach notification, "
          "deletion or return of the data at the end of the service, and audits. Sightline\u2019s template "
          "lacks an audit right and allows sub-processors to be added without notice; both must be "
          "negotiated."),
    ("h", "5. Transfer to the United Kingdom"),
    ("p", "Sightline hosts the footage in London. Under the adequacy decision the transfer needs no "
          "standard contractual clauses. Sightline\u2019s sub-processor for model training is located in the "
          "United States; that onward transfer is only permitted if the sub-processor is certified under "
          "the EU-US Data Privacy Framework or another transfer tool is in place. We have asked Sightline "
          "to confirm."),
    ("h", "6. Employees: works council, DPIA and retention"),
    ("p", "Cameras that can be used to monitor the attendance, behaviour or performance of staff are a "
          "personnel monitoring system. Under article 27 of the Dutch Works Councils Act (WOR) Brightwater "
          "needs the prior consent of its works council before introducing them. Systematic monitoring of "
          "employees also makes a DPIA mandatory under the Dutch regulator\u2019s list of high-risk "
          "processing."),
    ("p", "Recordings should be kept no longer than four weeks, unless an incident has been recorded, in "
          "which case the relevant footage may be kept until the incident has been dealt with. Sightline\u2019s "
          "default retention of 180 days must be changed in the service settings."),
    ("p", "Staff must be told about the cameras before they go live, for example through a notice at the "
          "entrances and an update of the employee privacy statement. Cameras must not cover changing "
          "rooms, toilets or the canteen."),
    ("h", "7. Data breaches"),
    ("p", "If footage is lost or accessed without authorisation, Brightwater as controller must notify the "
          "Dutch Data Protection Authority without undue delay and where feasible within 72 hours of "
          "becoming aware of the breach, unless the breach is unlikely to result in a risk to the people "
          "concerned. The agreement should oblige Sightline to tell Brightwater of any breach within "
          "24 hours, so that the 72 hours can be met."),
    ("h", "8. Next steps"),
    ("bullet", "Send Sightline our mark-up of the data processing agreement (Daan, this week)."),
    ("bullet", "Draft the works council request for consent with Brightwater\u2019s HR manager."),
    ("bullet", "Prepare the DPIA with Brightwater\u2019s operations team before 1 October 2025."),
    ("p", "Time spent so far: 6.5 hours (associate). Please let me know whether you agree with the approach "
          "in section 3 before I send the mark-up."),
]

MEMO_LIMITATION = """\
# Memo: limitation periods – Tessel Foods v Grauwmeer Packaging

| | |
|---|---|
| **To** | Tobias Merrow, partner |
| **From** | Noor El Idrissi, junior associate |
| **Date** | 24 October 2025 |
| **Matter** | Tessel Foods B.V. / Grauwmeer Packaging B.V. – 2025-0262/TM |

## 1. Question

Tessel Foods B.V. ("Tessel") bought sealing film for its ready-meal trays from Grauwmeer
Packaging B.V. ("Grauwmeer") under a supply agreement of 2022. Film from batches delivered in
February 2024 failed to seal properly; Tessel had to recall and destroy about 41,000 trays. You
asked when Tessel's claims against Grauwmeer become time-barred and what we should do to keep
them alive while settlement talks go on.

## 2. Facts relevant to limitation

- Tessel discovered the sealing defect on 3 March 2024, when its own quality control rejected a
  production run.
- Tessel complained to Grauwmeer by e-mail on 11 March 2024, describing the defect and the
  batches concerned. Grauwmeer acknowledged receipt on 12 March 2024.
- No further written demand or acknowledgement of liability has been sent since then. The
  without-prejudice talks started in September 2025.
- The supply agreement is governed by Dutch law and contains no clause on limitation or on
  a shorter period for complaints.

## 3. The applicable periods

**Non-conformity of the goods.** Under article 7:23(1) of the Dutch Civil Code a buyer must
notify the seller of a defect within a reasonable time after discovering it. A complaint eight
days after discovery is in time. Under article 7:23(2) claims and defences based on facts that
would justify the complaint are time-barred two years after that notification. The two-year
period therefore started on 11 March 2024 and, unless interrupted, **ends on 11 March 2026**.

**Damages claims in general.** A claim for damages is time-barred five years after the injured
party became aware both of the damage and of the party liable for it (article 3:310(1)), and in
any case twenty years after the event that caused the damage. For the recall costs this longer
period does not help: because the claim is based on the non-conformity of the film, the
two-year period of article 7:23(2) applies to it as well.

**The CISG does not apply**, since both parties are established in the Netherlands.

## 4. Interrupting the limitation period

A limitation period for a claim to performance is interrupted by a written demand or by a
written communication in which the creditor unequivocally reserves its right to performance
(article 3:317(1)). A claim for damages is a claim to performance of the obligation to pay
compensation, so the same rule applies to it. After an interruption a new period starts, equal to
the original one but not longer than five years (article 3:319(1)): here, a new period of two
years.

Settlement negotiations do **not** interrupt the period by themselves. Grauwmeer's e-mail of
12 March 2024 only acknowledged receipt; it is not an acknowledgement of the claim within
the meaning of article 3:318.

## 5. Advice

1. Send Grauwmeer a formal interruption letter well before 11 March 2026, reserving all
   rights to performance and to damages. I suggest we send it no later than **1 March 2026**,
   by registered post and by e-mail, and keep proof of delivery.
2. Alternatively, ask Grauwmeer to agree in writing that the period is extended while the
   talks continue (a standstill agreement). That is less confrontational, but it must be signed
   before the period ends.
3. Diarise 11 March 2026 as the limitation date, with reminders on 1 February and 1 March 2026.

Time spent: 3.2 hours.
"""

NOTE_TESSEL_CALL = """\
MERROW AALTO ADVOCATEN - ATTENDANCE NOTE

Matter:    Tessel Foods B.V. / Grauwmeer Packaging B.V. (2025-0262/TM)
Date:      18 November 2025, 15:10-15:35
Attendees: Annelies Kortenhoeven (managing director, Tessel Foods) - by phone
           Tobias Merrow (partner), Noor El Idrissi (note)

1. TM summarised Grauwmeer's offer of EUR 42,500 (open until Friday 21 November,
   17:00) and our estimate of Tessel's loss at EUR 74,300 excluding interest and costs.

2. AK confirmed the board's decision: reject the offer and make a
   counter-offer of EUR 55,000, inclusive of interest and costs. TM may go down to
   EUR 50,000 without checking back. Anything below that must go back to the board.

3. AK wants any settlement to include: payment within 14 days of signing, a mutual
   confidentiality clause, and no admission of liability on either side. She does NOT
   want the supply agreement terminated: Tessel still buys other film types from
   Grauwmeer.

4. TM reminded AK of the limitation date (11 March 2026, see memo of 24 October). AK
   agreed that we send the interruption letter in February if no settlement has been
   signed by then.

5. Action: TM to send the counter-offer to Mr Ruijgrok (Dekker Stroom Advocaten)
   tomorrow, 19 November, marked without prejudice. NEI to prepare a draft
   settlement agreement.

Time: 0.5 hours (TM), 0.5 hours (NEI).
"""

MAIL_BREAK_OPTION = eml_bytes(
    {
        "From": "Saskia de Wilde <s.dewilde@merrowaalto.example>",
        "To": "Marco Feldmann <m.feldmann@brightwater-logistics.example>",
        "Cc": "Ingrid Halvorsen <i.halvorsen@merrowaalto.example>",
        "Date": "Wed, 08 Oct 2025 14:05:12 +0200",
        "Subject": "RE: Waalhaven - can we leave early? [MA 2025-0147]",
        "Message-ID": "<20251008140512.4417@merrowaalto.example>",
        "In-Reply-To": "<CAB7f3Qx-20251006112033@brightwater-logistics.example>",
        "References": "<CAB7f3Qx-20251006112033@brightwater-logistics.example>",
    },
    [
        {"body": """
            Dear Marco,

            Thank you for your e-mail. In short: yes, Brightwater can leave Waalhaven before the end of
            the lease, but only on one date and only if you act in time.

            Article 4 of the lease gives Brightwater a one-off right to end the lease with effect from
            31 March 2028. The landlord must receive your notice no later than 30 September 2027, that
            is at least six months before that date. The notice must be sent by registered letter or
            served by a bailiff; an e-mail to Mr Scheepmaker is not enough.

            Leaving early is not free. Brightwater must pay a break fee of three months' rent
            (excluding VAT and service charges) no later than 31 March 2028. At today's rent that is
            EUR 121,500, and indexation will have increased it by then. The break also only works if
            Brightwater is not more than one month's rent behind when it gives notice, and if it hands
            the warehouse back in the agreed condition on time.

            If you do not use the 2028 date, the lease runs until 31 March 2030. To leave then, notice
            must be given at least twelve months in advance, so by 31 March 2029; otherwise the lease is
            renewed for another five years.

            I suggest we put 1 September 2027 in the diary as your internal deadline, so that there is
            time to prepare and serve the notice. Would you like us to look at the lease for the
            Moerdijk site as well?

            Kind regards,

            Saskia de Wilde
            Senior associate | Merrow Aalto Advocaten
            s.dewilde@merrowaalto.example
        """},
        {"who": "Marco Feldmann <m.feldmann@brightwater-logistics.example>", "when": "Mon, 6 Oct 2025 at 11:20",
         "body": """
            Hi Saskia,

            Our parent company is building a new distribution centre in Moerdijk and the board wants to
            move everything there. It won't be ready before the second half of 2027.

            Can we get out of the Waalhaven lease before 2030? By when would we have to tell the
            landlord, and what would it cost us? Also, is it right that we can't simply send the
            landlord an e-mail?

            Thanks,
            Marco

            Marco Feldmann | CFO | Brightwater Logistics B.V.
        """},
    ],
)

_OFFER = """\
---------- Forwarded message ---------
From: Bas Ruijgrok <b.ruijgrok@dekkerstroom.example>
Date: Tue, 11 Nov 2025 at 16:42
Subject: Grauwmeer / Tessel - settlement proposal (without prejudice)
To: Tobias Merrow <t.merrow@merrowaalto.example>

Dear colleague,

Without prejudice and subject to contract.

On behalf of my client Grauwmeer Packaging B.V. I make the following
proposal to settle the dispute about the sealing film delivered to your
client in February 2024:

1. Grauwmeer pays Tessel Foods B.V. EUR 42,500 in full and final
   settlement of all claims relating to the batches concerned, within
   30 days of signing a settlement agreement;
2. neither party admits any liability;
3. each party bears its own legal costs;
4. the supply agreement of 2022 continues unchanged.

This offer remains open until Friday 21 November 2025, 17:00 CET, after
which it lapses without further notice.

Kind regards,

Bas Ruijgrok
Dekker Stroom Advocaten"""

MAIL_SETTLEMENT_OFFER = eml_bytes(
    {
        "From": "Annelies Kortenhoeven <a.kortenhoeven@tesselfoods.example>",
        "To": "Tobias Merrow <t.merrow@merrowaalto.example>",
        "Cc": "Noor El Idrissi <n.elidrissi@merrowaalto.example>",
        "Date": "Mon, 17 Nov 2025 08:31:47 +0100",
        "Subject": "RE: FW: Grauwmeer / Tessel - settlement proposal (without prejudice)",
        "Message-ID": "<AM0PR07MB6112.20251117083147@tesselfoods.example>",
        "In-Reply-To": "<20251112090503.2281@merrowaalto.example>",
        "References": "<20251111164201.0042@dekkerstroom.example> <20251112090503.2281@merrowaalto.example>",
    },
    [
        {"body": """
            Dear Tobias,

            Thank you for the clear summary. The board discussed Grauwmeer's proposal last night. We
            will not accept EUR 42,500, but we do want to settle if the number is right: a court case
            that takes a year or more is the last thing we need during the new product launch.

            Could you call me tomorrow afternoon to discuss our counter-offer? I am free from 15:00.

            Best regards,
            Annelies

            Annelies Kortenhoeven
            Managing director | Tessel Foods B.V.
        """},
        {"who": "Tobias Merrow <t.merrow@merrowaalto.example>", "when": "Wed, 12 Nov 2025 at 09:05",
         "body": """
            Dear Annelies,

            Below is the settlement proposal that Grauwmeer's lawyer sent us yesterday afternoon. The main
            points: EUR 42,500 in full and final settlement, no admission of liability, each side bears
            its own costs, and the supply agreement continues. The offer is open until Friday
            21 November, 17:00.

            In our view the offer is too low. We estimate Tessel's loss at EUR 74,300, excluding interest
            and costs, and Grauwmeer's defence on the cause of the defect is weak. On the other hand,
            proceedings would take 12 to 18 months at first instance and cost an estimated EUR 25,000 to
            35,000 in fees, of which only a small part can be recovered from Grauwmeer under the court's
            fixed scale of costs. I would recommend a counter-offer between EUR 55,000 and 60,000.

            Please let me have the board's instructions by Tuesday 18 November, so that we can answer
            well before the deadline.

            Kind regards,
            Tobias

            Tobias Merrow
            Managing partner | Merrow Aalto Advocaten
        """, "forward": _OFFER},
    ],
)

MAIL_VISSER = eml_bytes(
    {
        "From": "Luuk Brandsma <l.brandsma@merrowaalto.example>",
        "To": "Rieke Visser <rieke.visser@mail.example>",
        "Date": "Fri, 05 Dec 2025 10:12:09 +0100",
        "Subject": "RE: Settlement agreement Kroonduif - do I have to sign by the 12th?",
        "Message-ID": "<20251205101209.7730@merrowaalto.example>",
        "In-Reply-To": "<b81e4c2a-1f0d-4a55-9e61-0c2d7d3a9f10@mail.example>",
        "References": "<b81e4c2a-1f0d-4a55-9e61-0c2d7d3a9f10@mail.example>",
    },
    [
        {"body": """
            Dear Rieke,

            No, you do not have to sign by 12 December. That date is Kroonduif's wish, not a legal
            requirement, and I will ask them for more time while we negotiate. Please do not sign
            anything before we have discussed it.

            You can also still change your mind after signing. By law, an employee may dissolve a
            settlement agreement that ends the employment within 14 days of signing it, by a written
            notice to the employer, without giving any reason. If the agreement does not mention this
            right, the period is three weeks instead. Kroonduif's draft mentions it in clause 12.

            What the draft offers you: your employment ends on 28 February 2026; Kroonduif pays a
            transition payment of EUR 18,240 gross; you are released from work from 1 January 2026
            with full pay; your 11.5 unused holiday days are paid out with your final salary; and
            Kroonduif contributes EUR 750 excluding VAT to your legal costs.

            What I would like to negotiate: a contribution of EUR 1,500 excluding VAT to your legal
            costs, which covers most of our fixed fee; an agreed, neutral reference; and the deletion of
            the non-compete clause in your employment contract, which the draft keeps in force for
            twelve months.

            Because the termination is at Kroonduif's initiative and the notice period is respected,
            the agreement should not affect your right to unemployment benefit. I will check the wording
            of clause 3 on this point.

            Shall we discuss it by phone on Monday at 11:00?

            Kind regards,

            Luuk Brandsma
            Associate | Merrow Aalto Advocaten
        """},
        {"who": "Rieke Visser <rieke.visser@mail.example>", "when": "Thu, 4 Dec 2025 at 19:47",
         "body": """
            Dear Mr Brandsma,

            Today HR gave me the settlement agreement we talked about on Monday. They want me to sign it
            by Friday 12 December. Do I have to? And if I sign and regret it later, can I still back out?

            Also, what happens to the holiday days I haven't taken? I think I still have about eleven.

            Best regards,
            Rieke Visser
        """},
    ],
)


def documents() -> dict[str, bytes]:
    """Every file of the firm corpus, by path relative to the folder."""
    return {
        "engagement-letters/engagement-letter-brightwater-lease.pdf": pdf_bytes(
            ENGAGEMENT_BRIGHTWATER, title="Engagement letter - Brightwater Logistics - lease Waalhaven",
            author="Ingrid Halvorsen", footer=FIRM + " \u2013 ref. 2025-0147/IH \u2013 page {page} of {pages}"),
        "engagement-letters/engagement-letter-visser.docx": docx_bytes(
            ENGAGEMENT_VISSER, title="Engagement letter - H. Visser - settlement agreement",
            author="Luuk Brandsma"),
        "leases/lease-waalhaven-unit4-brightwater.pdf": pdf_bytes(
            LEASE_BRIGHTWATER, title="Lease agreement - Waalhaven Distribution Park unit 4",
            author="Havenkwartier Vastgoed B.V.",
            footer="Lease Waalhaven unit 4 \u2013 execution version \u2013 page {page} of {pages}"),
        "leases/mietvertrag-hafenbogen7-okapi.pdf": pdf_bytes(
            MIETVERTRAG_OKAPI, title="Gewerbemietvertrag Hafenbogen 7 - Okapi Games GmbH",
            author="Rheinblick Immobilien GmbH & Co. KG",
            footer="Gewerbemietvertrag Hafenbogen 7, Düsseldorf \u2013 Seite {page} von {pages}"),
        "contracts/nda-brightwater-nordkap.docx": docx_bytes(
            NDA_NORDKAP, title="Mutual NDA - Brightwater / Nordkap Robotics", author="Saskia de Wilde"),
        "memos/memo-gdpr-warehouse-cameras.docx": docx_bytes(
            MEMO_GDPR, title="Memo - GDPR - camera analytics Waalhaven", author="Daan Verhoef"),
        "memos/memo-limitation-tessel-grauwmeer.md": MEMO_LIMITATION.encode("utf-8"),
        "notes/attendance-note-tessel-2025-11-18.txt": NOTE_TESSEL_CALL.encode("utf-8"),
        "mail/brightwater-leaving-waalhaven-early.eml": MAIL_BREAK_OPTION,
        "mail/tessel-grauwmeer-settlement-offer.eml": MAIL_SETTLEMENT_OFFER,
        "mail/visser-settlement-agreement-deadline.eml": MAIL_VISSER,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write to (default: this one)")
    out = parser.parse_args().out
    files = documents()
    for rel, data in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    total = sum(len(data) for data in files.values())
    print(f"firm corpus: {len(files)} files, {total / 1e3:.0f} kB in {out}")


if __name__ == "__main__":
    main()
