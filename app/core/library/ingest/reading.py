"""Reading bytes from disk and turning them into text, defensively.

Everything is read into memory once: parsers work on bytes, never on paths, so a file that changes
or vanishes mid-parse cannot confuse them, and archive members are never written to disk.
"""
from __future__ import annotations

import codecs
import io
import os
import zipfile
from pathlib import Path

from .model import ParseError

# Zip containers (DOCX, ODT) are checked from their directory before anything decompresses them.
MAX_UNCOMPRESSED = 512 * 1024**2
MAX_RATIO = 100  # typical office files compress 3-20x; bombs compress 1000x
RATIO_APPLIES_ABOVE = 8 * 1024**2  # small files may compress well (empty templates)
MAX_MEMBERS = 10_000


def size_text(n: int) -> str:
    return f"{n / 1024**2:.0f} MB" if n >= 1024**2 else f"{max(1, n // 1024)} KB"


def read_limited(path: Path, max_bytes: int) -> bytes:
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not _is_regular(st.st_mode):
                raise ParseError("not a regular file")
            if st.st_size > max_bytes:
                raise ParseError(f"file too large ({size_text(st.st_size)}, the limit is {size_text(max_bytes)})")
            data = fh.read(max_bytes + 1)
    except ParseError:
        raise
    except PermissionError:
        raise ParseError("permission denied") from None
    except (FileNotFoundError, NotADirectoryError):
        raise ParseError("file disappeared while reading") from None
    except IsADirectoryError:
        raise ParseError("not a regular file") from None
    except OSError as exc:
        raise ParseError(f"could not read the file ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise ParseError(f"file too large (over {size_text(max_bytes)}, the limit is {size_text(max_bytes)})")
    if not data:
        raise ParseError("empty file")
    return data


def _is_regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


def open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """Opens a zip container after checking its declared sizes; python's zipfile never inflates a
    member past its declared size, so these checks bound the memory any later reader can use."""
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise ParseError(f"an old-format or encrypted Office file, not a real {what}")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        members = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        if data[:2] == b"PK":
            raise ParseError("file is damaged or truncated") from None
        raise ParseError(f"not a real {what}") from None
    if len(members) > MAX_MEMBERS:
        raise ParseError("too many parts inside the file (possible zip bomb)")
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if total > MAX_UNCOMPRESSED or (total > RATIO_APPLIES_ABOVE and total / packed > MAX_RATIO):
        raise ParseError("compressed content too large (possible zip bomb)")
    return zf


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Bytes that never occur in real text (other than tab, LF, FF, CR, ESC).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
_CONTROL_TABLE = bytes.maketrans(b"", b"")


def decode_text(data: bytes) -> str:
    """Bytes of a text file -> str. UTF-8 first, then BOMs, BOM-less UTF-16, then charset detection
    (Latin-1/cp1252 files from older Windows tools are common). Binary data is refused, not guessed."""
    if not data:
        raise ParseError("empty file")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _clean(data[len(bom):].decode(encoding))
            except UnicodeDecodeError:
                raise ParseError("text with an invalid encoding (damaged file?)") from None
    utf16 = _bomless_utf16(data)
    if utf16:
        try:
            return _clean(data.decode(utf16))
        except UnicodeDecodeError:
            pass
    # A stray NUL or control byte (a damaged save) does not make a text file binary; many do.
    sample = data[:1_000_000]
    if sample.count(0) > max(4, len(sample) // 200) or \
            len(sample.translate(_CONTROL_TABLE, _CONTROL)) < len(sample) * 0.97:
        raise ParseError("binary data, not text")
    try:
        return _clean(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    return _clean(_detect(data))


def _detect(data: bytes) -> str:
    import charset_normalizer

    # Mostly-ASCII Western text: cp1252 is by far the likeliest, and detection on a few accented
    # letters is unreliable. Bytes 0x81/0x8D/0x8F/0x90/0x9D are unused in cp1252.
    high = sum(1 for b in data[:200_000] if b >= 0x80)
    sample_len = min(len(data), 200_000)
    if high <= sample_len * 0.3 and not any(b in data for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")):
        text = data.decode("cp1252")
        if _looks_western(text):
            return text
    best = charset_normalizer.from_bytes(data[:2_000_000]).best()
    if best is None or best.encoding is None:
        raise ParseError("binary data, not text")
    try:
        return data.decode(best.encoding, errors="replace")
    except LookupError:
        raise ParseError("text in an unknown encoding") from None


def _looks_western(text: str) -> bool:
    """cp1252 decoding of e.g. Shift-JIS gives runs of symbols; real text has letters next to letters."""
    odd = 0
    high = 0
    for i, ch in enumerate(text[:200_000]):
        if ord(ch) >= 0x80:
            high += 1
            prev = text[i - 1] if i else " "
            if not (ch.isalpha() or prev.isalpha() or prev.isspace() or ch in "\u2018\u2019\u201c\u201d\u2013\u2014\u20ac\u00a7\u00b0\u00a0\u2022\u00ab\u00bb\u2026"):
                odd += 1
    return high == 0 or odd <= high * 0.1


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: in Latin-script text every other byte is NUL."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    half = len(sample) // 2
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    if odd_nul > half * 0.4 and even_nul < half * 0.05:
        return "utf-16-le"
    if even_nul > half * 0.4 and odd_nul < half * 0.05:
        return "utf-16-be"
    return None


def _clean(text: str) -> str:
    # One newline convention, no NULs: offsets into block text stay meaningful for everyone.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text
