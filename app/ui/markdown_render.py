"""Answer text (Markdown with [n] markers) to the HTML a QTextBrowser shows, with the claim check:
the sentences no source backs are marked "check this" (a soft amber background and a small "check"
after them), and every checked sentence has a tooltip, the passage behind it or why it is not backed."""
from __future__ import annotations

import html
import re
from pathlib import Path

from markdown_it import MarkdownIt

from .services import MARKER_RE, cited_numbers, excerpt

# commonmark + tables + strikethrough; raw HTML off: a model's output is text, never markup to trust.
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": False}).enable(["table", "strikethrough"])
_TAG_RE = re.compile(r"(<[^>]+>)")

CITE_SCHEME = "cite"


def _link_markers(text: str) -> str:
    def replace(m: re.Match) -> str:
        return "".join(
            f'<a href="{CITE_SCHEME}:{n}" title="Open source {n}" style="text-decoration:none;"><sup>[{n}]</sup></a>'
            for n in cited_numbers(m.group(0))
        )

    return MARKER_RE.sub(replace, text)


# The claim check's marks: translucent, so they read on the light and the dark theme alike.
CHECK_BACKGROUND = "rgba(240, 166, 40, 0.30)"
CHECK_MARKER_COLOR = "#b7791f"
CHECK_MARKER = "check"
NOTHING_TO_CHECK = "no statement to check"
TOOLTIP_EXCERPT_CHARS = 280  # a tooltip's share of a source's excerpt

# Claim starts are marked in the Markdown with characters of a private-use plane (one per claim, so a
# start Markdown would not allow is simply left out); they never reach the HTML.
_CLAIM_BASE = 0xF0000
_CLAIM_MARK_RE = re.compile("([\U000F0000-\U000FFFFD])")
# What a line starts with that Markdown reads as structure: a mark goes after it, never before.
_BLOCK_PREFIX = re.compile(r"[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+|#{1,6}[ \t]+|>[ \t]?|\|[ \t]*)*")
_NO_MARK_LINE = re.compile(r"[ \t]*(?:`{3,}|~{3,}|[-=*_ \t|:]*(?:\n|$))")  # fences, rules, underlines, blanks


def render(markdown: str, claims: list[dict] | None = None, sources: list[dict] | None = None) -> str:
    """HTML body for the message; every [n] outside code becomes a `cite:n` link. With claims (an
    answer's Claim.to_json(), whose texts join back to `markdown` exactly), each checked sentence
    gets a tooltip and each unsupported one the "check this" marks, on exactly its own text."""
    marks = _claim_marks(markdown, claims or [], sources or [])
    if marks:
        markdown = "".join(_with_start(c["text"], chr(_CLAIM_BASE + i), i == 0 or claims[i - 1]["text"].endswith("\n"))
                           for i, c in enumerate(claims))
    out: list = []  # HTML strings, and (claim index, HTML) for text inside a claim
    in_code = in_link = 0
    current = -1  # the claim the text at this point belongs to
    for part in _TAG_RE.split(_MD.render(markdown)):
        if part.startswith("<"):
            tag = part[1:].split(None, 1)[0].rstrip(">").lower() if len(part) > 2 else ""
            if tag in ("code", "pre"):
                in_code += 1
            elif tag in ("/code", "/pre"):
                in_code = max(0, in_code - 1)
            elif tag == "a":
                in_link += 1
            elif tag == "/a":
                in_link = max(0, in_link - 1)
            out.append(_CLAIM_MARK_RE.sub("", part))
            continue
        for piece in _CLAIM_MARK_RE.split(part):
            if _CLAIM_MARK_RE.fullmatch(piece):
                current = ord(piece) - _CLAIM_BASE
            elif piece:
                text = piece if in_code or in_link else _link_markers(piece)
                # Whitespace between blocks stays bare: a span there would be a block of its own.
                out.append((current, text) if marks.get(current) and piece.strip() else text)
    if not marks:
        return "".join(out)
    last = {item[0]: i for i, item in enumerate(out) if isinstance(item, tuple)}
    return "".join(item if isinstance(item, str) else _wrap(item[1], *marks[item[0]], is_last=last.get(item[0]) == i)
                   for i, item in enumerate(out))


def _claim_marks(markdown: str, claims: list[dict], sources: list[dict]) -> dict[int, tuple[bool, str]]:
    """claim index -> (supported, tooltip) for the sentences to mark; none when the claims do not join
    back to exactly this text (a mark must sit on its own sentence, or nowhere)."""
    if not claims or "".join(str(c.get("text", "")) for c in claims) != markdown:
        return {}
    marks = {}
    for i, claim in enumerate(claims):
        tip = claim_tooltip(claim, sources)
        if tip:
            marks[i] = (bool(claim.get("supported", True)), tip)
    return marks


def _with_start(text: str, mark: str, at_line_start: bool) -> str:
    """The claim's text with its start mark where Markdown keeps reading the line as it did."""
    if not at_line_start:
        return mark + text
    if _NO_MARK_LINE.match(text):
        return text  # a fence or a rule: the claim's text goes with the one before
    cut = _BLOCK_PREFIX.match(text).end()
    return text[:cut] + mark + text[cut:]


def _wrap(text: str, supported: bool, tip: str, is_last: bool) -> str:
    title = html.escape(tip, quote=True).replace("\n", "&#10;")
    if supported:
        return f'<span title="{title}">{text}</span>'
    body, tail = (text.rstrip(), text[len(text.rstrip()):]) if is_last else (text, "")
    marker = (f'<sup style="color:{CHECK_MARKER_COLOR}; font-weight:600;" title="{title}">&#8201;{CHECK_MARKER}</sup>'
              if is_last else "")
    return f'<span style="background-color:{CHECK_BACKGROUND};" title="{title}">{body}</span>{marker}{tail}'


def source_label(source: dict) -> str:
    page = f", page {source['page']}" if source.get("page") else ""
    return f"[{source.get('n')}] {Path(str(source.get('file', '?'))).name}{page}"


def _excerpt(source: dict) -> str:
    return excerpt(str(source.get("excerpt", "")), TOOLTIP_EXCERPT_CHARS)


def claim_tooltip(claim: dict, sources: list[dict]) -> str:
    """What hovering a sentence shows: the passage that backs it (label and excerpt), or why it is not
    backed with the passages it cites; "" for sentences with nothing checked."""
    reason = str(claim.get("reason", ""))
    by_n = {s.get("n"): s for s in sources}
    passages = [by_n[n] for n in claim.get("sources", []) if n in by_n]
    if claim.get("supported", True):
        if not reason.startswith("supported by") or not passages:
            return ""  # nothing to check, or it says the documents do not answer
        backing = passages[0]
        note = f"\n({reason})" if ", not by the cited" in reason else ""
        return f"Backed by {source_label(backing)}\n\u201c{_excerpt(backing)}\u201d{note}"
    lines = [f"Check this: {reason or 'no source says this'}."]
    lines += [f"\n{source_label(p)}\n\u201c{_excerpt(p)}\u201d" for p in passages]
    return "\n".join(lines)


def check_summary(claims: list[dict]) -> str:
    """The line under an answer when sources do not back all of it; "" when they do."""
    checked = [c for c in claims if c.get("reason") != NOTHING_TO_CHECK]
    unsupported = sum(1 for c in checked if not c.get("supported", True))
    if not unsupported:
        return ""
    if len(checked) == 1:
        return "This statement is not backed by the sources \u2014 check it."
    if unsupported == 1:
        return f"1 of {len(checked)} statements is not backed by the sources \u2014 check it."
    return f"{unsupported} of {len(checked)} statements are not backed by the sources \u2014 check them."


def plain_to_html(text: str) -> str:
    """User messages are shown as typed, not interpreted as Markdown."""
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"


# Tables and code need a little help: QTextDocument ignores most CSS but honours these.
STYLE = """
table { border-collapse: collapse; margin: 6px 0; }
th, td { border: 1px solid palette(mid); padding: 4px 8px; }
th { font-weight: 600; }
pre { margin: 6px 0; padding: 8px; }
code { font-family: monospace; }
p { margin: 0 0 8px 0; }
"""
