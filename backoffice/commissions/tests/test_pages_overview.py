"""The distributor's commission overview (/commissions/) and the dashboard card."""

# Fixtures come from fixtures_pages by import, so their names are reused.
# ruff: noqa: F811

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.template.loader import render_to_string
from django.utils import translation

from backoffice.commissions import reads
from backoffice.commissions.models import CycleStatus
from backoffice.commissions.tests.fixtures_pages import (  # noqa: F401
    OPEN,
    PACIFIC,
    catalog,
    fedex,
    make_cycle,
    make_result,
    paid_order,
    root,
    ship_to_ca,
    team,
    today,
)
from backoffice.shop.activity import last_active_day

pytestmark = pytest.mark.django_db

D = Decimal
URL = "/commissions/"


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def by_id(html: str, element_id: str) -> str:
    """The text inside the element with ``id`` (first closing tag of its kind)."""
    match = re.search(
        rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', html, re.S
    )
    assert match, f"no element #{element_id}"
    return text_of(match.group(2))


def row_cells(html: str, row_id: str) -> dict[str, str]:
    row = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert row, f"no row #{row_id}"
    return {
        label: text_of(cell)
        for label, cell in re.findall(
            r'<td data-label="([^"]+)"[^>]*>(.*?)</td>', row.group(1), re.S
        )
    }


@pytest.fixture
def weeks(team, today):
    """alice: 909 approved, 910 calculated, 911 estimated; charlie has his own."""
    alice, charlie = team["alice"], team["charlie"]
    approved = make_cycle(909)
    calculated = make_cycle(910, CycleStatus.CALCULATED)
    estimate = make_cycle(
        OPEN,
        CycleStatus.ESTIMATE,
        counted_through=date(2026, 5, 20),
        calculated_at=datetime(2026, 5, 20, 9, 30, tzinfo=PACIFIC),
    )
    make_result(
        approved,
        alice,
        rank="Elite",
        best_rank="Silver",
        retail=D("16.00"),
        gen5=D("150.00"),
        mvp=D("25.00"),
        binary=D("170.00"),
        total=D("361.00"),
        paid=D("361.00"),
    )
    make_result(
        calculated,
        alice,
        rank="Apprentice",
        best_rank="Silver",
        binary=D("10.00"),
        total=D("10.00"),
        balance_out=D("10.00"),
    )
    # The plan's worked example (§12, distributor A), in its ESP-3 window.
    make_result(
        estimate,
        alice,
        rank="Elite",
        best_rank="Silver",
        is_binary_qualified=True,
        has_left_enrollee=True,
        has_right_enrollee=True,
        cycle_pv=D("250.00"),
        new_left=D("610.00"),
        new_right=D("3650.00"),
        rebate=D("75.00"),
        left_cv=D("1035.00"),
        right_cv=D("3725.00"),
        matched_cv=D("1000.00"),
        rate_bp=1700,
        rate_package=3,
        rate_until=date(2026, 9, 2),
        retail=D("8.00"),
        gen5=D("25.00"),
        mvp=D("25.00"),
        binary=D("170.00"),
        total=D("228.00"),
        balance_in=D("10.00"),
    )
    make_result(
        approved, charlie, binary=D("9999.00"), total=D("9999.00"), paid=D("9999.00")
    )
    make_result(estimate, charlie, left_cv=D("4321.00"), total=D("777.00"))
    return {"alice": alice, "charlie": charlie}


# --- access ------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/commissions/"


def test_staff_without_a_network_place_gets_404(client, staff, weeks):
    client.force_login(staff)
    assert client.get(URL).status_code == 404
    assert client.get(URL, HTTP_HX_REQUEST="true").status_code == 404


def test_charlie_sees_only_his_own_figures(client, weeks):
    client.force_login(weeks["charlie"].user)
    response = client.get(URL)
    html = response.text
    assert response.status_code == 200
    assert by_id(html, "week-left") == "4,321.00 CV (0.00 new this week)"
    assert by_id(html, "week-total") == "$777.00"
    assert row_cells(html, "week-909")["Paid"] == "$9,999.00"
    assert 'id="week-910"' not in html  # alice's week, not his
    assert "$361.00" not in html
    assert "$228.00" not in html


def test_post_is_refused(client, weeks):
    client.force_login(weeks["alice"].user)
    assert client.post(URL).status_code == 405


# --- this week so far --------------------------------------------------------


def test_this_week_shows_the_estimate_figures(client, weeks):
    client.force_login(weeks["alice"].user)
    html = client.get(URL).text
    assert by_id(html, "week-estimate") == (
        "An estimate for May 18, 2026 to May 24, 2026 (computed May 20, 2026, "
        "9:30 a.m.). It is never paid: the week is calculated again once it has "
        "ended."
    )
    assert by_id(html, "week-left") == "1,035.00 CV (610.00 new this week)"
    assert by_id(html, "week-right") == "3,725.00 CV (3,650.00 new this week)"
    # Bank in = leg - new - rebate: (1,035 - 610 - 75, 3,725 - 3,650 - 75).
    assert by_id(html, "week-banks") == "left 350.00 · right 0.00"
    assert by_id(html, "week-matched") == "1,000.00 CV"
    assert by_id(html, "week-rank") == "Elite"
    assert by_id(html, "week-rate") == "17% from your ESP-3 pack, until Sept. 2, 2026"
    assert by_id(html, "week-binary") == "$170.00"
    assert by_id(html, "week-gen5") == "$25.00"
    assert by_id(html, "week-mvp") == "$25.00"
    assert by_id(html, "week-retail") == "$8.00"
    assert by_id(html, "week-total") == "$228.00"
    # Bronze starts at 1,500 matched CV.
    assert by_id(html, "week-next") == "Bronze: 500.00 more matched CV this week."
    assert by_id(html, "week-legs") == (
        "Left leg: an active member you enrolled personally "
        "Right leg: an active member you enrolled personally"
    )
    assert '<a href="/commissions/911/why/">Why this amount?</a>' in html
    assert 'href="/commissions/what-if/"' in html
    assert 'href="/commissions/911/"' not in html  # an estimate has no statement


def test_rate_from_the_rank_and_the_top_rank(client, team, today):
    estimate = make_cycle(OPEN, CycleStatus.ESTIMATE)
    make_result(
        estimate,
        team["alice"],
        rank="Diamond",
        is_binary_qualified=True,
        has_left_enrollee=True,
        has_right_enrollee=True,
        left_cv=D("12550.00"),
        right_cv=D("12000.00"),
        matched_cv=D("12000.00"),
        rate_bp=1500,
        binary=D("1800.00"),
        total=D("1800.00"),
    )
    client.force_login(team["alice"].user)
    html = client.get(URL).text
    assert by_id(html, "week-rate") == "15% from your rank (Diamond)"
    assert by_id(html, "week-next") == "You are at the top rank."


def test_an_unqualified_member_is_told_what_is_missing(client, team, today):
    estimate = make_cycle(OPEN, CycleStatus.ESTIMATE)
    make_result(
        estimate,
        team["alice"],
        rank="Affiliate",
        has_left_enrollee=True,
        left_cv=D("700.00"),
        right_cv=D("400.00"),
    )
    client.force_login(team["alice"].user)
    html = client.get(URL).text
    assert by_id(html, "week-matched") == "0.00 CV"
    assert by_id(html, "week-rank") == "Affiliate"
    assert by_id(html, "week-next") == (
        "To be paid binary (as Apprentice or above) you need an active member you "
        "enrolled personally on each leg."
    )
    assert by_id(html, "week-legs") == (
        "Left leg: an active member you enrolled personally "
        "Right leg: no active member you enrolled personally yet"
    )


def test_without_any_result_the_page_says_so(client, team, today):
    client.force_login(team["bob"].user)
    response = client.get(URL)
    html = response.text
    assert response.status_code == 200
    assert "No estimate for this week yet." in html
    assert "No closed weeks yet" in html
    assert 'id="earnings-chart"' not in html
    assert response.context["chart"] is None


# --- activity ----------------------------------------------------------------


def test_days_until_inactive_from_the_volume(client, team, catalog, fedex, today):
    alice, spirit = team["alice"], catalog["801"]  # 36 PV each
    with time_machine.travel(datetime(2026, 5, 1, 10, tzinfo=PACIFIC), tick=False):
        paid_order(alice, {spirit: 1}, ship_to_ca(fedex))
    with time_machine.travel(datetime(2026, 5, 10, 10, tzinfo=PACIFIC), tick=False):
        paid_order(alice, {spirit: 1}, ship_to_ca(fedex))
        paid_order(team["charlie"], {spirit: 3}, ship_to_ca(fedex))
    client.force_login(alice.user)
    html = client.get(URL).text
    assert by_id(html, "activity-pv30") == "72.00 PV in the last 30 days (you need 50)."
    # On 31 May the window is 2-31 May: only the 36 PV of 10 May is left.
    assert by_id(html, "activity-days") == (
        "Active for 11 more days: without new orders you turn inactive on May 31, 2026."
    )


def test_an_inactive_member_sees_the_pv_missing(client, team, catalog, fedex, today):
    alice = team["alice"]
    with time_machine.travel(datetime(2026, 5, 12, 10, tzinfo=PACIFIC), tick=False):
        paid_order(alice, {catalog["801"]: 1}, ship_to_ca(fedex))
    client.force_login(alice.user)
    html = client.get(URL).text
    assert by_id(html, "activity-pv30") == "36.00 PV in the last 30 days (you need 50)."
    assert by_id(html, "activity-days") == (
        "Inactive 14.00 more PV makes you active again."
    )


def test_first_inactive_day_counts_a_refund_leaving_the_window():
    entries = [
        (date(2026, 4, 1), D("100")),  # order A
        (date(2026, 4, 10), D("-100")),  # A refunded
        (date(2026, 4, 20), D("60")),  # order B
    ]
    found = reads.first_inactive_day(
        entries, today=date(2026, 4, 20), threshold=D(50), window_days=30
    )
    # 1 May: A has left the window (2 Apr - 1 May) but its refund has not: -40.
    assert found == date(2026, 5, 1)
    # The last active day overall comes later, once the refund has left too.
    assert last_active_day(entries, threshold=D(50)) == date(2026, 5, 19)


def test_first_inactive_day_edges():
    entries = [(date(2026, 5, 1), D("50"))]
    assert reads.first_inactive_day(
        entries, today=date(2026, 5, 20), threshold=D(50), window_days=30
    ) == date(2026, 5, 31)
    assert reads.first_inactive_day(
        entries, today=date(2026, 5, 31), threshold=D(50), window_days=30
    ) == date(2026, 5, 31)
    assert reads.first_inactive_day(
        [], today=date(2026, 5, 20), threshold=D(50), window_days=30
    ) == date(2026, 5, 20)
    assert (
        reads.first_inactive_day(
            entries, today=date(2026, 5, 20), threshold=D(0), window_days=30
        )
        is None
    )


def test_termination_ends_activity_first(team, catalog, fedex, today):
    alice = team["alice"]
    with time_machine.travel(datetime(2026, 5, 18, 10, tzinfo=PACIFIC), tick=False):
        paid_order(alice, {catalog["820"]: 1}, ship_to_ca(fedex))  # 70 PV
    alice.terminated_on = date(2026, 5, 25)
    version = reads.actions.current_plan().for_cycle(OPEN)
    activity = reads.activity_of(alice, today=date(2026, 5, 20), version=version)
    assert activity.pv30 == D("70.00")
    assert activity.inactive_on == date(2026, 5, 25)
    assert activity.days_left == 5
    assert activity.is_active is True


# --- history -----------------------------------------------------------------


def test_history_lists_closed_weeks_with_paid_or_pending(client, weeks):
    client.force_login(weeks["alice"].user)
    html = client.get(URL).text
    assert row_cells(html, "week-909") == {
        "Week": "Cycle 909 05/04/2026 – 05/10/2026",
        "Retail": "$16.00",
        "GEN5": "$150.00",
        "MVP": "$25.00",
        "Binary": "$170.00",
        "Total": "$361.00",
        "Paid": "$361.00",
        "Pay date": "05/22/2026",
        "Balance carried": "$0.00",
        "Details": "Statement Why this amount?",
    }
    assert row_cells(html, "week-910") == {
        "Week": "Cycle 910 05/11/2026 – 05/17/2026",
        "Retail": "$0.00",
        "GEN5": "$0.00",
        "MVP": "$0.00",
        "Binary": "$10.00",
        "Total": "$10.00",
        "Paid": "Pending approval",
        "Pay date": "05/29/2026",
        "Balance carried": "$10.00",
        "Details": "Statement Why this amount?",
    }
    assert 'id="week-911"' not in html  # the estimate is not a closed week
    assert html.index('id="week-910"') < html.index('id="week-909"')
    assert '<a href="/commissions/909/">Statement</a>' in html
    assert '<a href="/commissions/909/why/">Why this amount?</a>' in html


@pytest.fixture
def thirty_weeks(team, today):
    """alice: approved cycles 880 to 909, cycle n totalling $n.00."""
    for number in range(880, 910):
        cycle = make_cycle(number)
        make_result(
            cycle, team["alice"], binary=D(number), total=D(number), paid=D(number)
        )
    return team


def test_history_is_paginated_by_25(client, thirty_weeks):
    client.force_login(thirty_weeks["alice"].user)
    first = client.get(URL).text
    shown = [int(n) for n in re.findall(r'<tr id="week-(\d+)">', first)]
    assert shown == list(range(909, 884, -1))
    assert "Page 1 of 2" in first
    assert 'hx-get="/commissions/?page=2"' in first
    second = client.get(URL, {"page": 2}).text
    assert [int(n) for n in re.findall(r'<tr id="week-(\d+)">', second)] == [
        884,
        883,
        882,
        881,
        880,
    ]
    assert "Page 2 of 2" in second


def test_htmx_page_request_returns_only_the_history(client, thirty_weeks):
    client.force_login(thirty_weeks["alice"].user)
    response = client.get(URL, {"page": 2}, HTTP_HX_REQUEST="true")
    html = response.text
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="history"')
    assert "<html" not in html
    assert 'id="this-week"' not in html
    assert 'id="earnings-chart"' not in html
    assert re.findall(r'<tr id="week-(\d+)">', html) == [
        "884",
        "883",
        "882",
        "881",
        "880",
    ]
    assert 'hx-get="/commissions/?page=1"' in html
    # A history restore needs the whole page.
    restore = client.get(
        URL, {"page": 2}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in restore.text


# --- the chart ---------------------------------------------------------------


def test_chart_shows_the_last_twelve_weeks_at_most(client, thirty_weeks):
    client.force_login(thirty_weeks["alice"].user)
    html = client.get(URL).text
    chart = re.search(
        r'<section class="card" id="earnings-chart">(.*?)</section>', html, re.S
    )
    assert chart
    svg = re.search(r"<svg.*?</svg>", chart.group(1), re.S).group(0)
    assert svg.count("<rect ") == 12
    assert re.findall(r">(\d+)</text>", svg) == [str(n) for n in range(898, 910)]
    assert 'role="img"' in svg
    assert "<title>Cycle 909, week of 05/04/2026: $909.00</title>" in svg
    # The same figures as a table, for screen readers and for copying.
    table = re.search(r"<table>.*?</table>", chart.group(1), re.S).group(0)
    assert table.count("<tr>") == 13  # the head row and 12 weeks
    assert "<td>909</td><td>05/04/2026</td><td>$909.00</td>" in table


def test_chart_geometry_has_a_zero_line_and_negative_bars(team):
    alice = team["alice"]
    for number, total in ((907, "100.00"), (908, "200.00"), (909, "-50.00")):
        make_result(make_cycle(number), alice, total=D(total))
    chart = reads.chart_of(alice)
    # 160 units of height for $250 (from -50 to 200): 0.64 a dollar, zero at 8+128.
    assert chart.baseline == D("136.0")
    assert [(bar.number, bar.y, bar.height) for bar in chart.bars] == [
        (907, D("72.0"), D("64.0")),
        (908, D("8.0"), D("128.0")),
        (909, D("136.0"), D("32.0")),
    ]
    assert [bar.is_negative for bar in chart.bars] == [False, False, True]
    assert [bar.x for bar in chart.bars] == [D(6), D(46), D(86)]
    assert chart.width == 120


def test_chart_bars_render_in_english_digits_in_spanish(client, team, today):
    alice = team["alice"]
    make_result(make_cycle(909), alice, total=D("1234.50"))
    make_result(make_cycle(910), alice, total=D("1000.25"))
    alice.user.language = "es"
    alice.user.save(update_fields=["language"])
    client.force_login(alice.user)
    # The sign-in middleware switches this thread to Spanish: switch it back after.
    with translation.override("en"):
        html = client.get(URL).text
    assert '<html lang="es">' in html
    assert "$1\xa0234,50" in html  # money follows the language ...
    rects = re.findall(r"<rect ([^>]*)>", html)
    assert len(rects) == 2  # ... coordinates never do
    for attributes in rects:
        for value in re.findall(r'"([^"]*)"', attributes):
            assert re.fullmatch(r"\d+(\.\d+)?", value), value


# --- the dashboard card ------------------------------------------------------


def card(summary: reads.CommissionsSummary) -> str:
    with translation.override("en"):
        return render_to_string(
            "dashboard/_commissions_card.html", {"commissions": summary}
        )


def test_summary_for_the_dashboard(weeks):
    summary = reads.commissions_summary(weeks["alice"], today=date(2026, 5, 20))
    assert summary.estimate_total == D("228.00")
    assert summary.estimate_calculated_at == datetime(
        2026, 5, 20, 9, 30, tzinfo=PACIFIC
    )
    assert summary.next_pay_on == date(2026, 5, 22)
    assert summary.next_amount == D("361.00")
    assert summary.next_is_approved is True
    assert summary.rank == "Apprentice"  # cycle 910, the latest closed
    assert summary.best_rank == "Silver"
    html = card(summary)
    assert by_id(html, "commissions-estimate") == "$228.00 estimate"
    assert by_id(html, "commissions-next") == "$361.00 · May 22, 2026"
    assert by_id(html, "commissions-rank") == "Apprentice"
    assert by_id(html, "commissions-best-rank") == "Silver"
    assert 'href="/commissions/"' in html


def test_summary_skips_weeks_paid_already_or_paying_nothing(team):
    alice = team["alice"]
    make_result(make_cycle(908), alice, paid=D("40.00"), rank="Bronze")  # 15 May
    make_result(make_cycle(909), alice, balance_out=D("20.00"))  # nothing paid
    make_result(
        make_cycle(910, CycleStatus.CALCULATED),
        alice,
        rank="Elite",
        best_rank="Bronze",
        paid=D("45.00"),
    )
    summary = reads.commissions_summary(alice, today=date(2026, 5, 20))
    assert (summary.next_pay_on, summary.next_amount) == (date(2026, 5, 29), D("45.00"))
    assert summary.next_is_approved is False
    assert summary.estimate_total is None
    html = card(summary)
    assert by_id(html, "commissions-next") == "$45.00 · May 29, 2026 pending approval"
    assert by_id(html, "commissions-estimate") == "No estimate yet"
    assert by_id(html, "commissions-rank") == "Elite"


def test_summary_of_a_new_member_is_empty(team):
    summary = reads.commissions_summary(team["bob"], today=date(2026, 5, 20))
    assert summary == reads.CommissionsSummary(
        estimate_total=None,
        estimate_calculated_at=None,
        next_pay_on=None,
        next_amount=None,
        next_is_approved=False,
        rank="",
        best_rank="",
    )
    html = card(summary)
    assert by_id(html, "commissions-next") == "None scheduled"
    assert by_id(html, "commissions-rank") == "Not ranked yet"


def test_default_today_is_the_company_date(team):
    alice = team["alice"]
    make_result(make_cycle(910, CycleStatus.CALCULATED), alice, paid=D("45.00"))
    # 29 May 2026 at 23:30 in California is already the 30th in UTC.
    late = datetime(2026, 5, 29, 23, 30, tzinfo=PACIFIC)
    with time_machine.travel(late, tick=False):
        assert reads.commissions_summary(alice).next_pay_on == date(2026, 5, 29)
    with time_machine.travel(late + timedelta(hours=1), tick=False):
        assert reads.commissions_summary(alice).next_pay_on is None
