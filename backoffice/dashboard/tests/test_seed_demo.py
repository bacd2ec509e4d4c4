import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from backoffice.accounts.models import User
from backoffice.network.models import Distributor

pytestmark = pytest.mark.django_db


def snapshot():
    return list(
        Distributor.objects.order_by("distributor_id").values_list(
            "distributor_id",
            "user__first_name",
            "user__last_name",
            "user__email",
            "user__language",
            "enroller__distributor_id",
            "parent__distributor_id",
            "side",
            "depth",
        )
    ) + list(User.objects.filter(is_staff=True).values_list("username"))


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


def seeded_snapshot(seed: int):
    """What seed_demo makes for a seed, rolled back afterwards."""
    with transaction.atomic():
        call_command("seed_demo", "--distributors", "20", "--seed", str(seed))
        result = snapshot()
        transaction.set_rollback(True)
    return result


def test_seed_demo_is_deterministic_for_a_seed(settings):
    settings.DEBUG = True
    first = seeded_snapshot(11)
    assert len(first) == 21
    assert seeded_snapshot(11) == first
    assert seeded_snapshot(12) != first


def test_seed_demo_builds_a_network_on_both_trees(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--distributors", "40", "--seed", "3")
    root = Distributor.objects.get(is_root=True)
    assert root.distributor_id == 100001
    assert root.enroller is None
    members = Distributor.objects.exclude(pk=root.pk)
    assert members.count() == 39
    assert not members.filter(enroller__isnull=True).exists()
    placed = Distributor.objects.placed()
    assert Distributor.objects.downline_of(root).count() == placed.count() - 1
    for member in placed.exclude(pk=root.pk).select_related("enroller"):
        # Placement always inside the enroller's downline.
        assert member.enroller.has_in_downline(member)
        # Enrollers joined before the people they enrolled.
        assert member.enroller.distributor_id < member.distributor_id


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
