import pytest
from django.core.management import CommandError, call_command

from backoffice.accounts.models import User

pytestmark = pytest.mark.django_db


def snapshot():
    return list(
        User.objects.order_by("username").values_list(
            "username", "first_name", "last_name", "email", "language"
        )
    )


def test_seed_demo_creates_staff_and_distributors(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--distributors", "12", "--seed", "7")
    ids = sorted(User.objects.filter(is_staff=False).values_list("username", flat=True))
    assert ids == [str(n) for n in range(100001, 100013)]
    staff = User.objects.get(username="staff")
    assert staff.is_superuser
    assert staff.is_staff
    top = User.objects.get(username="100001")
    assert top.check_password("gano-demo-2026")
    assert staff.check_password("gano-demo-2026")
    assert top.password.startswith("argon2$")
    joined = list(
        User.objects.filter(is_staff=False)
        .order_by("username")
        .values_list("date_joined", flat=True)
    )
    assert joined == sorted(joined)


def test_seed_demo_is_deterministic_for_a_seed(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--distributors", "20", "--seed", "11")
    first = snapshot()
    User.objects.all().delete()
    call_command("seed_demo", "--distributors", "20", "--seed", "11")
    assert snapshot() == first
    User.objects.all().delete()
    call_command("seed_demo", "--distributors", "20", "--seed", "12")
    assert snapshot() != first


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo", "--distributors", "3")
    assert not User.objects.exists()
    call_command("seed_demo", "--distributors", "3", "--force")
    assert User.objects.count() == 4


def test_seed_demo_refuses_a_database_with_users(settings, alice):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="already has users"):
        call_command("seed_demo", "--distributors", "3")
    assert User.objects.count() == 1
    call_command("seed_demo", "--distributors", "3", "--if-empty")
    assert User.objects.count() == 1


def test_seed_demo_checks_its_arguments(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="--distributors must be between"):
        call_command("seed_demo", "--distributors", "0")
    assert not User.objects.exists()
