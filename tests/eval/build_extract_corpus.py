"""Nine small contracts with known facts, for the extraction evaluation: three each as PDF, DOCX and
TXT, with varied wording and date formats. The facts are drawn per contract from the lists below and
written beside the files as truth.json.

    .venv/bin/python tests/eval/build_extract_corpus.py OUT_DIR
"""
from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# (party A, party B, date as written, ISO date, term, notice, law, fees, renews)
CONTRACTS = [
    ("Acme Widgets Ltd", "Blue River Consulting LLP", "3 March 2021", "2021-03-03", "two years", "ninety days",
     "England and Wales", "EUR 12,000 per month", True),
    ("Harbour Estates plc", "Kettle & Co", "June 1, 2020", "2020-06-01", "five years", "six months",
     "Scotland", "GBP 4,000 per quarter", False),
    ("Northwind Foods Ltd", "Baltic Grain AS", "2022-05-05", "2022-05-05", "one year", "60 days",
     "Denmark", "EUR 210 per tonne", True),
    ("Orion Software GmbH", "Castle Insurance SE", "17th of January 2023", "2023-01-17", "three years",
     "three months", "Germany", "EUR 95,000 per year", False),
    ("Maple Leaf Logistics Inc.", "Quayside Storage Ltd", "September 30, 2019", "2019-09-30", "eighteen months",
     "30 days", "the State of New York", "USD 7,500 per month", True),
    ("Sable Pharma SA", "Lumen Clinical Research BV", "12 December 2018", "2018-12-12", "four years",
     "120 days", "the Netherlands", "EUR 1,200,000 in total", False),
    ("Granite Build Ltd", "Riverside Council", "1 April 2024", "2024-04-01", "twenty-four months",
     "one month", "Northern Ireland", "GBP 850,000", False),
    ("Pelican Air Services Ltd", "Coral Bay Hotels Ltd", "August 8, 2022", "2022-08-08", "two years",
     "ninety (90) days", "Ireland", "EUR 3,300 per month", True),
    ("Vireo Data Ltd", "Hollins & Partners LLP", "2021-11-15", "2021-11-15", "one year", "fourteen days",
     "England and Wales", "GBP 18,000 per year", True),
]
FORMATS = ("pdf", "docx", "txt")

OPENINGS = ("This {kind} (the \"Agreement\") is made on {date} between {a} and {b}.",
            "THIS {KIND} is dated {date} and made between {a} (the \"Supplier\") and {b} (the \"Customer\").",
            "Dated {date}. Parties: (1) {a}; (2) {b}. The parties agree to this {kind} as follows.")
TERMS = ("1. Term. This Agreement continues for {term} from its date.",
         "1. Duration. The Agreement shall remain in force for a period of {term}.",
         "1. The term of this Agreement is {term}, starting on the date above.")
NOTICES = ("2. Termination. Either party may terminate this Agreement by giving {notice}' written notice.",
           "2. Termination. A party may end the Agreement on not less than {notice} notice in writing.",
           "2. Either party may terminate on {notice} prior written notice to the other.")
FEES = ("3. Fees. The Customer shall pay {fees}, invoiced monthly in arrears.",
        "3. Charges. In consideration of the services the Customer pays {fees}.",
        "3. Payment. The price is {fees}, payable within thirty days of invoice.")
RENEWALS = {True: ("4. Renewal. This Agreement renews automatically for successive periods of one year.",
                   "4. At the end of the term this Agreement is automatically renewed unless either party objects."),
            False: ("4. Renewal. This Agreement does not renew; any extension must be agreed in writing.",
                    "4. The Agreement expires at the end of the term and is not renewed automatically.")}
LAWS = ("5. Governing law. This Agreement is governed by the laws of {law}.",
        "5. This Agreement and any dispute arising from it shall be governed by the law of {law}.",
        "5. Law. The laws of {law} govern this Agreement.")
KINDS = ("Services Agreement", "Supply Agreement", "Lease", "Licence Agreement", "Storage Agreement",
         "Research Agreement", "Construction Contract", "Services Agreement", "Data Processing Agreement")


def paragraphs(i: int) -> list[str]:
    a, b, date, _iso, term, notice, law, fees, renews = CONTRACTS[i]
    kind = KINDS[i]
    return [kind.upper(),
            OPENINGS[i % 3].format(kind=kind, KIND=kind.upper(), date=date, a=a, b=b),
            TERMS[(i + 1) % 3].format(term=term), NOTICES[(i + 2) % 3].format(notice=notice),
            FEES[i % 3].format(fees=fees), RENEWALS[renews][i % 2], LAWS[(i + 1) % 3].format(law=law),
            "6. Entire agreement. This Agreement is the entire agreement between the parties."]


def truth(i: int) -> dict:
    a, b, _date, iso, term, notice, law, fees, renews = CONTRACTS[i]
    # Strings are judged by the words that must appear in the value (case aside).
    return {"parties": [a.split()[0], b.split()[0]], "agreement_date": iso, "term": [term.split()[0]],
            "termination_notice": [notice.split()[0]], "governing_law": [law.split()[-1]],
            "fees": [fees.split()[1].rstrip(",")], "renewal": renews}


def build(out: Path) -> list[Path]:
    from docx import Document

    from tests.core.ingest_files import pdf_bytes

    out.mkdir(parents=True, exist_ok=True)
    files, facts = [], {}
    for i in range(len(CONTRACTS)):
        fmt = FORMATS[i % 3]
        path = out / f"contract-{i + 1}.{fmt}"
        paras = paragraphs(i)
        if fmt == "txt":
            path.write_text("\n\n".join(paras) + "\n", encoding="utf-8")
        elif fmt == "docx":
            doc = Document()
            doc.add_heading(paras[0], level=1)
            for p in paras[1:]:
                doc.add_paragraph(p)
            doc.save(path)
        else:  # two pages, lines wrapped to the page's width: the law and the last clauses on page 2
            lines = lambda ps: "\n".join(line for p in ps for line in textwrap.wrap(p, 88))  # noqa: E731
            path.write_bytes(pdf_bytes([lines(paras[:4]), lines(paras[4:])]))
        files.append(path)
        facts[path.name] = truth(i)
    (out / "truth.json").write_text(json.dumps(facts, indent=2), encoding="utf-8")
    return files


if __name__ == "__main__":
    for path in build(Path(sys.argv[1])):
        print(path)
