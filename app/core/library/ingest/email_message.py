"""E-mail (.eml) via the standard library: headers, body, and attachments of supported types.

A scanned attachment (an image-only PDF, a photo of a signed page) is read by OCR in the sync's OCR
pass like any scanned file: until then the e-mail lists as many pages needing OCR as its attachments
have (numbered 1..n across them), and pages OCR cannot read are listed with their attachment."""
from __future__ import annotations

import dataclasses
import email
import email.policy
from pathlib import Path, PurePath

from .model import Block, OcrCancelled, ParsedDocument, ParseError
from .reading import decode_text

MAX_DEPTH = 3  # e-mails forwarded as attachments of attachments
MAX_ATTACHMENTS = 200


def parse_email(data: bytes, path: Path, depth: int = 0, ocr=None) -> ParsedDocument:
    """`ocr`: a scanned.OcrContext, to read the scanned pages of its attachments too."""
    from .parse import parse_bytes  # attachments go through the same dispatcher

    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
    except Exception:  # the email package is lenient; anything it still refuses is damage
        raise ParseError("file is damaged or truncated") from None
    if not message.keys() and not message.get_payload():
        raise ParseError("not a real e-mail message")
    doc = ParsedDocument(path=path, title=path.stem, blocks=[], kind="email")
    header_lines = []
    for name in ("From", "To", "Cc", "Date", "Subject"):
        value = _header(message, name)
        if value:
            header_lines.append(f"{name}: {value}")
    subject = _header(message, "Subject")
    if subject:
        doc.title = subject

    plain, html, attachments = [], [], []
    for part in _leaves(message):
        filename = _filename(part)
        disposition = part.get_content_disposition()
        ctype = part.get_content_type()
        if filename or disposition == "attachment" or ctype == "message/rfc822":
            fallback = "forwarded message" if ctype == "message/rfc822" else "attachment"
            attachments.append((filename or fallback, part))
        elif ctype == "text/plain":
            plain.append(_part_text(part))
        elif ctype == "text/html":
            html.append(_part_text(part))
    if plain:
        body = "\n\n".join(t.strip() for t in plain if t.strip())
    else:
        from .webpage import html_to_text

        body = "\n\n".join(html_to_text(t) for t in html if t.strip())
    text = "\n".join(header_lines)
    if body.strip():
        text = f"{text}\n\n{body.strip()}" if text else body.strip()
    if text.strip():
        doc.blocks.append(Block(text=text.strip()))

    ocr = _for_attachments(ocr, data)
    for index, (name, part) in enumerate(attachments):
        if index >= MAX_ATTACHMENTS:
            doc.warnings.append(f"only the first {MAX_ATTACHMENTS} attachments were read")
            break
        _add_attachment(doc, name, part, depth, parse_bytes, ocr)
    return doc


def _for_attachments(ocr, data: bytes):
    """The OCR context for this e-mail's attachments: their pages cached under the e-mail's own key
    (the outermost e-mail's, for a forwarded one), which the library's state knows."""
    if ocr is None or ocr.holder:
        return ocr
    from .scanned import content_key

    return dataclasses.replace(ocr, holder=content_key(data))


def _add_attachment(doc: ParsedDocument, name: str, part, depth: int, parse_bytes, ocr) -> None:
    from .parse import supported_name

    if part.get_content_type() == "message/rfc822" and not name.lower().endswith(".eml"):
        name = f"{name}.eml"
    if not supported_name(name):
        doc.warnings.append(f"attachment {name} skipped: unsupported type")
        return
    if depth >= MAX_DEPTH:
        doc.warnings.append(f"attachment {name} skipped: nested too deeply")
        return
    try:
        data = _part_bytes(part)
        if not data:
            raise ParseError("empty file")
        inner = parse_bytes(data, doc.path.parent / name, _depth=depth + 1, ocr=ocr)
    except OcrCancelled:
        raise
    except ParseError as exc:
        doc.warnings.append(f"attachment {name} skipped: {exc.reason}")
        return
    prefix = f"Attachment: {name}"
    for block in inner.blocks:
        # Page numbers of an attachment are not pages of the e-mail: keep them in the heading.
        parts = [prefix]
        if block.page is not None:
            parts.append(f"Page {block.page}")
        if block.heading:
            parts.append(block.heading)
        doc.blocks.append(Block(text=block.text, heading=" > ".join(parts)))
    if inner.needs_ocr_pages:
        pages = ", ".join(map(str, inner.needs_ocr_pages[:20]))
        doc.warnings.append(f"attachment {name}: pages without a text layer ({pages})")
        first = len(doc.needs_ocr_pages) + 1
        doc.needs_ocr_pages.extend(range(first, first + len(inner.needs_ocr_pages)))
    doc.unreadable_pages.extend({**unread, "attachment": name} for unread in inner.unreadable_pages)
    doc.warnings.extend(f"attachment {name}: {w}" for w in inner.warnings)


def _leaves(message):
    """Body parts in order; a forwarded message (message/rfc822) is one part, parsed as an attachment."""
    stack = [message]
    while stack:
        part = stack.pop()
        if part is not message and part.get_content_type() == "message/rfc822":
            yield part
        elif part.is_multipart():
            payload = part.get_payload()
            stack.extend(reversed(payload if isinstance(payload, list) else []))
        else:
            yield part


def _header(message, name: str) -> str:
    try:
        value = message.get(name)
        return " ".join(str(value).split()) if value else ""
    except Exception:  # a malformed header value raises when parsed; it only loses that line
        return ""


def _filename(part) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    if not name:
        return None
    # The name is a label only; nothing is ever written to disk, but keep it free of paths anyway.
    return PurePath(name.replace("\\", "/")).name or None


def _part_bytes(part) -> bytes:
    if part.get_content_type() == "message/rfc822":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else payload
        return inner.as_bytes() if hasattr(inner, "as_bytes") else b""
    return part.get_payload(decode=True) or b""


def _part_text(part) -> str:
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content
    except Exception:  # unknown charset or broken transfer encoding: decode the bytes ourselves
        pass
    data = _part_bytes(part)
    if not data:
        return ""
    try:
        return decode_text(data)
    except ParseError:
        return ""
