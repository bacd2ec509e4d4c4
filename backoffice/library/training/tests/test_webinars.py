"""Webinars: registration, the join link window, .ics files, reminders, time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from backoffice.library.training.actions import send_webinar_reminders
from backoffice.library.training.ics import escape_text, fold
from backoffice.library.training.models import Webinar, WebinarRegistration

START = datetime(2026, 5, 12, 18, 0, tzinfo=UTC)  # 11:00 a.m. PDT
JOIN = "https://meet.example.com/j/123"


@pytest.fixture
def webinar(db):
    return Webinar.objects.create(
        title="Hosting a tasting",
        presenter="Maria Lopez",
        description="Plan it; invite friends, then follow up.\nBring cups.",
        starts_at=START,
        duration_minutes=60,
        join_url=JOIN,
    )


def page(webinar) -> str:
    return f"/training/webinars/{webinar.pk}/"


def register(distributor, webinar, when=START - timedelta(days=2)):
    return WebinarRegistration.objects.create(
        webinar=webinar, distributor=distributor, created_at=when
    )


def test_register_and_cancel(client, members, webinar):
    alice = members["alice"]
    client.force_login(alice.user)
    with time_machine.travel(START - timedelta(days=1), tick=False):
        response = client.post(page(webinar) + "register/")
        assert response.status_code == 302
        assert WebinarRegistration.objects.filter(distributor=alice).count() == 1
        client.post(page(webinar) + "register/")  # twice is still once
        assert WebinarRegistration.objects.filter(distributor=alice).count() == 1

        response = client.post(page(webinar) + "register/", {"cancel": "1"})
        assert response.status_code == 302
    assert not WebinarRegistration.objects.exists()


def test_registration_is_refused_once_over(client, members, webinar):
    client.force_login(members["alice"].user)
    with time_machine.travel(START + timedelta(minutes=61), tick=False):
        client.post(page(webinar) + "register/")
    assert not WebinarRegistration.objects.exists()


def test_htmx_register_returns_the_registration_block(client, members, webinar):
    client.force_login(members["alice"].user)
    with time_machine.travel(START - timedelta(days=1), tick=False):
        response = client.post(
            page(webinar) + "register/", headers={"HX-Request": "true"}
        )
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="registration">')
    assert "You&#x27;re registered." in html or "You're registered." in html
    assert WebinarRegistration.objects.count() == 1


@pytest.mark.parametrize(
    ("offset", "shown"),
    [
        (timedelta(hours=-2), False),
        (timedelta(minutes=-16), False),
        (timedelta(minutes=-15), True),
        (timedelta(minutes=30), True),
        (timedelta(minutes=59, seconds=59), True),
    ],
)
def test_join_link_only_in_the_window_for_registered(
    client, members, webinar, offset, shown
):
    register(members["alice"], webinar)
    with time_machine.travel(START + offset, tick=False):
        client.force_login(members["alice"].user)
        registered = client.get(page(webinar)).content.decode()
        client.force_login(members["bob"].user)
        unregistered = client.get(page(webinar)).content.decode()
    assert (JOIN in registered) is shown
    assert JOIN not in unregistered
    assert 'id="join-link"' not in unregistered


def test_past_webinar_shows_the_recording_not_the_join_link(client, members, webinar):
    register(members["alice"], webinar)
    webinar.recording_url = "https://videos.example.com/recording"
    webinar.save()
    client.force_login(members["alice"].user)
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        response = client.get(page(webinar))
        listing = client.get("/training/webinars/")
    assert b"https://videos.example.com/recording" in response.content
    assert JOIN.encode() not in response.content
    assert b"Recording available" in listing.content


def test_calendar_file_is_exact(client, members, webinar, settings):
    settings.SITE_URL = "https://office.example.com"
    client.force_login(members["alice"].user)
    with time_machine.travel(datetime(2026, 5, 1, 9, 30, tzinfo=UTC), tick=False):
        response = client.get(page(webinar) + "calendar.ics")

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="webinar-{webinar.pk}.ics"'
    )
    assert response.content.decode() == (
        "BEGIN:VCALENDAR\r\n"
        "VERSION:2.0\r\n"
        "PRODID:-//Gano Excel USA//Back Office//EN\r\n"
        "CALSCALE:GREGORIAN\r\n"
        "METHOD:PUBLISH\r\n"
        "BEGIN:VEVENT\r\n"
        f"UID:webinar-{webinar.pk}@office.example.com\r\n"
        "DTSTAMP:20260501T093000Z\r\n"
        "DTSTART:20260512T180000Z\r\n"
        "DTEND:20260512T190000Z\r\n"
        "SUMMARY:Hosting a tasting\r\n"
        "DESCRIPTION:Presenter: Maria Lopez\\n\\n"
        "Plan it\\; invite friends\\, then follo\r\n"
        " w up.\\nBring cups.\r\n"
        f"URL:https://office.example.com/training/webinars/{webinar.pk}/\r\n"
        "END:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )


def test_ics_escaping_and_folding():
    assert escape_text("a\\b;c,d\r\ne\nf") == "a\\\\b\\;c\\,d\\ne\\nf"
    line = "SUMMARY:" + "é" * 40
    folded = fold(line)
    parts = folded.split("\r\n ")
    assert "".join(parts) == line
    assert all(len(part.encode()) <= 75 for part in parts)
    assert fold("SHORT:x") == "SHORT:x"


def test_reminder_is_sent_once_to_each_registrant(
    members, webinar, mailoutbox, django_capture_on_commit_callbacks
):
    register(members["alice"], webinar)
    register(members["bob"], webinar)
    too_early = START - timedelta(hours=1, minutes=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert send_webinar_reminders(now=too_early) == 0
    assert len(mailoutbox) == 0

    with django_capture_on_commit_callbacks(execute=True):
        assert send_webinar_reminders(now=START - timedelta(minutes=55)) == 2
        assert send_webinar_reminders(now=START - timedelta(minutes=50)) == 0

    assert sorted(m.to[0] for m in mailoutbox) == [
        "100001@example.com",
        "100002@example.com",
    ]
    assert mailoutbox[0].subject == "Starting soon: Hosting a tasting"
    assert "11 a.m. PDT (18:00 UTC)" in mailoutbox[0].body
    assert f"/training/webinars/{webinar.pk}/" in mailoutbox[0].body
    assert WebinarRegistration.objects.filter(reminded_at__isnull=True).count() == 0


def test_no_reminder_after_the_start(members, webinar, mailoutbox):
    register(members["alice"], webinar)
    assert send_webinar_reminders(now=START + timedelta(minutes=1)) == 0
    assert mailoutbox == []


def test_reminder_task_is_scheduled():
    from backoffice.lib.schedule import SCHEDULE

    paths = {job.task_path for job in SCHEDULE}
    assert "backoffice.library.training.tasks.send_webinar_reminders" in paths


@pytest.mark.parametrize(
    ("starts_at", "local"),
    [
        # The night before the change: Pacific Standard Time (UTC-8).
        (datetime(2026, 3, 8, 9, 0, tzinfo=UTC), "March 8, 2026, 1 a.m. PST"),
        # The same day after 2 a.m.: Pacific Daylight Time (UTC-7).
        (datetime(2026, 3, 8, 18, 0, tzinfo=UTC), "March 8, 2026, 11 a.m. PDT"),
        (datetime(2026, 3, 7, 18, 0, tzinfo=UTC), "March 7, 2026, 10 a.m. PST"),
    ],
)
def test_times_show_in_the_company_zone_across_dst(client, members, starts_at, local):
    webinar = Webinar.objects.create(
        title="DST", presenter="P", starts_at=starts_at, duration_minutes=30
    )
    client.force_login(members["alice"].user)
    with time_machine.travel(datetime(2026, 3, 1, tzinfo=UTC), tick=False):
        response = client.get(page(webinar))
    html = response.content.decode()
    assert local in html
    assert f"{starts_at:%Y-%m-%d %H:%M} UTC" in html


def test_missing_webinar_and_staff_get_404(client, members, staff, webinar):
    client.force_login(members["charlie"].user)
    assert client.get("/training/webinars/999999/").status_code == 404
    client.force_login(staff)
    assert client.get(page(webinar)).status_code == 404
    assert client.post(page(webinar) + "register/").status_code == 404
    assert not WebinarRegistration.objects.exists()


def test_recording_file_only_after_the_end(client, members, webinar):
    from django.core.files.base import ContentFile

    webinar.recording_file.save("rec.webm", ContentFile(b"\x1a\x45\xdf\xa3webm"))
    webinar.recording_file_type = "webm"
    webinar.save()
    url = page(webinar) + "recording/"
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        client.force_login(members["charlie"].user)
        assert client.get(url).status_code == 404
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        client.force_login(members["charlie"].user)
        response = client.get(url)
        html = client.get(page(webinar)).content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "video/webm"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert f'src="{url}"' in html
    client.logout()
    assert client.get(url).status_code == 302
