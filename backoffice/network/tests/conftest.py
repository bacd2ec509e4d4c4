from datetime import date

import pytest

from backoffice.accounts.tests.factories import UserFactory
from backoffice.network import tree
from backoffice.network.models import Distributor


def add_member(user, *, enroller, parent=None, side="", held=False) -> Distributor:
    """A distributor for ``user`` placed under ``parent`` (or held), via the tree."""
    member = Distributor.objects.create(
        distributor_id=int(user.username),
        user=user,
        enroller=enroller,
        join_date=date(2026, 1, 5),
    )
    if parent is not None and not held:
        tree.place(member, parent, side)
    return member


@pytest.fixture
def root(db):
    user = UserFactory(username="100000", first_name="Top", last_name="Founder")
    member = Distributor.objects.create(
        distributor_id=100000, user=user, is_root=True, join_date=date(2025, 1, 1)
    )
    tree.place_root(member)
    return member


@pytest.fixture
def team(root, alice, bob, charlie):
    """root -> alice (L), charlie (R); alice -> bob (L). bob is alice's enrollee."""
    a = add_member(alice, enroller=root, parent=root, side="L")
    c = add_member(charlie, enroller=root, parent=root, side="R")
    b = add_member(bob, enroller=a, parent=a, side="L")
    return {"root": root, "alice": a, "bob": b, "charlie": c}


def new_user(number: int):
    return UserFactory(username=str(number))
