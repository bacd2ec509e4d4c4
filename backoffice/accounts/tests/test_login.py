import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from backoffice.accounts.forms import MSG_BAD_CREDENTIALS
from backoffice.accounts.models import SecurityEvent, User
from backoffice.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_login_page_labels_the_fields(client):
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_identifier">Distributor ID</label>' in html
    assert '<label for="id_password">Password</label>' in html


def test_distributor_signs_in_with_id_and_password(client, alice, sign_in):
    response = sign_in(alice)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(alice.pk)
    page = client.get("/")
    assert b"Welcome, Alice" in page.content


def test_staff_signs_in_with_username_in_any_case(client, password):
    user = UserFactory(username="dana.ops", is_staff=False)
    response = client.post(LOGIN, {"identifier": "  Dana.OPS ", "password": password})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_wrong_password_is_refused_with_a_clear_message(client, alice):
    response = client.post(
        LOGIN, {"identifier": "100001", "password": "nope-nope-nope"}
    )
    assert response.status_code == 200
    assert str(MSG_BAD_CREDENTIALS) in response.content.decode()
    assert SESSION_KEY not in client.session
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOGIN_FAILED)
    assert event.user == alice
    assert event.identifier == "100001"


def test_unknown_id_gets_the_same_answer_as_a_wrong_password(client, alice):
    wrong_password = client.post(LOGIN, {"identifier": "100001", "password": "x" * 12})
    unknown_id = client.post(LOGIN, {"identifier": "999999", "password": "x" * 12})
    assert wrong_password.status_code == unknown_id.status_code == 200
    message = str(MSG_BAD_CREDENTIALS)
    assert message in wrong_password.content.decode()
    assert message in unknown_id.content.decode()


def test_inactive_user_cannot_sign_in(client, alice, sign_in):
    alice.is_active = False
    alice.save()
    response = sign_in(alice)
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_sign_in_starts_a_new_session_key(client, alice, sign_in):
    client.get(LOGIN)
    client.session["probe"] = 1  # make sure an anonymous session exists
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    sign_in(alice)
    assert client.session.session_key != before
    assert client.session["probe"] == 1


def test_sign_in_records_the_session_device_and_address(client, alice, sign_in):
    sign_in(alice, agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1")
    row = alice.sessions.get()
    assert row.ip_address == "198.51.100.7"
    assert "iPhone" in row.user_agent
    assert row.signed_in_at is not None
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.LOGIN_SUCCEEDED)
    assert event.user == alice
    assert event.ip_address == "198.51.100.7"


def test_next_parameter_is_followed_only_on_this_site(client, alice, password):
    inside = client.post(
        LOGIN,
        {"identifier": "100001", "password": password, "next": "/accounts/security/"},
    )
    assert inside["Location"] == "/accounts/security/"
    client.post("/accounts/logout/")
    outside = client.post(
        LOGIN,
        {"identifier": "100001", "password": password, "next": "https://evil.example/"},
    )
    assert outside["Location"] == "/"


def test_signed_in_user_visiting_login_goes_home(client, alice):
    client.force_login(alice)
    assert client.get(LOGIN)["Location"] == "/"


def test_sign_out_requires_post(client, alice):
    client.force_login(alice)
    assert client.get("/accounts/logout/").status_code == 405
    assert SESSION_KEY in client.session


def test_sign_out_ends_the_session_and_is_logged(client, alice, sign_in):
    sign_in(alice)
    key = client.session.session_key
    response = client.post("/accounts/logout/")
    assert response["Location"] == reverse("accounts:login")
    assert not alice.sessions.filter(session_key=key).exists()
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGOUT, user=alice
    ).exists()
    assert client.get("/").status_code == 302


def test_dashboard_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_usernames_are_stored_lowercase_and_unique(db):
    user = User.objects.create_user("Ops.Lead", "x" * 16, first_name="Ops")
    assert user.username == "ops.lead"
    assert User.objects.get_by_natural_key("OPS.LEAD") == user
