import os
import subprocess
import sys
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError

from backoffice.lib.emails import send_email

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 30 + "Z9!x" * 10,
    "ALLOWED_HOSTS": "backoffice.example.com",
    "DATABASE_URL": "postgres://app@db.example.com:5432/backoffice",
    "EMAIL_URL": "smtp://mailer:secret@mail.example.com:587?tls=1",
    "REDIS_URL": "redis://cache.example.com:6379/0",
    "FIELD_ENCRYPTION_KEYS": "k2:" + "A" * 43 + "=",
}


def run_manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_shared_cache_is_warned_about():
    env = {**PRODUCTION, "REDIS_URL": ""}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "network.W001" in result.stderr + result.stdout
    assert "Set REDIS_URL" in result.stderr + result.stdout


def test_production_without_encryption_keys_fails_loudly():
    env = {**PRODUCTION, "FIELD_ENCRYPTION_KEYS": ""}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set when DEBUG is off" in result.stderr


def test_a_malformed_encryption_key_fails_loudly():
    env = {**PRODUCTION, "FIELD_ENCRYPTION_KEYS": "k2:" + "A" * 22 + "=="}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS: key k2: must be 32 bytes" in result.stderr


def test_production_without_secret_key_fails_loudly():
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_refuses_the_demo_card():
    env = {**PRODUCTION, "PAYMENT_PROVIDERS": "demo,wallet"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "The demo card provider is refused when DEBUG is off" in result.stderr


def test_stripe_needs_its_keys():
    env = {**PRODUCTION, "PAYMENT_PROVIDERS": "wallet,stripe"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET" in result.stderr


def test_bad_setting_value_fails_loudly():
    result = run_manage("check", env={"DEBUG": "perhaps"})
    assert result.returncode != 0
    assert "DEBUG='perhaps' is not a boolean" in result.stderr


def test_security_headers(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_carry_no_inline_script(client, alice):
    client.force_login(alice)
    for path in ("/", "/accounts/security/", "/accounts/login/"):
        html = client.get(path, follow=True).content.decode()
        for chunk in html.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), path


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_does_not(client):
    with mock.patch(
        "backoffice.dashboard.views.connection.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.django_db(transaction=True)
def test_database_worker_sends_queued_email(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    result = send_email.enqueue(
        to=["alice@example.com"], subject="Queued", text="Sent by the worker"
    )
    assert DBTaskResult.objects.filter(pk=result.id, status="READY").exists()
    assert mail.outbox == []

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")

    assert [m.subject for m in mail.outbox] == ["Queued"]
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"


def test_scheduler_refuses_a_busy_loop():
    from django.core.management import CommandError
    from django_tasks_db.models import DBTaskResult

    from backoffice.lib.schedule import SCHEDULE

    with pytest.raises(CommandError, match="at least 1 second"):
        call_command("run_scheduler", "--interval", "0")
    assert SCHEDULE
    assert not DBTaskResult.objects.exists()  # nothing enqueued before the refusal
