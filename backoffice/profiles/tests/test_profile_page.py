"""The profile page: contact details, addresses, preferences, sharing, language."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.conf import settings

from backoffice.accounts.models import SecurityEvent, User
from backoffice.network.models import Distributor
from backoffice.profiles.models import Profile
from backoffice.profiles.profile_forms import normalize_phone

PAGE = "/profile/"
NOW = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def valid(**overrides) -> dict:
    data = {
        "first_name": "Alice",
        "last_name": "Archer",
        "phone": "213-555-0199",
        "date_of_birth": "1980-04-02",
        "language": "en",
        "address_line1": "2 Ocean Drive",
        "address_line2": "Apt 4",
        "city": "San Diego",
        "state": "CA",
        "postal_code": "92101",
        "ship_to_mailing": "on",
        "news_and_promotions": "on",
        "team_messages": "on",
        "share_email_downline": "on",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def snapshot(distributor: Distributor) -> tuple:
    distributor.refresh_from_db()
    user = User.objects.get(pk=distributor.user_id)
    profile = Profile.objects.filter(distributor=distributor).first()
    return (
        user.first_name,
        user.last_name,
        user.language,
        distributor.phone,
        distributor.address_line1,
        distributor.city,
        distributor.state,
        distributor.postal_code,
        distributor.date_of_birth,
        distributor.share_email_downline,
        None if profile is None else (profile.ship_to_mailing, profile.ship_line1),
        SecurityEvent.objects.filter(kind="profile_changed").count(),
    )


def test_page_shows_the_record_and_links_payout_details(client, alice, people):
    client.force_login(alice)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="1 Palm Way"' in html
    assert 'value="(213) 555-0100"' in html
    assert 'value="1980-04-02"' in html
    assert '<option value="CA" selected>California</option>' in html
    assert 'href="/profile/banking/"' in html
    assert 'href="/profile/tax/"' in html
    assert 'href="/profile/email/"' in html
    assert 'href="/profile/data/"' in html
    assert "cannot be turned off" in html
    # Every input has a label.
    form = response.context["form"]
    for field in form:
        assert f'for="{field.id_for_label}"' in html, field.name
    assert 'name="viewport"' in html


def test_anonymous_is_sent_to_sign_in(client, people):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_without_a_network_place_gets_404(client, staff, people):
    client.force_login(staff)
    assert client.get(PAGE).status_code == 404


def test_saving_updates_user_member_and_profile(client, alice, people):
    client.force_login(alice)
    response = client.post(PAGE, valid(first_name="Alicia"))
    assert response.status_code == 302
    assert response["Location"] == PAGE
    member = people["alice"]
    member.refresh_from_db()
    alice.refresh_from_db()
    assert alice.first_name == "Alicia"
    assert member.phone == "(213) 555-0199"
    assert (member.address_line1, member.address_line2) == ("2 Ocean Drive", "Apt 4")
    assert (member.city, member.state, member.postal_code) == (
        "San Diego",
        "CA",
        "92101",
    )
    assert member.share_email_downline is True
    assert member.share_phone_downline is False
    profile = Profile.objects.get(distributor=member)
    assert profile.ship_to_mailing is True
    assert profile.news_and_promotions is True
    assert profile.team_messages is True
    assert profile.order_reminders is False
    event = SecurityEvent.objects.get(kind="profile_changed")
    assert event.user == alice
    assert "first_name" in event.detail["fields"]
    assert "phone" in event.detail["fields"]
    page = client.get(PAGE).content.decode()
    assert "Your profile was saved." in page


def test_charlie_saving_his_profile_leaves_alice_alone(client, charlie, people):
    before = snapshot(people["alice"])
    client.force_login(charlie)
    response = client.post(PAGE, valid(first_name="Chuck"))
    assert response.status_code == 302
    charlie.refresh_from_db()
    assert charlie.first_name == "Chuck"
    after = snapshot(people["alice"])
    assert after[:-1] == before[:-1]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2135550199", "(213) 555-0199"),
        ("+1 213 555 0199", "(213) 555-0199"),
        ("(213) 555-0199", "(213) 555-0199"),
        ("1-213-555-0199", "(213) 555-0199"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
    ],
)
def test_phone_numbers_are_stored_in_one_form(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "555-0199", "not a valid phone number"),
        ("phone", "call me", "Enter a phone number"),
        ("phone", "(000) 555-0199", "not a valid phone number"),
        ("postal_code", "10001", "ZIP code 10001 is not in California."),
        ("postal_code", "9210", "Enter a ZIP code of 5 digits"),
        ("date_of_birth", "2010-06-02", "at least 18 years old"),
        ("date_of_birth", "2008-06-02", "at least 18 years old"),
        ("date_of_birth", "2027-01-01", "cannot be in the future"),
        ("first_name", "A" * 101, "at most 100 characters"),
        ("address_line1", "x" * 201, "at most 200 characters"),
        ("city", "c" * 101, "at most 100 characters"),
        ("first_name", "<script>alert(1)</script>", "Use plain text only"),
        ("last_name", "Archer<b>", "Use plain text only"),
        ("state", "ZZ", "Select a valid choice"),
        ("language", "fr", "Select a valid choice"),
        ("first_name", "", "This field is required."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    client, alice, people, field, value, message
):
    client.force_login(alice)
    before = snapshot(people["alice"])
    response = client.post(PAGE, valid(**{field: value}))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    assert any(message in error for error in errors[field]), errors[field]
    assert snapshot(people["alice"]) == before


def test_exactly_eighteen_today_is_accepted(client, alice, people):
    client.force_login(alice)
    response = client.post(PAGE, valid(date_of_birth="2008-06-01"))
    assert response.status_code == 302
    people["alice"].refresh_from_db()
    assert people["alice"].date_of_birth == date(2008, 6, 1)


def test_script_already_in_a_name_is_shown_escaped(client, alice, people):
    User.objects.filter(pk=alice.pk).update(first_name="<script>alert(1)</script>")
    client.force_login(alice)
    html = client.get(PAGE).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_shipping_address_is_required_when_not_shipping_to_mailing(
    client, alice, people
):
    client.force_login(alice)
    before = snapshot(people["alice"])
    response = client.post(PAGE, valid(ship_to_mailing=None))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"ship_line1", "ship_city", "ship_state", "ship_postal_code"}
    assert snapshot(people["alice"]) == before


def test_shipping_zip_must_be_in_the_shipping_state(client, alice, people):
    client.force_login(alice)
    before = snapshot(people["alice"])
    response = client.post(
        PAGE,
        valid(
            ship_to_mailing=None,
            ship_line1="500 Main Street",
            ship_city="Austin",
            ship_state="TX",
            ship_postal_code="90001",
        ),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["ship_postal_code"] == [
        "ZIP code 90001 is not in Texas."
    ]
    assert snapshot(people["alice"]) == before


def test_a_shipping_address_is_saved(client, alice, people):
    client.force_login(alice)
    response = client.post(
        PAGE,
        valid(
            ship_to_mailing=None,
            ship_name="Alice at work",
            ship_line1="500 Main Street",
            ship_city="Austin",
            ship_state="TX",
            ship_postal_code="787011234",
        ),
    )
    assert response.status_code == 302
    profile = Profile.objects.get(distributor=people["alice"])
    assert profile.ship_to_mailing is False
    assert profile.has_shipping_address is True
    assert (profile.ship_name, profile.ship_line1, profile.ship_city) == (
        "Alice at work",
        "500 Main Street",
        "Austin",
    )
    assert (profile.ship_state, profile.ship_postal_code) == ("TX", "78701-1234")
    # Ticking "same as mailing" again clears it.
    client.post(PAGE, valid())
    profile.refresh_from_db()
    assert profile.ship_to_mailing is True
    assert profile.ship_line1 == ""
    assert profile.has_shipping_address is False


def test_changing_the_language_changes_the_pages_at_once(client, alice, people):
    client.force_login(alice)
    response = client.post(PAGE, valid(language="es"), follow=True)
    alice.refresh_from_db()
    assert alice.language == "es"
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert response.redirect_chain[0][0] == PAGE
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def test_unchanged_form_writes_no_event(client, alice, people):
    client.force_login(alice)
    client.post(PAGE, valid())
    count = SecurityEvent.objects.filter(kind="profile_changed").count()
    response = client.post(PAGE, valid(), follow=True)
    assert "Nothing to save" in response.content.decode()
    assert SecurityEvent.objects.filter(kind="profile_changed").count() == count


def test_sharing_choices_are_saved(client, alice, people):
    client.force_login(alice)
    client.post(
        PAGE,
        valid(
            share_email_downline=None,
            share_email_upline="on",
            share_phone_upline="on",
            share_phone_downline="on",
        ),
    )
    member = Distributor.objects.get(pk=people["alice"].pk)
    assert (
        member.share_email_upline,
        member.share_phone_upline,
        member.share_email_downline,
        member.share_phone_downline,
    ) == (True, True, False, True)
