import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from backoffice.accounts.tests.factories import StaffFactory, add_totp_device
from backoffice.network.models import Distributor, NetworkEvent

pytestmark = pytest.mark.django_db


def staff_with(client, role):
    user = StaffFactory()
    add_totp_device(user)
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def test_administrator_corrects_a_placement(client, team):
    staff_with(client, "administrator")
    bob = team["bob"]
    url = f"/admin/network/distributor/{bob.pk}/move/"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {"parent_id": 100001, "side": "R", "reason": "asked"})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert (bob.parent.distributor_id, bob.side) == (100001, "R")
    assert NetworkEvent.objects.get(kind="moved").detail["reason"] == "asked"


def test_a_refused_move_shows_the_rule_and_changes_nothing(client, team):
    staff_with(client, "administrator")
    bob = team["bob"]
    response = client.post(
        f"/admin/network/distributor/{bob.pk}/move/",
        {"parent_id": team["charlie"].distributor_id, "side": "L", "reason": "x"},
    )
    assert response.status_code == 200
    assert "outside the downline of their enroller" in response.content.decode()
    bob.refresh_from_db()
    assert bob.parent == team["alice"]
    assert not NetworkEvent.objects.exists()


def test_administrator_terminates(client, team):
    staff_with(client, "administrator")
    bob = team["bob"]
    today = timezone.localdate()
    response = client.post(
        f"/admin/network/distributor/{bob.pk}/terminate/",
        {"effective": today.isoformat(), "reason": "policy breach"},
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.terminated_on == today
    assert bob.user.is_active is False


def test_support_can_look_but_not_change_the_network(client, team):
    staff_with(client, "support")
    bob = team["bob"]
    assert client.get("/admin/network/distributor/").status_code == 200
    assert client.get(f"/admin/network/distributor/{bob.pk}/move/").status_code == 403
    response = client.post(
        f"/admin/network/distributor/{bob.pk}/terminate/",
        {"effective": timezone.localdate().isoformat(), "reason": "x"},
    )
    assert response.status_code == 403
    assert Distributor.objects.get(pk=bob.pk).terminated_on is None
