"""“Download my data”: every section, the member's rows only, numbers masked."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from backoffice.accounts.actions import REAUTH_KEY, log_security_event
from backoffice.accounts.models import SecurityEvent, UserSession
from backoffice.accounts.tests.factories import StaffFactory
from backoffice.commissions.models import LedgerEntry, PayoutHold
from backoffice.commissions.tests.fixtures_pages import (  # noqa: F401
    catalog,
    fedex,
    make_cycle,
    make_line,
    make_result,
    paid_order,
    ship_to_ca,
)
from backoffice.network.models import NetworkEvent, TeamMessage
from backoffice.profiles import export
from backoffice.profiles.models import BankAccount, Profile, TaxProfile
from backoffice.shop.models import InventoryItem, Order
from backoffice.support import actions as support_actions

DATA = "/profile/data/"
ACCOUNTS = {"alice": "4433221100556789", "charlie": "9988776655443322"}
TINS = {"alice": "123456789", "charlie": "987654321"}


def reauthenticated(client, user, *, seconds_ago: float = 0) -> None:
    client.force_login(user)
    session = client.session
    session[REAUTH_KEY] = timezone.now().timestamp() - seconds_ago
    session.save()


def fill(member, tag: str, catalog, fedex, cycle) -> dict:  # noqa: F811
    """Rows of every kind for ``member``, each carrying ``tag`` where it can."""
    user = member.user
    order = paid_order(
        member, {catalog["501"]: 1}, ship_to_ca(fedex, name=f"{tag} home")
    )
    make_result(cycle, member, total=Decimal("12.34"))
    make_line(cycle, member, "binary", "12.34")
    PayoutHold.objects.create(distributor=member, reason="manual", note=f"{tag} hold")
    LedgerEntry.objects.create(
        distributor=member, kind="earned", cycle_number=cycle.number,
        amount=Decimal("12.34"), note=f"{tag} ledger",
    )  # fmt: skip
    InventoryItem.objects.create(distributor=member, product=catalog["501"], quantity=3)
    TeamMessage.objects.create(
        sender=member, subject=f"{tag} subject", body=f"{tag} body", recipient_count=1
    )
    NetworkEvent.objects.create(kind="moved", member=member, detail={"note": tag})
    ticket = support_actions.open_ticket(
        distributor=member,
        category="orders",
        subject=f"{tag} ticket",
        body=f"{tag} asks",
    )
    staff_user = StaffFactory(username=f"helper-{tag.lower()}")
    support_actions.add_internal_note(
        ticket=ticket, author=staff_user, body=f"NOTE about {tag}"
    )
    log_security_event(kind=SecurityEvent.Kind.LOGIN_SUCCEEDED, user=user)
    Profile.objects.create(
        distributor=member,
        ship_to_mailing=False,
        ship_name=f"{tag} parcel",
        ship_line1="500 Main Street",
        ship_city="Austin",
        ship_state="TX",
        ship_postal_code="78701",
        news_and_promotions=True,
    )
    account = BankAccount(
        distributor=member,
        holder_name=f"{tag} holder",
        routing_number="011000015",
        account_type="checking",
    )
    account.set_account_number(ACCOUNTS[tag.lower()])
    account.save()
    tax = TaxProfile(
        distributor=member,
        legal_name=f"{tag} legal",
        classification="individual",
        tin_kind="ssn",
        address_line1="1 Palm Way",
        city="Los Angeles",
        state="CA",
        postal_code="90001",
        signature_name=f"{tag} legal",
        signed_at=timezone.now(),
    )
    tax.set_tin(TINS[tag.lower()])
    tax.save()
    return {"order": order}


@pytest.fixture
def stored(people, catalog, fedex):  # noqa: F811
    cycle = make_cycle(901)
    return {
        "alice": fill(people["alice"], "ALICE", catalog, fedex, cycle),
        "charlie": fill(people["charlie"], "CHARLIE", catalog, fedex, cycle),
    }


def download(client, user) -> zipfile.ZipFile:
    reauthenticated(client, user)
    response = client.post(DATA)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="my-data-100001-'
    )
    return zipfile.ZipFile(io.BytesIO(response.content))


def rows(archive: zipfile.ZipFile, name: str) -> list[dict]:
    text = archive.read(f"{name}.csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_every_section_is_in_the_archive(client, alice, stored):
    archive = download(client, alice)
    names = [name for name, _function in export.SECTIONS]
    assert len(names) == len(set(names))
    assert set(archive.namelist()) == {"data.json", *(f"{n}.csv" for n in names)}
    document = json.loads(archive.read("data.json"))
    assert list(document["sections"]) == names
    assert document["distributor_id"] == 100001
    for name in [
        "account", "profile", "addresses", "preferences", "orders", "order_lines",
        "payments", "volume", "autoship", "inventory", "commission_results",
        "commission_lines", "payouts", "ledger", "payout_holds", "bank_account",
        "tax_details", "security_events", "sessions", "team_messages",
        "network_events", "support_tickets", "support_messages",
        "support_attachments",
    ]:  # fmt: skip
        assert name in names


def test_the_members_rows_are_there_and_nobody_elses(client, alice, stored):
    archive = download(client, alice)
    document = json.loads(archive.read("data.json"))["sections"]
    mine = stored["alice"]["order"]
    theirs = stored["charlie"]["order"]
    assert [row["number"] for row in document["orders"]] == [mine.number]
    assert {row["order_id"] for row in document["order_lines"]} == {mine.pk}
    assert {row["order_id"] for row in document["payments"]} == {mine.pk}
    assert {row["order_id"] for row in document["volume"]} == {mine.pk}
    assert len(document["commission_results"]) == 1
    assert document["commission_results"][0]["total"] == "12.34"
    assert len(document["commission_lines"]) == 1
    assert [row["note"] for row in document["ledger"]] == ["ALICE ledger"]
    assert [row["note"] for row in document["payout_holds"]] == ["ALICE hold"]
    assert [row["quantity"] for row in document["inventory"]] == [3]
    assert [row["subject"] for row in document["team_messages"]] == ["ALICE subject"]
    assert [row["detail"] for row in document["network_events"]] == [{"note": "ALICE"}]
    assert [row["subject"] for row in document["support_tickets"]] == ["ALICE ticket"]
    assert [row["body"] for row in document["support_messages"]] == ["ALICE asks"]
    assert {row["user_id"] for row in document["security_events"]} == {alice.pk}
    assert [row["username"] for row in document["account"]] == ["100001"]
    assert [row["kind"] for row in document["addresses"]] == ["mailing", "shipping"]
    assert document["addresses"][1]["name"] == "ALICE parcel"
    assert document["preferences"][0]["news_and_promotions"] is True
    assert document["preferences"][0]["language"] == "en"
    assert document["bank_account"][0]["holder_name"] == "ALICE holder"
    assert document["tax_details"][0]["legal_name"] == "ALICE legal"
    # The CSV files hold the same rows.
    assert [row["number"] for row in rows(archive, "orders")] == [mine.number]
    assert rows(archive, "team_messages")[0]["subject"] == "ALICE subject"
    # Nothing of charlie's anywhere.
    for name in archive.namelist():
        content = archive.read(name).decode("utf-8-sig")
        assert "CHARLIE" not in content, name
        # Staff's internal notes stay out of the archive.
        assert "NOTE about" not in content, name
        assert theirs.number not in content, name


def test_bank_and_tax_numbers_are_masked_everywhere(client, alice, stored):
    archive = download(client, alice)
    document = json.loads(archive.read("data.json"))["sections"]
    assert document["bank_account"][0]["account_number"] == "•••• 6789"
    assert document["bank_account"][0]["routing_number"] == "•••• 0015"
    assert document["tax_details"][0]["tin"] == "•••• 6789"
    everything = "".join(
        archive.read(name).decode("utf-8-sig") for name in archive.namelist()
    )
    for number in [*ACCOUNTS.values(), *TINS.values(), "011000015"]:
        assert number not in everything
    assert "v1:" not in everything  # no ciphertext either
    assert "account_number_encrypted" not in everything
    assert "tin_encrypted" not in everything


def test_secrets_that_are_not_data_are_left_out(client, alice, stored):
    archive = download(client, alice)
    everything = "".join(
        archive.read(name).decode("utf-8-sig") for name in archive.namelist()
    )
    alice.refresh_from_db()
    assert alice.password not in everything
    keys = list(
        UserSession.objects.filter(user=alice).values_list("session_key", flat=True)
    )
    assert keys
    for key in keys:
        assert key not in everything
    order = Order.objects.get(pk=stored["alice"]["order"].pk)
    assert order.idempotency_key not in everything
    document = json.loads(archive.read("data.json"))["sections"]
    assert document["sessions"], "the member's sessions are listed"
    assert "password" not in document["account"][0]
    assert "session_key" not in document["sessions"][0]


def test_download_is_logged(client, alice, stored):
    download(client, alice)
    event = SecurityEvent.objects.get(kind="data_exported")
    assert event.user == alice


def test_it_needs_a_recent_password(client, alice, stored):
    reauthenticated(client, alice, seconds_ago=settings.REAUTH_SECONDS + 1)
    response = client.post(DATA)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/confirm-password/?next=")
    assert not SecurityEvent.objects.filter(kind="data_exported").exists()


def test_get_shows_the_page_without_data(client, alice, stored):
    reauthenticated(client, alice)
    response = client.get(DATA)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Download my data" in response.content.decode()
    assert not SecurityEvent.objects.filter(kind="data_exported").exists()


def test_charlie_gets_his_own_data_and_staff_gets_404(client, charlie, staff, stored):
    reauthenticated(client, charlie)
    response = client.post(DATA)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    document = json.loads(archive.read("data.json"))
    assert document["distributor_id"] == 100003
    assert "ALICE" not in archive.read("data.json").decode()
    reauthenticated(client, staff)
    assert client.post(DATA).status_code == 404


def test_formula_cells_are_neutralised():
    assert export.csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert export.csv_cell("@sum") == "'@sum"
    assert export.csv_cell(Decimal("-5.00")) == "-5.00"
    assert export.csv_cell(None) == ""


def test_a_new_section_can_be_added(client, alice, stored, monkeypatch):
    monkeypatch.setattr(export, "SECTIONS", list(export.SECTIONS))

    @export.section("support_tickets")
    def tickets(subject):
        return export.Table(["code"], [{"code": f"T-{subject.user.username}"}])

    archive = download(client, alice)
    assert rows(archive, "support_tickets") == [{"code": "T-100001"}]
