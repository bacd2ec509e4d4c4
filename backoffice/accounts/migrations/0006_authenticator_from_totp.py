"""Authenticator apps set up before their secrets were encrypted move over.

Each plain hex key is encrypted under the current field key and the plain row
deleted; codes from the app keep working, with no new set-up.
"""

from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from backoffice.lib import encryption

    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    Authenticator = apps.get_model("accounts", "Authenticator")
    for old in TOTPDevice.objects.order_by("pk").iterator():
        Authenticator.objects.create(
            user_id=old.user_id,
            name=old.name,
            confirmed=old.confirmed,
            secret=encryption.encrypt(
                old.key.lower(), context=f"authenticator:{old.user_id}"
            ),
            drift=old.drift,
            last_t=old.last_t,
            throttling_failure_timestamp=old.throttling_failure_timestamp,
            throttling_failure_count=old.throttling_failure_count,
            last_used_at=old.last_used_at,
        )
    TOTPDevice.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_authenticator"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
