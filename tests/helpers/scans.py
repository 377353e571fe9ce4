"""Scanned pages made at test time: text drawn with a real TrueType font (DejaVu, Debian's
fonts-dejavu-core, which .ci/run installs), slightly rotated, blurred and JPEG-compressed like a
scanner's output; the character error rate of what OCR read back."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

FONT_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# A few sentences per language, with the letters a Latin-script recogniser must not drop.
EUROPEAN = {
    "fr": ["Le présent contrat est conclu à Genève; les parties déclarent",
           "avoir reçu l'acte signé, et le garçon a payé cent euros.",
           "Où est la clé du coffre-fort? À côté de la fenêtre, très près."],
    "de": ["Die Vertragsparteien vereinbaren ausdrücklich, dass die Gebühr",
           "für Übersetzungen pünktlich gezahlt wird; die Straße heißt Schloßallee.",
           "Größere Änderungen bedürfen der Schriftform gemäß Paragraph 12."],
    "no": ["Leietakeren skal betale husleien på forskudd hver måned;",
           "bygården ved fjorden trenger søknad om særskilt tillatelse.",
           "Øvrige krav må fremsettes skriftlig før utløpet av året."],
    "pl": ["Strony ustalają, że wynagrodzenie zostanie wypłacone w złotych;",
           "świadek podpisał się ręcznie, a pełnomocnik złożył oświadczenie.",
           "Łączna kwota należności wynosi dwieście pięćdziesiąt złotych."],
}


def font_path() -> str:
    """A real TTF; skips the test without one, except under CI (where .ci/run installs it)."""
    for candidate in FONT_CANDIDATES:
        if os.path.isfile(candidate):
            return candidate
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Serif"], capture_output=True, text=True).stdout
        if found.endswith(".ttf") and os.path.isfile(found):
            return found
    if os.environ.get("CI") == "true":
        pytest.fail("no DejaVu font: .ci/run installs fonts-dejavu-core")
    pytest.skip("no DejaVu font here (apt-get install fonts-dejavu-core)")


def render_page(lines: list[str], *, dpi: int = 150, points: float = 12, width_in: float = 8.27,
                height_in: float | None = None, rotate: float = 0.0, blur: float = 0.0, jpeg: int | None = None,
                top_in: float = 1.0):
    """A page image with `lines` of text; returns (image, [line top in fractions of the height])."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_path(), round(points / 72 * dpi))
    step = round(points * 1.5 / 72 * dpi)
    height_in = height_in or max(2.0, top_in * 2 + len(lines) * points * 1.5 / 72)
    width, height = round(width_in * dpi), round(height_in * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    tops = []
    y = round(top_in * dpi)
    for line in lines:
        draw.text((round(0.8 * dpi), y), line, font=font, fill=0)
        tops.append(y / height)
        y += step
    return degrade(image, rotate=rotate, blur=blur, jpeg=jpeg), tops


def degrade(image, *, rotate: float = 0.0, blur: float = 0.0, jpeg: int | None = None):
    """What a scanner and a fax do to a page: a slight skew, some blur, JPEG compression."""
    from PIL import Image, ImageFilter

    image = image.convert("L")
    if rotate:
        image = image.rotate(rotate, resample=Image.BICUBIC, fillcolor=255)
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    if jpeg:
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=jpeg)
        image = Image.open(io.BytesIO(buf.getvalue()))
        image.load()
    return image.convert("RGB")


def wrap(text: str, width: int = 70) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += textwrap.wrap(paragraph, width) or [""]
    return lines


def save_pdf(images, path: Path, dpi: int = 150) -> Path:
    """An image-only PDF (what a scanner writes): one page per image, no text layer."""
    images = [im.copy() for im in images]  # Pillow leaves the save's options on the appended images
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return path


def save_tiff(images, path: Path) -> Path:
    images = [im.copy() for im in images]
    images[0].save(path, "TIFF", save_all=True, append_images=images[1:], compression="tiff_deflate")
    return path


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edit distance over the reference's length, whitespace folded."""
    ref, hyp = " ".join(reference.split()), " ".join(hypothesis.split())
    previous = list(range(len(hyp) + 1))
    for i, a in enumerate(ref, 1):
        current = [i]
        for j, b in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        previous = current
    return previous[-1] / max(1, len(ref))


def email_with_pdfs(attachments: dict[str, bytes]) -> bytes:
    """An .eml from a court clerk with these PDFs attached (name -> bytes)."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "clerk@court.example", "team@firm.example", "Signed order"
    message.set_content("The signed order is attached.")
    for name, data in attachments.items():
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message.as_bytes()
