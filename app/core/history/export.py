"""A conversation written out for the matter file: Markdown or Word, answers with their cited sources
and the claim check's marks: a statement no source backs is flagged where it stands and listed with
the reason under the answer, so the mark survives into the matter file.

An export is the one place history leaves the encrypted database, and only because the user asked
for it: the file is written owner-only and atomically, never into Strongroom's own folders.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.core.foundation.atomic import write_atomic
from app.core.answers.citations import cited_numbers, excerpt

FORMATS = {".md": "Markdown", ".markdown": "Markdown", ".txt": "Markdown", ".docx": "Word"}
CHECK_MARK = "\u26a0 check:"


class ExportError(ValueError):
    pass


@dataclass(frozen=True)
class CitedSource:
    n: int
    file: str
    page: int | None
    excerpt: str

    @property
    def where(self) -> str:
        return self.file + (f", page {self.page}" if self.page else "")


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def unsupported(message) -> list[dict]:
    """The statements of an answer that no source backs (its claims, when they were checked)."""
    claims = getattr(message, "claims", None) or []
    return [c for c in claims if not c.get("supported", True)]


def _check_list(message) -> list[str]:
    flagged = unsupported(message)
    if not flagged:
        return []
    total = len([c for c in message.claims if c.get("reason") != "no statement to check"])
    return [f"{len(flagged)} of {total} statements are not backed by the sources; check them:"] + [
        f"{' '.join(c['text'].split())} ({c.get('reason', '')})" for c in flagged]


def _marked_markdown(message) -> str:
    """The answer with each unsupported statement flagged in place."""
    claims = getattr(message, "claims", None) or []
    if not claims or "".join(c.get("text", "") for c in claims) != message.content:
        return message.content.strip()
    return "".join(f"**{CHECK_MARK}** {c['text']}" if not c.get("supported", True) else c["text"]
                   for c in claims).strip()


def cited_sources(answer: str, sources: list[dict]) -> list[CitedSource]:
    """The sources the answer's [n] markers point at, in the order they are first cited."""
    by_n = {s.get("n"): s for s in sources}
    out = []
    for n in cited_numbers(answer):
        s = by_n.get(n)
        if s:
            out.append(CitedSource(n, str(s.get("file", "?")), s.get("page"), excerpt(s.get("excerpt", ""))))
    return out


def _heading(title: str, libraries: list[str], now: float | None) -> list[str]:
    lines = [f"Exported from Strongroom on {_when(now if now is not None else datetime.now().timestamp())}"]
    if libraries:
        lines.append("Libraries searched: " + ", ".join(libraries))
    return lines


def to_markdown(title: str, messages, libraries: list[str] | None = None, now: float | None = None) -> str:
    parts = [f"# {title}", "", *(f"{line}  " for line in _heading(title, libraries or [], now)), ""]
    for m in messages:
        if m.role == "user":
            parts += [f"## Question ({_when(m.created)})", "", m.content.strip(), ""]
        elif m.role == "assistant":
            model = f", {m.model}" if m.model else ""
            parts += [f"### Answer ({_when(m.created)}{model})", "", _marked_markdown(m), ""]
            check = _check_list(m)
            if check:
                parts += [check[0], "", *(f"- {line}" for line in check[1:]), ""]
            cited = cited_sources(m.content, m.sources)
            if cited:
                parts += ["Sources:", ""]
                parts += [f"[{c.n}] {c.where}" + (f"  \n> {c.excerpt}" if c.excerpt else "") + "\n" for c in cited]
    return "\n".join(parts).rstrip() + "\n"


def to_docx(title: str, messages, libraries: list[str] | None = None, now: float | None = None) -> bytes:
    from docx import Document

    doc = Document()
    doc.core_properties.title = title
    doc.core_properties.author = "Strongroom"
    doc.add_heading(title, level=0)
    for line in _heading(title, libraries or [], now):
        doc.add_paragraph(line).italic = True
    for m in messages:
        if m.role == "user":
            doc.add_heading(f"Question ({_when(m.created)})", level=2)
            doc.add_paragraph(m.content.strip())
        elif m.role == "assistant":
            model = f", {m.model}" if m.model else ""
            doc.add_heading(f"Answer ({_when(m.created)}{model})", level=3)
            _answer_paragraphs(doc, m)
            check = _check_list(m)
            if check:
                doc.add_paragraph(check[0]).runs[0].italic = True
                for line in check[1:]:
                    doc.add_paragraph(line, style="List Bullet")
            for c in cited_sources(m.content, m.sources):
                p = doc.add_paragraph()
                p.add_run(f"[{c.n}] {c.where}").bold = True
                if c.excerpt:
                    doc.add_paragraph(c.excerpt, style="Quote")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _answer_paragraphs(doc, message) -> None:
    """The answer's paragraphs; an unsupported statement is highlighted and preceded by the mark."""
    from docx.enum.text import WD_COLOR_INDEX

    claims = getattr(message, "claims", None) or []
    if not claims or "".join(c.get("text", "") for c in claims) != message.content:
        claims = [{"text": message.content, "supported": True}]
    paragraph = None
    for claim in claims:
        for i, piece in enumerate(claim["text"].split("\n\n")):
            if paragraph is None or i > 0:
                paragraph = doc.add_paragraph()
            if not piece.strip():
                continue
            if claim.get("supported", True):
                paragraph.add_run(piece)
            else:
                paragraph.add_run(f"{CHECK_MARK} ").bold = True
                paragraph.add_run(piece).font.highlight_color = WD_COLOR_INDEX.YELLOW


def export_conversation(path: Path, title: str, messages, libraries: list[str] | None = None) -> Path:
    """Writes the conversation to `path`; the format follows the suffix (.md, .txt or .docx)."""
    path = Path(path).expanduser()
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ExportError(f"cannot export to {path.suffix or 'a file without an extension'}: "
                          "choose .md, .txt or .docx")
    if path.is_dir():
        raise ExportError(f"{path} is a folder: give a file name")
    data = to_docx(title, messages, libraries) if kind == "Word" else to_markdown(title, messages, libraries)
    write_atomic(path, data)
    return path
