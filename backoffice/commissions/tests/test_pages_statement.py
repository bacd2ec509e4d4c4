"""A distributor's weekly statement: the page, the CSV and the PDF downloads."""

# Fixtures come from fixtures_pages by import, so their names are reused.
# ruff: noqa: F811

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.commissions import actions
from backoffice.commissions.models import Bonus, CycleStatus
from backoffice.commissions.tests.fixtures_pages import (  # noqa: F401
    OPEN,
    PACIFIC,
    catalog,
    customer_order,
    fedex,
    make_cycle,
    make_line,
    make_result,
    paid_order,
    pdf_text,
    root,
    ship_to_ca,
    team,
    today,
)
from backoffice.network.models import Distributor

pytestmark = pytest.mark.django_db

D = Decimal


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def by_id(html: str, element_id: str) -> str:
    match = re.search(
        rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', html, re.S
    )
    assert match, f"no element #{element_id}"
    return text_of(match.group(2))


def line_rows(html: str) -> list[list[str]]:
    body = re.search(
        r'<table class="statement-lines">.*?<tbody>(.*?)</tbody>', html, re.S
    )
    assert body
    return [
        [text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


@pytest.fixture
def week(team, catalog, fedex, today):
    """alice's approved statement for cycle 909, with one line of every kind."""
    alice, bob = team["alice"], team["bob"]
    coffee = catalog["501"]
    with time_machine.travel(datetime(2026, 5, 5, 10, tzinfo=PACIFIC), tick=False):
        retail = customer_order(alice, {coffee: 2}, ship_to_ca(fedex))
        downline = paid_order(bob, {coffee: 1}, ship_to_ca(fedex, name="Bob Baker"))
    cycle = make_cycle(909)
    amounts = {
        Bonus.RETAIL: ["16.00"],
        Bonus.GEN5: ["150.00", "-10.00"],
        Bonus.MVP: ["25.00"],
        Bonus.BINARY: ["170.00"],
    }
    make_line(cycle, alice, Bonus.RETAIL, "16.00", source_order=retail)
    make_line(
        cycle,
        alice,
        Bonus.GEN5,
        "150.00",
        source_order=downline,
        source_distributor=bob,
        generation=1,
    )
    # A reversal of an earlier week's GEN5 line, from a partial refund (§9).
    make_line(
        cycle,
        alice,
        Bonus.GEN5,
        "-10.00",
        source_order=downline,
        source_distributor=bob,
        generation=1,
    )
    make_line(cycle, alice, Bonus.MVP, "25.00", source_distributor=bob)
    make_line(cycle, alice, Bonus.BINARY, "170.00")
    by_bonus = {bonus: sum(D(a) for a in values) for bonus, values in amounts.items()}
    total = sum(by_bonus.values())
    make_result(
        cycle,
        alice,
        rank="Elite",
        matched_cv=D("1000.00"),
        rate_bp=1700,
        rate_package=3,
        retail=by_bonus[Bonus.RETAIL],
        gen5=by_bonus[Bonus.GEN5],
        mvp=by_bonus[Bonus.MVP],
        binary=by_bonus[Bonus.BINARY],
        total=total,
        balance_in=D("12.50"),
        paid=total + D("12.50"),
        balance_out=D("0.00"),
    )
    return {
        "alice": alice,
        "bob": bob,
        "cycle": cycle,
        "retail": retail,
        "downline": downline,
        "total": total,
    }


# --- access ------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "statement.csv", "statement.pdf"])
def test_charlie_cannot_see_alices_week(client, week, suffix):
    client.force_login(Distributor.objects.get(distributor_id=100003).user)
    assert client.get(f"/commissions/909/{suffix}").status_code == 404


@pytest.mark.parametrize("suffix", ["", "statement.csv", "statement.pdf"])
def test_staff_get_404(client, staff, week, suffix):
    client.force_login(staff)
    assert client.get(f"/commissions/909/{suffix}").status_code == 404


@pytest.mark.parametrize("suffix", ["", "statement.csv", "statement.pdf"])
def test_unknown_cycle_is_404(client, week, suffix):
    client.force_login(week["alice"].user)
    assert client.get(f"/commissions/908/{suffix}").status_code == 404
    assert client.get(f"/commissions/99999/{suffix}").status_code == 404


@pytest.mark.parametrize("suffix", ["", "statement.csv", "statement.pdf"])
def test_the_estimate_has_no_statement(client, week, suffix):
    estimate = make_cycle(OPEN, CycleStatus.ESTIMATE)
    make_result(estimate, week["alice"], total=D("40.00"))
    make_line(estimate, week["alice"], Bonus.MVP, "40.00")
    client.force_login(week["alice"].user)
    assert client.get(f"/commissions/{OPEN}/{suffix}").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, week):
    response = client.get("/commissions/909/statement.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_charlie_sees_his_own_lines_of_the_same_week(client, week):
    charlie = Distributor.objects.get(distributor_id=100003)
    make_result(week["cycle"], charlie, mvp=D("25.00"), total=D("25.00"))
    make_line(week["cycle"], charlie, Bonus.RETAIL, "3.00")
    client.force_login(charlie.user)
    response = client.get("/commissions/909/")
    assert response.status_code == 200
    assert line_rows(response.text) == [["Retail profit", "", "", "$3.00"]]
    assert week["retail"].number not in response.text
    csv = client.get("/commissions/909/statement.csv").text
    assert csv.splitlines()[1] == "909,retail,,,,,3.00"


# --- the page ----------------------------------------------------------------


def test_statement_page_lists_every_line(client, week):
    client.force_login(week["alice"].user)
    response = client.get("/commissions/909/")
    html = response.text
    retail, downline = week["retail"].number, week["downline"].number
    assert response.status_code == 200
    assert line_rows(html) == [
        ["Retail profit", f"{retail} · customer Rita Ruiz", "", "$16.00"],
        ["GEN5 fast start", f"Order {downline} · Bob Baker (100002)", "1", "$150.00"],
        ["GEN5 fast start", f"Order {downline} · Bob Baker (100002)", "1", "−$10.00"],
        ["MVP bonus", "Bob Baker (100002)", "", "$25.00"],
        ["Binary team commission", "Matched 1,000.00 CV at 17%", "", "$170.00"],
    ]
    # Only an order credited to alice links to its page; bob's stays text.
    assert f'<a href="/orders/{retail}/">{retail}</a>' in html
    assert f"/orders/{downline}/" not in html


def test_statement_page_shows_totals_balances_and_dates(client, week):
    client.force_login(week["alice"].user)
    html = client.get("/commissions/909/").text
    assert by_id(html, "total-retail") == "$16.00"
    assert by_id(html, "total-gen5") == "$140.00"
    assert by_id(html, "total-mvp") == "$25.00"
    assert by_id(html, "total-binary") == "$170.00"
    assert by_id(html, "total-week") == "$351.00"
    assert by_id(html, "total-balance-in") == "$12.50"
    assert by_id(html, "total-paid") == "$363.50"
    assert by_id(html, "total-balance-out") == "$0.00"
    assert by_id(html, "statement-week") == "May 4, 2026 – May 10, 2026"
    assert by_id(html, "statement-pay-date") == "May 22, 2026"
    assert by_id(html, "statement-status") == "Approved"
    assert '<a href="/commissions/909/why/">Why this amount?</a>' in html
    assert 'href="/commissions/909/statement.csv"' in html
    assert 'href="/commissions/909/statement.pdf"' in html


def test_a_calculated_week_is_pending_approval(client, team, today):
    alice = team["alice"]
    cycle = make_cycle(910, CycleStatus.CALCULATED)
    make_result(cycle, alice, mvp=D("25.00"), total=D("25.00"), paid=D("25.00"))
    make_line(cycle, alice, Bonus.MVP, "25.00", source_distributor=team["bob"])
    client.force_login(alice.user)
    html = client.get("/commissions/910/").text
    assert by_id(html, "statement-status") == "Pending approval"
    assert by_id(html, "total-paid") == "$25.00 pending approval"
    assert "Payable" in html


def test_a_week_without_lines(client, team, today):
    alice = team["alice"]
    make_result(make_cycle(909), alice, balance_in=D("4.00"), balance_out=D("4.00"))
    client.force_login(alice.user)
    html = client.get("/commissions/909/").text
    assert "No commission lines this week." in html
    assert by_id(html, "total-balance-out") == "$4.00"


def test_statement_reads_its_lines_in_one_query(client, week):
    client.force_login(week["alice"].user)
    client.get("/commissions/909/")  # the first request also settles the session
    with CaptureQueriesContext(connection) as few:
        client.get("/commissions/909/")
    for _ in range(20):
        make_line(
            week["cycle"],
            week["alice"],
            Bonus.GEN5,
            "5.00",
            source_order=week["downline"],
            source_distributor=week["bob"],
            generation=2,
        )
    with CaptureQueriesContext(connection) as many:
        html = client.get("/commissions/909/").text
    assert len(line_rows(html)) == 25
    assert len(many.captured_queries) == len(few.captured_queries)


# --- CSV -----------------------------------------------------------------------


def test_csv_download(client, week):
    client.force_login(week["alice"].user)
    response = client.get("/commissions/909/statement.csv")
    retail, downline = week["retail"].number, week["downline"].number
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="statement-909-100001.csv"'
    )
    assert response.content.decode() == (
        "cycle,bonus,source_order,source_distributor_id,source_name,generation,amount\n"
        f"909,retail,{retail},,Rita Ruiz,,16.00\n"
        f"909,gen5,{downline},100002,Bob Baker,1,150.00\n"
        f"909,gen5,{downline},100002,Bob Baker,1,-10.00\n"
        "909,mvp,,100002,Bob Baker,,25.00\n"
        "909,binary,,,,,170.00\n"
        "\n"
        "total,amount\n"
        "retail,16.00\n"
        "gen5,140.00\n"
        "mvp,25.00\n"
        "binary,170.00\n"
        "total,351.00\n"
        "balance_in,12.50\n"
        "paid,363.50\n"
        "balance_out,0.00\n"
        "status,approved\n"
        "pay_date,2026-05-22\n"
    )


def test_csv_defuses_names_a_spreadsheet_would_run(client, week):
    bob = week["bob"]
    bob.user.first_name = "=HYPERLINK(1)"
    bob.user.save(update_fields=["first_name"])
    client.force_login(week["alice"].user)
    rows = client.get("/commissions/909/statement.csv").text.splitlines()
    assert rows[4] == "909,mvp,,100002,'=HYPERLINK(1) Baker,,25.00"


# --- PDF -----------------------------------------------------------------------


def test_pdf_download_holds_the_figures(client, week):
    client.force_login(week["alice"].user)
    response = client.get("/commissions/909/statement.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="statement-909-100001.pdf"'
    )
    text = pdf_text(response.content)
    downline = week["downline"].number
    for expected in [
        "Gano Excel USA",
        "980 Corporate Center Drive, Pomona, CA 91768",
        "Commission statement, cycle 909",
        "Distributor: Alice Archer (100001)",
        "Week: May 4, 2026 - May 10, 2026",
        "Pay date: May 22, 2026",
        "Status: Approved",
        f"Order {week['retail'].number} · customer Rita Ruiz",
        f"Order {downline} · Bob Baker (100002)",
        "Matched 1,000.00 CV at 17%",
        "-$10.00",
        "$351.00",
        "$12.50",
        "$363.50",
    ]:
        assert expected in text.splitlines(), expected
    assert text.splitlines().count("$150.00") == 1


# --- a real calculation --------------------------------------------------------


def test_statement_of_a_calculated_cycle(client, team, catalog, fedex):
    alice = team["alice"]
    # The network starts in cycle 909, so that is the first cycle to calculate.
    Distributor.objects.update(join_date=date(2026, 5, 4))
    with time_machine.travel(datetime(2026, 5, 6, 10, tzinfo=PACIFIC), tick=False):
        order = customer_order(alice, {catalog["501"]: 2}, ship_to_ca(fedex))
    with time_machine.travel(datetime(2026, 5, 12, 10, tzinfo=PACIFIC), tick=False):
        actions.calculate_cycle(number=909)
        client.force_login(alice.user)
        html = client.get("/commissions/909/").text
        csv = client.get("/commissions/909/statement.csv").text
    # Retail price 33.00 less distributor price 25.00, twice; under the $25
    # minimum, so it is carried rather than paid.
    assert line_rows(html) == [
        ["Retail profit", f"{order.number} · customer Rita Ruiz", "", "$16.00"]
    ]
    assert by_id(html, "total-paid") == "$0.00 pending approval"
    assert by_id(html, "total-balance-out") == "$16.00"
    assert csv.splitlines()[1] == f"909,retail,{order.number},,Rita Ruiz,,16.00"
