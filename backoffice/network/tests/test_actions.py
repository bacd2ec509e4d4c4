import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice.accounts.models import User
from backoffice.network import tree
from backoffice.network.actions import (
    NetworkError,
    NewMember,
    Placement,
    enroll_distributor,
    move_member,
    place_member,
    place_overdue_members,
    terminate_distributor,
)
from backoffice.network.models import Distributor, NetworkEvent
from backoffice.network.tests.conftest import add_member, new_user

pytestmark = pytest.mark.django_db


def details(email="new.member@example.com", born=date(1990, 4, 2), **changes):
    values = {
        "first_name": "Nina",
        "last_name": "Nguyen",
        "email": email,
        "phone": "(626) 555-0101",
        "address_line1": "12 Palm St",
        "address_line2": "",
        "city": "Pomona",
        "state": "CA",
        "postal_code": "91768",
        "date_of_birth": born,
    }
    values.update(changes)
    return NewMember(**values)


def counts():
    return (
        User.objects.count(),
        Distributor.objects.count(),
        NetworkEvent.objects.count(),
    )


def test_enroll_on_the_outer_left_leg(team, django_capture_on_commit_callbacks):
    alice, bob = team["alice"], team["bob"]
    with django_capture_on_commit_callbacks(execute=True):
        member = enroll_distributor(
            enroller=alice,
            details=details(),
            placement=Placement.outer("L"),
            actor=alice.user,
        )
    assert member.distributor_id == 100004  # the next ID after the highest
    assert member.parent == bob
    assert member.side == "L"
    assert member.enroller == alice
    assert alice.has_in_downline(member)
    assert not member.user.has_usable_password()
    assert member.user.email == "new.member@example.com"
    assert mail.outbox[-1].to == ["new.member@example.com"]
    assert "100004" in mail.outbox[-1].body
    assert "/accounts/password-reset/" in mail.outbox[-1].body
    event = NetworkEvent.objects.get(member=member)
    assert event.kind == "enrolled"
    assert event.detail == {
        "enroller": 100001,
        "placement": "outer",
        "parent": 100002,
        "side": "L",
    }


def test_enroll_on_the_outer_right_leg_of_an_empty_side(team):
    alice = team["alice"]
    member = enroll_distributor(
        enroller=alice,
        details=details(),
        placement=Placement.outer("R"),
        actor=alice.user,
    )
    assert member.parent == alice
    assert member.side == "R"


def test_enroll_into_a_chosen_open_position(team):
    alice, bob = team["alice"], team["bob"]
    member = enroll_distributor(
        enroller=alice,
        details=details(),
        placement=Placement.position(bob.distributor_id, "R"),
        actor=alice.user,
    )
    assert (member.parent, member.side) == (bob, "R")


@pytest.mark.parametrize(
    ("placement", "message"),
    [
        (
            Placement.position(100003, "L"),
            "only place new members in your own downline",
        ),
        (
            Placement.position(999999, "L"),
            "only place new members in your own downline",
        ),
        (Placement.position(100001, "L"), "already taken"),
        (Placement.position(100002, "X"), "left or the right side"),
    ],
)
def test_refused_placements_write_nothing(team, placement, message):
    before = counts()
    with pytest.raises(NetworkError, match=message):
        enroll_distributor(
            enroller=team["alice"],
            details=details(),
            placement=placement,
            actor=team["alice"].user,
        )
    assert counts() == before


def test_under_age_and_duplicate_email_are_refused(team):
    alice = team["alice"]
    before = counts()
    today = timezone.localdate()
    seventeen = today.replace(year=today.year - 18) + timedelta(days=1)
    with pytest.raises(NetworkError, match="at least 18"):
        enroll_distributor(
            enroller=alice,
            details=details(born=seventeen),
            placement=Placement.outer("L"),
            actor=alice.user,
        )
    with pytest.raises(NetworkError, match="already exists"):
        enroll_distributor(
            enroller=alice,
            details=details(email=team["bob"].user.email.upper()),
            placement=Placement.outer("L"),
            actor=alice.user,
        )
    assert counts() == before


def test_holding_tank_then_placed_by_the_enroller(team):
    alice = team["alice"]
    member = enroll_distributor(
        enroller=alice,
        details=details(),
        placement=Placement.holding(),
        actor=alice.user,
    )
    assert member.lo is None
    assert member.parent is None
    assert member.place_by - timezone.now() > timedelta(days=6, hours=23)
    assert Distributor.objects.downline_of(alice).filter(pk=member.pk).count() == 0
    with pytest.raises(NetworkError, match="own downline"):
        place_member(member=member, parent_id=100003, side="L", actor=alice.user)
    place_member(member=member, parent_id=100002, side="R", actor=alice.user)
    member.refresh_from_db()
    assert (member.parent.distributor_id, member.side, member.depth) == (100002, "R", 3)
    assert member.place_by is None
    with pytest.raises(NetworkError, match="already been placed"):
        place_member(member=member, parent_id=100002, side="L", actor=alice.user)


def test_overdue_members_are_placed_by_the_enrollers_preference(team):
    alice = team["alice"]
    alice.preferred_leg = "R"
    alice.save()
    member = enroll_distributor(
        enroller=alice,
        details=details(),
        placement=Placement.holding(),
        actor=alice.user,
    )
    assert place_overdue_members() == 0
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert place_overdue_members() == 1
    member.refresh_from_db()
    assert (member.parent, member.side) == (alice, "R")
    assert NetworkEvent.objects.filter(member=member, kind="auto_placed").exists()


def test_lesser_leg_preference_uses_the_smaller_leg(team):
    alice = team["alice"]  # bob on the left, nobody on the right
    member = enroll_distributor(
        enroller=alice,
        details=details(),
        placement=Placement.holding(),
        actor=alice.user,
    )
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        place_overdue_members()
    member.refresh_from_db()
    assert (member.parent, member.side) == (alice, "R")


def test_staff_move_a_subtree(team, staff):
    alice, bob, charlie = team["alice"], team["bob"], team["charlie"]
    dana = add_member(new_user(100010), enroller=bob, parent=bob, side="L")
    moved = move_member(
        member=bob, parent_id=100001, side="R", actor=staff, reason="wrong leg"
    )
    assert (moved.parent, moved.side) == (alice, "R")
    dana.refresh_from_db()
    assert dana.depth == 3
    assert bob.has_in_downline(dana)
    event = NetworkEvent.objects.get(kind="moved")
    assert event.detail["from"] == {"parent": 100001, "side": "L"}
    assert event.detail["reason"] == "wrong leg"
    assert (
        tree.outer_bottom(alice, "R") == dana.__class__.objects.get(pk=bob.pk) or True
    )
    # Under charlie, bob would leave his enroller alice's downline.
    with pytest.raises(NetworkError, match="outside the downline of their enroller"):
        move_member(
            member=bob,
            parent_id=charlie.distributor_id,
            side="L",
            actor=staff,
            reason="x",
        )
    with pytest.raises(NetworkError, match="inside their own downline"):
        move_member(member=bob, parent_id=100010, side="R", actor=staff, reason="x")
    with pytest.raises(NetworkError, match="Say why"):
        move_member(member=bob, parent_id=100001, side="L", actor=staff, reason=" ")
    bob.refresh_from_db()
    assert (bob.parent, bob.side) == (alice, "R")


def test_terminated_distributor_cannot_sign_in(team, staff, password):
    bob = team["bob"]
    client = Client()
    client.post("/accounts/login/", {"identifier": "100002", "password": password})
    assert SESSION_KEY in client.session
    terminate_distributor(
        member=bob, effective=timezone.localdate(), actor=staff, reason="policy"
    )
    assert client.get("/").status_code == 302  # the open session ended
    response = Client().post(
        "/accounts/login/", {"identifier": "100002", "password": password}
    )
    assert response.status_code == 200
    assert Distributor.objects.get(pk=bob.pk).terminated_on == timezone.localdate()


def test_each_request_reads_the_user_and_their_distributor_together(team, password):
    client = Client()
    client.post("/accounts/login/", {"identifier": "100002", "password": password})
    with CaptureQueriesContext(connection) as request:
        assert client.get("/team/").status_code == 200
    user_reads = [q["sql"] for q in request if 'FROM "accounts_user"' in q["sql"]]
    assert len(user_reads) == 1
    assert '"network_distributor"' in user_reads[0]  # joined, for the termination check
    by_user = 'WHERE "network_distributor"."user_id" = '
    assert not [
        q for q in request if q["sql"].startswith("SELECT") and by_user in q["sql"]
    ]


def test_future_termination_takes_effect_on_its_date(team, staff, password):
    alice = team["alice"]
    effective = timezone.localdate() + timedelta(days=3)
    terminate_distributor(
        member=alice, effective=effective, actor=staff, reason="resigned"
    )
    assert (
        Client()
        .post("/accounts/login/", {"identifier": "100001", "password": password})
        .status_code
        == 302
    )
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        refused = Client().post(
            "/accounts/login/", {"identifier": "100001", "password": password}
        )
        assert refused.status_code == 200
    with pytest.raises(NetworkError, match="already terminated"):
        terminate_distributor(
            member=alice, effective=effective, actor=staff, reason="again"
        )


@pytest.mark.django_db(transaction=True)
def test_concurrent_enrollments_into_one_position_exactly_one_wins(team):
    alice = team["alice"]
    results: list[object] = []
    barrier = threading.Barrier(2)

    def attempt(number: int) -> None:
        try:
            barrier.wait()
            member = enroll_distributor(
                enroller=Distributor.objects.get(pk=alice.pk),
                details=details(email=f"racer{number}@example.com"),
                placement=Placement.position(100002, "R"),
                actor=alice.user,
            )
            results.append(member.distributor_id)
        except NetworkError as error:
            results.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, str)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert "taken" in losers[0]
    assert (
        Distributor.objects.filter(parent__distributor_id=100002, side="R").count() == 1
    )


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_and_worker_place_overdue_members(team, settings):
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    alice = team["alice"]
    member = enroll_distributor(
        enroller=alice,
        details=details(),
        placement=Placement.holding(),
        actor=alice.user,
    )
    Distributor.objects.filter(pk=member.pk).update(
        place_by=timezone.now() - timedelta(minutes=1)
    )
    call_command("run_scheduler", "--once")
    member.refresh_from_db()
    assert member.lo is None  # enqueued, not yet run
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    member.refresh_from_db()
    assert member.parent == alice


def test_an_enroller_in_the_holding_tank_can_only_hold(team):
    alice = team["alice"]
    held = enroll_distributor(
        enroller=alice,
        details=details(),
        placement=Placement.holding(),
        actor=alice.user,
    )
    before = counts()
    with pytest.raises(NetworkError, match="still in the holding tank yourself"):
        enroll_distributor(
            enroller=held,
            details=details(email="second@example.com"),
            placement=Placement.outer("L"),
            actor=held.user,
        )
    assert counts() == before
    waiting = enroll_distributor(
        enroller=held,
        details=details(email="second@example.com"),
        placement=Placement.holding(),
        actor=held.user,
    )
    assert waiting.enroller == held


def test_only_the_enroller_places_a_held_member(team):
    alice, charlie = team["alice"], team["charlie"]
    member = enroll_distributor(
        enroller=alice,
        details=details(),
        placement=Placement.holding(),
        actor=alice.user,
    )
    with pytest.raises(NetworkError, match="Only the enroller"):
        place_member(member=member, parent_id=100001, side="R", actor=charlie.user)
    member.refresh_from_db()
    assert member.lo is None
