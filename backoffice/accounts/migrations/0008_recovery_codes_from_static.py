"""Recovery codes made before they were kept as digests move over.

Each plain code becomes its HMAC under the current SECRET_KEY (as
``RecoveryCodes.digest`` computes it) and the plain rows are deleted; the
codes a user printed keep working, each once.
"""

from django.conf import settings
from django.db import migrations
from django.utils.crypto import salted_hmac


def digest(user_pk, code):
    return salted_hmac(
        "backoffice.accounts.RecoveryCodes",
        f"{user_pk}:{code}",
        secret=settings.SECRET_KEY,
        algorithm="sha256",
    ).hexdigest()


def hash_existing(apps, schema_editor):
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    RecoveryCodes = apps.get_model("accounts", "RecoveryCodes")
    RecoveryCode = apps.get_model("accounts", "RecoveryCode")
    for old in StaticDevice.objects.order_by("pk").iterator():
        device = RecoveryCodes.objects.create(
            user_id=old.user_id,
            name=old.name,
            confirmed=old.confirmed,
            throttling_failure_timestamp=old.throttling_failure_timestamp,
            throttling_failure_count=old.throttling_failure_count,
        )
        digests = {
            digest(old.user_id, token)
            for token in old.token_set.values_list("token", flat=True)
        }
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(device=device, digest=value) for value in digests]
        )
    StaticDevice.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_recovery_codes"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(hash_existing, migrations.RunPython.noop),
    ]
