import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from backoffice.accounts.models import (
    Authenticator,
    RecoveryCode,
    RecoveryCodes,
    SecurityEvent,
)
from backoffice.accounts.roles import ROLE_PERMISSIONS
from backoffice.accounts.tests.factories import StaffFactory, add_totp_device

pytestmark = pytest.mark.django_db


def staff_client(client, *, groups=(), superuser=False):
    user = StaffFactory(is_superuser=superuser)
    add_totp_device(user)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    client.force_login(user)
    return user


def test_roles_exist_with_their_permissions():
    for role, names in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        granted = {
            f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()
        }
        assert granted == names, role


def test_admin_login_goes_through_the_sign_in_page(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_distributors_cannot_reach_the_admin(client, alice):
    client.force_login(alice)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert response.redirect_chain == [("/admin/login/?next=/admin/", 302)]


def test_support_role_reads_the_security_log_but_cannot_change_users(client, alice):
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGOUT, user=alice)
    staff_client(client, groups=["support"])
    assert client.get("/admin/accounts/securityevent/").status_code == 200
    user_page = client.get(f"/admin/accounts/user/{alice.pk}/change/")
    assert user_page.status_code == 200
    assert b'name="first_name"' not in user_page.content  # view only
    response = client.post(
        f"/admin/accounts/user/{alice.pk}/change/", {"first_name": "Mallory"}
    )
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.first_name == "Alice"


def test_staff_without_a_role_sees_nothing(client, alice):
    staff_client(client)
    assert client.get("/admin/accounts/securityevent/").status_code == 403
    assert client.get("/admin/accounts/user/").status_code == 403


def test_security_log_cannot_be_edited_in_the_admin(client, alice):
    event = SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGOUT, user=alice)
    staff_client(client, superuser=True)
    assert client.get("/admin/accounts/securityevent/add/").status_code == 403
    delete = client.post(
        f"/admin/accounts/securityevent/{event.pk}/delete/", {"post": "yes"}
    )
    assert delete.status_code == 403
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_administrator_resets_a_lost_device(client, alice):
    add_totp_device(alice)
    RecoveryCodes.create_for(alice, ["abc123-def456"])
    staff_client(client, groups=["administrator"])
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [alice.pk]},
    )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=alice).exists()
    assert not RecoveryCodes.objects.filter(user=alice).exists()
    assert not RecoveryCode.objects.exists()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.TWO_FACTOR_DISABLED)
    assert event.user == alice
    assert event.detail == {"by_staff": True}
    assert event.created_at <= timezone.now()
