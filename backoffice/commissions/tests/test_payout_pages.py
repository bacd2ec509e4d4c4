"""Staff payout pages over HTTP: preview, create, bank file, CSV, paid, holds."""

# Fixtures come from fixture modules by import: pytest finds them by parameter name.
# ruff: noqa: F811

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from backoffice.commissions import payouts
from backoffice.commissions.models import (
    BatchStatus,
    Cycle,
    CycleStatus,
    HoldReason,
    LedgerEntry,
    LedgerKind,
    PayoutBatch,
    PayoutHold,
)
from backoffice.commissions.tests.fixtures_payouts import (  # noqa: F401
    approve,
    clock,
    give_bank,
    root,
    team,
    write_cycle,
)
from backoffice.commissions.tests.fixtures_staff import staff_member
from backoffice.profiles.models import PayoutMethod

pytestmark = pytest.mark.django_db

D = Decimal
BASE = "/staff/commissions/"
PAGE = f"{BASE}900/payouts/"
VIEW = "commissions.view_cycle"
PAY = "commissions.pay_payoutbatch"
HOLDS = f"{BASE}holds/"
HOLD_PERMISSIONS = (
    "commissions.view_payouthold",
    "commissions.add_payouthold",
    "commissions.change_payouthold",
)


@pytest.fixture
def clerk(client):
    """Finance staff with every payout permission."""
    return staff_member(
        client, VIEW, PAY, *HOLD_PERMISSIONS, username="penny", first_name="Penny"
    )


@pytest.fixture
def week(team, staff, clock):
    """Cycle 900 approved: alice $50 (bank), bob $60 (no bank), charlie $30 (held),
    root $2,500 (no tax ID: 2026's threshold is $2,000)."""
    give_bank(team["alice"])
    give_bank(team["charlie"], method=PayoutMethod.WALLET)
    give_bank(team["root"])
    payouts.place_hold(
        distributor=team["charlie"], reason=HoldReason.STAFF, note="ID check", days=None
    )
    approve(
        900,
        {
            team["alice"]: "50.00",
            team["bob"]: "60.00",
            team["charlie"]: "30.00",
            team["root"]: "2500.00",
        },
        by=staff,
    )
    return team


def said(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def create(client) -> None:
    """Create the batch of cycle 900 through the page (its message is shown)."""
    response = client.post(f"{PAGE}create/", follow=True)
    assert response.context["batch"].cycle.number == 900


def batch_state() -> list[tuple]:
    return list(
        PayoutBatch.objects.values_list(
            "cycle__number", "status", "exported_at", "paid_at", "nacha_sha256"
        )
    )


# --- who may use the pages ---------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client, week):
    for url in (PAGE, HOLDS):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_distributors_get_403_on_every_payout_page(client, week):
    client.force_login(week["alice"].user)
    for url in (PAGE, f"{PAGE}payouts.csv", HOLDS):
        assert client.get(url).status_code == 403
    for url in (f"{PAGE}create/", f"{PAGE}ach.txt", f"{PAGE}paid/", HOLDS):
        assert client.post(url).status_code == 403
    assert not PayoutBatch.objects.exists()


def test_staff_without_the_permissions_get_403(client, week):
    staff_member(client, username="sid")
    for url in (PAGE, f"{PAGE}payouts.csv", HOLDS):
        assert client.get(url).status_code == 403
    assert client.post(f"{PAGE}create/").status_code == 403
    assert not PayoutBatch.objects.exists()


def test_viewing_staff_see_the_preview_but_cannot_pay_or_hold(client, week):
    staff_member(client, VIEW, username="val")
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.context["can_pay"] is False
    assert b"Create payout batch" not in response.content
    assert client.post(f"{PAGE}create/").status_code == 403
    assert client.get(HOLDS).status_code == 403
    assert client.post(
        HOLDS, {"distributor_id": "100001", "note": "x"}
    ).status_code == (403)
    assert not PayoutBatch.objects.exists()
    assert PayoutHold.objects.count() == 1


def test_the_finance_role_holds_every_payout_permission(client, week):
    user = staff_member(client, role="finance", username="fin")
    assert all(
        user.has_perm(name)
        for name in (
            VIEW,
            PAY,
            *HOLD_PERMISSIONS,
            "commissions.view_payoutbatch",
            "commissions.view_payout",
            "commissions.view_ledgerentry",
        )
    )
    assert (
        Group.objects.get(name="finance")
        .permissions.filter(codename="pay_payoutbatch")
        .exists()
    )


def test_unknown_and_open_cycles_are_404(client, week, clerk):
    write_cycle(901)
    Cycle.objects.filter(number=901).update(status=CycleStatus.ESTIMATE)
    for number in (950, 901):
        assert client.get(f"{BASE}{number}/payouts/").status_code == 404
        assert client.post(f"{BASE}{number}/payouts/ach.txt").status_code == 404
        assert client.get(f"{BASE}{number}/payouts/payouts.csv").status_code == 404
        assert client.post(f"{BASE}{number}/payouts/paid/").status_code == 404
    # Approved but without a batch: no file, nothing to mark paid.
    assert client.post(f"{PAGE}ach.txt").status_code == 404
    assert client.get(f"{PAGE}payouts.csv").status_code == 404
    assert client.post(f"{PAGE}paid/").status_code == 404
    assert client.post(f"{HOLDS}999/release/").status_code == 404


# --- before the batch ---------------------------------------------------------------


def test_the_preview_shows_who_would_be_paid_and_who_is_carried(client, week, clerk):
    response = client.get(PAGE)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert (
        preview.payees,
        preview.total,
        preview.bank_total,
        preview.wallet_total,
    ) == (
        1,
        D("50.00"),
        D("50.00"),
        D("0.00"),
    )
    assert (preview.held, preview.held_total) == (3, D("2590.00"))
    assert [(r.reason, r.payees, r.total) for r in preview.reasons] == [
        ("hold", 1, D("30.00")),
        ("no_bank", 1, D("60.00")),
        ("tax_id", 1, D("2500.00")),
    ]
    carried = [
        (row.candidate.result.distributor.distributor_id, str(row.reason))
        for row in response.context["carried_page"]
    ]
    assert carried == [
        (100000, "Tax ID needed"),
        (100002, "No bank account"),
        (100003, "On hold"),
    ]
    html = response.content.decode()
    assert "Create payout batch" in html
    assert "$2,590.00" in html
    assert "Tax ID needed" in html
    assert "Alice Archer" in html
    assert not PayoutBatch.objects.exists()


def test_a_cycle_not_approved_yet_cannot_be_paid(client, team, clerk, clock):
    write_cycle(900, {team["alice"]: "50.00"})
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "preview" not in response.context
    assert b"Approve cycle 900 before paying it." in response.content
    assert b"Create payout batch" not in response.content

    response = client.post(f"{PAGE}create/", follow=True)
    assert said(response) == ["Approve cycle 900 before paying it."]
    assert not PayoutBatch.objects.exists()


# --- the batch ----------------------------------------------------------------------


def test_creating_the_batch_shows_its_figures_and_payouts(client, week, clerk):
    response = client.post(f"{PAGE}create/", follow=True)
    assert response.redirect_chain[-1][0] == PAGE
    assert said(response) == [
        "The payout batch of cycle 900 is created: $50.00 to 1 payee, payment "
        "date March 20, 2026. Carried: 3."
    ]
    batch = response.context["batch"]
    assert (batch.payees, batch.total, batch.held, batch.held_total) == (
        1,
        D("50.00"),
        3,
        D("2590.00"),
    )
    assert [
        (p.distributor.distributor_id, p.amount) for p in response.context["page"]
    ] == [(100001, D("50.00"))]
    html = response.content.decode()
    assert "Ready to export" in html
    assert "Download the bank file (NACHA)" in html
    assert "Mark paid" not in html  # the bank file comes first

    again = client.post(f"{PAGE}create/", follow=True)
    assert said(again) == ["Cycle 900 already has a payout batch."]
    assert PayoutBatch.objects.count() == 1


def test_the_bank_file_downloads_and_marks_the_batch_exported(client, week, clerk):
    create(client)
    assert client.get(f"{PAGE}ach.txt").status_code == 405

    response = client.post(f"{PAGE}ach.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="ach-900.txt"'
    records = response.content.decode().splitlines()
    assert [r[0] for r in records[:5]] == ["1", "5", "6", "8", "9"]
    assert records[2][29:39] == "0000005000"
    batch = PayoutBatch.objects.get()
    assert batch.status == BatchStatus.EXPORTED
    page = client.get(PAGE).content.decode()
    assert "Sent to the bank" in page
    assert "Download the bank file (NACHA) again" in page
    assert "Yes, mark this batch paid" in page


def test_a_refused_bank_file_says_why_and_changes_nothing(client, week, clerk, clock):
    create(client)
    clock.shift(60)
    payouts.place_hold(
        distributor=week["alice"], reason=HoldReason.STAFF, note="", days=None
    )
    before = batch_state()

    response = client.post(f"{PAGE}ach.txt", follow=True)

    assert response.redirect_chain[-1][0] == PAGE
    assert said(response) == [
        "A payee in this batch was put on hold after it was created (for example "
        "after changing bank details): check the hold first."
    ]
    assert batch_state() == before
    assert [h.distributor.distributor_id for h in response.context["late_holds"]] == [
        100001
    ]


def test_the_csv_downloads(client, week, clerk):
    create(client)
    response = client.get(f"{PAGE}payouts.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="payouts-900.csv"'
    assert response.content.decode() == (
        "cycle,distributor_id,name,method,amount,earned_in_cycle\n"
        "900,100001,Alice Archer,bank,50.00,900\n"
    )


def test_mark_paid_needs_the_bank_file_then_pays_and_emails(
    client, week, clerk, django_capture_on_commit_callbacks
):
    create(client)
    response = client.post(f"{PAGE}paid/", follow=True)
    assert said(response) == ["Export the bank file before marking it paid."]
    assert PayoutBatch.objects.get().status == BatchStatus.DRAFT
    assert not LedgerEntry.objects.filter(kind=LedgerKind.PAID).exists()

    client.post(f"{PAGE}ach.txt")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{PAGE}paid/", follow=True)

    assert said(response) == [
        "The payouts of cycle 900 are marked paid: $50.00 to 1 payee. Each payee "
        "is emailed."
    ]
    batch = PayoutBatch.objects.get()
    assert (batch.status, batch.paid_by) == (BatchStatus.PAID, clerk)
    assert [m.to for m in mail.outbox] == [["100001@example.com"]]
    assert b"Download the bank file" not in response.content
    assert b"Yes, mark this batch paid" not in response.content

    again = client.post(f"{PAGE}paid/", follow=True)
    assert said(again) == ["This batch is already paid."]
    assert LedgerEntry.objects.filter(kind=LedgerKind.PAID).count() == 1


def test_a_second_batch_waits_for_the_open_one(client, week, clerk, staff):
    create(client)
    approve(901, {week["alice"]: "25.00"}, by=staff)
    response = client.get(f"{BASE}901/payouts/")
    assert response.context["open_batch"].cycle.number == 900
    assert b"Create payout batch" not in response.content
    assert b"mark it paid before creating this one" in response.content
    response = client.post(f"{BASE}901/payouts/create/", follow=True)
    assert said(response) == [
        "Mark the open payout batch paid before creating another."
    ]
    assert PayoutBatch.objects.count() == 1


def test_payouts_are_paginated(client, week, clerk, monkeypatch):
    from backoffice.commissions.views import payouts as views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    response = client.get(PAGE)
    assert response.context["carried_page"].paginator.num_pages == 3
    second = client.get(f"{PAGE}?carried=2")
    assert [
        row.candidate.result.distributor.distributor_id
        for row in second.context["carried_page"]
    ] == [100002]
    assert b'href="?carried=3"' in second.content


# --- holds --------------------------------------------------------------------------


def test_the_holds_page_lists_active_holds(client, week, clerk, clock):
    released = payouts.place_hold(
        distributor=week["bob"], reason=HoldReason.STAFF, days=None
    )
    payouts.release_hold(hold=released, by=None)
    payouts.place_hold(distributor=week["alice"], reason=HoldReason.BANK_CHANGE, days=7)

    response = client.get(HOLDS)

    assert response.status_code == 200
    rows = [
        (h.distributor.distributor_id, h.reason, h.note)
        for h in response.context["page"]
    ]
    assert sorted(rows) == [
        (100001, "bank_change", ""),
        (100003, "staff", "ID check"),
    ]
    html = response.content.decode()
    assert "Bank details changed" in html
    assert "Until released" in html
    assert "Charlie Cruz" in html
    assert "Release 100003" in html
    assert "Bob Baker" not in html


def test_staff_place_a_hold_with_a_note(client, week, clerk):
    response = client.post(
        HOLDS, {"distributor_id": " 100002 ", "note": "Returned deposit"}, follow=True
    )
    assert said(response) == [
        "Payouts to Bob Baker (100002) are on hold until released: their money "
        "carries to later batches."
    ]
    hold = PayoutHold.objects.get(distributor=week["bob"])
    assert (hold.reason, hold.note, hold.created_by, hold.until) == (
        HoldReason.STAFF,
        "Returned deposit",
        clerk,
        None,
    )
    assert [
        c.carried_because
        for c in payouts.preview_batch(900)
        if c.result.distributor == week["bob"]
    ] == ["hold"]


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"distributor_id": "999999", "note": "x"}, "distributor_id", "No distributor"),
        ({"distributor_id": "abc", "note": "x"}, "distributor_id", "No distributor"),
        ({"distributor_id": "100001", "note": ""}, "note", "This field is required."),
    ],
)
def test_a_bad_hold_form_places_nothing(client, week, clerk, data, field, error):
    response = client.post(HOLDS, data)
    assert response.status_code == 200
    assert error in " ".join(response.context["form"].errors[field])
    assert PayoutHold.objects.count() == 1


def test_release_a_hold_once(client, week, clerk):
    hold = PayoutHold.objects.get()
    url = f"{HOLDS}{hold.pk}/release/"
    assert client.get(url).status_code == 405

    response = client.post(url, follow=True)

    assert said(response) == [
        "The hold on Charlie Cruz (100003) is released: their carried payouts join "
        "the next batch."
    ]
    hold.refresh_from_db()
    assert hold.released_by == clerk
    assert list(response.context["page"]) == []
    again = client.post(url, follow=True)
    assert said(again) == ["This hold was already released."]


def test_releasing_needs_the_change_permission(client, week):
    staff_member(client, VIEW, "commissions.view_payouthold", username="vic")
    hold = PayoutHold.objects.get()
    response = client.get(HOLDS)
    assert response.status_code == 200
    assert b"Release 100003" not in response.content
    assert b"Place hold" not in response.content
    assert client.post(f"{HOLDS}{hold.pk}/release/").status_code == 403
    hold.refresh_from_db()
    assert hold.released_at is None
