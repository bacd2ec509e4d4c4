"""Fixtures for the staff pay-cycle pages: a small network and two closed weeks.

The network starts in cycle 900 (2026-03-02 … 03-08) so its first cycle is
that one and nothing earlier has to be calculated:

    top (ESP-1 on 03-02) ─ enrolled and placed: alice (L), charlie (R)
    alice (ESP-2 on 03-03) ─ enrolled and placed: bob (L)
    bob (ESP-1 on 03-04)

Cycle 900 (compensation plan §6, §7): alice's ESP-2 pays top GEN5 $25; bob's
ESP-1 pays alice $25 (generation 1) and top $5 (generation 2); MVP pays top
$25 (for alice) and alice $25 (for bob). top $55.00, alice $50.00.
Cycle 901 (03-09 … 03-15) has no orders: everyone $0.00.
"""

# Shop fixtures are imported so pytest finds them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission

from backoffice.accounts.tests.factories import StaffFactory, UserFactory
from backoffice.accounts.tests.factories import add_totp_device as add_totp
from backoffice.commissions import actions
from backoffice.network import tree
from backoffice.network.models import Distributor
from backoffice.shop.models import Order
from backoffice.shop.tests.conftest import (  # noqa: F401
    catalog,
    fedex,
    pay_with_demo_card,
    place,
    ship_to_ca,
)

PACIFIC = ZoneInfo("America/Los_Angeles")
FIRST, SECOND, OPEN = 900, 901, 902
JOINED = date(2026, 3, 2)
# A Tuesday in cycle 902: cycles 900 and 901 have ended.
AFTER = datetime(2026, 3, 17, 10, 0, tzinfo=PACIFIC)


def march(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=PACIFIC)


def join(user, *, enroller, parent, side: str, joined: date = JOINED) -> Distributor:
    member = Distributor.objects.create(
        distributor_id=int(user.username),
        user=user,
        enroller=enroller,
        join_date=joined,
        is_root=parent is None,
    )
    if parent is None:
        tree.place_root(member)
    else:
        tree.place(member, parent, side)
    return member


def buy(member: Distributor, product, when: datetime, fedex) -> Order:
    """A paid order of one ``product`` by ``member`` at ``when``."""
    with time_machine.travel(when, tick=False):
        order = place(member, {product: 1}, ship_to_ca(fedex))
        pay_with_demo_card(order)
    order.refresh_from_db()
    return order


def staff_member(client, *permissions: str, role: str | None = None, **names):
    """A signed-in staff user (with a second factor) holding a role or permissions."""
    user = StaffFactory(**names)
    add_totp(user)
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client.force_login(user)
    return user


@pytest.fixture
def payroll_team(alice, bob, charlie) -> dict[str, Distributor]:
    top_user = UserFactory(username="100000", first_name="Top", last_name="Founder")
    top = join(top_user, enroller=None, parent=None, side="")
    a = join(alice, enroller=top, parent=top, side="L")
    c = join(charlie, enroller=top, parent=top, side="R")
    b = join(bob, enroller=a, parent=a, side="L")
    return {"top": top, "alice": a, "bob": b, "charlie": c}


@pytest.fixture
def two_weeks(payroll_team, catalog, fedex):
    """Cycles 900 and 901 calculated (not approved); the clock stays in cycle 902."""
    buy(payroll_team["top"], catalog["ESP-1"], march(2), fedex)
    buy(payroll_team["alice"], catalog["ESP-2"], march(3), fedex)
    buy(payroll_team["bob"], catalog["ESP-1"], march(4), fedex)
    with time_machine.travel(AFTER, tick=False):
        actions.calculate_cycle(number=FIRST)
        actions.calculate_cycle(number=SECOND)
        yield payroll_team


@pytest.fixture
def finance(client):
    return staff_member(
        client, role="finance", username="finley", first_name="Finley", last_name="Ford"
    )
