"""Personalised flyers: the distributor's name or contact and shop link, with a QR.

Made on the server from the material's file. A PDF source becomes a one-page
PDF: the first page rendered as the background with a stamp band at the
bottom, its text real PDF text. An image source gets the same band drawn on it
with Pillow; the PNG also carries the stamp in its text metadata.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import segno
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from backoffice.commissions.pdf import latin1
from backoffice.library.models import FileType, Material
from backoffice.library.thumbnails import render_first_page

FONT_FILES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
)
# The band's share of the page height.
BAND = 0.16


@dataclass(frozen=True)
class Stamp:
    name: str
    contact: str
    link: str

    @property
    def lines(self) -> list[str]:
        return [line for line in (self.name, self.contact, self.link) if line]


@cache
def _font_path() -> str | None:
    return next((str(path) for path in FONT_FILES if path.exists()), None)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    path = _font_path()
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _qr_image(link: str, side: int) -> Image.Image:
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=10, border=2)
    out.seek(0)
    return Image.open(out).convert("RGB").resize((side, side), Image.Resampling.NEAREST)


def _source_image(material: Material) -> Image.Image:
    with material.file.open("rb") as source:
        data = source.read()
    if material.file_type == FileType.PDF:
        return render_first_page(data, scale=1.5)
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def stamp_image(image: Image.Image, stamp: Stamp) -> Image.Image:
    """The image with a white band along the bottom: text left, QR right."""
    image = image.convert("RGB")
    width, height = image.size
    band = max(int(height * BAND), 60)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height - band, width, height), fill="white")
    draw.line((0, height - band, width, height - band), fill="#2b2b2b", width=2)
    margin = max(band // 10, 4)
    qr_side = band - 2 * margin
    image.paste(
        _qr_image(stamp.link, qr_side),
        (width - margin - qr_side, height - band + margin),
    )
    lines = stamp.lines
    size = max(min((band - 2 * margin) // (len(lines) + 1), width // 28), 8)
    font = _font(size)
    y = height - band + margin
    for index, line in enumerate(lines):
        draw.text(
            (margin * 2, y),
            line,
            fill="#111",
            font=_font(int(size * 1.3)) if index == 0 else font,
        )
        y += int(size * (1.6 if index == 0 else 1.35))
    return image


def personalised_png(material: Material, stamp: Stamp) -> bytes:
    image = stamp_image(_source_image(material), stamp)
    info = PngInfo()
    info.add_text("Title", material.title)
    info.add_text("Author", stamp.name)
    info.add_text("Comment", "\n".join(stamp.lines))
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, optimize=True)
    return out.getvalue()


def personalised_pdf(material: Material, stamp: Stamp) -> bytes:
    """A one-page PDF: the source as the background, the stamp as real text."""
    background = _source_image(material)
    width_px, height_px = background.size
    # 72 points per inch at 150 dpi-ish: keep the page a sensible size.
    width_pt = 612.0
    height_pt = width_pt * height_px / width_px
    pdf = FPDF(unit="pt", format=(width_pt, height_pt))
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(latin1(material.title))
    pdf.set_author(latin1(stamp.name))
    pdf.add_page()
    jpeg = io.BytesIO()
    background.save(jpeg, format="JPEG", quality=85)
    jpeg.seek(0)
    pdf.image(jpeg, x=0, y=0, w=width_pt, h=height_pt)
    band = max(height_pt * BAND, 72.0)
    top = height_pt - band
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(0, top, width_pt, band, style="F")
    pdf.set_draw_color(43, 43, 43)
    pdf.line(0, top, width_pt, top)
    margin = band / 10
    qr_side = band - 2 * margin
    qr = io.BytesIO()
    segno.make(stamp.link, error="m").save(qr, kind="png", scale=10, border=2)
    qr.seek(0)
    pdf.image(qr, x=width_pt - margin - qr_side, y=top + margin, w=qr_side, h=qr_side)
    size = max(min((band - 2 * margin) / (len(stamp.lines) + 1), 16.0), 7.0)
    y = top + margin
    pdf.set_text_color(17, 17, 17)
    for index, line in enumerate(stamp.lines):
        pdf.set_font(
            "Helvetica",
            style="B" if index == 0 else "",
            size=size * (1.25 if index == 0 else 1),
        )
        pdf.set_xy(margin * 2, y)
        pdf.cell(
            width_pt - qr_side - margin * 5,
            size * 1.3,
            latin1(line),
            link=stamp.link if line == stamp.link else "",
        )
        y += size * (1.6 if index == 0 else 1.4)
    return bytes(pdf.output())
