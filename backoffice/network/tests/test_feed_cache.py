"""Cached team reads: the feed for a minute, the counts until the tree changes."""

import pickle
from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.network.actions import (
    NetworkError,
    Placement,
    enroll_distributor,
    place_member,
    terminate_distributor,
)
from backoffice.network.models import Distributor
from backoffice.network.queries import (
    FeedMember,
    team_cycles,
    team_feed,
    team_summary,
)
from backoffice.network.tests.test_actions import details
from backoffice.network.tests.test_pages import LIST, NOW, TODAY, build_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(team):
    with time_machine.travel(NOW, tick=False):
        yield build_network(team)


def attention(response) -> list[tuple[int, str]]:
    return [
        (item.member.distributor_id, item.reason)
        for item in response.context["feed"].attention
    ]


def reused_then_computed(client) -> tuple[int, int]:
    """Statements of the team page as it is now, then with the cache emptied."""
    with CaptureQueriesContext(connection) as now:
        client.get(LIST)
    cache.clear()
    with CaptureQueriesContext(connection) as computed:
        client.get(LIST)
    return len(now), len(computed)


def test_a_second_visit_reuses_the_feed(client, alice, network):
    client.force_login(alice)
    client.get(LIST)
    second, computed = reused_then_computed(client)
    # The feed's own queries (holding tank, new members, the attention lists)
    # are not run again while it is fresh.
    assert second <= computed - 5


def test_what_orders_change_shows_within_the_minute_and_on_a_new_day(
    client, alice, network
):
    client.force_login(alice)
    assert attention(client.get(LIST)) == [(200013, "terminated")]
    # An order moves frank's active-until date: no tree change, so the feed
    # shown is the one computed a moment ago ...
    Distributor.objects.filter(pk=network["frank"].pk).update(
        active_until=date(2026, 3, 6)
    )
    assert attention(client.get(LIST)) == [(200013, "terminated")]
    # ... until it expires, or the day changes.
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        client.force_login(alice)  # the session has timed out overnight
        assert attention(client.get(LIST)) == [
            (200012, "inactive_soon"),
            (200013, "terminated"),
        ]


def test_an_enrollment_shows_in_the_feed_at_once(
    client, alice, network, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    before = client.get(LIST).context["feed"]
    assert [m.distributor_id for m in before.waiting] == [200014]
    # The feed is dropped when the enrollment commits.
    with django_capture_on_commit_callbacks(execute=True):
        member = enroll_distributor(
            enroller=network["alice"],
            details=details("nina@example.com"),
            placement=Placement.holding(),
            actor=alice,
        )
    after = client.get(LIST).context["feed"]
    assert member.distributor_id in [m.distributor_id for m in after.waiting]
    assert member.distributor_id in [m.distributor_id for m in after.new_members]
    assert after.new_count == before.new_count + 1

    with django_capture_on_commit_callbacks(execute=True):
        place_member(
            member=member,
            parent_id=network["dave"].distributor_id,
            side="R",
            actor=alice,
        )
    placed = client.get(LIST).context["feed"]
    assert member.distributor_id not in [m.distributor_id for m in placed.waiting]


def test_a_termination_shows_in_the_feed_at_once(
    client, alice, network, staff, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    assert (200011, "terminated") not in attention(client.get(LIST))
    with django_capture_on_commit_callbacks(execute=True):
        terminate_distributor(
            member=network["erin"],
            effective=TODAY,
            actor=staff,
            reason="Asked to leave",
        )
    assert (200011, "terminated") in attention(client.get(LIST))


def test_a_failed_change_keeps_the_cached_feed(
    client, alice, network, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    client.get(LIST)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(NetworkError),
    ):
        enroll_distributor(
            enroller=network["alice"],
            # An address already in use: refused, nothing written.
            details=details(network["bob"].user.email),
            placement=Placement.holding(),
            actor=alice,
        )
    assert callbacks == []
    after, computed = reused_then_computed(client)
    assert after <= computed - 5


def test_the_cached_feed_holds_only_what_it_shows(alice, network):
    viewer = network["alice"]
    erin = network["erin"]
    erin.join_date = TODAY
    erin.save(update_fields=["join_date"])
    feed = team_feed(viewer, team_cycles())
    members = [*feed.waiting, *feed.new_members, *(a.member for a in feed.attention)]
    assert members
    assert all(isinstance(member, FeedMember) for member in members)
    stored = pickle.dumps(feed)
    user = erin.user
    for private in (user.email, user.password, erin.phone or "(626)"):
        assert private.encode() not in stored
    assert b"Erin Evans" in stored


# --- the dashboard's team counts ----------------------------------------------------


def test_team_counts_are_counted_once_until_the_tree_changes(
    alice, network, django_capture_on_commit_callbacks
):
    viewer = network["alice"]
    first = team_summary(viewer, TODAY)
    with CaptureQueriesContext(connection) as again:
        assert team_summary(viewer, TODAY) == first
    assert len(again) == 0
    with django_capture_on_commit_callbacks(execute=True):
        enroll_distributor(
            enroller=viewer,
            details=details("nina@example.com"),
            placement=Placement.outer("R"),
            actor=alice,
        )
    after = team_summary(viewer, TODAY)
    assert (after.size, after.right, after.left) == (
        first.size + 1,
        first.right + 1,
        first.left,
    )
    # The next day counts again ("new this week" moves with the date).
    with CaptureQueriesContext(connection) as next_day:
        team_summary(viewer, TODAY + timedelta(days=1))
    assert len(next_day) > 0
