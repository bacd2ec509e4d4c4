"""“Download my data”: everything the back office holds about one member.

The archive is a zip with ``data.json`` (every section) and one CSV file per
section. Each section is a function in ``SECTIONS``; another app's data is a
new function registered with ``@section("name")``. Secrets that are not the
member's data (password hashes, session keys, payment and idempotency tokens,
emailed link tokens) are left out, and bank and tax numbers appear only
masked.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from backoffice.accounts.models import SecurityEvent, User, UserSession
from backoffice.commissions.models import (
    LedgerEntry,
    Line,
    Payout,
    PayoutHold,
    Result,
)
from backoffice.network.models import Distributor, NetworkEvent, TeamMessage
from backoffice.profiles.access import readable
from backoffice.profiles.models import (
    MASK,
    BankAccount,
    EmailChange,
    Profile,
    TaxProfile,
)
from backoffice.shop.models import (
    Autoship,
    AutoshipItem,
    AutoshipRun,
    InventoryItem,
    InventoryMovement,
    Order,
    OrderLine,
    Payment,
    Refund,
    VolumeEntry,
    WalletEntry,
)
from backoffice.support.models import Attachment, MessageKind, Ticket, TicketMessage

# Columns that are never exported, whatever model they are on.
SECRET_COLUMNS = frozenset(
    {
        "password",
        "session_key",
        "session_data",
        "idempotency_key",
        "payment_token",
        "redirect_url",
        "token_hash",
        "account_number_encrypted",
        "tin_encrypted",
    }
)
# A cell a spreadsheet would run as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Subject:
    user: User
    distributor: Distributor


@dataclass
class Table:
    fields: list[str]
    rows: list[dict]


SectionFunction = Callable[[Subject], Table]
SECTIONS: list[tuple[str, SectionFunction]] = []


def section(name: str) -> Callable[[SectionFunction], SectionFunction]:
    """Add a function to the archive as ``<name>.csv`` and ``data.json[name]``."""

    def register(function: SectionFunction) -> SectionFunction:
        SECTIONS.append((name, function))
        return function

    return register


def columns(model: type[models.Model], exclude: Iterable[str] = ()) -> list[str]:
    skip = SECRET_COLUMNS | set(exclude)
    return [
        field.attname
        for field in model._meta.concrete_fields
        if field.name not in skip and field.attname not in skip
    ]


def table(queryset: models.QuerySet, exclude: Iterable[str] = ()) -> Table:
    fields = columns(queryset.model, exclude)
    return Table(fields, list(queryset.order_by("pk").values(*fields)))


def single(fields: list[str], row: dict | None) -> Table:
    return Table(fields, [row] if row else [])


# --- sections ----------------------------------------------------------------


@section("account")
def account(subject: Subject) -> Table:
    return table(
        User.objects.filter(pk=subject.user.pk),
        exclude=("is_superuser",),
    )


@section("profile")
def profile(subject: Subject) -> Table:
    fields = [
        "distributor_id",
        "join_date",
        "terminated_on",
        "phone",
        "date_of_birth",
        "enroller_distributor_id",
        "photo",
        "photo_updated_at",
    ]
    d = subject.distributor
    stored = Profile.objects.for_distributor(d).first()
    return single(
        fields,
        {
            "distributor_id": d.distributor_id,
            "join_date": d.join_date,
            "terminated_on": d.terminated_on,
            "phone": d.phone,
            "date_of_birth": d.date_of_birth,
            "enroller_distributor_id": d.enroller.distributor_id
            if d.enroller_id
            else None,
            "photo": "yes" if stored and stored.photo else "no",
            "photo_updated_at": stored.photo_updated_at if stored else None,
        },
    )


@section("addresses")
def addresses(subject: Subject) -> Table:
    fields = ["kind", "name", "line1", "line2", "city", "state", "postal_code"]
    d = subject.distributor
    rows = [
        {
            "kind": "mailing",
            "name": subject.user.get_full_name(),
            "line1": d.address_line1,
            "line2": d.address_line2,
            "city": d.city,
            "state": d.state,
            "postal_code": d.postal_code,
        }
    ]
    stored = Profile.objects.for_distributor(d).first()
    if stored and stored.has_shipping_address:
        rows.append(
            {
                "kind": "shipping",
                "name": stored.ship_name,
                "line1": stored.ship_line1,
                "line2": stored.ship_line2,
                "city": stored.ship_city,
                "state": stored.ship_state,
                "postal_code": stored.ship_postal_code,
            }
        )
    return Table(fields, rows)


@section("preferences")
def preferences(subject: Subject) -> Table:
    d = subject.distributor
    stored = Profile.objects.for_distributor(d).first() or Profile(distributor=d)
    fields = [
        "language",
        "ship_to_mailing",
        "news_and_promotions",
        "team_messages",
        "order_reminders",
        "share_email_upline",
        "share_phone_upline",
        "share_email_downline",
        "share_phone_downline",
    ]
    row = {"language": subject.user.language}
    row.update({name: getattr(stored, name) for name in fields[1:5]})
    row.update({name: getattr(d, name) for name in fields[5:]})
    return single(fields, row)


def _orders(subject: Subject) -> models.QuerySet:
    return Order.objects.filter(
        Q(buyer=subject.user) | Q(distributor=subject.distributor)
    )


@section("orders")
def orders(subject: Subject) -> Table:
    return table(_orders(subject))


@section("order_lines")
def order_lines(subject: Subject) -> Table:
    return table(OrderLine.objects.filter(order__in=_orders(subject)))


@section("payments")
def payments(subject: Subject) -> Table:
    return table(Payment.objects.filter(order__in=_orders(subject)))


@section("refunds")
def refunds(subject: Subject) -> Table:
    return table(Refund.objects.filter(order__in=_orders(subject)))


@section("volume")
def volume(subject: Subject) -> Table:
    return table(VolumeEntry.objects.filter(distributor=subject.distributor))


@section("autoship")
def autoship(subject: Subject) -> Table:
    return table(Autoship.objects.filter(distributor=subject.distributor))


@section("autoship_items")
def autoship_items(subject: Subject) -> Table:
    return table(AutoshipItem.objects.filter(autoship__distributor=subject.distributor))


@section("autoship_runs")
def autoship_runs(subject: Subject) -> Table:
    return table(AutoshipRun.objects.filter(autoship__distributor=subject.distributor))


@section("inventory")
def inventory(subject: Subject) -> Table:
    return table(InventoryItem.objects.filter(distributor=subject.distributor))


@section("inventory_movements")
def inventory_movements(subject: Subject) -> Table:
    return table(InventoryMovement.objects.filter(distributor=subject.distributor))


@section("wallet")
def wallet(subject: Subject) -> Table:
    return table(WalletEntry.objects.filter(distributor=subject.distributor))


@section("commission_results")
def commission_results(subject: Subject) -> Table:
    return table(Result.objects.filter(distributor=subject.distributor))


@section("commission_lines")
def commission_lines(subject: Subject) -> Table:
    return table(Line.objects.filter(distributor=subject.distributor))


@section("payouts")
def payouts(subject: Subject) -> Table:
    return table(Payout.objects.filter(distributor=subject.distributor))


@section("ledger")
def ledger(subject: Subject) -> Table:
    return table(LedgerEntry.objects.filter(distributor=subject.distributor))


@section("payout_holds")
def payout_holds(subject: Subject) -> Table:
    return table(PayoutHold.objects.filter(distributor=subject.distributor))


@section("bank_account")
def bank_account(subject: Subject) -> Table:
    fields = [
        "holder_name",
        "routing_number",
        "account_number",
        "account_type",
        "payout_method",
        "updated_at",
    ]
    stored = BankAccount.objects.filter(distributor=subject.distributor).first()
    if stored is None:
        return Table(fields, [])
    return single(
        fields,
        {
            "holder_name": stored.holder_name,
            "routing_number": MASK + stored.routing_number[-4:],
            "account_number": readable(lambda: stored.masked_account) or "",
            "account_type": stored.account_type,
            "payout_method": stored.payout_method,
            "updated_at": stored.updated_at,
        },
    )


@section("tax_details")
def tax_details(subject: Subject) -> Table:
    stored = TaxProfile.objects.filter(distributor=subject.distributor).first()
    fields = [*columns(TaxProfile, exclude=("id", "distributor")), "tin"]
    if stored is None:
        return Table(fields, [])
    row = {name: getattr(stored, name) for name in fields[:-1]}
    row["tin"] = readable(lambda: stored.masked_tin) or ""
    return single(fields, row)


@section("security_events")
def security_events(subject: Subject) -> Table:
    return table(SecurityEvent.objects.for_user(subject.user))


@section("sessions")
def sessions(subject: Subject) -> Table:
    return table(UserSession.objects.for_user(subject.user))


@section("email_changes")
def email_changes(subject: Subject) -> Table:
    return table(EmailChange.objects.for_user(subject.user))


@section("team_messages")
def team_messages(subject: Subject) -> Table:
    return table(TeamMessage.objects.sent_by(subject.distributor))


@section("network_events")
def network_events(subject: Subject) -> Table:
    return table(NetworkEvent.objects.filter(member=subject.distributor))


@section("support_tickets")
def support_tickets(subject: Subject) -> Table:
    return table(Ticket.objects.for_distributor(subject.distributor))


# Staff's internal notes are the company's working notes, not the member's
# messages: the member sees in the archive what they see on the ticket page.
@section("support_messages")
def support_messages(subject: Subject) -> Table:
    return table(
        TicketMessage.objects.visible_to_owner().filter(
            ticket__distributor=subject.distributor
        )
    )


@section("support_attachments")
def support_attachments(subject: Subject) -> Table:
    return table(
        Attachment.objects.filter(
            message__ticket__distributor=subject.distributor
        ).exclude(message__kind=MessageKind.NOTE),
        exclude=("file", "token"),
    )


# --- the archive -------------------------------------------------------------


def collect(subject: Subject) -> dict[str, Table]:
    return {name: function(subject) for name, function in SECTIONS}


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        value = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    elif isinstance(value, datetime):
        return value.isoformat()
    elif isinstance(value, (date, Decimal, bool, int, float)):
        return str(value)
    value = str(value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(data: Table) -> str:
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(data.fields)
    for row in data.rows:
        writer.writerow([csv_cell(row.get(name)) for name in data.fields])
    return output.getvalue()


def build_archive(subject: Subject) -> bytes:
    """The zip file: data.json with every section, and a CSV file per section."""
    tables = collect(subject)
    document = {
        "generated_at": timezone.now(),
        "distributor_id": subject.distributor.distributor_id,
        "sections": {name: data.rows for name, data in tables.items()},
    }
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json",
            json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
        for name, data in tables.items():
            # A byte-order mark so that spreadsheets read the UTF-8 correctly.
            archive.writestr(f"{name}.csv", "\ufeff" + to_csv(data))
    return output.getvalue()


def archive_name(subject: Subject) -> str:
    day = timezone.localdate().isoformat()
    return f"my-data-{subject.distributor.distributor_id}-{day}.zip"
