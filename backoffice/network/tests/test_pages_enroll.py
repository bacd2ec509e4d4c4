"""The enrollment form and the dashboard's team card, over HTTP."""

from datetime import UTC, date, timedelta

import pytest
import time_machine
from django.core import mail

from backoffice.accounts.models import User
from backoffice.network.models import Distributor, NetworkEvent
from backoffice.network.tests.test_pages import NOW, build_network

pytestmark = pytest.mark.django_db

ENROLL = "/team/enroll/"


@pytest.fixture
def network(team):
    with time_machine.travel(NOW, tick=False):
        yield build_network(team)


@pytest.fixture
def post_enroll(client, django_capture_on_commit_callbacks):
    """Post the form and let the transaction commit (the welcome email goes out)."""

    def _post(**changes):
        data = {
            "first_name": "Nina",
            "last_name": "Nguyen",
            "email": "nina@example.com",
            "phone": "626.555.0101",
            "address_line1": "12 Palm St",
            "address_line2": "Apt 3",
            "city": "Pomona",
            "state": "CA",
            "postal_code": "91768",
            "date_of_birth": "1990-04-02",
            "language": "en",
            "placement": "outer_left",
        }
        data.update(changes)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(ENROLL, {k: v for k, v in data.items() if v is not None})

    return _post


def counts() -> tuple[int, int, int]:
    return (
        User.objects.count(),
        Distributor.objects.count(),
        NetworkEvent.objects.count(),
    )


def test_enroll_on_the_outer_left_leg(client, alice, network, post_enroll):
    client.force_login(alice)
    before = counts()
    response = post_enroll()
    assert response.status_code == 302
    assert response["Location"] == "/team/200017/"
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)
    member = Distributor.objects.select_related("user").get(distributor_id=200017)
    # alice -> bob (L) -> erin (L): the bottom of alice's outer left leg.
    assert (member.parent, member.side, member.enroller) == (
        network["erin"],
        "L",
        network["alice"],
    )
    assert member.join_date == date(2026, 3, 2)
    assert (
        member.user.username,
        member.user.get_full_name(),
        member.user.email,
        member.user.has_usable_password(),
    ) == ("200017", "Nina Nguyen", "nina@example.com", False)
    assert (
        member.phone,
        member.address_line1,
        member.address_line2,
        member.city,
        member.state,
        member.postal_code,
        member.date_of_birth,
    ) == (
        "(626) 555-0101",
        "12 Palm St",
        "Apt 3",
        "Pomona",
        "CA",
        "91768",
        date(1990, 4, 2),
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nina@example.com"]
    assert "200017" in mail.outbox[0].body
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert (
        "Nina Nguyen is enrolled with distributor ID 200017. We emailed them a link "
        "to set their password." in page.content.decode()
    )
    # The enroller sees them at once.
    listed = client.get("/team/", {"q": "nina"})
    assert [m.distributor_id for m in listed.context["page"].object_list] == [200017]


def test_enroll_on_the_outer_right_leg(client, alice, network, post_enroll):
    client.force_login(alice)
    post_enroll(placement="outer_right", postal_code="96813-1234", state="HI")
    member = Distributor.objects.get(distributor_id=200017)
    assert (member.parent, member.side) == (network["dave"], "R")
    assert (member.postal_code, member.state) == ("96813-1234", "HI")


def test_enroll_refuses_a_zip_code_of_another_state(
    client, alice, network, post_enroll
):
    client.force_login(alice)
    response = post_enroll(placement="outer_right", postal_code="91768", state="HI")
    assert response.status_code == 200
    assert "ZIP code 91768 is not in Hawaii." in response.content.decode()
    assert not Distributor.objects.filter(distributor_id=200017).exists()


def test_enroll_in_an_open_position(client, alice, network, post_enroll):
    client.force_login(alice)
    response = post_enroll(placement="position", parent="200012", side="L")
    assert response.status_code == 302
    member = Distributor.objects.get(distributor_id=200017)
    assert (member.parent, member.side) == (network["frank"], "L")


def test_enroll_into_the_holding_tank(client, alice, network, post_enroll):
    client.force_login(alice)
    response = post_enroll(placement="holding", language="es")
    assert response["Location"] == "/team/200017/"
    member = Distributor.objects.select_related("user").get(distributor_id=200017)
    assert (member.lo, member.parent_id) == (None, None)
    assert member.place_by == NOW.astimezone(UTC) + timedelta(days=7)
    assert member.user.language == "es"
    assert mail.outbox[0].to == ["nina@example.com"]
    page = client.get("/team/200017/")
    assert page.context["form"] is not None  # alice can place her


def test_open_position_link_prefills_the_form(client, alice, network):
    client.force_login(alice)
    html = client.get(ENROLL, {"parent": "200011", "side": "R"}).content.decode()
    assert 'name="parent" value="200011"' in html
    assert 'name="side" value="R" id="id_side_1" checked' in html
    assert (
        'name="placement" value="position" id="id_placement_2" required checked' in html
    )
    plain = client.get(ENROLL).content.decode()
    assert (
        'name="placement" value="outer_left" id="id_placement_0" required checked'
        in plain
    )


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"placement": "position", "parent": "100003", "side": "L"},
            {"parent": ["You can only place new members in your own downline."]},
        ),
        (
            {"placement": "position", "parent": "200016", "side": "L"},
            {"parent": ["You can only place new members in your own downline."]},
        ),
        (
            {"placement": "position", "parent": "100002", "side": "L"},
            {"side": ["That position is already taken. Choose another."]},
        ),
        (
            {"placement": "position", "parent": "200014", "side": "L"},
            {"parent": ["You can only place new members in your own downline."]},
        ),
        (
            {"placement": "position"},
            {
                "parent": ["Enter the distributor ID of the placement parent."],
                "side": ["Choose the left or the right side."],
            },
        ),
        (
            {"email": "100002@example.com"},
            {"email": ["A distributor with that email address already exists."]},
        ),
        (
            {"email": "BOB.Dup@Example.com"},
            {"email": ["A distributor with that email address already exists."]},
        ),
        (
            {"date_of_birth": "2008-03-03"},
            {"date_of_birth": ["Distributors must be at least 18 years old."]},
        ),
        (
            {"postal_code": "9176"},
            {"postal_code": ["Enter a ZIP code of 5 digits, or 9 digits (ZIP+4)."]},
        ),
        (
            {"postal_code": "91768-12"},
            {"postal_code": ["Enter a ZIP code of 5 digits, or 9 digits (ZIP+4)."]},
        ),
        ({"phone": "555-0101"}, {"phone": ["Enter a 10-digit US phone number."]}),
        (
            {"state": "ZZ"},
            {
                "state": [
                    "Select a valid choice. ZZ is not one of the available choices."
                ]
            },
        ),
        ({"first_name": ""}, {"first_name": ["This field is required."]}),
    ],
)
def test_refusals_write_nothing(client, alice, network, post_enroll, changes, errors):
    User.objects.filter(username="100002").update(email="bob.dup@example.com")
    if changes.get("email") == "100002@example.com":
        User.objects.filter(username="100002").update(email="100002@example.com")
    client.force_login(alice)
    before = counts()
    response = post_enroll(**changes)
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert counts() == before
    assert mail.outbox == []


def test_eighteenth_birthday_today_is_old_enough(client, alice, network, post_enroll):
    client.force_login(alice)
    response = post_enroll(date_of_birth="2008-03-02")
    assert response.status_code == 302


def test_held_sponsor_can_only_use_the_holding_tank(client, network, post_enroll):
    client.force_login(network["hank"].user)
    form = client.get(ENROLL).context["form"]
    assert [value for value, _label in form.fields["placement"].choices] == ["holding"]
    before = counts()
    response = post_enroll(placement="outer_left")
    assert response.status_code == 200
    assert counts() == before


def test_staff_cannot_enroll(client, staff, network, post_enroll):
    client.force_login(staff)
    before = counts()
    assert client.get(ENROLL).status_code == 404
    assert post_enroll().status_code == 404
    assert counts() == before


# --- the dashboard card -------------------------------------------------------------


def test_dashboard_team_card(client, alice, charlie, network):
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert '<dd id="team-size">6</dd>' in html
    assert '<dd id="team-left">3</dd>' in html
    assert '<dd id="team-right">2</dd>' in html
    assert '<dd id="team-new">2</dd>' in html  # frank, hank (since Feb 24)
    assert '<dd id="team-waiting">1</dd>' in html
    assert '<a href="/team/" aria-current' not in html
    assert '<a href="/team/">Team</a>' in html
    client.force_login(charlie)
    html = client.get("/").content.decode()
    assert '<dd id="team-size">1</dd>' in html
    assert '<dd id="team-left">1</dd>' in html
    assert '<dd id="team-right">0</dd>' in html
    assert '<dd id="team-new">1</dd>' in html
    assert '<dd id="team-waiting">0</dd>' in html


def test_no_team_card_for_staff(client, staff, network):
    client.force_login(staff)
    html = client.get("/").content.decode()
    assert 'id="team-summary"' not in html
    assert '<a href="/team/">' not in html
