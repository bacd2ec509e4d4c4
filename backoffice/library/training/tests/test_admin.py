"""Staff admin for training, and the content role's permissions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group

from backoffice.accounts.roles import ROLE_PERMISSIONS, sync_roles
from backoffice.accounts.tests.factories import StaffFactory, add_totp_device
from backoffice.library.training.models import Webinar, WebinarRegistration


@pytest.fixture
def staff_client(client, db):
    user = StaffFactory(is_superuser=True)
    add_totp_device(user)
    client.force_login(user)
    return client


def test_webinar_list_shows_registrant_counts(staff_client, members):
    webinar = Webinar.objects.create(
        title="Tasting night",
        presenter="Maria",
        starts_at=datetime(2026, 6, 1, 2, 0, tzinfo=UTC),
    )
    for name in ("alice", "bob"):
        WebinarRegistration.objects.create(
            webinar=webinar, distributor=members[name], created_at=webinar.starts_at
        )
    response = staff_client.get("/admin/training/webinar/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tasting night" in html
    assert '<td class="field-registrants">2</td>' in html


@pytest.mark.parametrize(
    "path",
    [
        "/admin/training/course/",
        "/admin/training/lesson/",
        "/admin/training/quiz/",
        "/admin/training/question/",
        "/admin/training/pathcourse/",
        "/admin/training/lessonprogress/",
        "/admin/training/course/add/",
        "/admin/training/lesson/add/",
        "/admin/training/webinar/add/",
    ],
)
def test_admin_pages_open(staff_client, course, path):
    assert staff_client.get(path).status_code == 200


def test_course_change_page_lists_its_lessons(staff_client, course):
    response = staff_client.get(f"/admin/training/course/{course.pk}/change/")
    assert b"The coffee line" in response.content


def test_content_role_manages_training(db):
    sync_roles()
    names = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name="content").permissions.all()
    }
    assert "training.change_course" in names
    assert "training.add_webinar" in names
    assert "training.view_webinarregistration" in names
    assert "training.change_lessonprogress" not in names
    assert "training.change_course" not in ROLE_PERMISSIONS["support"]
