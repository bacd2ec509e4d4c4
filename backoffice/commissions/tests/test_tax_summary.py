"""The distributor's yearly tax summary: years, totals by month, threshold, PDF."""

# Fixtures come from fixture modules by import: pytest finds them by parameter name.
# ruff: noqa: F811

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from backoffice.commissions import payouts, taxes
from backoffice.commissions.tests.fixtures_payouts import (  # noqa: F401
    approve,
    clock,
    give_bank,
    give_tax_id,
    pdf_text,
    root,
    team,
)
from backoffice.commissions.tests.fixtures_staff import staff_member

pytestmark = pytest.mark.django_db

D = Decimal
TAX = "/commissions/tax/"


def paid_batch(number: int, effective_on: date | None, *, by) -> None:
    batch = payouts.create_payout_batch(
        number=number, user=by, effective_on=effective_on
    )
    if batch.bank_total:
        payouts.export_nacha(batch=batch, user=by)
    payouts.mark_batch_paid(batch=batch, user=by, notify=False)


@pytest.fixture
def paid(team, staff, clock):
    """Alice: $700.00 paid on 2025-12-26, $50.00 on 2026-03-27, $30.50 on
    2026-04-03, and $40.00 in a batch not paid yet. Bob: $40.00 on 2024-12-27 (no
    threshold that year), $30.00 on 2025-12-26. Charlie: nothing."""
    alice, bob = team["alice"], team["bob"]
    give_bank(alice)
    give_bank(bob)
    give_tax_id(alice, tin="912345678")
    approve(899, {bob: "40.00"}, by=staff)
    paid_batch(899, date(2024, 12, 27), by=staff)
    approve(900, {alice: "700.00", bob: "30.00"}, by=staff)
    paid_batch(900, date(2025, 12, 26), by=staff)
    approve(901, {alice: "50.00"}, by=staff)
    paid_batch(901, None, by=staff)  # the pay date, 2026-03-27
    approve(902, {alice: "30.50"}, by=staff)
    paid_batch(902, None, by=staff)
    approve(903, {alice: "40.00"}, by=staff)
    payouts.create_payout_batch(number=903, user=staff)
    return team


def test_the_years_list_holds_paid_years_and_the_current_one(client, paid):
    client.force_login(paid["alice"].user)
    response = client.get(TAX)
    assert response.status_code == 200
    assert [(y.year, y.total, y.payments) for y in response.context["years"]] == [
        (2026, D("80.50"), 2),
        (2025, D("700.00"), 1),
    ]
    html = response.content.decode()
    assert 'href="/commissions/tax/2025/"' in html
    assert "$700.00" in html

    client.force_login(paid["bob"].user)
    years = client.get(TAX).context["years"]
    assert [(y.year, y.total) for y in years] == [
        (2026, D("0.00")),
        (2025, D("30.00")),
        (2024, D("40.00")),
    ]


def test_a_year_totals_paid_batches_by_payment_date_and_month(client, paid):
    client.force_login(paid["alice"].user)
    response = client.get(f"{TAX}2026/")
    assert response.status_code == 200
    summary = response.context["summary"]
    # The $40.00 of cycle 903 is in a batch not paid yet: not counted.
    assert (summary.total, summary.payments) == (D("80.50"), 2)
    assert [(m.first_day.month, m.total, m.payments) for m in summary.months] == [
        (1, D("0.00"), 0),
        (2, D("0.00"), 0),
        (3, D("50.00"), 1),
        (4, D("30.50"), 1),
        *[(month, D("0.00"), 0) for month in range(5, 13)],
    ]
    assert summary.threshold == D("2000.00")
    assert summary.crosses_threshold is False
    html = response.content.decode()
    assert "$80.50" in html
    assert "March 2026" in html
    assert "below the 1099-NEC threshold of $2,000.00" in html
    assert "•••• 5678" in html
    assert "912345678" not in html
    assert 'href="/profile/tax/"' in html
    assert 'href="/commissions/tax/2026/summary.pdf"' in html


def test_a_year_that_reaches_the_threshold_says_so(client, paid):
    client.force_login(paid["alice"].user)
    summary = client.get(f"{TAX}2025/").context["summary"]
    assert (summary.total, summary.threshold) == (D("700.00"), D("600.00"))
    assert summary.crosses_threshold is True
    assert summary.tax_id_limits_payouts is False
    html = client.get(f"{TAX}2025/").content.decode()
    assert "reach the 1099-NEC threshold of $600.00" in html
    assert 'id="tax-id-needed"' not in html


def test_without_a_tax_id_the_page_says_so_and_links_to_the_profile(client, paid):
    client.force_login(paid["bob"].user)
    response = client.get(f"{TAX}2025/")
    summary = response.context["summary"]
    assert (summary.total, summary.has_tax_id, summary.masked_tax_id) == (
        D("30.00"),
        False,
        "",
    )
    html = response.content.decode()
    assert "Not on file" in html
    assert "Add your tax ID" in html
    assert (
        "Without a tax ID on file, a payout that would bring your payments in 2025 "
        "to $600.00 or more waits until you add one in your profile." in html
    )


def test_a_year_before_any_threshold(client, paid):
    client.force_login(paid["bob"].user)
    response = client.get(f"{TAX}2024/")
    summary = response.context["summary"]
    assert (summary.total, summary.threshold, summary.crosses_threshold) == (
        D("40.00"),
        None,
        False,
    )
    assert "The plan sets no 1099-NEC threshold for 2024." in response.content.decode()


def test_the_pdf_has_the_same_figures(client, paid):
    client.force_login(paid["alice"].user)
    with translation.override("en"):
        response = client.get(f"{TAX}2026/summary.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="tax-summary-2026-100001.pdf"'
    )
    text = pdf_text(response.content)
    lines = text.splitlines()
    assert "Commission payments in 2026" in lines
    assert "Distributor: Alice Archer (100001)" in lines
    assert "Total paid: $80.50" in lines
    assert "Tax ID on file: \xb7\xb7\xb7\xb7 5678" in lines
    assert "912345678" not in text
    assert "March 2026" in lines
    assert "$30.50" in lines
    assert "Your payments in 2026 are below the 1099-NEC threshold of $2,000.00." in (
        text.replace("\n", " ")
    )


def test_the_pdf_of_a_year_over_the_threshold(paid):
    summary = taxes.get_tax_year_for_viewer(paid["alice"], 2025)
    data = taxes.tax_summary_pdf(
        summary, company={"name": "Gano Excel — USA", "address": "Pomona, CA"}
    )
    text = pdf_text(data)
    assert "Gano Excel - USA" in text
    assert "Total paid: $700.00" in text
    assert "December 2025" in text


def test_charlie_sees_only_his_own_payments(client, paid):
    client.force_login(paid["charlie"].user)
    assert [y.year for y in client.get(TAX).context["years"]] == [2026]
    for url in (f"{TAX}2025/", f"{TAX}2025/summary.pdf", f"{TAX}2024/"):
        assert client.get(url).status_code == 404
    response = client.get(f"{TAX}2026/")
    assert response.status_code == 200
    assert response.context["summary"].total == D("0.00")
    html = response.content.decode()
    assert "$80.50" not in html
    assert "5678" not in html
    assert "Alice" not in html
    pdf = pdf_text(client.get(f"{TAX}2026/summary.pdf").content)
    assert "Total paid: $0.00" in pdf
    assert "Alice" not in pdf


def test_years_out_of_range_are_404(client, paid):
    client.force_login(paid["alice"].user)
    for year in (0, 2027, 99999):
        assert client.get(f"{TAX}{year}/").status_code == 404


def test_staff_and_signed_out_visitors_cannot_see_tax_pages(client, paid):
    for url in (TAX, f"{TAX}2026/", f"{TAX}2026/summary.pdf"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    staff_member(client, "commissions.view_cycle", username="sam")
    for url in (TAX, f"{TAX}2026/", f"{TAX}2026/summary.pdf"):
        assert client.get(url).status_code == 404


def test_tax_pages_only_answer_get(client, paid):
    client.force_login(paid["alice"].user)
    assert client.post(f"{TAX}2026/").status_code == 405
