"""The statement PDF: Latin-1 text for the core font, every figure, many pages."""

# Fixtures come from fixtures_pages by import, so their names are reused.
# ruff: noqa: F811

import re
from decimal import Decimal

import pytest
from django.utils import translation

from backoffice.commissions import reads
from backoffice.commissions.models import Bonus
from backoffice.commissions.pdf import latin1, statement_pdf
from backoffice.commissions.tests.fixtures_pages import (  # noqa: F401
    make_cycle,
    make_line,
    make_result,
    pdf_text,
    root,
    team,
)

pytestmark = pytest.mark.django_db

D = Decimal
COMPANY = {"name": "Gano Excel USA", "address": "980 Corporate Center Drive"}


def test_latin1_keeps_what_the_font_has_and_replaces_the_rest():
    assert latin1("Mon–Fri 6:00—17:00") == "Mon-Fri 6:00-17:00"
    assert latin1("José Muñoz · 100%") == "José Muñoz · 100%"
    assert latin1("“Łódź” −$5.00 …") == '"?ódz" -$5.00 ...'
    assert latin1("Ōtani 大谷") == "Otani ??"
    assert latin1(1234) == "1234"


def statement_of(alice, **lines) -> reads.Statement:
    cycle = make_cycle(909)
    result = make_result(
        cycle, alice, total=D("0.00"), **{k: D(v) for k, v in lines.items()}
    )
    return reads.statement_for(alice, result)


def test_names_outside_latin1_do_not_break_the_pdf(team):
    alice, bob = team["alice"], team["bob"]
    bob.user.first_name, bob.user.last_name = "Łukasz", "Nguyễn"
    bob.user.save(update_fields=["first_name", "last_name"])
    alice.user.first_name = "Zoë–Ann"
    alice.user.save(update_fields=["first_name"])
    cycle = make_cycle(909)
    make_line(cycle, alice, Bonus.MVP, "25.00", source_distributor=bob)
    result = make_result(cycle, alice, mvp=D("25.00"), total=D("25.00"))
    statement = reads.statement_for(alice, result)
    with translation.override("en"):
        data = statement_pdf(
            statement, company={"name": "Gano Excel — USA", "address": "Pomona, CA"}
        )
    lines = pdf_text(data).splitlines()
    assert "Gano Excel - USA" in lines
    assert "Distributor: Zoë-Ann Archer (100001)" in lines
    assert "?ukasz Nguyen (100002)" in lines


def test_every_figure_is_in_the_pdf(team):
    alice = team["alice"]
    cycle = make_cycle(909)
    make_line(cycle, alice, Bonus.RETAIL, "1234.56")
    make_line(cycle, alice, Bonus.BINARY, "10000.00")
    result = make_result(
        cycle,
        alice,
        matched_cv=D("66000.00"),
        rate_bp=1700,
        retail=D("1234.56"),
        binary=D("10000.00"),
        total=D("11234.56"),
        balance_in=D("-3.10"),
        paid=D("11231.46"),
    )
    with translation.override("en"):
        data = statement_pdf(reads.statement_for(alice, result), company=COMPANY)
    lines = pdf_text(data).splitlines()
    assert lines[:3] == [
        "Gano Excel USA",
        "980 Corporate Center Drive",
        ("Commission statement, cycle 909"),
    ]
    for label, amount in [
        ("Retail profit", "$1,234.56"),
        ("Binary team commission", "$10,000.00"),
        ("Total this week", "$11,234.56"),
        ("Balance brought in", "-$3.10"),
        ("Paid", "$11,231.46"),
        ("Balance carried", "$0.00"),
    ]:
        assert lines[lines.index(label, lines.index("Totals")) + 1] == amount
    assert "Matched 66,000.00 CV at 17%" in lines


def test_many_lines_run_onto_more_pages(team):
    alice = team["alice"]
    cycle = make_cycle(909)
    for cents in range(1, 81):
        make_line(cycle, alice, Bonus.RETAIL, f"{cents}.01")
    result = make_result(cycle, alice, retail=D("3240.80"), total=D("3240.80"))
    with translation.override("en"):
        data = statement_pdf(reads.statement_for(alice, result), company=COMPANY)
    assert len(re.findall(rb"/Type /Page\b", data)) >= 2
    lines = pdf_text(data).splitlines()
    assert [line for line in lines if line.endswith(".01")] == [
        f"${n}.01" for n in range(1, 81)
    ]
    assert "$3,240.80" in lines


def test_a_week_without_lines_says_so(team):
    statement = statement_of(team["alice"], balance_in="4.00", balance_out="4.00")
    with translation.override("en"):
        lines = pdf_text(statement_pdf(statement, company=COMPANY)).splitlines()
    assert "No commission lines this week." in lines
    assert lines[lines.index("Balance carried") + 1] == "$4.00"
