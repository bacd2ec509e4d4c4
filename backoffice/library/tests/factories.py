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
