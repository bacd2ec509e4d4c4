"""Personalised flyers: the name, contact and shop link really are in the file."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops

from backoffice.library.models import Download, Material
from backoffice.library.tests.factories import MaterialFactory, image_material

SHOP_LINK = "http://127.0.0.1:8000/s/100001/"


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        page = document[0]
        text = page.get_textpage().get_text_range()
        page.close()
        return text
    finally:
        document.close()


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"


@pytest.fixture
def alice_phone(members):
    alice = members["alice"]
    alice.phone = "(626) 555-0142"
    alice.save(update_fields=["phone"])
    return alice


@pytest.fixture
def flyer(members):
    return MaterialFactory(title="Coffee flyer", is_personalisable=True)


def url(material) -> str:
    return f"/library/{material.pk}/personalise/"


def test_pdf_has_name_phone_and_shop_link(client, alice, alice_phone, flyer):
    client.force_login(alice)
    response = client.post(
        url(flyer), {"name": "Alice Archer", "contact": "phone", "format": "pdf"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="coffee-flyer-100001.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    text = pdf_text(response.content)
    assert "Alice Archer" in text
    assert "(626) 555-0142" in text
    assert SHOP_LINK in text
    assert "alice" not in text.lower().replace("alice archer", "")
    flyer.refresh_from_db()
    assert flyer.download_count == 1
    assert Download.objects.get().variant == "pdf"


def test_pdf_with_email_instead(client, alice, members, flyer):
    client.force_login(alice)
    response = client.post(
        url(flyer), {"name": "Ali A.", "contact": "email", "format": "pdf"}
    )
    text = pdf_text(response.content)
    assert "Ali A." in text
    assert "100001@example.com" in text
    assert SHOP_LINK in text


def test_charlie_gets_his_own_link(client, charlie, members, flyer):
    client.force_login(charlie)
    response = client.post(
        url(flyer), {"name": "Charlie Cruz", "contact": "none", "format": "pdf"}
    )
    text = pdf_text(response.content)
    assert "Charlie Cruz" in text
    assert "http://127.0.0.1:8000/s/100003/" in text
    assert "100001" not in text


def test_png_from_an_image_keeps_its_size_and_is_stamped(client, alice, members):
    material = image_material(
        title="Square post", is_personalisable=True, size=(400, 500)
    )
    with material.file.open("rb") as source:
        original = Image.open(io.BytesIO(source.read())).convert("RGB")
    client.force_login(alice)
    response = client.post(
        url(material), {"name": "Alice Archer", "contact": "email", "format": "png"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    assert image.size == (400, 500)
    assert image.text["Author"] == "Alice Archer"
    assert SHOP_LINK in image.text["Comment"]
    assert "100001@example.com" in image.text["Comment"]
    stamped = image.convert("RGB")
    # The top is untouched, the bottom band is not.
    top = (0, 0, 400, 300)
    assert (
        ImageChops.difference(stamped.crop(top), original.crop(top)).getbbox() is None
    )
    band = (0, 430, 400, 500)
    assert ImageChops.difference(stamped.crop(band), original.crop(band)).getbbox()


def test_png_from_a_pdf(client, alice, members, flyer):
    client.force_login(alice)
    response = client.post(
        url(flyer), {"name": "Alice Archer", "contact": "none", "format": "png"}
    )
    image = Image.open(io.BytesIO(response.content))
    # Letter at 1.5 x 72 dpi.
    assert image.size == (918, 1188)
    assert SHOP_LINK in image.text["Comment"]


def test_pdf_from_an_image(client, alice, members):
    material = image_material(title="Graphic", is_personalisable=True)
    client.force_login(alice)
    response = client.post(
        url(material), {"name": "Alice Archer", "contact": "none", "format": "pdf"}
    )
    text = pdf_text(response.content)
    assert "Alice Archer" in text
    assert SHOP_LINK in text


def test_the_form_offers_only_contacts_she_has(client, alice, members, flyer):
    client.force_login(alice)
    html = client.get(url(flyer)).content.decode()
    assert 'value="Alice Archer"' in html
    assert 'value="email"' in html
    assert 'value="phone"' not in html


def test_a_blank_name_is_refused(client, alice, members, flyer):
    client.force_login(alice)
    response = client.post(
        url(flyer), {"name": "   ", "contact": "none", "format": "pdf"}
    )
    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]
    assert Material.objects.get(pk=flyer.pk).download_count == 0
    assert Download.objects.count() == 0


def test_not_personalisable_is_404(client, alice, members):
    material = MaterialFactory(is_personalisable=False)
    client.force_login(alice)
    response = client.post(
        url(material), {"name": "Alice", "contact": "none", "format": "pdf"}
    )
    assert response.status_code == 404
    assert Download.objects.count() == 0


def test_signed_out_cannot_personalise(client, flyer):
    response = client.post(
        url(flyer), {"name": "Someone", "contact": "none", "format": "pdf"}
    )
    assert response.status_code == 302
    assert Download.objects.count() == 0
