from __future__ import annotations

import pytest

from backoffice.library.training.models import Lesson
from backoffice.library.training.tests.factories import make_course
from backoffice.network.tests.conftest import root, team  # noqa: F401


@pytest.fixture(autouse=True)
def library_files(tmp_path, monkeypatch):
    """Library files go to a temporary folder, not var/library."""
    storage = Lesson._meta.get_field("file").storage
    location = tmp_path / "library"
    location.mkdir()
    monkeypatch.setattr(storage, "base_location", str(location))
    monkeypatch.setattr(storage, "location", str(location))
    return location


@pytest.fixture
def members(team):  # noqa: F811
    """root -> alice (L), charlie (R); alice -> bob (L). bob is alice's enrollee."""
    return team


@pytest.fixture
def course(db):
    """Three lessons: text (no quiz), text with a 2-question quiz, video link."""
    return make_course()
