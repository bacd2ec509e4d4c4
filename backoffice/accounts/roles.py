"""Staff roles: groups with permissions.

Each business area adds its permissions here; every staff page and action checks
a permission, never the role name, so a role is only a bundle of permissions.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

# role -> permissions as "app_label.codename"
ROLE_PERMISSIONS: dict[str, set[str]] = {
    "support": {
        "accounts.view_user",
        "accounts.view_securityevent",
        "network.view_distributor",
        "network.view_networkevent",
        "network.view_teammessage",
    },
    "fulfilment": {
        "accounts.view_user",
    },
    "finance": {
        "accounts.view_user",
    },
    "content": set(),
    "administrator": {
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_securityevent",
        "accounts.view_loginlock",
        "accounts.delete_loginlock",
        "auth.view_group",
        "auth.change_group",
        "network.view_distributor",
        "network.change_distributor",
        "network.add_distributor",
        "network.view_networkevent",
        "network.view_teammessage",
    },
}


def sync_roles() -> None:
    """Create the role groups and grant them their permissions (idempotent)."""
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for name in sorted(names):
            app_label, codename = name.split(".", 1)
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.add(*wanted)
