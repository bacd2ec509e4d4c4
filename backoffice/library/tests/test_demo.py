"""Demo library: real files, every kind, compliance notes, quick to make."""

from __future__ import annotations

import io
import random
import time

import pypdfium2 as pdfium
import pytest
from PIL import Image

from backoffice.library import demo, video
from backoffice.library.models import (
    FileStatus,
    FileType,
    Kind,
    Material,
    ThumbnailStatus,
)

pytestmark = pytest.mark.django_db


def test_seed_makes_a_dozen_real_materials_of_each_kind():
    started = time.monotonic()
    made = demo.seed(rng=random.Random(7), distributors=10, months=3)
    elapsed = time.monotonic() - started
    assert made == {"library categories": 9, "library materials": 72}
    assert elapsed < 20
    for kind in Kind.values:
        assert Material.objects.filter(kind=kind).count() == 12
    assert Material.objects.visible().count() == 60
    for material in Material.objects.exclude(file=""):
        with material.file.open("rb") as stored:
            data = stored.read()
        if material.file_type == FileType.PDF:
            assert len(pdfium.PdfDocument(data)) >= 1
        elif material.kind == Kind.VIDEO:
            assert material.file_type == FileType.MP4
            info = video.probe(io.BytesIO(data), FileType.MP4)
            assert (info.codec, info.width, info.height) == ("h264", 480, 270)
            assert 3.5 <= info.seconds <= 4.5
        else:
            Image.open(io.BytesIO(data)).verify()
        assert material.file_size == len(data)
    assert not Material.objects.exclude(thumbnail_status=ThumbnailStatus.READY).exists()
    # Demo files are made here, already checked: nothing waits for a worker.
    assert not Material.objects.exclude(file_status=FileStatus.READY).exists()
    # Every kind is a real file, videos included (played in the page's player).
    assert not Material.objects.filter(file="").exists()
    notes = set(Material.objects.values_list("compliance_note", flat=True))
    assert notes == {demo.FDA_DISCLAIMER, demo.INCOME_DISCLAIMER}
    assert Material.objects.filter(is_personalisable=True).count() == 24


def test_seed_is_deterministic_in_its_choices():
    demo.seed(rng=random.Random(7), distributors=10, months=3)
    first = list(Material.objects.order_by("pk").values_list("title", "is_shareable"))
    Material.objects.all().delete()
    from backoffice.library.models import Category, Tag

    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()
    Tag.objects.all().delete()
    demo.seed(rng=random.Random(7), distributors=10, months=3)
    second = list(Material.objects.order_by("pk").values_list("title", "is_shareable"))
    assert first == second
