from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from fpdf import FPDF
from PIL import Image

from backoffice.library.models import Category, FileType, Kind, Material, Tag


def pdf_bytes(text: str = "Sample flyer", *, pages: int = 1) -> bytes:
    pdf = FPDF(format="letter")
    # A fixed date: the same text gives the same bytes.
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    for _ in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", size=20)
        pdf.cell(0, 20, text)
    return bytes(pdf.output())


def image_bytes(
    size: tuple[int, int] = (300, 400), *, fmt: str = "PNG", colour="#7a2e1d"
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


def video_bytes(
    *,
    codec: str = "libx264",
    container: str = "mp4",
    frames: int = 24,
    size: tuple[int, int] = (64, 48),
    colour: tuple[int, int, int] = (200, 40, 20),
) -> bytes:
    """A real little clip of one colour (2 s at 12 fps), in the codec given."""
    import os
    import tempfile

    import av

    handle, path = tempfile.mkstemp(suffix=f".{container}")
    os.close(handle)
    try:
        with av.open(path, mode="w", format=container) as output:
            stream = output.add_stream(codec, rate=12)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            for _ in range(frames):
                image = Image.new("RGB", size, colour)
                output.mux(stream.encode(av.VideoFrame.from_image(image)))
            output.mux(stream.encode(None))
        with open(path, "rb") as result:
            return result.read()
    finally:
        os.unlink(path)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag{n}")


class MaterialFactory(factory.django.DjangoModelFactory):
    """A published material with a real one-page PDF."""

    class Meta:
        model = Material
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Material {n}")
    description = "A piece to share."
    kind = Kind.FLYER
    category = factory.SubFactory(CategoryFactory)
    publish_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    compliance_note = "These statements have not been evaluated by the FDA."
    file_type = FileType.PDF
    file = factory.LazyAttribute(
        lambda m: ContentFile(pdf_bytes(m.title), name="material.pdf")
    )
    file_size = factory.LazyAttribute(lambda m: m.file.size if m.file else 0)


def image_material(**fields) -> Material:
    data = image_bytes(fields.pop("size", (300, 400)))
    return MaterialFactory(
        file=ContentFile(data, name="graphic.png"),
        file_type=FileType.PNG,
        kind=fields.pop("kind", Kind.SOCIAL),
        **fields,
    )
