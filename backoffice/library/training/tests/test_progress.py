"""Progress: started on opening, resume at the first incomplete lesson, completion."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from backoffice.library.training.models import LessonProgress, Quiz
from backoffice.library.training.reads import course_status
from backoffice.library.training.tests.factories import answers_for, make_course


def lesson_url(course, slug) -> str:
    return f"/training/{course.slug}/{slug}/"


@pytest.mark.parametrize(
    "path",
    [
        "/training/",
        "/training/coffee-basics/",
        "/training/coffee-basics/welcome/",
        "/training/coffee-basics/certificate.pdf",
        "/training/webinars/",
        "/training/team/",
    ],
)
def test_signed_out_is_sent_to_sign_in(client, course, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_get_404(client, staff, course):
    client.force_login(staff)
    assert client.get("/training/").status_code == 404
    assert client.get("/training/coffee-basics/").status_code == 404


def test_opening_a_lesson_records_the_start_once(client, members, course):
    alice = members["alice"]
    client.force_login(alice.user)
    with time_machine.travel(datetime(2026, 4, 1, 15, 0, tzinfo=UTC), tick=False):
        response = client.get(lesson_url(course, "welcome"))
    with time_machine.travel(datetime(2026, 4, 2, 15, 0, tzinfo=UTC), tick=False):
        client.get(lesson_url(course, "welcome"))

    assert response.status_code == 200
    progress = LessonProgress.objects.get(distributor=alice)
    assert progress.started_at == datetime(2026, 4, 1, 15, 0, tzinfo=UTC)
    assert progress.completed_at is None
    # The body is escaped text with paragraphs, never HTML.
    assert b"<p>Hello &lt;b&gt;there&lt;/b&gt;</p>" in response.content


def test_mark_complete_and_resume_at_the_first_incomplete_lesson(
    client, members, course
):
    alice = members["alice"]
    client.force_login(alice.user)

    response = client.post(lesson_url(course, "welcome") + "complete/")

    assert response.status_code == 302
    assert response["Location"] == lesson_url(course, "the-coffee-line")
    page = client.get("/training/coffee-basics/")
    assert b"1 of 3 lessons done" in page.content
    assert b'id="continue" href="/training/coffee-basics/the-coffee-line/"' in (
        page.content
    )
    status = course_status(alice, course)
    assert status.next_lesson.slug == "the-coffee-line"


def test_resume_skips_done_lessons_wherever_they_are(members, course):
    alice = members["alice"]
    client_lessons = list(course.lessons.all())
    LessonProgress.objects.create(
        distributor=alice,
        lesson=client_lessons[1],
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        completed_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    status = course_status(alice, course)
    assert status.next_lesson == client_lessons[0]
    assert (status.completed_count, status.lesson_count, status.percent) == (1, 3, 33)
    # Someone else's progress is not alice's.
    assert course_status(members["bob"], course).completed_count == 0


def test_a_lesson_with_a_quiz_cannot_be_marked_complete(client, members, course):
    client.force_login(members["alice"].user)
    response = client.post(lesson_url(course, "the-coffee-line") + "complete/")
    assert response.status_code == 404
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()


def test_complete_needs_post(client, members, course):
    client.force_login(members["alice"].user)
    response = client.get(lesson_url(course, "welcome") + "complete/")
    assert response.status_code == 405
    assert not LessonProgress.objects.exists()


def test_all_lessons_done_completes_the_course(client, members, course):
    alice = members["alice"]
    quiz = Quiz.objects.get(lesson__course=course)
    client.force_login(alice.user)
    client.post(lesson_url(course, "welcome") + "complete/")
    client.post(
        lesson_url(course, "the-coffee-line") + "quiz/", answers_for(quiz, right=2)
    )
    assert not course_status(alice, course).is_complete
    response = client.post(lesson_url(course, "tasting") + "complete/")

    assert response["Location"] == "/training/coffee-basics/"
    status = course_status(alice, course)
    assert status.is_complete
    assert status.next_lesson is None
    page = client.get("/training/coffee-basics/")
    assert b"/training/coffee-basics/certificate.pdf" in page.content


def test_unpublished_course_and_its_lessons_are_404(client, members):
    make_course("draft-course", is_published=False)
    client.force_login(members["alice"].user)
    assert client.get("/training/draft-course/").status_code == 404
    assert client.get("/training/draft-course/welcome/").status_code == 404
    response = client.post("/training/draft-course/welcome/complete/")
    assert response.status_code == 404
    assert client.get("/training/draft-course/certificate.pdf").status_code == 404
    assert not LessonProgress.objects.exists()
    assert b"draft-course" not in client.get("/training/").content


def test_missing_lesson_is_404(client, members, course):
    client.force_login(members["alice"].user)
    assert client.get(lesson_url(course, "nope")).status_code == 404


def test_index_lists_courses_with_progress(client, members, course):
    make_course("business", title="Business basics", position=1)
    client.force_login(members["charlie"].user)
    client.post(lesson_url(course, "welcome") + "complete/")

    response = client.get("/training/")

    html = response.content.decode()
    assert html.index("Coffee basics") < html.index("Business basics")
    assert "1 of 3 lessons done" in html
    assert "0 of 3 lessons done" in html
