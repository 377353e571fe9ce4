"""Answer text (Markdown with [n] markers) to the HTML a QTextBrowser shows."""
from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

from .services import MARKER_RE, cited_numbers

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


def render(markdown: str) -> str:
    """HTML body for the message; every [n] outside code becomes a `cite:n` link."""
    body = _MD.render(markdown)
    out, in_code, in_link = [], 0, 0
    for part in _TAG_RE.split(body):
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
            out.append(part)
        else:
            out.append(part if in_code or in_link else _link_markers(part))
    return "".join(out)


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
