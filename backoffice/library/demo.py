"""Demo library: categories and a dozen materials of each kind, as real small files.

PDFs are drawn with fpdf2, images with Pillow and videos are short H.264 clips
encoded with PyAV. Thumbnails are made right here so the demo looks complete
without a running worker. No health claims anywhere:
product pieces carry the FDA disclaimer, business pieces the income one.
"""

from __future__ import annotations

import io
import random
import unicodedata
from datetime import UTC, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from fpdf import FPDF
from PIL import Image, ImageDraw

from backoffice.commissions.pdf import latin1
from backoffice.library.models import (
    EXTENSIONS,
    Category,
    FileStatus,
    FileType,
    Kind,
    Language,
    Material,
    Tag,
    ThumbnailStatus,
    library_storage,
)
from backoffice.library.thumbnails import make_thumbnail
from backoffice.library.video import encode_mp4
from backoffice.shop.models import Product

FDA_DISCLAIMER = (
    "These statements have not been evaluated by the Food and Drug Administration. "
    "This product is not intended to diagnose, treat, cure or prevent any disease."
)
INCOME_DISCLAIMER = (
    "Earnings shown are not necessarily representative of what any affiliate will "
    "earn; success depends on the affiliate's own skills, effort and market "
    "conditions; no level of income is guaranteed."
)
CATEGORIES = {
    "Products": ["Coffee and tea", "Daily care", "Supplements"],
    "Business opportunity": ["Getting started", "Compensation plan"],
    "Social media": [],
    "Events": [],
}
TAGS = ["coffee", "recipe", "new", "team building", "spanish", "promotion", "events"]
TOPICS = [
    ("Ganocafé Classic", "coffee"),
    ("Ganocafé 3-in-1", "coffee"),
    ("Gano Mocha", "coffee"),
    ("Rooibos Tea", "tea"),
    ("Gano Schokolade", "cocoa"),
    ("Sense Soap", "daily care"),
    ("Fresh Toothpaste", "daily care"),
    ("Reishi Touch lotion", "daily care"),
    ("Latte Light", "coffee"),
    ("Gano C'real", "breakfast"),
    ("Mocha Light", "coffee"),
    ("Gano Plus", "daily routine"),
]
BUSINESS = [
    "Your first week",
    "Sharing the opportunity",
    "How the binary plan pays",
    "Hosting a coffee tasting",
    "Autoship made simple",
    "Rank advancement guide",
    "Building your two teams",
    "Retail customers 101",
    "Event checklist",
    "Talking about the products responsibly",
    "Setting weekly goals",
    "Welcome to the team",
]
COLOURS = ["#7a2e1d", "#3d5a3a", "#1f4e79", "#8a5a00", "#5b2a6e", "#2b2b2b"]


def _pdf(title: str, body: str, note: str, *, pages: int = 1) -> bytes:
    pdf = FPDF(format="letter")
    # A fixed date: the same demo piece is the same file on every run.
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    pdf.set_auto_page_break(auto=True, margin=15)
    for number in range(pages):
        pdf.add_page()
        pdf.set_fill_color(122, 46, 29)
        pdf.rect(0, 0, 216, 40, style="F")
        pdf.set_text_color(255, 255, 255)
        pdf.set_font("Helvetica", style="B", size=22)
        pdf.set_xy(15, 12)
        pdf.cell(0, 12, latin1(title if number == 0 else f"{title} ({number + 1})"))
        pdf.set_text_color(30, 30, 30)
        pdf.set_font("Helvetica", size=13)
        pdf.set_xy(15, 55)
        pdf.multi_cell(186, 7, latin1(body))
        pdf.set_font("Helvetica", size=8)
        pdf.set_xy(15, 240)
        pdf.multi_cell(186, 4, latin1(note))
    return bytes(pdf.output())


def _plain(text: str) -> str:
    """Accents dropped: Pillow's built-in font draws only plain ASCII letters."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _image(title: str, colour: str, *, size: tuple[int, int], fmt: str) -> bytes:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle(
        (width // 12, height // 3, width - width // 12, height // 2), fill="white"
    )
    draw.text((width // 10, height // 3 + 10), _plain(title)[:40], fill=colour)
    draw.ellipse(
        (width // 2 - 30, height * 2 // 3, width // 2 + 30, height * 2 // 3 + 60),
        fill="#f2e6d0",
    )
    out = io.BytesIO()
    image.save(out, format=fmt, quality=80)
    return out.getvalue()


def _video(title: str, colour: str, *, seconds: int = 4, fps: int = 12) -> bytes:
    """A short title-card clip: the title on a band, a cup sliding across."""
    width, height = 480, 270
    frames = []
    for number in range(seconds * fps):
        image = Image.new("RGB", (width, height), colour)
        draw = ImageDraw.Draw(image)
        draw.rectangle((30, 70, width - 30, 130), fill="white")
        draw.text((45, 92), _plain(title)[:60], fill=colour)
        draw.text((30, height - 30), "Gano Excel USA", fill="#f2e6d0")
        x = 30 + (width - 120) * number // (seconds * fps - 1)
        draw.rounded_rectangle((x, 170, x + 60, 230), radius=12, fill="#f2e6d0")
        draw.rectangle(
            (30, 250, 30 + (width - 60) * number // (seconds * fps), 254), fill="white"
        )
        frames.append(image)
    return encode_mp4(frames, size=(width, height), fps=fps)


def demo_clip(name: str, title: str, colour: str = COLOURS[0]) -> str:
    """The stored name of a demo clip with ``title`` on it (encoded once)."""
    return _stored(name, render=partial(_video, title, colour))


def _thumbnail(name: str, file_type: str, *, side: int) -> bytes:
    with library_storage().open(name, "rb") as handle:
        return make_thumbnail(handle, file_type, side=side)


def _stored(name: str, *, render) -> str:
    """Store a demo file under a fixed name, reusing it when already there.

    Demo files depend only on their name, so reseeding (and the tests that seed)
    reuse them instead of piling up copies and redrawing every thumbnail or
    encoding every clip again.
    """
    storage = library_storage()
    if not storage.exists(name):
        return storage.save(name, ContentFile(render()))
    return name


def seed(*, rng: random.Random, distributors: int, months: int) -> dict[str, int]:
    now = timezone.now()
    categories: dict[str, Category] = {}
    for position, (name, children) in enumerate(CATEGORIES.items()):
        parent = Category.objects.create(name=name, position=position)
        categories[name] = parent
        for index, child in enumerate(children):
            categories[child] = Category.objects.create(
                name=child, parent=parent, position=index
            )
    tags = {name: Tag.objects.create(name=name) for name in TAGS}
    products = {product.name_en: product for product in Product.objects.all()}
    side = settings.LIBRARY_THUMBNAIL_SIDE
    span = max(months * 30, 7)
    made = 0
    for kind in Kind.values:
        for index in range(12):
            is_business = kind in (Kind.PRESENTATION, Kind.DOCUMENT) or index % 4 == 3
            product_name, flavour = TOPICS[index]
            language = Language.SPANISH if index % 5 == 4 else Language.ENGLISH
            if is_business:
                title = BUSINESS[index]
                category = categories[
                    "Getting started" if index % 2 else "Compensation plan"
                ]
                description = (
                    f"{title}: a {Kind(kind).label.lower()} to help you explain "
                    "the business clearly and honestly."
                )
                note = INCOME_DISCLAIMER
            else:
                title = f"{product_name} {Kind(kind).label.lower()}"
                category = categories[
                    "Coffee and tea"
                    if flavour in ("coffee", "tea", "cocoa", "breakfast")
                    else "Daily care"
                ]
                if kind == Kind.SOCIAL:
                    category = categories["Social media"]
                description = (
                    f"Share the taste of {product_name}: {flavour} for every day, "
                    "made with Ganoderma."
                )
                note = FDA_DISCLAIMER
            if language == Language.SPANISH:
                title = f"{title} (Español)"
            publish_at = now - timedelta(
                days=rng.randrange(1, span), hours=rng.randrange(24)
            )
            expires_at = None
            if index == 10:
                expires_at = now - timedelta(days=1)  # retired: staff still see it
                publish_at = min(publish_at, expires_at - timedelta(days=30))
            elif index == 11:
                publish_at = now + timedelta(days=rng.randrange(2, 20))  # scheduled
            material = Material(
                title=title,
                description=description,
                kind=kind,
                category=category,
                language=language,
                publish_at=publish_at,
                expires_at=expires_at,
                compliance_note=note,
                is_shareable=index % 3 != 2,
                is_personalisable=kind in (Kind.FLYER, Kind.SOCIAL),
            )
            colour = COLOURS[index % len(COLOURS)]
            if kind == Kind.VIDEO:
                file_type = FileType.MP4
                render = partial(_video, title, colour)
            else:
                if kind == Kind.SOCIAL:
                    data = _image(title, colour, size=(540, 540), fmt="PNG")
                    file_type = FileType.PNG
                elif kind == Kind.FLYER and index % 2:
                    data = _image(title, colour, size=(510, 660), fmt="JPEG")
                    file_type = FileType.JPEG
                else:
                    pages = 3 if kind == Kind.PRESENTATION else 1
                    data = _pdf(title, description, note, pages=pages)
                    file_type = FileType.PDF
                render = partial(bytes, data)
            stem = f"demo/{kind}-{index:02d}"
            material.file_type = file_type
            material.file.name = _stored(
                f"{stem}.{EXTENSIONS[file_type]}", render=render
            )
            material.file_size = library_storage().size(material.file.name)
            material.thumbnail.name = _stored(
                f"{stem}-thumbnail.jpg",
                render=partial(_thumbnail, material.file.name, file_type, side=side),
            )
            material.thumbnail_status = ThumbnailStatus.READY
            # Made here from known-good bytes: ready at once, no background check.
            material.file_status = FileStatus.READY
            material.save()
            material.tags.set(rng.sample(list(tags.values()), 2))
            if not is_business and product_name in products:
                material.products.set([products[product_name]])
            made += 1
    return {"library categories": len(categories), "library materials": made}
