"""Shared fixtures: the fixed personas alice, bob, charlie and staff."""

from __future__ import annotations

import pytest

from backoffice.accounts.tests.factories import (
    PASSWORD,
    StaffFactory,
    UserFactory,
    add_totp_device,
)


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    # Tasks run inline in tests; the worker itself is tested against the database.
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    # Each test starts with an empty cache (Redis in the PostgreSQL run keeps
    # keys between tests and runs; primary keys repeat across test databases).
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def alice(db):
    return UserFactory(username="100001", first_name="Alice", last_name="Archer")


@pytest.fixture
def bob(db):
    return UserFactory(username="100002", first_name="Bob", last_name="Baker")


@pytest.fixture
def charlie(db):
    return UserFactory(username="100003", first_name="Charlie", last_name="Cruz")


@pytest.fixture
def staff(db):
    user = StaffFactory(username="staff", first_name="Sam", last_name="Staff")
    add_totp_device(user)
    return user
