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
from app.core.models.catalog import CatalogError, load_catalog

FORMATS = {".md": "Markdown", ".markdown": "Markdown", ".txt": "Markdown", ".docx": "Word"}
CHECK_MARK = "\u26a0 check:"
DEMO_CAVEAT = ("Caveat: written by the built-in demo model, whose answers are not reliable; check every "
               "statement against the sources and use a real model for work.")
NO_CITATION_CAVEAT = "Caveat: this answer cites none of the passages found; check it against the sources."


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


def _catalog_entry(model_id: str | None):
    if not model_id:
        return None
    try:
        return load_catalog().chat_by_id(model_id)
    except CatalogError:
        return None


def is_demo_model(model_id: str | None) -> bool:
    """Whether the catalog marks this model id as the built-in demo model (demo = true)."""
    entry = _catalog_entry(model_id)
    return bool(entry and entry.demo)


def model_label(model_id: str | None) -> str:
    """The model as the reader knows it: the catalog's name with the id, or the id alone."""
    entry = _catalog_entry(model_id)
    if entry is None:
        return model_id or ""
    return f"{entry.name} [{model_id}]"


def caveats(message) -> list[str]:
    """The caveat lines an answer carries in an export: the demo model wrote it, statements in it are
    not backed by the sources, or it cites none of the passages it was given."""
    lines = []
    if is_demo_model(getattr(message, "model", None)):
        lines.append(DEMO_CAVEAT)
    flagged = unsupported(message)
    if flagged:
        lines.append(f"Caveat: {len(flagged)} statement{'s' if len(flagged) != 1 else ''} of this answer "
                     f"{'are' if len(flagged) != 1 else 'is'} not backed by the sources (flagged in the text).")
    elif message.sources and not cited_sources(message.content, message.sources):
        lines.append(NO_CITATION_CAVEAT)
    return lines


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


def uncited_sources(answer: str, sources: list[dict]) -> list[CitedSource]:
    """The passages the answer was given but does not cite ("also retrieved"), in their own order."""
    cited = set(cited_numbers(answer))
    return [CitedSource(s.get("n"), str(s.get("file", "?")), s.get("page"), excerpt(s.get("excerpt", "")))
            for s in sources if s.get("n") not in cited]


def _answer_heading(m) -> str:
    model = f", model: {model_label(m.model)}" if m.model else ""
    return f"Answer ({_when(m.created)}{model})"


def _heading(title: str, libraries: list[str], now: float | None, messages=()) -> list[str]:
    lines = [f"Exported from Strongroom on {_when(now if now is not None else datetime.now().timestamp())}"]
    if libraries:
        lines.append("Libraries searched: " + ", ".join(libraries))
    models = list(dict.fromkeys(m.model for m in messages if m.role == "assistant" and m.model))
    if models:
        lines.append("Model: " + ", ".join(model_label(m) for m in models))
    if any(is_demo_model(m) for m in models):
        lines.append(DEMO_CAVEAT)
    return lines


def to_markdown(title: str, messages, libraries: list[str] | None = None, now: float | None = None) -> str:
    messages = list(messages)
    parts = [f"# {title}", "", *(f"{line}  " for line in _heading(title, libraries or [], now, messages)), ""]
    for m in messages:
        if m.role == "user":
            parts += [f"## Question ({_when(m.created)})", "", m.content.strip(), ""]
        elif m.role == "assistant":
            parts += [f"### {_answer_heading(m)}", ""]
            parts += [f"> **{line}**  " for line in caveats(m)] + ([""] if caveats(m) else [])
            parts += [_marked_markdown(m), ""]
            check = _check_list(m)
            if check:
                parts += [check[0], "", *(f"- {line}" for line in check[1:]), ""]
            for label, listed in (("Sources:", cited_sources(m.content, m.sources)),
                                  ("Also retrieved (not cited):", uncited_sources(m.content, m.sources))):
                if listed:
                    parts += [label, ""]
                    parts += [f"[{c.n}] {c.where}" + (f"  \n> {c.excerpt}" if c.excerpt else "") + "\n"
                              for c in listed]
    return "\n".join(parts).rstrip() + "\n"


def to_docx(title: str, messages, libraries: list[str] | None = None, now: float | None = None) -> bytes:
    from docx import Document

    doc = Document()
    doc.core_properties.title = title
    doc.core_properties.author = "Strongroom"
    doc.add_heading(title, level=0)
    messages = list(messages)
    for line in _heading(title, libraries or [], now, messages):
        doc.add_paragraph().add_run(line).italic = True
    for m in messages:
        if m.role == "user":
            doc.add_heading(f"Question ({_when(m.created)})", level=2)
            doc.add_paragraph(m.content.strip())
        elif m.role == "assistant":
            doc.add_heading(_answer_heading(m), level=3)
            for line in caveats(m):
                doc.add_paragraph().add_run(line).bold = True
            _answer_paragraphs(doc, m)
            check = _check_list(m)
            if check:
                doc.add_paragraph(check[0]).runs[0].italic = True
                for line in check[1:]:
                    doc.add_paragraph(line, style="List Bullet")
            for label, listed in (("Sources:", cited_sources(m.content, m.sources)),
                                  ("Also retrieved (not cited):", uncited_sources(m.content, m.sources))):
                if listed:
                    doc.add_paragraph().add_run(label).italic = True
                for c in listed:
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
