"""A plausible demo network on both trees, for the demo accounts."""

from __future__ import annotations

import random
from datetime import timedelta

from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from backoffice.accounts.models import User
from backoffice.network.labels import build_index
from backoffice.network.models import Distributor

STREETS = ("Oak", "Maple", "Palm", "Cedar", "Mission", "Vista")
STATES = ("CA", "TX", "FL", "AZ", "NV", "IL", "NY", "WA", "GA", "NJ")
CITIES = {
    "CA": "Los Angeles",
    "TX": "Houston",
    "FL": "Miami",
    "AZ": "Phoenix",
    "NV": "Las Vegas",
    "IL": "Chicago",
    "NY": "New York",
    "WA": "Seattle",
    "GA": "Atlanta",
    "NJ": "Newark",
}
ZIP_CODES = {
    "CA": "90012",
    "TX": "77002",
    "FL": "33130",
    "AZ": "85004",
    "NV": "89101",
    "IL": "60601",
    "NY": "10001",
    "WA": "98101",
    "GA": "30303",
    "NJ": "07102",
}


def _open_spot(start, left, right, rng) -> tuple[int, str] | None:
    """A nearby open position under ``start``, breadth first."""
    queue = [start]
    seen = 0
    while queue and seen < 60:
        node = queue.pop(0)
        seen += 1
        free = [s for s, slots in (("L", left), ("R", right)) if slots[node] == -1]
        if free:
            return node, rng.choice(free)
        queue.extend([left[node], right[node]])
    return None


def _outer_bottom(start: int, slots: list[int]) -> int:
    node = start
    while slots[node] != -1:
        node = slots[node]
    return node


def seed(*, rng: random.Random, distributors: int, months: int) -> dict[str, int]:
    users = list(
        User.objects.filter(username__regex=r"^[0-9]+$")
        .order_by("username")
        .only("pk", "username", "date_joined")
    )
    count = len(users)
    parents, sides, enrollers = [-1] * count, [""] * count, [-1] * count
    left, right = [-1] * count, [-1] * count
    held: set[int] = set()
    recent = timezone.now() - timedelta(days=5)
    for index in range(1, count):
        # Early members and leaders enrol more; anyone may enrol.
        enroller = min(int(rng.paretovariate(1.2)) - 1, index - 1)
        enroller = rng.randrange(index) if rng.random() < 0.5 else enroller
        enrollers[index] = enroller
        if users[index].date_joined > recent and rng.random() < 0.3:
            held.add(index)
            continue
        side = rng.choice("LR")
        spot = None
        if rng.random() < 0.35:
            spot = _open_spot(enroller, left, right, rng)
        if spot is None:
            slots = left if side == "L" else right
            spot = (_outer_bottom(enroller, slots), side)
        parent, side = spot
        parents[index], sides[index] = parent, side
        (left if side == "L" else right)[parent] = index
    index_data = build_index(parents, sides, root=0)
    place_by = timezone.now() + timedelta(days=3)
    rows = []
    for index, user in enumerate(users):
        state = rng.choice(STATES)
        placed = index_data.lo[index] != -1
        rows.append(
            Distributor(
                id=index + 1,
                distributor_id=int(user.username),
                user_id=user.pk,
                is_root=index == 0,
                enroller_id=enrollers[index] + 1 if enrollers[index] >= 0 else None,
                parent_id=parents[index] + 1 if parents[index] >= 0 else None,
                side=sides[index],
                join_date=timezone.localtime(user.date_joined).date(),
                place_by=None if placed else place_by,
                preferred_leg=rng.choice(["L", "R", "lesser", "lesser"]),
                lo=index_data.lo[index] if placed else None,
                hi=index_data.hi[index] if placed else None,
                depth=index_data.depth[index] if placed else None,
                left_top=index_data.left_top[index] + 1 if placed else None,
                right_top=index_data.right_top[index] + 1 if placed else None,
                phone=f"({rng.randint(201, 989)}) 555-{rng.randint(100, 199):04d}",
                address_line1=f"{rng.randint(100, 9999)} {rng.choice(STREETS)} St",
                city=CITIES[state],
                state=state,
                postal_code=ZIP_CODES[state],
                date_of_birth=(
                    timezone.localdate() - timedelta(days=365 * rng.randint(21, 70))
                ),
                share_email_upline=rng.random() < 0.6,
                share_phone_upline=rng.random() < 0.4,
            )
        )
    Distributor.objects.bulk_create(rows, batch_size=1000)
    # Explicit ids: move PostgreSQL's sequence past them.
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Distributor]):
            cursor.execute(statement)
    return {"network members": count, "in holding tank": len(held)}
