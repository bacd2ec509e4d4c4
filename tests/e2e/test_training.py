"""Training: open a course, pass a lesson's quiz and see the progress update."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from backoffice.library.training.models import LessonProgress, Webinar
from backoffice.library.training.tests.factories import make_course
from backoffice.network.tests.conftest import root, team  # noqa: F401
from tests.e2e.helpers import csp_errors, sign_in, submit

pytestmark = pytest.mark.e2e


@pytest.fixture
def course(team):  # noqa: F811
    return make_course()


def test_complete_a_lesson_by_passing_its_quiz(
    page,
    live_server,
    course,
    password,
    console_messages,
):
    sign_in(page, "100002", password)
    expect(page).to_have_url(f"{live_server.url}/")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Training", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Training")
    page.get_by_role("link", name="Coffee basics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coffee basics")
    progress = page.locator(f"#course-progress-{course.pk} .progress-text")
    expect(progress).to_have_text("0 of 3 lessons done")

    page.get_by_role("link", name="Start the course").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome")
    submit(page, "Mark as complete")
    expect(page.get_by_role("heading", level=1)).to_have_text("The coffee line")
    expect(progress).to_have_text("1 of 3 lessons done")

    # A wrong answer first: the quiz says so and the lesson stays open.
    page.get_by_label("One", exact=True).check()
    page.get_by_label("Classic", exact=True).check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.locator("#quiz-result")).to_contain_text(
        "Your score: 50% (1 of 2 right)."
    )
    expect(progress).to_have_text("1 of 3 lessons done")

    page.get_by_label("One", exact=True).check()
    page.get_by_label("Mocha", exact=True).check()
    page.get_by_role("button", name="Try again").click()
    expect(page.locator("#quiz-result")).to_contain_text("You passed.")
    expect(progress).to_have_text("2 of 3 lessons done")
    # htmx swapped the quiz in place: still on the lesson's own address.
    expect(page).to_have_url(
        f"{live_server.url}/training/coffee-basics/the-coffee-line/"
    )

    page.get_by_role("link", name="Next lesson").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hosting a tasting")
    page.get_by_role("link", name="Coffee basics").click()
    expect(page.locator("#continue")).to_have_attribute(
        "href", "/training/coffee-basics/tasting/"
    )
    assert (
        LessonProgress.objects.filter(
            distributor__distributor_id=100002, completed_at__isnull=False
        ).count()
        == 2
    )
    assert csp_errors(console_messages) == []


def test_webinar_times_show_in_the_readers_time_zone(
    new_page,
    live_server,
    team,  # noqa: F811
    password,
    console_messages,
):
    starts = datetime(2030, 1, 15, 18, 0, tzinfo=UTC)
    webinar = Webinar.objects.create(
        title="Winter kickoff",
        presenter="Ana",
        starts_at=starts,
        duration_minutes=60,
        language="en",
        join_url="https://meet.example.com/kickoff",
    )
    assert webinar.ends_at == starts + timedelta(minutes=60)
    page = new_page(timezone_id="America/New_York", locale="en-US")
    sign_in(page, "100002", password)
    page.goto(f"/training/webinars/{webinar.pk}/")
    when = page.locator("#webinar-start time")
    # 18:00 UTC is 1 p.m. in New York; the server's own text (the company's
    # zone, Los Angeles) stays as the tooltip.
    expect(when).to_have_text("January 15, 2030 at 1:00 PM EST")
    expect(when).to_have_attribute("title", "Jan. 15, 2030, 10 a.m. PST")
    assert csp_errors(console_messages) == []
