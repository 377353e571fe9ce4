"""Rebuilds tests/eval/corpus/ from public documents installed by Debian.

The corpus is committed, so this only documents (and can repeat) how it was made:
plain copies of the licence texts, HTML and Markdown docs and two real PDF manuals,
plus two conversions that keep the original words: Apache 2.0 as a DOCX with its
section headings, and MPL 1.1 typeset as a paged PDF (so that page numbers mean something).

    .venv/bin/python tests/eval/build_corpus.py
"""
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"
LICENSES = Path("/usr/share/common-licenses")
DOC = Path("/usr/share/doc")

COPIES = {
    "licenses/GPL-2.txt": LICENSES / "GPL-2",
    "licenses/GPL-3.txt": LICENSES / "GPL-3",
    "licenses/LGPL-2.1.txt": LICENSES / "LGPL-2.1",
    "licenses/LGPL-3.txt": LICENSES / "LGPL-3",
    "licenses/MPL-2.0.txt": LICENSES / "MPL-2.0",
    "licenses/Artistic-1.0.txt": LICENSES / "Artistic",
    "licenses/GFDL-1.2.txt": LICENSES / "GFDL-1.2",
    "manuals/libtasn1.pdf": DOC / "libtasn1-doc/libtasn1.pdf",
    "manuals/shared-mime-info-spec.pdf": DOC / "shared-mime-info/shared-mime-info-spec.pdf",
    "policies/debian-python-policy.html": DOC / "python3/python-policy.html",
    "policies/users-and-groups.html": DOC / "base-passwd/users-and-groups.html",
    "policies/nodejs-security.md": DOC / "nodejs/SECURITY.md",
}

# "   4. Redistribution. You may reproduce ...": Apache 2.0 starts each section with a numbered title.
APACHE_SECTION = re.compile(r"^\s*(\d+\. [A-Z][A-Za-z ]+\.)\s*(.*)$")


def build_apache_docx(source: Path, dest: Path) -> None:
    import datetime as dt

    import docx

    lines = source.read_text(encoding="utf-8").splitlines()
    document = docx.Document()
    document.add_heading("Apache License, Version 2.0, January 2004", level=0)
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            document.add_paragraph(" ".join(part.strip() for part in paragraph))
            paragraph.clear()

    for line in lines[4:]:  # title, version and URL are the document heading above
        section = APACHE_SECTION.match(line)
        if section:
            flush()
            document.add_heading(section.group(1), level=1)
            if section.group(2):
                paragraph.append(section.group(2))
        elif line.strip().startswith(("TERMS AND CONDITIONS", "END OF TERMS", "APPENDIX:")):
            flush()
            document.add_heading(line.strip(), level=1)
        elif not line.strip():
            flush()
        else:
            paragraph.append(line)
    flush()
    # Fixed metadata keeps the file byte-stable across rebuilds.
    stamp = dt.datetime(2004, 1, 1, tzinfo=dt.timezone.utc)
    document.core_properties.created = document.core_properties.modified = stamp
    document.core_properties.author = "The Apache Software Foundation"
    document.core_properties.title = "Apache License 2.0"
    document.save(dest)


def build_mpl_pdf(source: Path, dest: Path) -> None:
    # Qt is only a typesetter here; this script is not part of the app.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QFont, QGuiApplication, QPageSize, QPdfWriter, QTextDocument

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    writer = QPdfWriter(str(dest))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setResolution(96)
    writer.setTitle("Mozilla Public License 1.1")
    writer.setCreator("Strongroom evaluation corpus")
    document = QTextDocument()
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSize(9)
    document.setDefaultFont(font)
    document.setPlainText(source.read_text(encoding="utf-8").strip())
    document.print_(writer)
    del writer, app


def main() -> None:
    for rel, source in COPIES.items():
        target = CORPUS / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    build_apache_docx(LICENSES / "Apache-2.0", CORPUS / "licenses/Apache-2.0.docx")
    build_mpl_pdf(LICENSES / "MPL-1.1", CORPUS / "licenses/MPL-1.1.pdf")
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"corpus: {sum(1 for p in CORPUS.rglob('*') if p.is_file())} files, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
