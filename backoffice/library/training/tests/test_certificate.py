"""The completion certificate: only when every lesson is done; the name is in it."""

from __future__ import annotations

from datetime import UTC, datetime

import pypdfium2 as pdfium
import time_machine

from backoffice.library.training.models import LessonProgress

CERTIFICATE = "/training/coffee-basics/certificate.pdf"


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def complete(distributor, lessons, when):
    for lesson in lessons:
        LessonProgress.objects.create(
            distributor=distributor, lesson=lesson, started_at=when, completed_at=when
        )


def test_no_certificate_until_every_lesson_is_done(client, members, course):
    alice = members["alice"]
    lessons = list(course.lessons.all())
    complete(alice, lessons[:2], datetime(2026, 3, 1, tzinfo=UTC))
    client.force_login(alice.user)
    assert client.get(CERTIFICATE).status_code == 404


def test_certificate_names_the_distributor_course_and_date(client, members, course):
    alice = members["alice"]
    # 03:00 UTC on March 10 is still March 9 in California.
    complete(alice, course.lessons.all(), datetime(2026, 3, 10, 3, 0, tzinfo=UTC))
    client.force_login(alice.user)

    with time_machine.travel(datetime(2026, 3, 20, tzinfo=UTC)):
        response = client.get(CERTIFICATE)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "certificate-coffee-basics.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Alice Archer" in text
    assert "Coffee basics" in text
    assert "Completed on 2026-03-09" in text


def test_someone_elses_completion_gives_no_certificate(client, members, course):
    complete(members["alice"], course.lessons.all(), datetime(2026, 3, 1, tzinfo=UTC))
    client.force_login(members["charlie"].user)
    assert client.get(CERTIFICATE).status_code == 404
