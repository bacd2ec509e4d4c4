"""Support fixtures: private file storage in a temporary folder, the support team."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backoffice.accounts.tests.factories import StaffFactory, add_totp_device
from backoffice.network.tests.conftest import root, team  # noqa: F401
from backoffice.support import actions
from backoffice.support.models import TicketCategory

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)


def png_bytes(size: tuple[int, int] = (4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture(autouse=True)
def support_files(settings, tmp_path):
    """Attachments go to a fresh private folder per test."""
    location = tmp_path / "private-support"
    settings.STORAGES = {
        **settings.STORAGES,
        "support": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


@pytest.fixture
def helper(db):
    """A support staff member with an authenticator app."""
    user = StaffFactory(username="helper", first_name="Hana", last_name="Helper")
    add_totp_device(user)
    user.groups.add(Group.objects.get(name="support"))
    return user


@pytest.fixture
def colleague(db):
    user = StaffFactory(username="colleague", first_name="Carl", last_name="Colleague")
    add_totp_device(user)
    user.groups.add(Group.objects.get(name="support"))
    return user


def open_for(distributor, subject="Where is my order?", body="It has not come yet."):
    return actions.open_ticket(
        distributor=distributor,
        category=TicketCategory.ORDERS,
        subject=subject,
        body=body,
    )
