"""Staff roles: groups with permissions.

Each business area adds its permissions here; every staff page and action checks
a permission, never the role name, so a role is only a bundle of permissions.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

SHOP_MODELS = (
    "autoship",
    "autoshipitem",
    "autoshiprun",
    "cart",
    "cartline",
    "category",
    "inventoryitem",
    "inventorymovement",
    "order",
    "orderevent",
    "orderline",
    "packagecontent",
    "payment",
    "product",
    "refund",
    "retailcustomer",
    "returnline",
    "returnrequest",
    "shippingmethod",
    "stockmovement",
    "taxrate",
    "volumeentry",
    "walletentry",
    "webhookevent",
    "willcallcenter",
)


# Finance runs the pay cycle: calculate, review, approve.
COMMISSIONS_FINANCE = {
    "commissions.view_cycle",
    "commissions.change_cycle",
    "commissions.approve_cycle",
    "commissions.view_cyclerun",
    "commissions.view_cycleevent",
    "commissions.view_result",
    "commissions.view_line",
    "commissions.view_payoutbatch",
    "commissions.pay_payoutbatch",
    "commissions.view_payout",
    "commissions.view_payouthold",
    "commissions.add_payouthold",
    "commissions.change_payouthold",
    "commissions.view_ledgerentry",
    # Masked in the admin; the numbers themselves are never shown there.
    "profiles.view_bankaccount",
    "profiles.view_taxprofile",
}


def shop(*codenames: str) -> set[str]:
    return {f"shop.{codename}" for codename in codenames}


# The help center is written by content and support staff alike.
SUPPORT_HELP_CENTER = {
    f"support.{action}_{model}"
    for model in ("helpcategory", "article")
    for action in ("view", "add", "change", "delete")
}
# The support inbox checks support.change_ticket; canned replies are the team's own.
SUPPORT_TEAM = {
    "support.view_ticket",
    "support.change_ticket",
    "support.view_ticketmessage",
    "support.view_ticketevent",
    *(
        f"support.{action}_cannedreply"
        for action in ("view", "add", "change", "delete")
    ),
    *SUPPORT_HELP_CENTER,
}

# Content staff build courses, the first 30 days path and webinars; progress
# and registrations are the distributors' own, read-only here.
TRAINING_CONTENT = {
    *(
        f"training.{action}_{model}"
        for model in ("course", "lesson", "quiz", "question", "choice", "pathcourse")
        for action in ("view", "add", "change", "delete")
    ),
    *(f"training.{action}_webinar" for action in ("view", "add", "change", "delete")),
    "training.view_webinarregistration",
    "training.view_lessonprogress",
}


# role -> permissions as "app_label.codename"
ROLE_PERMISSIONS: dict[str, set[str]] = {
    "support": {
        "accounts.view_user",
        "accounts.view_securityevent",
        "network.view_distributor",
        "network.view_networkevent",
        "network.view_teammessage",
        *shop("view_order", "view_orderline", "view_orderevent", "view_returnrequest"),
        *SUPPORT_TEAM,
    },
    # Restocking is adding a stock movement: fulfilment never edits prices.
    "fulfilment": {
        "accounts.view_user",
        *shop(
            "view_order",
            "change_order",
            "view_orderline",
            "view_orderevent",
            "view_product",
            "view_category",
            "view_packagecontent",
            "view_stockmovement",
            "add_stockmovement",
            "view_returnrequest",
            "change_returnrequest",
            "view_shippingmethod",
            "view_willcallcenter",
        ),
    },
    "finance": {
        "accounts.view_user",
        *COMMISSIONS_FINANCE,
        *shop(
            "view_order",
            "view_orderline",
            "view_orderevent",
            "view_payment",
            "view_refund",
            "view_volumeentry",
            "view_walletentry",
            "add_walletentry",
        ),
    },
    # Content staff publish and retire library materials; downloads are read-only.
    "content": {
        *(
            f"library.{action}_{model}"
            for model in ("category", "tag", "material")
            for action in ("view", "add", "change", "delete")
        ),
        "library.view_download",
        *TRAINING_CONTENT,
        "shop.view_product",
        *SUPPORT_HELP_CENTER,
    },
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
        *COMMISSIONS_FINANCE,
        *SUPPORT_TEAM,
        *shop(
            *(
                f"{action}_{model}"
                for model in SHOP_MODELS
                for action in ("view", "add", "change", "delete")
            )
        ),
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
