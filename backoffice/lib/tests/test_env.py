import pytest
from django.core.exceptions import ImproperlyConfigured

from backoffice.lib.env import env_bool, env_int, env_list, env_str, mailer_from_url


def test_env_bool_reads_the_usual_words():
    assert env_bool("X", False, environ={"X": "yes"}) is True
    assert env_bool("X", True, environ={"X": "0"}) is False
    assert env_bool("X", True, environ={}) is True


def test_env_bool_refuses_anything_else():
    with pytest.raises(ImproperlyConfigured, match="X='maybe' is not a boolean"):
        env_bool("X", False, environ={"X": "maybe"})


def test_env_int_checks_type_and_minimum():
    assert env_int("N", 5, environ={"N": "12"}) == 12
    assert env_int("N", 5, environ={}) == 5
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("N", 5, environ={"N": "12s"})
    with pytest.raises(ImproperlyConfigured, match="at least 60"):
        env_int("N", 600, minimum=60, environ={"N": "59"})


def test_env_list_and_str():
    assert env_list("H", ["a"], environ={"H": " x.com, y.com ,"}) == ["x.com", "y.com"]
    assert env_list("H", ["a"], environ={}) == ["a"]
    assert env_str("S", "d", environ={"S": "  "}) == "d"


def test_email_url_smtp_with_starttls():
    config = mailer_from_url("smtp://mailer:p%40ss@mail.example.com:2525?tls=1")
    assert config == {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": "mail.example.com",
            "port": 2525,
            "username": "mailer",
            "password": "p@ss",
            "use_ssl": False,
            "use_tls": True,
            "timeout": 30,
        },
    }


def test_email_url_smtps_defaults_to_port_465():
    config = mailer_from_url("smtps://mail.example.com")
    assert config["OPTIONS"]["port"] == 465
    assert config["OPTIONS"]["use_ssl"] is True


def test_email_url_file_and_console():
    assert mailer_from_url("file:///srv/mail")["OPTIONS"] == {"file_path": "/srv/mail"}
    assert mailer_from_url("console://")["BACKEND"].endswith("console.EmailBackend")


def test_email_url_refuses_unknown_scheme():
    with pytest.raises(ImproperlyConfigured, match="unknown scheme 'pigeon'"):
        mailer_from_url("pigeon://coop")
