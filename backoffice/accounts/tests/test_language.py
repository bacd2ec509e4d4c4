import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_switches_to_spanish_and_it_is_remembered(client):
    response = client.post(
        "/accounts/language/", {"language": "es", "next": "/accounts/login/"}
    )
    assert response["Location"] == "/accounts/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="es">' in page
    assert "ID de distribuidor" in page
    assert "Contraseña" in page


def test_signed_in_choice_is_saved_on_the_account(client, alice, password):
    client.post("/accounts/login/", {"identifier": "100001", "password": password})
    client.post("/accounts/language/", {"language": "es", "next": "/"})
    alice.refresh_from_db()
    assert alice.language == "es"
    # A new device with no cookie still gets Spanish once signed in.
    other = Client()
    other.post("/accounts/login/", {"identifier": "100001", "password": password})
    page = other.get("/").content.decode()
    assert '<html lang="es">' in page
    assert "Bienvenido" in page or "Bienvenida" in page


def test_unknown_language_is_ignored(client, alice):
    client.force_login(alice)
    response = client.post("/accounts/language/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    alice.refresh_from_db()
    assert alice.language == "en"


def test_language_switch_does_not_redirect_off_site(client):
    response = client.post(
        "/accounts/language/", {"language": "es", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
