"""Collects body text into one block per heading section, tracking the heading path."""
from __future__ import annotations


class SectionBuilder:
    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []
        self._current: list[str] = []
        self._heading: list[str] = []
        self._done: list[tuple[list[str], str]] = []
        self.first_heading: str | None = None

    def start_section(self, level: int, title: str) -> None:
        self._flush()
        title = " ".join(title.split())[:300]
        if self.first_heading is None:
            self.first_heading = title
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, title))
        self._heading = [t for _, t in self._stack]
        # The heading line itself belongs to its section: it is often the best search hit.
        self._current.append(title)

    def add_text(self, text: str) -> None:
        self._current.append(text)

    def _flush(self) -> None:
        text = "\n\n".join(self._current).strip()
        if text:
            self._done.append((self._heading, text))
        self._current = []

    def sections(self) -> list[tuple[list[str], str]]:
        self._flush()
        return self._done
