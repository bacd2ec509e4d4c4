"""Demo email preferences: deterministic, and the shared generator untouched."""

from __future__ import annotations

from backoffice.profiles.demo import seed_preferences
from backoffice.profiles.models import Profile


def test_preferences_follow_the_ids(people):
    assert seed_preferences() == 4
    chosen = {
        p.distributor.distributor_id: (
            p.news_and_promotions,
            p.team_messages,
            p.order_reminders,
        )
        for p in Profile.objects.select_related("distributor")
    }
    assert chosen == {
        100000: (True, True, True),
        100001: (True, True, True),
        100002: (False, True, True),
        100003: (True, True, True),
    }
