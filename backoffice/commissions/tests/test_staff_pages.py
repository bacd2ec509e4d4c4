"""Staff pay-cycle pages over HTTP: who may use them, calculate, review, approve."""

# Fixtures come from fixtures_staff by import: pytest finds them by parameter name.
# ruff: noqa: F811

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from backoffice.accounts.tests.factories import UserFactory
from backoffice.commissions import actions, review
from backoffice.commissions.models import (
    Cycle,
    CycleEvent,
    CycleRun,
    CycleStatus,
    Result,
    RunStatus,
)
from backoffice.commissions.review import Change
from backoffice.commissions.tests.fixtures_staff import (  # noqa: F401
    AFTER,
    FIRST,
    OPEN,
    SECOND,
    buy,
    catalog,
    fedex,
    finance,
    join,
    march,
    payroll_team,
    staff_member,
    two_weeks,
)

pytestmark = pytest.mark.django_db

D = Decimal
CYCLES = "/staff/commissions/"
TASK = "backoffice.commissions.tasks.calculate_closed_cycles"


def review_url(number: int) -> str:
    return f"{CYCLES}{number}/"


def post(client, url: str):
    """POST and follow the redirect: the page shown consumes the messages."""
    return client.post(url, follow=True)


def said(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def landed(response) -> str:
    return response.redirect_chain[-1][0]


def totals(number: int) -> dict[int, Decimal]:
    return dict(
        Result.objects.filter(cycle__number=number).values_list(
            "distributor__distributor_id", "total"
        )
    )


def state(number: int) -> tuple:
    cycle = Cycle.objects.get(number=number)
    return (
        cycle.status,
        cycle.approved_at,
        cycle.approved_by_id,
        cycle.calculated_at,
        cycle.result_hash,
        totals(number),
    )


# --- who may use the pages ------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, two_weeks):
    for url in (CYCLES, review_url(FIRST)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    response = client.post(f"{review_url(FIRST)}approve/")
    assert response.status_code == 302
    assert Cycle.objects.get(number=FIRST).status == CycleStatus.CALCULATED


@pytest.mark.parametrize("who", ["distributor", "support", "no permission"])
def test_distributors_and_staff_without_the_permission_get_403(
    client, two_weeks, settings, who
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    if who == "distributor":
        client.force_login(two_weeks["alice"].user)
    elif who == "support":
        staff_member(client, role="support")
    else:
        staff_member(client)
    before = state(FIRST)
    runs = CycleRun.objects.count()

    assert client.get(CYCLES).status_code == 403
    assert client.get(review_url(FIRST)).status_code == 403
    assert client.post(f"{CYCLES}calculate/").status_code == 403
    assert client.post(f"{review_url(FIRST)}approve/").status_code == 403
    assert client.post(f"{review_url(SECOND)}recalculate/").status_code == 403

    assert state(FIRST) == before
    assert CycleRun.objects.count() == runs
    assert not DBTaskResult.objects.exists()
    assert not CycleEvent.objects.filter(kind=CycleEvent.Kind.APPROVED).exists()


def test_viewing_alone_shows_the_pages_but_refuses_every_change(client, two_weeks):
    staff_member(client, "commissions.view_cycle")
    first, second = state(FIRST), state(SECOND)

    cycles = client.get(CYCLES)
    page = client.get(review_url(FIRST))
    assert cycles.status_code == 200
    assert page.status_code == 200
    assert b"Calculate closed weeks" not in cycles.content
    assert page.context["can_approve"] is False
    assert page.context["can_recalculate"] is False
    assert f'action="{review_url(FIRST)}approve/"' not in page.content.decode()
    assert f'action="{review_url(FIRST)}recalculate/"' not in page.content.decode()
    assert page.context["runs"] is None  # the runs need their own permission
    assert 'id="cycle-runs"' not in page.content.decode()

    assert client.post(f"{review_url(FIRST)}approve/").status_code == 403
    assert client.post(f"{review_url(FIRST)}recalculate/").status_code == 403
    assert state(FIRST) == first
    assert state(SECOND) == second


def test_finance_role_holds_every_permission_the_pages_need(client, two_weeks):
    user = staff_member(client, role="finance")
    assert user.has_perm("commissions.view_cycle")
    assert user.has_perm("commissions.change_cycle")
    assert user.has_perm("commissions.approve_cycle")
    page = client.get(review_url(FIRST))
    assert page.status_code == 200
    assert page.context["can_approve"] is True
    assert page.context["can_recalculate"] is True


def test_a_cycle_never_calculated_is_404(client, two_weeks, finance):
    assert client.get(review_url(OPEN + 1)).status_code == 404
    assert client.get(review_url(FIRST - 1)).status_code == 404


# --- the cycles list and calculating closed weeks ----------------------------------


def test_cycles_list_shows_every_cycle_with_its_figures(client, two_weeks, finance):
    actions.estimate_current_cycle()
    actions.approve_cycle(number=FIRST, user=finance)

    response = client.get(CYCLES)

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(c.number, c.status, c.total, c.paid, c.members) for c, _ in rows] == [
        (OPEN, CycleStatus.ESTIMATE, D("0.00"), D("0.00"), 4),
        (SECOND, CycleStatus.CALCULATED, D("0.00"), D("0.00"), 4),
        (FIRST, CycleStatus.APPROVED, D("105.00"), D("105.00"), 4),
    ]
    pipeline = response.context["pipeline"]
    assert (pipeline.last_closed, pipeline.last_calculated, pipeline.waiting) == (
        SECOND,
        SECOND,
        0,
    )
    html = response.content.decode()
    first_row = html[
        html.index('id="cycle-900"') : html.index("</tr>", html.index('id="cycle-900"'))
    ]
    assert "$105.00" in first_row
    assert "Approved" in first_row
    assert "Finley Ford" in first_row  # approved by
    assert "automatic run" in first_row  # calculated by the task, no user
    assert "Nothing: every closed week is calculated" in html


def test_calculated_by_is_the_user_of_the_latest_calculation(
    client, two_weeks, finance
):
    client.post(f"{review_url(SECOND)}recalculate/")
    rows = client.get(CYCLES).context["rows"]
    by_number = {cycle.number: user for cycle, user in rows}
    assert by_number[SECOND] == finance
    assert by_number[FIRST] is None


def test_calculate_enqueues_the_task_and_does_not_run_it(
    client,
    payroll_team,
    catalog,
    fedex,
    finance,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    buy(payroll_team["top"], catalog["ESP-1"], march(2), fedex)
    with time_machine.travel(AFTER, tick=False):
        actions.calculate_cycle(number=FIRST)
        assert client.get(CYCLES).context["pipeline"].waiting == 1

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = post(client, f"{CYCLES}calculate/")

    assert response.status_code == 200
    assert landed(response) == CYCLES
    assert len(callbacks) == 1
    queued = DBTaskResult.objects.get()
    assert queued.task_path == TASK
    assert queued.status == "READY"
    assert said(response) == [
        "Calculation of the closed weeks through cycle 901 is queued: it runs in "
        "the background. Reload this page in a few minutes to see the results."
    ]
    # Queued, not run: cycle 901 is still waiting.
    assert list(Cycle.objects.values_list("number", flat=True)) == [FIRST]


def test_calculate_with_nothing_waiting_says_so_and_queues_nothing(
    client, two_weeks, finance, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, f"{CYCLES}calculate/")
    assert response.status_code == 200
    assert callbacks == []
    assert not DBTaskResult.objects.exists()
    assert said(response) == [
        "Nothing to calculate: every closed week through cycle 901 is done."
    ]


def test_the_queued_task_calculates_the_waiting_weeks(
    client, payroll_team, catalog, fedex, finance, django_capture_on_commit_callbacks
):
    # The test task backend runs the task when it is enqueued, after the commit.
    buy(payroll_team["top"], catalog["ESP-1"], march(2), fedex)
    with (
        time_machine.travel(AFTER, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(f"{CYCLES}calculate/")
    assert list(Cycle.objects.values_list("number", "status")) == [
        (SECOND, CycleStatus.CALCULATED),
        (FIRST, CycleStatus.CALCULATED),
    ]


def test_calculate_is_post_only(client, two_weeks, finance):
    assert client.get(f"{CYCLES}calculate/").status_code == 405


# --- review figures ---------------------------------------------------------------


def test_review_shows_totals_beside_the_previous_cycle(client, two_weeks, finance):
    response = client.get(review_url(SECOND))

    assert response.status_code == 200
    assert response.context["previous"].number == FIRST
    figures = {
        f.code: (f.current, f.previous, f.change) for f in response.context["totals"]
    }
    assert figures == {
        "retail": (D("0.00"), D("0.00"), D("0.00")),
        "gen5": (D("0.00"), D("55.00"), D("-55.00")),
        "mvp": (D("0.00"), D("50.00"), D("-50.00")),
        "binary": (D("0.00"), D("0.00"), D("0.00")),
        "total": (D("0.00"), D("105.00"), D("-105.00")),
        "paid": (D("0.00"), D("105.00"), D("-105.00")),
        "carried": (D("0.00"), D("0.00"), D("0.00")),
        "breakage": (D("0.00"), D("0.00"), D("0.00")),
        "members": (4, 4, 0),
    }
    html = response.content.decode()
    row = html[
        html.index('id="figure-total"') : html.index(
            "</tr>", html.index('id="figure-total"')
        )
    ]
    assert "$0.00" in row
    assert "$105.00" in row
    assert "−$105.00" in row
    cycle = Cycle.objects.get(number=SECOND)
    assert cycle.result_hash in html
    assert cycle.plan_version in html


def test_the_first_cycle_has_nothing_to_compare_with(client, two_weeks, finance):
    response = client.get(review_url(FIRST))
    assert response.context["previous"] is None
    assert response.context["biggest"] == []
    assert [f.previous for f in response.context["totals"]] == [None] * 9
    assert "No earlier closed cycle to compare with." in response.content.decode()


def test_biggest_changes_are_exact_and_sorted_by_size(client, two_weeks, finance):
    response = client.get(review_url(SECOND))

    assert response.context["biggest"] == [
        Change(100000, "Top Founder", before=D("55.00"), after=D("0.00")),
        Change(100001, "Alice Archer", before=D("50.00"), after=D("0.00")),
    ]
    html = response.content.decode()
    row = html[
        html.index('id="biggest-100000"') : html.index(
            "</tr>", html.index('id="biggest-100000"')
        )
    ]
    assert "$55.00" in row
    assert "−$55.00" in row


def test_biggest_changes_keep_the_top_twenty(two_weeks):
    first = Cycle.objects.get(number=FIRST)
    second = Cycle.objects.get(number=SECOND)
    assert review.biggest_changes(second, first, limit=1) == [
        Change(100000, "Top Founder", before=D("55.00"), after=D("0.00")),
    ]
    assert review.biggest_changes(first, first) == []


def test_a_recalculation_with_new_volume_shows_what_changed(
    client, two_weeks, catalog, fedex, finance
):
    bob = two_weeks["bob"]
    dave = join(
        UserFactory(username="100004", first_name="Dave", last_name="Diaz"),
        enroller=bob,
        parent=bob,
        side="R",
        joined=march(10).date(),
    )
    # bob upgrades to ESP-2 in cycle 901: alice's GEN5 is $75 − $25 = $50 (§6).
    buy(bob, catalog["ESP-1 to ESP-2"], march(10), fedex)
    assert client.get(review_url(SECOND)).context["diff"] is None

    response = post(client, f"{review_url(SECOND)}recalculate/")

    assert response.status_code == 200
    assert landed(response) == review_url(SECOND)
    assert said(response) == [
        "Cycle 901 is recalculated: $50.00 earned, $50.00 payable."
    ]
    assert totals(SECOND) == {
        100000: D("0.00"),
        100001: D("50.00"),
        100002: D("0.00"),
        100003: D("0.00"),
        dave.distributor_id: D("0.00"),
    }
    page = client.get(review_url(SECOND))
    diff = page.context["diff"]
    assert (diff.changed, diff.added, diff.removed) == (1, 1, 0)
    assert "the same result hash" not in page.content.decode()
    members = page.context["totals"][-1]
    assert (members.code, members.current, members.previous, members.change) == (
        "members",
        5,
        4,
        1,
    )
    assert diff.top == [
        Change(100001, "Alice Archer", before=D("0.00"), after=D("50.00")),
        Change(100004, "Dave Diaz", before=None, after=D("0.00")),
    ]
    latest, earlier = CycleRun.objects.filter(number=SECOND).order_by("-id")[:2]
    assert (diff.latest, diff.earlier) == (latest, earlier)
    html = page.content.decode()
    row = html[
        html.index('id="rerun-100001"') : html.index(
            "</tr>", html.index('id="rerun-100001"')
        )
    ]
    assert "$0.00" in row
    assert "$50.00" in row
    assert "+$50.00" in row
    added = html[
        html.index('id="rerun-100004"') : html.index(
            "</tr>", html.index('id="rerun-100004"')
        )
    ]
    assert "not in it" in added
    # Against cycle 900 now only top moved: alice earned $50.00 in both.
    assert page.context["biggest"] == [
        Change(100000, "Top Founder", before=D("55.00"), after=D("0.00")),
    ]


def test_the_diff_reads_the_snapshots_the_runs_wrote(client, two_weeks, finance):
    post(client, f"{review_url(FIRST)}recalculate/")
    run = CycleRun.objects.filter(number=FIRST).first()
    assert actions.read_snapshot(run.totals_snapshot) == {
        100000: 5500,
        100001: 5000,
        100002: 0,
        100003: 0,
    }
    ids, cents = review.snapshot_arrays(run.totals_snapshot)
    assert dict(zip(ids.tolist(), cents.tolist(), strict=True)) == (
        actions.read_snapshot(run.totals_snapshot)
    )
    page = client.get(review_url(FIRST))
    diff = page.context["diff"]
    assert (diff.changed, diff.added, diff.removed, diff.top) == (0, 0, 0, [])
    assert "the same result hash" in page.content.decode()


def test_review_lists_runs_and_audit_events(client, two_weeks, finance):
    client.post(f"{review_url(FIRST)}recalculate/")
    actions.approve_cycle(number=FIRST, user=finance)

    response = client.get(review_url(FIRST))

    runs = response.context["runs"]
    assert [(r.status, r.started_by) for r in runs] == [
        (RunStatus.SUCCEEDED, finance),
        (RunStatus.SUCCEEDED, None),
    ]
    assert runs[0].result_hash == Cycle.objects.get(number=FIRST).result_hash
    events = response.context["events"]
    assert [(e.kind, e.actor) for e in events] == [
        (CycleEvent.Kind.APPROVED, finance),
        (CycleEvent.Kind.CALCULATED, finance),
        (CycleEvent.Kind.CALCULATED, None),
    ]
    html = response.content.decode()
    assert f'id="run-{runs[0].pk}"' in html
    assert f'id="event-{events[0].pk}"' in html


# --- recalculating and approving ------------------------------------------------


def test_approving_follows_the_order_of_the_cycles_and_locks_them(
    client, two_weeks, finance
):
    second_before = state(SECOND)
    response = post(client, f"{review_url(SECOND)}approve/")
    assert landed(response) == review_url(SECOND)
    assert said(response) == ["Approve cycle 900 first."]
    assert state(SECOND) == second_before

    response = post(client, f"{review_url(FIRST)}approve/")
    assert said(response) == [
        "Cycle 900 is approved: $105.00 payable on March 20, 2026. Its figures can "
        "no longer change."
    ]
    cycle = Cycle.objects.get(number=FIRST)
    assert (cycle.status, cycle.approved_by, cycle.approved_at) == (
        CycleStatus.APPROVED,
        finance,
        AFTER,
    )
    event = CycleEvent.objects.get(kind=CycleEvent.Kind.APPROVED)
    assert (event.number, event.actor, event.detail) == (
        FIRST,
        finance,
        {"hash": cycle.result_hash, "total": "105.00"},
    )
    approved = state(FIRST)

    response = post(client, f"{review_url(FIRST)}approve/")
    assert said(response) == ["Cycle 900 is already approved."]
    assert state(FIRST) == approved
    assert CycleEvent.objects.filter(kind=CycleEvent.Kind.APPROVED).count() == 1

    response = post(client, f"{review_url(FIRST)}recalculate/")
    assert landed(response) == review_url(FIRST)
    assert said(response) == ["Cycle 900 is approved and cannot be recalculated."]
    assert state(FIRST) == approved

    page = client.get(review_url(FIRST))
    assert page.context["can_approve"] is False
    assert page.context["can_recalculate"] is False
    assert "its figures are locked" in page.content.decode()

    response = post(client, f"{review_url(SECOND)}approve/")
    assert said(response)[0].startswith("Cycle 901 is approved: $0.00 payable")
    assert Cycle.objects.get(number=SECOND).status == CycleStatus.APPROVED


def test_review_warns_when_the_previous_cycle_waits_for_approval(
    client, two_weeks, finance
):
    page = client.get(review_url(SECOND))
    assert page.context["waits_for"].number == FIRST
    assert "Cycle 900 is not approved yet" in page.content.decode()
    actions.approve_cycle(number=FIRST, user=finance)
    assert client.get(review_url(SECOND)).context["waits_for"] is None


def test_recalculating_redoes_the_later_calculated_cycles(client, two_weeks, finance):
    second = Cycle.objects.get(number=SECOND)
    with time_machine.travel(AFTER + timedelta(minutes=10), tick=False):
        response = post(client, f"{review_url(FIRST)}recalculate/")
    assert said(response) == [
        "Cycle 900 is recalculated: $105.00 earned, $105.00 payable.",
        "Cycle 901 starts from its banks and was recalculated too.",
    ]
    assert Cycle.objects.get(number=SECOND).calculated_at == (
        second.calculated_at + timedelta(minutes=10)
    )
    assert totals(FIRST) == {
        100000: D("55.00"),
        100001: D("50.00"),
        100002: D("0.00"),
        100003: D("0.00"),
    }


def test_recalculating_the_open_week_is_refused(client, two_weeks, finance):
    actions.estimate_current_cycle()
    estimate = state(OPEN)
    response = post(client, f"{review_url(OPEN)}recalculate/")
    assert landed(response) == review_url(OPEN)
    assert said(response) == [
        "Cycle 902 has not ended yet: its estimate is shown instead."
    ]
    assert state(OPEN) == estimate
    page = client.get(review_url(OPEN))
    assert page.status_code == 200
    assert page.context["can_recalculate"] is False
    assert page.context["can_approve"] is False
    assert page.context["previous"].number == SECOND


def test_approving_an_estimate_or_a_missing_cycle_is_refused(
    client, two_weeks, finance
):
    actions.estimate_current_cycle()
    response = post(client, f"{review_url(OPEN)}approve/")
    assert said(response) == ["Cycle 902 has not been calculated."]
    assert Cycle.objects.get(number=OPEN).status == CycleStatus.ESTIMATE
    response = post(client, f"{review_url(OPEN + 1)}approve/")
    assert landed(response) == CYCLES
    assert said(response) == ["Cycle 903 has not been calculated."]
    assert not CycleEvent.objects.filter(kind=CycleEvent.Kind.APPROVED).exists()


def test_approve_and_recalculate_are_post_only(client, two_weeks, finance):
    assert client.get(f"{review_url(FIRST)}approve/").status_code == 405
    assert client.get(f"{review_url(FIRST)}recalculate/").status_code == 405
    assert Cycle.objects.get(number=FIRST).status == CycleStatus.CALCULATED
