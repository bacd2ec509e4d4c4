from __future__ import annotations

from datetime import UTC, datetime

from backoffice.library.training.models import LessonProgress, PathCourse

WHEN = datetime(2026, 2, 1, tzinfo=UTC)


def test_dashboard_shows_training_and_the_path_until_complete(client, members, course):
    PathCourse.objects.create(course=course, position=0)
    alice = members["alice"]
    first = course.lessons.first()
    LessonProgress.objects.create(
        distributor=alice, lesson=first, started_at=WHEN, completed_at=WHEN
    )
    client.force_login(alice.user)

    html = client.get("/").content.decode()
    assert 'id="first-30-days-card"' in html
    assert "0 of 1 courses done" in html
    assert 'id="training-completed">0 / 1<' in html
    assert 'id="training-started">1<' in html
    assert "/training/coffee-basics/the-coffee-line/" in html

    for lesson in course.lessons.exclude(pk=first.pk):
        LessonProgress.objects.create(
            distributor=alice, lesson=lesson, started_at=WHEN, completed_at=WHEN
        )
    html = client.get("/").content.decode()
    assert 'id="first-30-days-card"' not in html
    assert 'id="training-completed">1 / 1<' in html


def test_staff_dashboard_has_no_training_card(client, staff):
    client.force_login(staff)
    assert b'id="training-card"' not in client.get("/").content
