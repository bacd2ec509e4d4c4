"""The W-9 page: checked numbers, masked display, re-authentication, signature."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.signals import got_request_exception
from django.db import connection
from django.utils import timezone
from django.views.debug import ExceptionReporter

from backoffice.accounts.actions import REAUTH_KEY
from backoffice.accounts.models import SecurityEvent
from backoffice.accounts.tests.factories import UserFactory
from backoffice.network.tests.conftest import root, team  # noqa: F401
from backoffice.profiles import actions
from backoffice.profiles.forms import EIN_PREFIXES, is_ein, is_ssn
from backoffice.profiles.models import TaxProfile

TAX = "/profile/tax/"
EDIT = "/profile/tax/edit/"
CONFIRM = "/accounts/confirm-password/"
SSN = "531447890"
MASKED = "•••• 7890"
EIN = "271234567"
NOW = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)

VALID = {
    "legal_name": "Alice Archer",
    "business_name": "",
    "classification": "individual",
    "tin_kind": "ssn",
    "tin": "531-44-7890",
    "address_line1": "1 Orange Grove Ave",
    "city": "Pasadena",
    "state": "CA",
    "postal_code": "91105",
    "signature_name": "Alice Archer",
    "certify": "on",
}

STORED = {
    "legal_name": "Alice Archer",
    "business_name": "",
    "classification": "individual",
    "tin_kind": "ssn",
    "address_line1": "1 Orange Grove Ave",
    "city": "Pasadena",
    "state": "CA",
    "postal_code": "91105",
    "signature_name": "Alice Archer",
}


@pytest.fixture
def members(team):  # noqa: F811
    """root -> alice (L), charlie (R); alice -> bob (L)."""
    return team


def reauthenticated(client, user, *, seconds_ago: float = 0) -> None:
    client.force_login(user)
    session = client.session
    session[REAUTH_KEY] = timezone.now().timestamp() - seconds_ago
    session.save()


def give_profile(distributor, tin: str = SSN, **fields) -> TaxProfile:
    """A stored W-9 written directly: no event, no email."""
    profile = TaxProfile(distributor=distributor, signed_at=NOW, **{**STORED, **fields})
    profile.set_tin(tin)
    profile.save()
    return profile


@pytest.fixture
def alice_profile(members):
    return give_profile(members["alice"])


def page(client, path: str = TAX) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


# --- the number rules ---------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("123456789", True),
        ("001010001", True),
        ("665999999", True),
        ("667010001", True),
        ("899991234", True),
        ("000121234", False),  # area 000
        ("666121234", False),  # area 666
        ("900121234", False),  # area 9xx
        ("999121234", False),
        ("123001234", False),  # group 00
        ("123450000", False),  # serial 0000
        ("12345678", False),
        ("1234567890", False),
        ("12345678x", False),
        ("１２３４５６７８９", False),  # full-width digits
    ],
)
def test_social_security_numbers(number, valid):
    assert is_ssn(number) is valid


def test_ein_prefixes_are_the_ones_the_irs_issues():
    never_issued = {0, 7, 8, 9, 17, 18, 19, 28, 29, 49, 69, 70, 78, 79, 89, 96, 97}
    assert set(range(100)) - EIN_PREFIXES == never_issued
    assert is_ein("311234567")  # the Small Business Administration's prefix
    assert is_ein("991234567")
    assert not is_ein("071234567")
    assert not is_ein("27123456")


# --- who may see what ---------------------------------------------------------


@pytest.mark.parametrize("path", [TAX, EDIT])
def test_staff_and_users_without_a_distributor_get_404(client, staff, path):
    for user in (staff, UserFactory(username="carol-no-network")):
        reauthenticated(client, user, seconds_ago=settings.REAUTH_SECONDS + 1)
        assert client.get(path).status_code == 404
        assert client.post(path, VALID).status_code == 404
    assert TaxProfile.objects.count() == 0


def test_charlie_sees_only_his_own_details(client, members, alice_profile):
    reauthenticated(client, members["charlie"].user)
    html = page(client)
    assert "No W-9 on file" in html
    assert MASKED not in html
    assert "Orange Grove" not in html
    edit = page(client, EDIT)
    assert "Orange Grove" not in edit
    assert "Leave empty to keep" not in edit


# --- masked display -----------------------------------------------------------


def test_the_page_shows_the_masked_number_only(client, members, alice_profile):
    client.force_login(members["alice"].user)
    response = client.get(TAX)
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert f'<dd class="number" id="tin">{MASKED}</dd>' in html
    assert SSN not in html
    assert "531-44-7890" not in html
    assert "Social Security number" in html
    assert "Individual / sole proprietor or single-member LLC" in html
    assert "Pasadena, CA 91105" in html
    assert f'href="{EDIT}"' in html


def test_the_edit_form_never_carries_the_stored_number(client, members, alice_profile):
    reauthenticated(client, members["alice"].user)
    html = page(client, EDIT)
    assert SSN not in html
    assert f"Leave empty to keep the number ending in {MASKED}." in html
    assert 'value="Alice Archer"' in html
    # The signature and the certification are given afresh every time.
    assert 'id="id_signature_name"' in html
    assert 'name="signature_name" value=' not in html
    assert '<input type="checkbox" name="certify" required id="id_certify">' in html
    assert "I am a U.S. citizen or other U.S. person." in html


def test_without_a_profile_the_form_starts_from_the_distributor(client, members):
    alice = members["alice"]
    alice.address_line1, alice.city, alice.state, alice.postal_code = (
        "9 Elm St",
        "Austin",
        "TX",
        "73301",
    )
    alice.save()
    reauthenticated(client, alice.user)
    html = page(client, EDIT)
    assert 'value="9 Elm St"' in html
    assert 'value="Austin"' in html
    assert '<option value="TX" selected>Texas</option>' in html
    assert "Leave empty to keep" not in html


# --- re-authentication --------------------------------------------------------


def test_editing_needs_a_recent_password(client, members, password):
    reauthenticated(
        client, members["alice"].user, seconds_ago=settings.REAUTH_SECONDS + 1
    )
    response = client.post(EDIT, VALID)
    assert response.status_code == 302
    assert response["Location"] == f"{CONFIRM}?next=%2Fprofile%2Ftax%2Fedit%2F"
    assert TaxProfile.objects.count() == 0
    back = client.post(response["Location"], {"password": password})
    assert back["Location"] == EDIT
    assert client.get(EDIT).status_code == 200


# --- saving -------------------------------------------------------------------


def test_saving_encrypts_signs_logs_and_emails(
    client, members, django_capture_on_commit_callbacks
):
    alice = members["alice"]
    with time_machine.travel(NOW, tick=False):
        reauthenticated(client, alice.user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(EDIT, VALID)
        html = client.get(TAX).content.decode()
    assert response.status_code == 302
    assert response["Location"] == TAX
    profile = TaxProfile.objects.get(distributor=alice)
    assert profile.tin() == SSN
    assert profile.signed_at == NOW
    assert {name: getattr(profile, name) for name in STORED} == STORED

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tin_encrypted FROM profiles_taxprofile WHERE id = %s", [profile.pk]
        )
        (stored,) = cursor.fetchone()
    assert stored.startswith("v1:")
    assert SSN not in stored
    assert SSN[-4:] not in stored

    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.TAX_DETAILS_CHANGED)
    assert event.user == alice.user
    assert event.detail == {}

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [alice.user.email]
    assert message.subject == "Your tax details were changed"
    assert f"The taxpayer ID on file ends in {MASKED}." in message.body
    assert SSN not in message.body

    assert "Your W-9 details were saved." in html
    assert MASKED in html
    assert SSN not in html


def test_a_business_with_an_ein(client, members):
    reauthenticated(client, members["alice"].user)
    response = client.post(
        EDIT,
        {
            **VALID,
            "business_name": "Archer Wellness LLC",
            "classification": "s_corp",
            "tin_kind": "ein",
            "tin": "27-1234567",
        },
    )
    assert response.status_code == 302
    profile = TaxProfile.objects.get(distributor=members["alice"])
    assert profile.tin() == EIN
    assert profile.tin_kind == "ein"
    assert profile.business_name == "Archer Wellness LLC"
    assert "•••• 4567" in page(client)


def test_keeping_the_number_changes_the_address(client, members, alice_profile):
    reauthenticated(client, members["alice"].user)
    response = client.post(
        EDIT,
        {**VALID, "tin": "", "address_line1": "2 Lake Ave", "postal_code": "91101"},
    )
    assert response.status_code == 302
    profile = TaxProfile.objects.get(distributor=members["alice"])
    assert profile.tin() == SSN
    assert profile.address_line1 == "2 Lake Ave"
    assert profile.postal_code == "91101"


def test_changing_the_kind_needs_the_new_number(client, members, alice_profile):
    reauthenticated(client, members["alice"].user)
    response = client.post(EDIT, {**VALID, "tin_kind": "ein", "tin": ""})
    assert response.status_code == 200
    assert "Enter your EIN." in response.content.decode()
    profile = TaxProfile.objects.get(distributor=members["alice"])
    assert profile.tin_kind == "ssn"
    assert profile.signed_at == NOW
    assert SecurityEvent.objects.count() == 0


# --- bad input ----------------------------------------------------------------

SSN_LENGTH = "A Social Security number has 9 digits, for example 123-45-6789."
SSN_INVALID = "This is not a valid Social Security number."


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tin": ""}, "Enter your Social Security number."),
        ({"tin": "12345678"}, SSN_LENGTH),
        ({"tin": "12345678x"}, SSN_LENGTH),
        ({"tin": "000-12-3456"}, SSN_INVALID),
        ({"tin": "666-12-3456"}, SSN_INVALID),
        ({"tin": "912-34-5678"}, SSN_INVALID),
        ({"tin": "123-00-4567"}, SSN_INVALID),
        ({"tin": "123-45-0000"}, SSN_INVALID),
        (
            {"tin_kind": "ein", "tin": "12-345678"},
            "An EIN has 9 digits, for example 12-3456789.",
        ),
        (
            {"tin_kind": "ein", "tin": "07-1234567"},
            "This EIN does not begin with a prefix the IRS issues.",
        ),
        (
            {"tin_kind": "ein", "tin": "89-1234567"},
            "This EIN does not begin with a prefix the IRS issues.",
        ),
        (
            {"classification": "c_corp"},
            "Corporations, partnerships, trusts and LLCs taxed as such use an EIN.",
        ),
        ({"postal_code": "10001"}, "This ZIP code is not in California."),
        ({"postal_code": "9110"}, "Enter a 5-digit ZIP code, or ZIP+4 such as"),
        ({"postal_code": "91105-12"}, "Enter a 5-digit ZIP code, or ZIP+4 such as"),
        ({"state": "XX"}, "Select a valid choice. XX is not one of the available"),
        ({"certify": ""}, "Tick the box to certify the W-9 statements."),
        ({"signature_name": ""}, "This field is required."),
        ({"legal_name": ""}, "This field is required."),
        (
            {"city": "P" * 101},
            "Ensure this value has at most 100 characters (it has 101).",
        ),
        (
            {"address_line1": "1" * 201},
            "Ensure this value has at most 200 characters (it has 201).",
        ),
        (
            {"tin": "1" * 21},
            "Ensure this value has at most 20 characters (it has 21).",
        ),
        (
            {"business_name": "<img src=x onerror=alert(1)>"},
            "Use plain text only: the characters &lt; and &gt; are not accepted.",
        ),
        (
            {"signature_name": "Alice\tArcher"},
            "Remove the line breaks and other control characters.",
        ),
        ({"classification": "pirate"}, "Select a valid choice."),
    ],
)
def test_bad_input_gets_a_message_and_stores_nothing(client, members, changes, message):
    reauthenticated(client, members["alice"].user)
    response = client.post(EDIT, {**VALID, **changes})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert SSN not in html
    assert TaxProfile.objects.count() == 0
    assert (
        SecurityEvent.objects.filter(
            kind=SecurityEvent.Kind.TAX_DETAILS_CHANGED
        ).count()
        == 0
    )
    assert mail.outbox == []


def test_script_in_a_name_is_refused_and_shown_escaped(client, members):
    reauthenticated(client, members["alice"].user)
    script = "<script>alert('x')</script>"
    response = client.post(EDIT, {**VALID, "legal_name": script})
    html = response.content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert TaxProfile.objects.count() == 0


def test_a_stored_script_is_shown_escaped(client, members):
    give_profile(members["alice"], legal_name="<script>alert(1)</script>")
    client.force_login(members["alice"].user)
    html = page(client)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html


def test_a_crash_while_saving_leaves_no_number_in_the_error_report(
    client, members, monkeypatch
):
    reports: list[str] = []

    def report(sender, request, **kwargs) -> None:
        reporter = ExceptionReporter(request, *sys.exc_info())
        reports.append(reporter.get_traceback_text())
        reports.append(reporter.get_traceback_html())

    def fail(**kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(actions, "queue_email", fail)
    got_request_exception.connect(report)
    try:
        reauthenticated(client, members["alice"].user)
        client.raise_request_exception = False
        response = client.post(EDIT, VALID)
    finally:
        got_request_exception.disconnect(report)
    assert response.status_code == 500
    assert len(reports) == 2
    for text in reports:
        assert "mail queue down" in text
        assert SSN not in text
        assert "531-44-7890" not in text
        assert "********************" in text
    assert TaxProfile.objects.count() == 0
