"""The library: find a flyer by search, preview it and download it."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from backoffice.library.models import Download, FileType, Material
from backoffice.library.tests.factories import MaterialFactory, pdf_bytes, video_bytes
from backoffice.network.tests.conftest import root, team  # noqa: F401
from tests.e2e.helpers import csp_errors, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def library_files(tmp_path, monkeypatch):
    storage = Material._meta.get_field("file").storage
    location = tmp_path / "library"
    location.mkdir()
    monkeypatch.setattr(storage, "base_location", str(location))
    monkeypatch.setattr(storage, "location", str(location))
    return location


@pytest.fixture
def materials(team):  # noqa: F811
    flyer = MaterialFactory(
        title="Ganocafé Classic tasting flyer",
        description="Invite your neighbours to a coffee tasting.",
        compliance_note="These statements have not been evaluated by the FDA.",
    )
    MaterialFactory(title="Compensation plan presentation", kind="presentation")
    return flyer


def test_find_a_flyer_by_search_and_download_it(
    page, live_server, materials, password, console_messages
):
    sign_in(page, "100002", password)
    expect(page).to_have_url(f"{live_server.url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Library", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Marketing library")
    expect(page.locator("#library-count")).to_have_text("2 items")

    search = page.get_by_label("Search", exact=True)
    search.fill("tasting")
    search.press("Enter")
    expect(page.locator("#library-count")).to_have_text("1 item")
    expect(page).to_have_url(re.compile(r"/library/\?q=tasting"))
    results = page.locator("#library-results")
    expect(results.get_by_text("Compensation plan presentation")).to_have_count(0)

    results.get_by_role("link", name="Ganocafé Classic tasting flyer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ganocafé Classic tasting flyer"
    )
    expect(page.locator("#compliance-note")).to_contain_text(
        "These statements have not been evaluated by the FDA."
    )
    expect(page.locator("iframe.material-pdf")).to_have_attribute(
        "src", f"/library/{materials.pk}/view/"
    )

    with page.expect_download() as info:
        page.get_by_role("link", name="Download", exact=True).click()
    download = info.value
    assert download.suggested_filename == "ganocafe-classic-tasting-flyer.pdf"
    with open(download.path(), "rb") as saved:
        assert saved.read() == pdf_bytes("Ganocafé Classic tasting flyer")
    materials.refresh_from_db()
    assert materials.download_count == 1
    assert Download.objects.get().user.username == "100002"
    assert csp_errors(console_messages) == []


def test_staff_watch_an_upload_finish_processing(
    page, live_server, staff, password, console_messages
):
    from django.contrib.auth.models import Group

    from backoffice.accounts.models import Authenticator
    from backoffice.accounts.roles import sync_roles
    from backoffice.accounts.tests.factories import current_code
    from backoffice.library.models import FileStatus
    from tests.e2e.helpers import enter_code

    sync_roles()
    staff.groups.add(Group.objects.get(name="content"))
    material = MaterialFactory(
        title="Spring brochure", file_status=FileStatus.PROCESSING
    )
    sign_in(page, staff.username, password)
    enter_code(page, current_code(Authenticator.objects.get(user=staff)))
    expect(page).to_have_url(f"{live_server.url}/")

    page.goto(f"/admin/library/material/{material.pk}/change/")
    status = page.locator(".material-file-status")
    expect(status).to_have_attribute("data-status", "processing")
    expect(status).to_contain_text("Processing")

    # The worker finishes: the page shows it without a reload.
    Material.objects.filter(pk=material.pk).update(
        file_status=FileStatus.FAILED,
        processing_error="This PDF is incomplete or damaged.",
    )
    expect(status).to_have_attribute("data-status", "failed", timeout=15_000)
    expect(status).to_contain_text("This PDF is incomplete or damaged.")
    assert csp_errors(console_messages) == []


def test_a_video_plays_in_the_page_from_its_access_checked_view(
    page,
    live_server,
    team,  # noqa: F811
    password,
    console_messages,
):
    clip = MaterialFactory(
        title="Morning coffee ritual",
        kind="video",
        file=ContentFile(video_bytes(frames=36), name="clip.mp4"),
        file_type=FileType.MP4,
    )
    sign_in(page, "100002", password)
    page.goto(f"{live_server.url}/library/{clip.pk}/")
    player = page.locator("video.material-video")
    expect(player).to_be_visible()
    # The browser reads the clip's header through the range-serving view
    # and plays it: its length is the encoded 3 seconds and time moves on.
    page.wait_for_function(
        "() => document.querySelector('video.material-video').readyState >= 1"
    )
    duration = player.evaluate("video => video.duration")
    assert 2.5 < duration < 3.5
    player.evaluate("video => { video.muted = true; return video.play(); }")
    page.wait_for_function(
        "() => document.querySelector('video.material-video').currentTime > 0.3"
    )
    assert csp_errors(console_messages) == []
