"""Reading scanned pages, offline: RapidOCR (Apache-2.0) on ONNX Runtime, with the PP-OCRv6 detection
and multilingual recognition models (Apache-2.0) that ship inside its wheel. Model paths are always
given explicitly, so the engine never looks for (or downloads) anything else."""
from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

DET_MODEL, REC_MODEL = "PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx"
ENGINE_ID = "rapidocr-PP-OCRv6-small"  # cached results are kept per engine: a new model reads again
DET_SIDE = 1280  # detection runs on the page shrunk to this longest side; recognition on the full page
PARAGRAPH_GAP = 1.2  # a vertical gap over this many line heights starts a new paragraph


class OcrUnavailable(Exception):
    """The OCR engine or its models are missing (a broken install); `reason` is for the user."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class OcrLine:
    start: int  # page.text[start:end] is this line's text
    end: int
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the page's width and height


@dataclass
class OcrPage:
    text: str
    lines: list[OcrLine] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({"text": self.text, "lines": [[ln.start, ln.end, *ln.box] for ln in self.lines]})

    @classmethod
    def from_json(cls, data: str) -> "OcrPage":
        doc = json.loads(data)
        return cls(doc["text"], [OcrLine(int(s), int(e), (x0, y0, x1, y1)) for s, e, x0, y0, x1, y1 in doc["lines"]])

    def boxes(self, start: int, end: int) -> list[tuple[float, float, float, float]]:
        """The boxes of the lines that hold any of text[start:end]."""
        return [ln.box for ln in self.lines if ln.start < end and ln.end > start]


def model_dir() -> Path:
    """Where the engine's models are: inside the installed rapidocr package (site-packages, or the bundle)."""
    import importlib.util

    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.origin:
        raise OcrUnavailable("the OCR engine (rapidocr) is not installed")
    return Path(spec.origin).parent / "models"


def model_files() -> list[Path]:
    return [model_dir() / DET_MODEL, model_dir() / REC_MODEL]


_engine = None
_engine_lock = threading.Lock()  # one page at a time: ONNX Runtime already uses every core for it


def load():
    """The engine, loaded once per process (about a second); OcrUnavailable when it cannot be."""
    with _engine_lock:
        return _load()


def _load():
    global _engine
    if _engine is None:
        missing = [p.name for p in model_files() if not p.is_file()]
        if missing:
            raise OcrUnavailable(f"the OCR models are missing ({', '.join(missing)}); reinstall Strongroom")
        from rapidocr import RapidOCR

        det, rec = model_files()
        _engine = RapidOCR(params={
            "Global.log_level": "warning", "Global.use_cls": False,  # scans are upright; skips a model
            "Det.model_path": str(det), "Det.limit_type": "max", "Det.limit_side_len": DET_SIDE,
            "Rec.model_path": str(rec),
            "EngineConfig.onnxruntime.intra_op_num_threads": max(1, min(os.cpu_count() or 1, 4)),
        })
    return _engine


def recognise(image) -> OcrPage:
    """The text of one page image (a PIL image), line by line in reading order, with each line's box."""
    import numpy as np

    rgb = image.convert("RGB")
    width, height = rgb.size
    with _engine_lock:
        result = _load()(np.asarray(rgb))
    if not result.txts:
        return OcrPage("")
    rows = []
    for quad, text in zip(result.boxes, result.txts):
        text = " ".join(str(text).split())
        if not text:
            continue
        xs, ys = [float(p[0]) for p in quad], [float(p[1]) for p in quad]
        rows.append((min(xs) / width, min(ys) / height, max(xs) / width, max(ys) / height, text))
    return assemble(rows)


def assemble(rows: list[tuple[float, float, float, float, str]]) -> OcrPage:
    """Lines (x0, y0, x1, y1, text) in the engine's reading order -> the page text, a blank line where
    the vertical gap says a new paragraph starts (the chunker cuts there first)."""
    heights = sorted(y1 - y0 for _, y0, _, y1, _ in rows) or [0.0]
    line_height = heights[len(heights) // 2]
    parts: list[str] = []
    lines: list[OcrLine] = []
    pos, last_bottom = 0, None
    for x0, y0, x1, y1, text in rows:
        if parts:
            sep = "\n\n" if last_bottom is not None and y0 - last_bottom > PARAGRAPH_GAP * line_height else "\n"
            parts.append(sep)
            pos += len(sep)
        parts.append(text)
        lines.append(OcrLine(pos, pos + len(text), (round(x0, 5), round(y0, 5), round(x1, 5), round(y1, 5))))
        pos += len(text)
        last_bottom = y1
    return OcrPage("".join(parts), lines)
