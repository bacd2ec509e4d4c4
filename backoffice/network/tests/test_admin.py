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


def enrollment(**changes):
    data = {
        "enroller_id": "100001",
        "first_name": "Nina",
        "last_name": "Nguyen",
        "email": "nina@example.com",
        "phone": "(626) 555-0101",
        "address_line1": "12 Palm St",
        "city": "Pomona",
        "state": "CA",
        "postal_code": "91768",
        "date_of_birth": "1990-04-02",
        "language": "es",
        "placement": "outer_right",
    }
    data.update(changes)
    return data


def test_administrator_enrolls_for_a_distributor(
    client, team, django_capture_on_commit_callbacks
):
    staff_user = staff_with(client, "administrator")
    assert client.get("/admin/network/distributor/enroll/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/network/distributor/enroll/", enrollment())
    assert response.status_code == 302
    member = Distributor.objects.get(user__email="nina@example.com")
    assert (member.enroller, member.parent, member.side) == (
        team["alice"],
        team["alice"],
        "R",
    )
    assert member.user.language == "es"
    event = NetworkEvent.objects.get(member=member)
    assert event.actor == staff_user


def test_staff_enrollment_refusals_write_nothing(client, team):
    staff_with(client, "administrator")
    before = Distributor.objects.count()
    unknown = client.post(
        "/admin/network/distributor/enroll/", enrollment(enroller_id="999999")
    )
    assert "There is no distributor with that ID." in unknown.content.decode()
    taken = client.post(
        "/admin/network/distributor/enroll/",
        enrollment(placement="position", parent="100001", side="L"),
    )
    assert "already taken" in taken.content.decode()
    assert Distributor.objects.count() == before


def test_support_cannot_enroll(client, team):
    staff_with(client, "support")
    assert client.get("/admin/network/distributor/enroll/").status_code == 403
    response = client.post("/admin/network/distributor/enroll/", enrollment())
    assert response.status_code == 403
    assert not Distributor.objects.filter(user__email="nina@example.com").exists()
