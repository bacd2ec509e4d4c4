from __future__ import annotations

from functools import cache

import factory
from django.contrib.auth.hashers import make_password

from backoffice.accounts.models import Authenticator, User

PASSWORD = "correct-horse-battery-9"


@cache
def password_hash() -> str:
    # Argon2 once per test run, not once per user.
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: str(200001 + n))
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.LazyFunction(password_hash)


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True


def add_totp_device(user: User) -> Authenticator:
    return Authenticator.create_for(user, confirmed=True)


def current_code(device: Authenticator) -> str:
    """The code the user's app shows now, computed apart from the device's checks."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, step=30, digits=6, drift=device.drift)
    return f"{totp.token():06d}"
