"""The per-file job: what a new or changed file needs, decided on the parser thread and carried out
on the sync's thread, and the payload its chunks are stored with."""
from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field

from app.core.index.store import folder_chain


class Action(enum.Enum):
    EMBED = "embed"  # parsed and chunked: embed the chunks and write them
    REUSE = "reuse"  # the same content is indexed under another path: copy its vectors
    TOUCH = "touch"  # only the timestamp changed: record it, nothing else
    FAIL = "fail"  # cannot be indexed: record why
    GONE = "gone"  # vanished since the scan: remove what was indexed of it
    ADOPT = "adopt"  # a library on the firm's server may hold it as it is already: if so, record it only


@dataclass
class FileJob:
    action: Action
    path: str
    size: int = 0
    mtime_ns: int = 0
    content_hash: str = ""
    reason: str = ""  # FAIL: why, in words for the user
    source: str = ""  # REUSE: the indexed path with the same content
    document_kind: str = ""  # the file's format as the parser names it ("pdf", "docx", ...)
    title: str = ""
    needs_ocr: list = field(default_factory=list)  # pages that are scans without text, not read yet
    unreadable: list = field(default_factory=list)  # {"page", "reason"}: scanned pages OCR found nothing on
    chunks: list = field(default_factory=list)  # EMBED: the chunker's chunks; REUSE: stored (id, vector, payload)
    vectors: list = field(default_factory=list)  # EMBED: one per chunk, filled batch by batch


def chunk_payload(library_name: str, job: FileJob, chunk) -> dict:
    """What a search hit carries about its chunk (the store adds the text)."""
    return {
        "library": library_name, "file": job.path, "file_name": os.path.basename(job.path),
        "dirs": folder_chain(job.path), "page": chunk.page, "heading": chunk.heading,
        "char_start": chunk.char_start, "char_end": chunk.char_end, "block_index": chunk.block_index,
        "chunk": chunk.index, "title": job.title, "mtime": job.mtime_ns / 1e9, "kind": job.document_kind,
        "content_hash": job.content_hash,
        # scanned pages not read yet: another workstation that adopts this file from the firm's server
        # reads them in its own OCR pass
        "needs_ocr": list(job.needs_ocr),
    }


def moved_payload(stored: dict, library_name: str, job: FileJob) -> dict:
    """A stored chunk's payload, updated in place for the file it is copied to."""
    stored.update(file=job.path, file_name=os.path.basename(job.path), dirs=folder_chain(job.path),
                  mtime=job.mtime_ns / 1e9, library=library_name)
    return stored


TOO_LARGE = "too large"  # how a failed file's reason starts when it was over libraries.max_file_mb


def too_large_reason(size: int, limit_mb: int) -> str:
    return f"{TOO_LARGE} ({size / 1024**2:.1f} MB); raise libraries.max_file_mb (now {limit_mb} MB) to include it"
