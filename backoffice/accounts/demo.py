"""Demo accounts: the staff superuser and distributors from ID 100001."""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from backoffice.accounts.models import User

DEMO_PASSWORD = "gano-demo-2026"  # noqa: S105 (documented demo password)
FIRST_DISTRIBUTOR_ID = 100001

FIRST_NAMES = (
    "Maria",
    "James",
    "Ana",
    "Robert",
    "Linda",
    "Jose",
    "Patricia",
    "Michael",
    "Carmen",
    "David",
    "Rosa",
    "William",
    "Elena",
    "Daniel",
    "Sofia",
    "Thomas",
    "Lucia",
    "Kevin",
    "Gloria",
    "Brian",
    "Isabel",
    "Steven",
    "Teresa",
    "Paul",
    "Veronica",
    "Mark",
    "Adriana",
    "Jason",
    "Beatriz",
    "Eric",
    "Monica",
    "Ryan",
)
LAST_NAMES = (
    "Garcia",
    "Smith",
    "Martinez",
    "Johnson",
    "Rodriguez",
    "Williams",
    "Lopez",
    "Brown",
    "Hernandez",
    "Jones",
    "Gonzalez",
    "Miller",
    "Perez",
    "Davis",
    "Sanchez",
    "Wilson",
    "Ramirez",
    "Anderson",
    "Torres",
    "Taylor",
    "Flores",
    "Thomas",
    "Rivera",
    "Moore",
    "Gomez",
    "Jackson",
    "Diaz",
    "White",
    "Cruz",
    "Nguyen",
    "Reyes",
    "Lee",
)


def seed(*, rng: random.Random, distributors: int, months: int) -> dict[str, int]:
    """Create the staff user and `distributors` accounts; returns what was made."""
    # One Argon2 hash shared by every demo account keeps seeding fast; demo only.
    password = make_password(DEMO_PASSWORD)
    now = timezone.now()
    User.objects.create(
        username="staff",
        first_name="Sam",
        last_name="Staff",
        email="staff@example.com",
        is_staff=True,
        is_superuser=True,
        password=password,
        date_joined=now - timedelta(days=30 * months + 30),
    )
    span = timedelta(days=30 * months)
    # Joined in ID order: the top of the network joined first.
    offsets = sorted(rng.random() for _ in range(distributors))
    users = []
    for index in range(distributors):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        distributor_id = FIRST_DISTRIBUTOR_ID + index
        users.append(
            User(
                username=str(distributor_id),
                first_name=first,
                last_name=last,
                email=f"{first}.{last}.{distributor_id}@example.com".lower(),
                language="es" if rng.random() < 0.3 else "en",
                password=password,
                date_joined=now - span + span * offsets[index],
            )
        )
    # The first account always joins at the very start.
    if users:
        users[0].date_joined = now - span
        users[0].language = "en"
    User.objects.bulk_create(users, batch_size=1000)
    return {"staff": 1, "distributors": distributors}
