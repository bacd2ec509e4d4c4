"""Fixtures for the profile pages: alice's team with addresses on record."""

from __future__ import annotations

from datetime import date

import pytest

from backoffice.network.tests.conftest import root, team  # noqa: F401


@pytest.fixture
def people(team):  # noqa: F811
    """root -> alice (L), charlie (R); alice -> bob (L); alice has a full record."""
    alice = team["alice"]
    alice.phone = "(213) 555-0100"
    alice.address_line1 = "1 Palm Way"
    alice.city = "Los Angeles"
    alice.state = "CA"
    alice.postal_code = "90001"
    alice.date_of_birth = date(1980, 4, 2)
    alice.save()
    return team


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
