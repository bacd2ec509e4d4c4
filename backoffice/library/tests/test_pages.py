"""The library's pages: browsing, previews, downloads, favourites; who sees what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice.library.models import Download, Favourite, Kind, Material
from backoffice.library.tests.factories import (
    CategoryFactory,
    MaterialFactory,
    image_material,
    pdf_bytes,
)

LIBRARY = "/library/"


def detail(material) -> str:
    return f"/library/{material.pk}/"


def download(material) -> str:
    return f"/library/{material.pk}/download/"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def live(members):
    return MaterialFactory(title="Ganocafé Classic flyer")


@pytest.fixture
def expired(members):
    now = timezone.now()
    return MaterialFactory(
        title="Old promotion",
        publish_at=now - timedelta(days=30),
        expires_at=now - timedelta(minutes=1),
    )


@pytest.fixture
def draft(members):
    return MaterialFactory(title="Not yet", publish_at=None)


@pytest.fixture
def scheduled(members):
    return MaterialFactory(
        title="Next month", publish_at=timezone.now() + timedelta(days=3)
    )


# --- signed out, staff -------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "download/", "view/", "thumbnail/"])
def test_signed_out_is_sent_to_sign_in(client, live, suffix):
    response = client.get(f"{detail(live)}{suffix}")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Material.objects.get(pk=live.pk).download_count == 0


def test_signed_out_list_is_sent_to_sign_in(client, live):
    response = client.get(LIBRARY)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_use_the_admin_not_the_distributor_pages(client, staff, live):
    client.force_login(staff)
    assert client.get(LIBRARY).status_code == 404
    assert client.get(download(live)).status_code == 404


# --- list --------------------------------------------------------------------


def test_the_list_shows_visible_items_only(
    client, alice, live, expired, draft, scheduled
):
    client.force_login(alice)
    html = client.get(LIBRARY).content.decode()
    assert "Ganocafé Classic flyer" in html
    for hidden in ("Old promotion", "Not yet", "Next month"):
        assert hidden not in html
    assert "1 item" in html


def test_charlie_sees_the_same_library(client, charlie, live, expired):
    client.force_login(charlie)
    html = client.get(LIBRARY).content.decode()
    assert "Ganocafé Classic flyer" in html
    assert "Old promotion" not in html


def test_search_filter_and_sort_over_http(client, alice, members):
    category = CategoryFactory(name="Coffee and tea")
    MaterialFactory(title="Coffee morning flyer", category=category, kind=Kind.FLYER)
    popular = MaterialFactory(
        title="Coffee brochure",
        kind=Kind.BROCHURE,
        publish_at=timezone.now() - timedelta(days=9),
    )
    Material.objects.filter(pk=popular.pk).update(download_count=50)
    MaterialFactory(title="Business plan deck", kind=Kind.PRESENTATION)
    client.force_login(alice)

    html = client.get(LIBRARY, {"q": "coffee"}).content.decode()
    assert "Coffee morning flyer" in html
    assert "Coffee brochure" in html
    assert "Business plan deck" not in html

    html = client.get(LIBRARY, {"q": "coffee", "kind": "brochure"}).content.decode()
    assert "Coffee brochure" in html
    assert "Coffee morning flyer" not in html

    html = client.get(LIBRARY, {"category": category.pk}).content.decode()
    assert "Coffee morning flyer" in html
    assert "Coffee brochure" not in html

    html = client.get(LIBRARY, {"sort": "downloads"}).content.decode()
    assert html.index("Coffee brochure") < html.index("Coffee morning flyer")
    html = client.get(LIBRARY, {"sort": "newest"}).content.decode()
    assert html.index("Coffee morning flyer") < html.index("Coffee brochure")


def test_bad_filter_values_are_ignored(client, alice, live):
    client.force_login(alice)
    response = client.get(
        LIBRARY, {"category": "x'; drop", "kind": "nope", "page": "99"}
    )
    assert response.status_code == 200
    assert "Ganocafé Classic flyer" in response.content.decode()


def test_htmx_gets_the_results_fragment(client, alice, live):
    client.force_login(alice)
    response = client.get(LIBRARY, {"q": "classic"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="library-results">')
    assert "<html" not in html
    assert "Ganocafé Classic flyer" in html


def test_pagination(client, alice, members):
    for number in range(30):
        MaterialFactory(
            title=f"Item {number:02d}",
            publish_at=timezone.now() - timedelta(hours=number + 1),
            file="",
            file_type="",
            video_url="https://example.com/v",
        )
    client.force_login(alice)
    first = client.get(LIBRARY).content.decode()
    second = client.get(LIBRARY, {"page": 2}).content.decode()
    assert "Item 00" in first
    assert "Item 23" in first
    assert "Item 24" not in first
    assert "Item 24" in second
    assert "Item 29" in second
    assert "Item 00" not in second
    assert "Page 1 of 2" in first


def test_new_since_my_last_visit_filter(client, alice, members):
    now = timezone.now()
    MaterialFactory(title="Seen before", publish_at=now - timedelta(days=5))
    client.force_login(alice)
    from backoffice.library.models import LibraryVisit

    LibraryVisit.objects.create(user=alice, last_at=now - timedelta(days=2))
    MaterialFactory(title="Fresh item", publish_at=now - timedelta(days=1))
    html = client.get(LIBRARY, {"new": "on"}).content.decode()
    assert "Fresh item" in html
    assert "Seen before" not in html
    assert LibraryVisit.objects.get(user=alice).previous_at == now - timedelta(days=2)


# --- detail and previews -------------------------------------------------------


def test_detail_shows_the_pdf_viewer_and_compliance_note(client, alice, live):
    client.force_login(alice)
    html = client.get(detail(live)).content.decode()
    assert f'<iframe src="/library/{live.pk}/view/"' in html
    assert "These statements have not been evaluated by the FDA." in html
    assert f'href="/library/{live.pk}/download/"' in html


def test_detail_shows_an_image_inline(client, alice, members):
    material = image_material(title="Square graphic")
    client.force_login(alice)
    html = client.get(detail(material)).content.decode()
    assert f'<img src="/library/{material.pk}/view/"' in html


def test_detail_of_a_video_link_has_no_file_download(client, alice, members):
    material = MaterialFactory(
        kind=Kind.VIDEO, file="", file_type="", video_url="https://example.com/v/1"
    )
    client.force_login(alice)
    html = client.get(detail(material)).content.decode()
    assert 'href="https://example.com/v/1"' in html
    assert "/download/" not in html
    assert client.get(download(material)).status_code == 404


@pytest.mark.parametrize("which", ["expired", "draft", "scheduled"])
@pytest.mark.parametrize("suffix", ["", "download/", "view/", "personalise/"])
def test_hidden_items_are_404_everywhere(client, alice, request, which, suffix):
    material = request.getfixturevalue(which)
    client.force_login(alice)
    assert client.get(f"{detail(material)}{suffix}").status_code == 404
    assert Download.objects.count() == 0
    assert Material.objects.get(pk=material.pk).download_count == 0


def test_missing_item_is_404(client, alice, members):
    client.force_login(alice)
    assert client.get("/library/999999/").status_code == 404


# --- downloads -----------------------------------------------------------------


def test_download_is_an_attachment_with_safe_headers_and_counts(client, alice, live):
    client.force_login(alice)
    response = client.get(download(live))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="ganocafe-classic-flyer.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert body(response) == pdf_bytes("Ganocafé Classic flyer")
    live.refresh_from_db()
    assert live.download_count == 1
    log = Download.objects.get()
    assert (log.user, log.material, log.variant) == (alice, live, "original")


def test_charlie_can_download_a_visible_item(client, charlie, live):
    client.force_login(charlie)
    response = client.get(download(live))
    assert response.status_code == 200
    body(response)
    client.get(download(live))
    assert Material.objects.get(pk=live.pk).download_count == 2


def test_inline_view_may_be_framed_by_us_only(client, alice, live):
    client.force_login(alice)
    response = client.get(f"{detail(live)}view/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "script-src" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    # A preview is not a download.
    assert Material.objects.get(pk=live.pk).download_count == 0


def test_inline_image_is_sandboxed(client, alice, members):
    material = image_material()
    client.force_login(alice)
    response = client.get(f"{detail(material)}view/")
    assert response["Content-Type"] == "image/png"
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_file_is_not_under_media_url(live):
    assert not live.file.storage.base_url or "/media/" not in live.file.storage.base_url
    assert "library" in live.file.storage.location


# --- favourites ----------------------------------------------------------------


def test_favourite_toggles_with_plain_post(client, alice, live):
    client.force_login(alice)
    response = client.post(f"{detail(live)}favourite/")
    assert response.status_code == 302
    assert response["Location"] == detail(live)
    assert Favourite.objects.filter(user=alice, material=live).exists()
    client.post(f"{detail(live)}favourite/")
    assert not Favourite.objects.filter(user=alice, material=live).exists()


def test_favourite_toggles_with_htmx(client, alice, live):
    client.force_login(alice)
    response = client.post(f"{detail(live)}favourite/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="favourite-form"' in html
    assert 'aria-pressed="true"' in html
    assert Favourite.objects.filter(user=alice).count() == 1


def test_favourites_filter_is_per_person(client, alice, bob, live, members):
    other = MaterialFactory(title="Another flyer")
    Favourite.objects.create(user=bob, material=other)
    Favourite.objects.create(user=alice, material=live)
    client.force_login(alice)
    html = client.get(LIBRARY, {"favourites": "on"}).content.decode()
    assert live.title in html
    assert "Another flyer" not in html


def test_favourite_of_an_expired_item_is_404(client, alice, expired):
    client.force_login(alice)
    assert client.post(f"{detail(expired)}favourite/").status_code == 404
    assert Favourite.objects.count() == 0


def test_favourite_needs_post(client, alice, live):
    client.force_login(alice)
    assert client.get(f"{detail(live)}favourite/").status_code == 405
    assert Favourite.objects.count() == 0


# --- dashboard card --------------------------------------------------------------


def test_dashboard_card_counts_new_materials(client, alice, members):
    now = timezone.now()
    from backoffice.library.models import LibraryVisit

    LibraryVisit.objects.create(user=alice, last_at=now - timedelta(days=2))
    MaterialFactory(title="Seen already", publish_at=now - timedelta(days=3))
    MaterialFactory(title="Brand new flyer", publish_at=now - timedelta(hours=1))
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "1 new item since your last visit" in html
    assert "Brand new flyer" in html
    assert "Seen already" not in html
