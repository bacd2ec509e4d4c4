"""The commission pages: the overview, a week's statement and its downloads,
"Why this amount?", the what-if planner, finance approving a cycle, and a
distributor who asks for a week that is not theirs.

The figures come from a real calculation over the team of
``tests/e2e/commissions_data.py`` (its docstring works them out by hand).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.utils import translation
from django.utils.formats import date_format
from playwright.sync_api import Locator, Page, expect

from backoffice.accounts.models import Authenticator
from backoffice.accounts.roles import sync_roles
from backoffice.accounts.tests.factories import current_code
from backoffice.commissions import actions
from backoffice.commissions.models import Cycle, CycleStatus, Result
from backoffice.commissions.tests.fixtures_pages import pdf_text
from backoffice.network.tests.conftest import root, team  # noqa: F401
from tests.e2e.commissions_data import Weeks, build_weeks
from tests.e2e.helpers import csp_errors, enter_code, sign_in

pytestmark = pytest.mark.e2e

OVERVIEW_PATH = "/commissions/"
WHAT_IF_PATH = "/commissions/what-if/"
CYCLES_PATH = "/staff/commissions/"
NOT_FOUND = "We could not find that page"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def weeks(team) -> Weeks:  # noqa: F811 (the imported fixture, by name)
    return build_weeks(team)


@pytest.fixture
def finance(staff):
    """``staff`` (with an authenticator app) in the finance role."""
    sync_roles()
    staff.groups.add(Group.objects.get(name="finance"))
    return staff


@pytest.fixture
def approved(weeks: Weeks, finance) -> Weeks:
    actions.approve_cycle(number=weeks.closed, user=finance)
    return weeks


# --- helpers --------------------------------------------------------------------------


def fact(container: Locator, term: str) -> Locator:
    """The value (<dd>) of the term (<dt>) named exactly ``term`` in a fact list."""
    return container.locator(
        f"xpath=.//dt[normalize-space()='{term}']/following-sibling::dd[1]"
    )


def day(value: date) -> str:
    """A date as the English pages write it (DATE_FORMAT)."""
    with translation.override("en"):
        return date_format(value, "DATE_FORMAT")


def short_day(value: date) -> str:
    with translation.override("en"):
        return date_format(value, "SHORT_DATE_FORMAT")


def signed_in(page: Page, live_server, username: str, password: str) -> None:
    sign_in(page, username, password)
    expect(page).to_have_url(f"{live_server.url}/")


def staff_signs_in(page: Page, live_server, staff, password: str) -> None:
    sign_in(page, staff.username, password)
    expect(page).to_have_url(f"{live_server.url}/accounts/login/verify/")
    enter_code(page, current_code(Authenticator.objects.get(user=staff)))
    expect(page).to_have_url(f"{live_server.url}/")


def cells(row: Locator, *labels: str) -> list[Locator]:
    return [row.locator(f'td[data-label="{label}"]') for label in labels]


def what_if_row(page: Page, figure: str) -> Locator:
    return page.locator("#what-if-result .what-if-table tbody tr").filter(
        has=page.get_by_role("rowheader", name=figure, exact=True)
    )


def expect_change(page: Page, figure: str, before: str, after: str, change: str):
    row = what_if_row(page, figure)
    estimate, projected, difference = cells(row, "Estimate", "If so", "Change")
    expect(estimate).to_have_text(before)
    expect(projected).to_have_text(after)
    expect(difference).to_have_text(change)


def check(scope: Page | Locator, rule: str) -> Locator:
    return scope.locator(f'li.check[data-rule="{rule}"]')


def assert_fits_the_screen(page: Page) -> None:
    inner = page.evaluate("window.innerWidth")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= inner, f"{page.url} scrolls sideways: {scroll}px on {inner}px"


# --- 1. overview, statement, why, downloads -------------------------------------------


def test_overview_statement_why_and_downloads(
    page, live_server, approved, password, console_messages
):
    weeks = approved
    closed = weeks.closed
    pay_on = Cycle.objects.get(number=closed).pay_on
    bob_pack = weeks.bob_pack.number
    signed_in(page, live_server, "100001", password)

    # The dashboard card: this week so far and the approved week's payment.
    card = page.locator("#commissions-card")
    expect(card.locator("#commissions-estimate")).to_have_text("$45.00 estimate")
    expect(card.locator("#commissions-next")).to_have_text(f"$105.00 · {day(pay_on)}")
    expect(card.locator("#commissions-rank")).to_have_text("Apprentice")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Commissions", exact=True
    ).click()
    expect(page).to_have_url(f"{live_server.url}{OVERVIEW_PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your commissions")

    # This week so far: the estimate over today's orders.
    week = page.locator("#this-week")
    estimate = Result.objects.get(
        cycle__number=weeks.current, distributor=weeks.members["alice"]
    )
    expect(week.locator("#week-left")).to_have_text("350.00 CV (250.00 new this week)")
    expect(week.locator("#week-right")).to_have_text("450.00 CV (450.00 new this week)")
    expect(week.locator("#week-banks")).to_have_text("left 100.00 · right 0.00")
    expect(week.locator("#week-matched")).to_have_text("300.00 CV")
    expect(week.locator("#week-rank")).to_have_text("Apprentice")
    expect(week.locator("#week-rate")).to_have_text(
        f"15% from your ESP-1 pack, until {day(estimate.rate_until)}"
    )
    expect(week.locator("#week-binary")).to_have_text("$45.00")
    expect(week.locator("#week-gen5")).to_have_text("$0.00")
    expect(week.locator("#week-total")).to_have_text("$45.00")
    expect(week.locator("#week-next")).to_have_text(
        "Elite: 200.00 more matched CV this week."
    )
    expect(week.locator("#week-legs li")).to_have_text(
        [
            "Left leg: an active member you enrolled personally",
            "Right leg: an active member you enrolled personally",
        ]
    )
    # alice's only PV is her pack on the closed week's Monday: active 30 days from it.
    inactive_on = weeks.alice_pack.paid_on + timedelta(days=30)
    days_left = (inactive_on - weeks.today).days
    expect(page.locator("#activity-pv30")).to_have_text(
        "100.00 PV in the last 30 days (you need 50)."
    )
    expect(page.locator("#activity-days")).to_have_text(
        f"Active for {days_left} more days: without new orders you turn inactive "
        f"on {day(inactive_on)}."
    )

    # The history: one closed week, approved and paid.
    rows = page.locator("#history tbody tr")
    expect(rows).to_have_count(1)
    row = page.locator(f"#week-{closed}")
    retail, gen5, mvp, binary, total, paid, pay_date, carried = cells(
        row,
        "Retail",
        "GEN5",
        "MVP",
        "Binary",
        "Total",
        "Paid",
        "Pay date",
        "Balance carried",
    )
    expect(row.locator('td[data-label="Week"]')).to_contain_text(f"Cycle {closed}")
    expect(retail).to_have_text("$0.00")
    expect(gen5).to_have_text("$25.00")
    expect(mvp).to_have_text("$50.00")
    expect(binary).to_have_text("$30.00")
    expect(total).to_have_text("$105.00")
    expect(paid).to_have_text("$105.00")
    expect(pay_date).to_have_text(short_day(pay_on))
    expect(carried).to_have_text("$0.00")
    expect(page.locator("#earnings-chart svg g.chart-bar")).to_have_count(1)

    # The week's statement: each line with its source, and the totals.
    row.get_by_role("link", name="Statement", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/commissions/{closed}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Statement, cycle {closed}"
    )
    summary = page.locator("#statement-summary")
    expect(fact(summary, "Distributor")).to_have_text("Alice Archer (100001)")
    expect(summary.locator("#statement-pay-date")).to_have_text(day(pay_on))
    expect(summary.locator("#statement-status")).to_have_text("Approved")
    lines = page.locator("#statement-lines tbody tr")
    expect(lines).to_have_count(4)
    bonus_cells = lines.locator('td[data-label="Bonus"]')
    source_cells = lines.locator('td[data-label="Source"]')
    expect(bonus_cells).to_have_text(
        ["GEN5 fast start", "MVP bonus", "MVP bonus", "Binary team commission"]
    )
    expect(source_cells).to_have_text(
        [
            f"Order {bob_pack} · Bob Baker (100002)",
            "Bob Baker (100002)",
            "Dana Diaz (100004)",
            "Matched 200.00 CV at 15%",
        ]
    )
    expect(lines.locator('td[data-label="Generation"]')).to_have_text(["1", "", "", ""])
    expect(lines.locator('td[data-label="Amount"]')).to_have_text(
        ["$25.00", "$25.00", "$25.00", "$30.00"]
    )
    # Bob's order is his own: alice gets no link to it.
    expect(source_cells.nth(0).get_by_role("link")).to_have_count(0)
    totals = page.locator("#statement-totals")
    expect(totals.locator("#total-retail")).to_have_text("$0.00")
    expect(totals.locator("#total-gen5")).to_have_text("$25.00")
    expect(totals.locator("#total-mvp")).to_have_text("$50.00")
    expect(totals.locator("#total-binary")).to_have_text("$30.00")
    expect(totals.locator("#total-week")).to_have_text("$105.00")
    expect(totals.locator("#total-balance-in")).to_have_text("$0.00")
    expect(fact(totals, "Paid")).to_have_text("$105.00")
    expect(totals.locator("#total-balance-out")).to_have_text("$0.00")

    # The CSV: every line with its source, then the totals.
    with page.expect_download() as csv_download:
        summary.get_by_role("link", name="Download CSV", exact=True).click()
    download = csv_download.value
    assert download.suggested_filename == f"statement-{closed}-100001.csv"
    with open(download.path(), encoding="utf-8") as csv_file:
        content = csv_file.read()
    assert content == (
        "cycle,bonus,source_order,source_distributor_id,source_name,generation,"
        "amount\n"
        f"{closed},gen5,{bob_pack},100002,Bob Baker,1,25.00\n"
        f"{closed},mvp,,100002,Bob Baker,,25.00\n"
        f"{closed},mvp,,100004,Dana Diaz,,25.00\n"
        f"{closed},binary,,,,,30.00\n"
        "\n"
        "total,amount\n"
        "retail,0.00\n"
        "gen5,25.00\n"
        "mvp,50.00\n"
        "binary,30.00\n"
        "total,105.00\n"
        "balance_in,0.00\n"
        "paid,105.00\n"
        "balance_out,0.00\n"
        "status,approved\n"
        f"pay_date,{pay_on.isoformat()}\n"
    )

    # The PDF.
    with page.expect_download() as pdf_download:
        summary.get_by_role("link", name="Download PDF", exact=True).click()
    download = pdf_download.value
    assert download.suggested_filename == f"statement-{closed}-100001.pdf"
    with open(download.path(), "rb") as pdf_file:
        data = pdf_file.read()
    assert data.startswith(b"%PDF-")
    text = pdf_text(data).splitlines()
    assert f"Order {bob_pack} · Bob Baker (100002)" in text
    assert "$105.00" in text

    # Why this amount? Every rule, met or not, with the figures that decided it.
    summary.get_by_role("link", name="Why this amount?", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/commissions/{closed}/why/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Why this amount?")
    why = page.locator("#why-summary")
    expect(fact(why, "Binary")).to_have_text("$30.00")
    expect(fact(why, "Total")).to_have_text("$105.00")
    expect(fact(why, "Payable")).to_have_text("$105.00")
    binary_rules = page.locator("#why-binary")
    rank = check(binary_rules, "rank")
    expect(rank.locator(".check-text")).to_have_text(
        "paid as Apprentice: 200.00 matched, 300.00 short of Elite"
    )
    expect(rank.locator(".check-mark")).to_have_text("✓")
    rebate = check(binary_rules, "rebate")
    expect(rebate).to_have_class(re.compile(r"\bcheck-unmet\b"))
    expect(rebate.locator(".check-mark")).to_have_text("✗")
    expect(rebate.locator(".check-text")).to_have_text(
        "no personal rebate: cycle CV 100.00 is not above 100.00"
    )
    expect(check(binary_rules, "binary").locator(".check-text")).to_have_text(
        "binary 200.00 × 15% = $30.00"
    )
    gen5_rule = check(page.locator("#why-gen5"), "gen5")
    expect(gen5_rule.locator(".check-text")).to_have_text(
        f"GEN5 generation 1 from Bob Baker (100002), ESP-1 order {bob_pack}: $25.00"
    )
    # The member is in alice's team: a link to him; the order is bob's: no link.
    expect(gen5_rule.get_by_role("link", name="Bob Baker (100002)")).to_have_attribute(
        "href", "/team/100002/"
    )
    expect(gen5_rule.get_by_role("link", name=bob_pack)).to_have_count(0)
    expect(check(page.locator("#why-mvp"), "mvp").locator(".check-text")).to_have_text(
        [
            "MVP bonus for enrolling Bob Baker (100002): $25.00",
            "MVP bonus for enrolling Dana Diaz (100004): $25.00",
        ]
    )
    assert csp_errors(console_messages) == []


# --- 2. the what-if planner -----------------------------------------------------------


def test_what_if_planner(page, live_server, weeks, password, console_messages):
    signed_in(page, live_server, "100001", password)
    page.goto(OVERVIEW_PATH)
    page.locator("#this-week").get_by_role(
        "link", name="What if more happens before Sunday?", exact=True
    ).click()
    expect(page).to_have_url(f"{live_server.url}{WHAT_IF_PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text("What if…?")
    result = page.locator("#what-if-result")
    headline = result.locator(".what-if-headline")
    # Nothing added yet: the estimate as it stands.
    expect(headline).to_have_text(
        "Binary team commission: $45.00 ($0.00 against the estimate)"
    )
    expect_change(page, "Matched CV", "300.00", "300.00", "")

    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Extra CV on your left leg", exact=True).fill("1000")
    page.get_by_label("Extra CV on your right leg", exact=True).fill("1200")
    page.get_by_role("button", name="Show what changes", exact=True).click()
    # L 350 + 1,000 = 1,350, R 450 + 1,200 = 1,650: matched 1,300, Elite, at 15 %.
    expect(headline).to_have_text(
        "Binary team commission: $195.00 (+$150.00 against the estimate)"
    )
    expect_change(page, "Left CV", "350.00", "1,350.00", "+1,000.00")
    expect_change(page, "Right CV", "450.00", "1,650.00", "+1,200.00")
    expect_change(page, "Matched CV", "300.00", "1,300.00", "+1,000.00")
    expect_change(page, "Paid-as rank", "Apprentice", "Elite", "")
    expect_change(page, "Rate", "15%", "15%", "")
    expect_change(page, "Binary", "$45.00", "$195.00", "+$150.00")
    expect_change(page, "Total", "$45.00", "$195.00", "+$150.00")
    expect_change(page, "Right bank", "150.00", "350.00", "+200.00")
    expect(check(result, "rank").locator(".check-text")).to_have_text(
        "paid as Elite: 1,300.00 matched, 200.00 short of Bronze"
    )
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    query = parse_qs(urlsplit(page.url).query)
    assert query["left_cv"] == ["1000"]
    assert query["right_cv"] == ["1200"]

    # A negative figure: the browser refuses it before asking the server ...
    left = page.get_by_label("Extra CV on your left leg", exact=True)
    left.fill("-5")
    page.get_by_role("button", name="Show what changes", exact=True).click()
    assert left.evaluate("input => input.validity.rangeUnderflow") is True
    expect(headline).to_contain_text("$195.00")
    # ... and the server says why when it gets one anyway (an edited address).
    page.goto(f"{WHAT_IF_PATH}?left_cv=-5&right_cv=1200")
    alert = page.locator("#what-if-result [role=alert]")
    expect(alert).to_have_text(
        "Please check these figures: Extra CV on your left leg: Enter 0 or more."
    )
    expect(page.locator("#id_left_cv_error")).to_have_text("Enter 0 or more.")
    expect(page.locator("#what-if-result .what-if-headline")).to_have_count(0)
    page.goto(f"{WHAT_IF_PATH}?left_cv=lots")
    expect(alert).to_have_text(
        "Please check these figures: Extra CV on your left leg: "
        "Enter a number of CV, like 150 or 150.25."
    )

    # The estimate explained: the week is still open.
    page.locator("p.crumbs").get_by_role(
        "link", name="Why this amount?", exact=True
    ).click()
    expect(page).to_have_url(f"{live_server.url}/commissions/{weeks.current}/why/")
    expect(page.locator("main .alert-info")).to_contain_text(
        f"This week so far, counting volume through {day(weeks.today)}: an "
        "estimate, never paid."
    )
    expect(
        check(page.locator("#why-binary"), "rank").locator(".check-text")
    ).to_have_text("paid as Apprentice: 300.00 matched, 200.00 short of Elite")
    assert csp_errors(console_messages) == []


def test_what_if_planner_on_a_phone(new_page, live_server, weeks, password):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    signed_in(page, live_server, "100001", password)
    page.goto(f"{WHAT_IF_PATH}?left_cv=1000&right_cv=1200")
    expect(page.locator("#what-if-result .what-if-headline")).to_have_text(
        "Binary team commission: $195.00 (+$150.00 against the estimate)"
    )
    assert_fits_the_screen(page)
    page.goto(f"/commissions/{weeks.closed}/")
    expect(page.locator("#statement-lines tbody tr")).to_have_count(4)
    assert_fits_the_screen(page)


# --- 3. finance approves a cycle ------------------------------------------------------


def test_finance_approves_a_cycle_and_it_is_locked(
    new_page, live_server, weeks, finance, password, console_messages
):
    closed = weeks.closed
    pay_on = Cycle.objects.get(number=closed).pay_on
    alice = new_page()
    signed_in(alice, live_server, "100001", password)
    alice.goto(f"/commissions/{closed}/")
    expect(alice.locator("#statement-status")).to_have_text("Pending approval")
    expect(alice.locator("#total-paid")).to_have_text("$105.00 pending approval")

    staff = new_page()
    staff_signs_in(staff, live_server, finance, password)
    staff.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Commission cycles", exact=True
    ).click()
    expect(staff).to_have_url(f"{live_server.url}{CYCLES_PATH}")
    row = staff.locator(f"#cycle-{closed}")
    expect(row.locator('td[data-label="Status"]')).to_have_text("Calculated")
    expect(row.locator('td[data-label="Earned"]')).to_have_text("$105.00")
    expect(row.locator('td[data-label="Payable"]')).to_have_text("$105.00")
    row.get_by_role("link", name=str(closed), exact=True).click()
    expect(staff).to_have_url(f"{live_server.url}{CYCLES_PATH}{closed}/")
    heading = staff.get_by_role("heading", level=1)
    expect(heading).to_have_text(f"Cycle {closed} Calculated")
    recalculate = staff.get_by_role(
        "button", name=f"Recalculate cycle {closed}", exact=True
    )
    expect(recalculate).to_be_visible()
    expect(staff.locator("#figure-total td").first).to_have_text("$105.00")

    staff.locator("#cycle-actions summary").click()
    with staff.expect_event("load"):
        staff.get_by_role(
            "button", name=f"Approve and lock cycle {closed}", exact=True
        ).click()
    expect(staff).to_have_url(f"{live_server.url}{CYCLES_PATH}{closed}/")
    expect(staff.locator("ul.messages")).to_have_text(
        f"Cycle {closed} is approved: $105.00 payable on {day(pay_on)}. Its figures "
        "can no longer change."
    )
    expect(heading).to_have_text(f"Cycle {closed} Approved")
    expect(staff.locator("#cycle-facts")).to_contain_text(
        "This cycle is approved: its figures are locked and can no longer change."
    )
    expect(fact(staff.locator("#cycle-facts"), "Approved")).to_contain_text("Sam Staff")
    expect(staff.locator("#cycle-actions")).to_have_count(0)
    expect(recalculate).to_have_count(0)
    cycle = Cycle.objects.get(number=closed)
    assert cycle.status == CycleStatus.APPROVED
    assert cycle.approved_by == finance

    # Asked anyway (a form kept open elsewhere), the recalculation is refused.
    calculated_at = cycle.calculated_at
    token = staff.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    refused = staff.request.post(
        f"{CYCLES_PATH}{closed}/recalculate/",
        form={"csrfmiddlewaretoken": token},
        headers={"Referer": f"{live_server.url}{CYCLES_PATH}{closed}/"},
    )
    assert refused.status == 200
    assert refused.url == f"{live_server.url}{CYCLES_PATH}{closed}/"
    assert f"Cycle {closed} is approved and cannot be recalculated." in refused.text()
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.APPROVED
    assert cycle.calculated_at == calculated_at

    # alice's statement follows.
    alice.reload()
    expect(alice.locator("#statement-status")).to_have_text("Approved")
    expect(fact(alice.locator("#statement-totals"), "Paid")).to_have_text("$105.00")
    assert csp_errors(console_messages) == []


# --- 4. another distributor's week ----------------------------------------------------


def test_a_week_that_is_not_yours_is_not_found(
    new_page, live_server, approved, password, console_messages
):
    closed = approved.closed
    alice_statement = f"/commissions/{closed}/"
    # charlie joined this week: the closed week has alice's figures, none of his.
    charlie = new_page()
    signed_in(charlie, live_server, "100003", password)
    for path in (
        alice_statement,
        f"{alice_statement}statement.csv",
        f"{alice_statement}statement.pdf",
        f"{alice_statement}why/",
    ):
        response = charlie.goto(path)
        assert response.status == 404, path
        expect(charlie.get_by_role("heading", level=1)).to_have_text(NOT_FOUND)
        expect(charlie.locator("main")).not_to_contain_text("$105.00")
    charlie.goto(OVERVIEW_PATH)
    expect(charlie.locator("#history")).to_contain_text("No closed weeks yet")
    expect(charlie.locator("main")).not_to_contain_text("Alice")

    # bob was in that week: the same address shows his own statement, not alice's.
    bob = new_page()
    signed_in(bob, live_server, "100002", password)
    response = bob.goto(alice_statement)
    assert response.status == 200
    expect(fact(bob.locator("#statement-summary"), "Distributor")).to_have_text(
        "Bob Baker (100002)"
    )
    expect(bob.locator("#statement-lines")).to_contain_text(
        "No commission lines this week."
    )
    expect(bob.locator("#total-week")).to_have_text("$0.00")
    expect(bob.locator("main")).not_to_contain_text("Dana Diaz")
    assert csp_errors(console_messages) == []
