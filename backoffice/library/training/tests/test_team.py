"""Leaders see the first 30 days progress of their personal enrollees only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backoffice.library.training.models import LessonProgress, PathCourse
from backoffice.library.training.tests.factories import make_course

WHEN = datetime(2026, 2, 1, tzinfo=UTC)


@pytest.fixture
def path(course):
    second = make_course("business", title="Business basics", position=1)
    PathCourse.objects.create(course=second, position=0)
    PathCourse.objects.create(course=course, position=1)
    return [second, course]


def done(distributor, lessons):
    for lesson in lessons:
        LessonProgress.objects.create(
            distributor=distributor, lesson=lesson, started_at=WHEN, completed_at=WHEN
        )


def test_leader_sees_personal_enrollees_progress(client, members, path):
    done(members["bob"], path[0].lessons.all())
    done(members["bob"], path[1].lessons.all()[:1])
    done(members["charlie"], path[0].lessons.all())
    client.force_login(members["alice"].user)

    response = client.get("/training/team/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Bob Baker" in html
    assert "100002" in html
    assert "1 / 2" in html  # courses done
    assert "4 / 6 (66%)" in html  # lessons done
    assert "Charlie" not in html
    assert "100003" not in html


def test_charlie_sees_nobody_and_bob_is_404_for_him(client, members, path):
    client.force_login(members["charlie"].user)
    response = client.get("/training/team/")
    assert "Bob" not in response.content.decode()
    assert "You haven't personally enrolled anyone yet." in response.content.decode()
    assert client.get("/training/team/100002/").status_code == 404


def test_member_page_shows_the_path_in_order(client, members, path):
    done(members["bob"], path[0].lessons.all())
    client.force_login(members["alice"].user)
    response = client.get("/training/team/100002/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Business basics") < html.index("Coffee basics")
    assert "3 of 3 lessons done" in html
    assert "0 of 3 lessons done" in html


@pytest.mark.parametrize("number", ["100003", "100000", "100001", "abc", "0"])
def test_only_personal_enrollees_have_a_page(client, members, path, number):
    # root enrolled alice and charlie; alice enrolled only bob.
    client.force_login(members["alice"].user)
    assert client.get(f"/training/team/{number}/").status_code == 404


def test_root_sees_only_direct_enrollees(client, members, path):
    client.force_login(members["root"].user)
    html = client.get("/training/team/").content.decode()
    assert "100001" in html
    assert "100003" in html
    assert "100002" not in html  # bob is alice's enrollee, not root's
