"""Server-sent events (the stream of a chat answer), read with a limit: a line longer than
MAX_LINE is an error, not a memory leak. https://html.spec.whatwg.org/#server-sent-events"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

MAX_LINE = 1024 * 1024  # one chunk of an answer is a few hundred bytes
_LINE_END = re.compile(rb"\r\n|\r|\n")


class EventTooLarge(ValueError):
    pass


def lines(chunks: Iterable[bytes], limit: int = MAX_LINE) -> Iterator[str]:
    """The lines of a byte stream, whatever mix of CRLF, CR and LF ends them."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        start = 0
        for end in _LINE_END.finditer(buffer):
            if end.group() == b"\r" and end.end() == len(buffer):
                break  # a CR at the very end may be the first half of a CRLF still in flight
            yield buffer[start:end.start()].decode("utf-8", "replace")
            start = end.end()
        buffer = buffer[start:]
        if len(buffer) > limit:
            raise EventTooLarge(f"a line of more than {limit // 1024} KB")
    if buffer.rstrip(b"\r"):
        yield buffer.rstrip(b"\r").decode("utf-8", "replace")


def events(chunks: Iterable[bytes], limit: int = MAX_LINE) -> Iterator[str]:
    """The data of each event (its data: lines joined by newlines); comments and other fields skipped."""
    data: list[str] = []
    size = 0
    for line in lines(chunks, limit):
        if not line:
            if data:
                yield "\n".join(data)
            data, size = [], 0
            continue
        field, _, value = line.partition(":")
        if field == "data":
            value = value[1:] if value.startswith(" ") else value
            data.append(value)
            size += len(value)
            if size > limit:
                raise EventTooLarge(f"an event of more than {limit // 1024} KB")
    if data:  # a stream that ends without the blank line still delivered this event
        yield "\n".join(data)
