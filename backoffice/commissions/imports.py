"""A network and its order history moved in from another system (plan §11).

Everything is read and checked first; only a file with no problem at all is
written, in one transaction, so a refused import leaves the database untouched.
Each problem names its file, line (the header is line 1) and column.

The placement tree's read index (``lo``/``hi``/``depth``/``left_top``/
``right_top``) is computed for the whole tree at once by
:func:`backoffice.network.labels.build_index`, iteratively, so any depth works.
"""

from __future__ import annotations

import csv
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.core.validators import validate_email
from django.db import connection, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from backoffice.accounts.models import User
from backoffice.lib.cycles import cycle_of, cycle_start
from backoffice.lib.money import ZERO
from backoffice.network import tree
from backoffice.network.labels import TreeIndex, build_index
from backoffice.network.models import Distributor, NetworkEvent
from backoffice.shop.activity import last_active_day
from backoffice.shop.models import (
    Order,
    OrderEvent,
    OrderKind,
    OrderSource,
    OrderStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    VolumeEntry,
    VolumeKind,
)

DISTRIBUTOR_COLUMNS = (
    "distributor_id",
    "enroller_id",
    "placement_id",
    "placement_side",
    "first_name",
    "last_name",
    "email",
    "join_date",
    "terminated_on",
)
ORDER_COLUMNS = (
    "order_id",
    "distributor_id",
    "order_date",
    "kind",
    "amount",
    "pv",
    "cv",
    "package",
    "retail_profit",
    "refund_date",
)
PACKAGES = {"": 0, "ESP-1": 1, "ESP-2": 2, "ESP-3": 3}
SIDES = ("L", "R")
PROVIDER = "import"
MAX_MESSAGES = 20
BATCH_SIZE = 5000
# Volume entries carry a cycle number, and cycle numbers start at 1.
FIRST_DAY = cycle_start(1)
# Imported history has no clock time: noon company time stays on its date.
NOON = time(12)

_DIGITS = re.compile(r"[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
# The order pages look numbers up upper-cased, and they sit in URLs.
_ORDER_ID = re.compile(r"[A-Z0-9_-]+")
_MAX_ID = 10**18 - 1
_NAME_LENGTH = User._meta.get_field("first_name").max_length
_EMAIL_LENGTH = User._meta.get_field("email").max_length
_NUMBER_LENGTH = Order._meta.get_field("number").max_length


class ImportRefused(ValueError):
    """The files were refused; ``messages`` says why (the first few problems)."""

    def __init__(self, messages: list[str], *, count: int | None = None) -> None:
        self.messages = list(messages)
        self.count = len(self.messages) if count is None else count
        text = "\n".join(self.messages)
        if self.count > len(self.messages):
            text += f"\n… and {self.count - len(self.messages)} more problems"
        super().__init__(text)


@dataclass(frozen=True)
class ImportSummary:
    distributors: int
    orders: int
    refunds: int


class _Problems:
    """Problems found so far: the first ``MAX_MESSAGES`` kept, all counted."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.count = 0

    def add(self, message: str) -> None:
        self.count += 1
        if len(self.messages) < MAX_MESSAGES:
            self.messages.append(message)

    def at(self, label: str, line: int, column: str, reason: str) -> None:
        self.add(f"{label} line {line}, {column}: {reason}")

    def refuse(self) -> None:
        if self.count:
            raise ImportRefused(self.messages, count=self.count)


class _Bad(ValueError):
    """One cell's value is refused; the message is the reason."""


@dataclass
class _Member:
    line: int
    distributor_id: int | None = None
    enroller_id: int | None = None
    placement_id: int | None = None
    side: str = ""
    is_top: bool = False
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    join_date: date | None = None
    terminated_on: date | None = None


@dataclass
class _Sale:
    line: int
    order_id: str
    distributor_id: int
    order_date: date
    kind: str
    amount: Decimal
    pv: Decimal
    cv: Decimal
    package: int
    retail_profit: Decimal
    refund_date: date | None


# --- reading ----------------------------------------------------------------------


def _rows(
    path: str | os.PathLike, label: str, columns: tuple[str, ...], problems: _Problems
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, cells by column) of each data row; problems are recorded."""
    try:
        # utf-8-sig: spreadsheets often save a byte-order mark first.
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            try:
                header = next(reader, None)
                if header is None:
                    problems.add(f"{label}: the file is empty (no header row)")
                    return
                names = [name.strip() for name in header]
                if not _header_ok(names, label, columns, problems):
                    return
                line = reader.line_num
                for cells in reader:
                    start, line = line + 1, reader.line_num
                    if not cells:
                        continue  # a blank line
                    if len(cells) != len(names):
                        problems.add(
                            f"{label} line {start}: expected {len(names)} values, "
                            f"found {len(cells)}"
                        )
                        continue
                    yield (
                        start,
                        {
                            name: cell.strip()
                            for name, cell in zip(names, cells, strict=True)
                        },
                    )
            except csv.Error as error:
                problems.add(f"{label} line {reader.line_num + 1}: {error}")
    except UnicodeDecodeError:
        problems.add(f"{label}: the file is not UTF-8 text")
    except OSError as error:
        problems.add(f"{label}: cannot read {os.fspath(path)}: {error.strerror}")


def _header_ok(
    names: list[str], label: str, columns: tuple[str, ...], problems: _Problems
) -> bool:
    repeated = sorted({name for name in names if names.count(name) > 1})
    missing = [name for name in columns if name not in names]
    unknown = [name for name in names if name not in columns]
    for what, which in (
        ("column named twice", repeated),
        ("missing column", missing),
        ("unknown column", unknown),
    ):
        if which:
            plural = "s" if len(which) > 1 else ""
            problems.add(f"{label} line 1: {what}{plural}: {', '.join(which)}")
    return not (repeated or missing or unknown)


# --- values -----------------------------------------------------------------------


def _distributor_id(text: str) -> int:
    if not _DIGITS.fullmatch(text):
        raise _Bad(f"{text!r} is not a distributor ID (digits only)")
    value = int(text)
    if not 1 <= value <= _MAX_ID:
        raise _Bad(f"{text} is not a distributor ID (1 to 18 digits, not 0)")
    return value


def _date(text: str) -> date:
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _Bad(f"{text!r} is not a date (YYYY-MM-DD)")


def _past_date(text: str, today: date) -> date:
    day = _date(text)
    if day > today:
        raise _Bad(f"{text} is in the future")
    return day


def _history_date(text: str, today: date) -> date:
    day = _past_date(text, today)
    if day < FIRST_DAY:
        raise _Bad(f"{text} is before {FIRST_DAY} (commission cycle 1)")
    return day


def _amount(text: str, *, digits: int) -> Decimal:
    """A non-negative number with at most two decimals and ``digits`` in all."""
    if text == "":
        raise _Bad("required")
    if not _NUMBER.fullmatch(text):
        raise _Bad(f"{text!r} is not a number (digits, '.' for decimals)")
    value = Decimal(text)
    if value < 0:
        raise _Bad(f"{text} is negative")
    # Before rounding: a huge value would overflow the decimal context.
    if value >= Decimal(10) ** (digits - 2):
        raise _Bad(f"{text} is too large")
    exact = value.quantize(Decimal("0.01"))
    if exact != value:
        raise _Bad(f"{text} has more than two decimal places")
    return exact + 0  # "-0" becomes 0


class _Row:
    """One data row's cells, parsed column by column; refusals become problems."""

    def __init__(
        self, problems: _Problems, label: str, line: int, cells: dict[str, str]
    ) -> None:
        self.problems = problems
        self.label = label
        self.line = line
        self.cells = cells
        self.fine = True

    def __getitem__(self, column: str) -> str:
        return self.cells[column]

    def refuse(self, column: str, reason: str) -> None:
        self.fine = False
        self.problems.at(self.label, self.line, column, reason)

    def take(self, column: str, parse: Callable[[str], Any]) -> Any:
        """The parsed value, or None (recorded as a problem) when refused."""
        try:
            return parse(self.cells[column])
        except _Bad as bad:
            self.refuse(column, str(bad))
            return None


# --- distributors -----------------------------------------------------------------


def _read_members(
    path: str | os.PathLike, problems: _Problems, today: date
) -> list[_Member]:
    members: list[_Member] = []
    upline = ("enroller_id", "placement_id", "placement_side")
    for line, cells in _rows(path, "distributors", DISTRIBUTOR_COLUMNS, problems):
        row = _Row(problems, "distributors", line, cells)
        member = _Member(line=line)
        members.append(member)
        member.distributor_id = row.take("distributor_id", _distributor_id)
        member.is_top = all(row[column] == "" for column in upline)
        if not member.is_top:
            for column in upline:
                if row[column] == "":
                    row.refuse(
                        column,
                        "empty (only the top of the network leaves enroller_id, "
                        "placement_id and placement_side empty)",
                    )
            if row["enroller_id"]:
                member.enroller_id = row.take("enroller_id", _distributor_id)
            if row["placement_id"]:
                member.placement_id = row.take("placement_id", _distributor_id)
            if row["placement_side"]:
                member.side = row.take("placement_side", _side) or ""
        member.first_name = row.take("first_name", _name_required) or ""
        member.last_name = row.take("last_name", _name) or ""
        member.email = row.take("email", _email) or ""
        member.join_date = row.take("join_date", lambda text: _past_date(text, today))
        if row["terminated_on"]:
            member.terminated_on = row.take("terminated_on", _date)
            if (
                member.terminated_on is not None
                and member.join_date is not None
                and member.terminated_on < member.join_date
            ):
                row.refuse(
                    "terminated_on",
                    f"{member.terminated_on} is before join_date {member.join_date}",
                )
    if not members and not problems.count:
        problems.add("distributors: no distributors (only a header row)")
    return members


def _side(text: str) -> str:
    if text not in SIDES:
        raise _Bad(f"{text!r} is not a side (L or R)")
    return text


def _name(text: str) -> str:
    if len(text) > _NAME_LENGTH:
        raise _Bad(f"longer than {_NAME_LENGTH} characters")
    return text


def _name_required(text: str) -> str:
    if not text:
        raise _Bad("required")
    return _name(text)


def _email(text: str) -> str:
    if not text:
        raise _Bad("required (imported distributors sign in after a password reset)")
    email = User.objects.normalize_email(text)
    if len(email) > _EMAIL_LENGTH:
        raise _Bad(f"longer than {_EMAIL_LENGTH} characters")
    try:
        validate_email(email)
    except ValidationError:
        raise _Bad(f"{text!r} is not an email address") from None
    return email


def _check_links(
    members: list[_Member], problems: _Problems
) -> tuple[dict[int, int], list[int]]:
    """IDs unique, references known, one top, one child per side; the ID index."""
    label = "distributors"
    index: dict[int, int] = {}
    for position, member in enumerate(members):
        if member.distributor_id is None:
            continue
        first = index.setdefault(member.distributor_id, position)
        if first != position:
            problems.at(
                label,
                member.line,
                "distributor_id",
                f"{member.distributor_id} is also on line {members[first].line}",
            )
    tops = [position for position, member in enumerate(members) if member.is_top]
    for position in tops[1:]:
        problems.at(
            label,
            members[position].line,
            "enroller_id",
            f"empty, but line {members[tops[0]].line} is already the top of the "
            "network (only one row leaves enroller_id, placement_id and "
            "placement_side empty)",
        )
    if members and not tops:
        problems.add(
            f"{label}: no top of the network (one row must leave enroller_id, "
            "placement_id and placement_side empty)"
        )
    seats: dict[tuple[int, str], int] = {}
    emails: dict[str, int] = {}
    for member in members:
        for column, other in (
            ("enroller_id", member.enroller_id),
            ("placement_id", member.placement_id),
        ):
            if other is not None and other not in index:
                problems.at(
                    label,
                    member.line,
                    column,
                    f"no distributor {other} in the file",
                )
        if member.placement_id is not None and member.side:
            seat = (member.placement_id, member.side)
            taken = seats.setdefault(seat, member.line)
            if taken != member.line:
                problems.at(
                    label,
                    member.line,
                    "placement_side",
                    f"{member.side} of {member.placement_id} is already taken "
                    f"by line {taken}",
                )
        if member.email:
            key = member.email.lower()
            seen = emails.setdefault(key, member.line)
            if seen != member.line:
                problems.at(
                    label,
                    member.line,
                    "email",
                    f"{member.email} is also on line {seen}",
                )
    return index, tops


def _check_accounts(members: list[_Member], problems: _Problems) -> None:
    """Sign-in names and email addresses must not belong to an account already."""
    taken = set(User.objects.values_list("username", flat=True))
    used = set(User.objects.annotate(low=Lower("email")).values_list("low", flat=True))
    for member in members:
        if member.distributor_id is not None and str(member.distributor_id) in taken:
            problems.at(
                "distributors",
                member.line,
                "distributor_id",
                f"an account named {member.distributor_id} already exists",
            )
        if member.email and member.email.lower() in used:
            problems.at(
                "distributors",
                member.line,
                "email",
                f"{member.email} already belongs to an account",
            )


def _cycles(parents: list[int], reached: list[bool]) -> list[list[int]]:
    """The cycles among nodes not reached from the top (each node, one parent).

    Following parents from an unreached node never meets the top, so it ends in
    a cycle; each walk is linear and marks what it saw, so the total is too.
    """
    state = [0] * len(parents)  # 0 unseen, 1 on the current walk, 2 done
    found: list[list[int]] = []
    for start in range(len(parents)):
        if reached[start] or state[start]:
            continue
        walk: list[int] = []
        node = start
        while node >= 0 and not reached[node] and state[node] == 0:
            state[node] = 1
            walk.append(node)
            node = parents[node]
        if node >= 0 and state[node] == 1:
            found.append(walk[walk.index(node) :])
        for seen in walk:
            state[seen] = 2
    return found


def _reached(parents: list[int], root: int) -> list[bool]:
    children: list[list[int]] = [[] for _ in parents]
    for child, parent in enumerate(parents):
        if parent >= 0:
            children[parent].append(child)
    reached = [False] * len(parents)
    reached[root] = True
    stack = [root]
    while stack:
        for child in children[stack.pop()]:
            if not reached[child]:
                reached[child] = True
                stack.append(child)
    return reached


def _report_cycles(
    members: list[_Member],
    parents: list[int],
    reached: list[bool],
    column: str,
    tree_name: str,
    problems: _Problems,
) -> bool:
    cycles = _cycles(parents, reached)
    for cycle in cycles:
        lines = sorted(members[node].line for node in cycle)
        if len(cycle) == 1:
            reason = f"{members[cycle[0]].distributor_id} is their own {tree_name}"
        else:
            shown = ", ".join(str(line) for line in lines[:10])
            more = ", …" if len(lines) > 10 else ""
            reason = f"the {tree_name}s form a cycle (lines {shown}{more})"
        problems.at("distributors", lines[0], column, reason)
    return bool(cycles)


def _check_trees(
    members: list[_Member], index: dict[int, int], top: int, problems: _Problems
) -> TreeIndex | None:
    """No cycles, placements in the enroller's downline, uplines joined first.

    Returns the placement tree's index, or None when refused.
    """
    parents = [
        -1 if member.is_top else index[member.placement_id] for member in members
    ]
    enrollers = [
        -1 if member.is_top else index[member.enroller_id] for member in members
    ]
    sides = [member.side for member in members]
    placed = _reached(parents, top)
    enrolled = _reached(enrollers, top)
    broken = _report_cycles(
        members, parents, placed, "placement_id", "placement parent", problems
    )
    broken |= _report_cycles(
        members, enrollers, enrolled, "enroller_id", "enroller", problems
    )
    if broken:
        return None
    labels = build_index(parents, sides, root=top)
    lo, hi = labels.lo, labels.hi
    for position, member in enumerate(members):
        if member.is_top:
            continue
        enroller, parent = enrollers[position], parents[position]
        if not lo[enroller] <= lo[parent] < hi[enroller]:
            problems.at(
                "distributors",
                member.line,
                "placement_id",
                f"{member.placement_id} is neither the enroller "
                f"{member.enroller_id} nor in the enroller's placement downline",
            )
        uplines = [(enroller, "enroller")]
        if parent != enroller:
            uplines.append((parent, "placement parent"))
        for upline, role in uplines:
            other = members[upline]
            if member.join_date < other.join_date:
                problems.at(
                    "distributors",
                    member.line,
                    "join_date",
                    f"{member.join_date} is before the join date {other.join_date} "
                    f"of {role} {other.distributor_id} (line {other.line})",
                )
    return labels


# --- orders -----------------------------------------------------------------------


def _read_sales(
    path: str | os.PathLike,
    members: list[_Member],
    index: dict[int, int],
    problems: _Problems,
    today: date,
) -> list[_Sale]:
    sales: list[_Sale] = []
    lines_by_id: dict[str, int] = {}

    def history(text: str) -> date:
        return _history_date(text, today)

    for line, cells in _rows(path, "orders", ORDER_COLUMNS, problems):
        row = _Row(problems, "orders", line, cells)
        order_id = row.take("order_id", _order_id)
        if order_id is not None:
            first = lines_by_id.setdefault(order_id, line)
            if first != line:
                row.refuse("order_id", f"{order_id} is also on line {first}")
        distributor_id = row.take("distributor_id", _distributor_id)
        member = None
        if distributor_id is not None:
            position = index.get(distributor_id)
            if position is None:
                row.refuse(
                    "distributor_id",
                    f"no distributor {distributor_id} in the distributors file",
                )
            else:
                member = members[position]
        order_date = row.take("order_date", history)
        joined = member.join_date if member is not None else None
        if order_date is not None and joined is not None and order_date < joined:
            row.refuse(
                "order_date",
                f"{order_date} is before distributor {distributor_id} joined "
                f"({joined})",
            )
        kind = row.take("kind", _kind)
        amount = row.take("amount", _money)
        pv = row.take("pv", _volume)
        cv = row.take("cv", _volume)
        package = row.take("package", _package)
        if package and kind == OrderKind.CUSTOMER:
            row.refuse("package", "a customer order cannot carry a package")
        profit = row.take("retail_profit", lambda text: _money(text or "0"))
        if profit and kind == OrderKind.DISTRIBUTOR:
            row.refuse(
                "retail_profit",
                f"{profit} on a distributor order (only customer orders earn "
                "retail profit: use 0)",
            )
        refund_date = None
        if row["refund_date"]:
            refund_date = row.take("refund_date", history)
            if refund_date is not None:
                if order_date is not None and refund_date < order_date:
                    row.refuse(
                        "refund_date",
                        f"{refund_date} is before order_date {order_date}",
                    )
                if amount is not None and amount == 0:
                    row.refuse(
                        "refund_date", "an order of amount 0 has no payment to refund"
                    )
        if row.fine:
            sales.append(
                _Sale(
                    line=line,
                    order_id=order_id,
                    distributor_id=distributor_id,
                    order_date=order_date,
                    kind=kind,
                    amount=amount,
                    pv=pv,
                    cv=cv,
                    package=package,
                    retail_profit=profit,
                    refund_date=refund_date,
                )
            )
    return sales


def _money(text: str) -> Decimal:
    return _amount(text, digits=Order._meta.get_field("total").max_digits)


def _volume(text: str) -> Decimal:
    return _amount(text, digits=Order._meta.get_field("pv").max_digits)


def _order_id(text: str) -> str:
    if not text:
        raise _Bad("required")
    if len(text) > _NUMBER_LENGTH:
        raise _Bad(f"{text!r} is longer than {_NUMBER_LENGTH} characters")
    if not _ORDER_ID.fullmatch(text):
        raise _Bad(f"{text!r}: use only capital letters, digits, '-' and '_'")
    return text


def _kind(text: str) -> str:
    if text not in OrderKind.values:
        raise _Bad(f"{text!r} is not an order kind (distributor or customer)")
    return text


def _package(text: str) -> int:
    if text not in PACKAGES:
        raise _Bad(f"{text!r} is not a package (empty, ESP-1, ESP-2 or ESP-3)")
    return PACKAGES[text]


# --- writing ----------------------------------------------------------------------


def _noon(day: date) -> datetime:
    return timezone.make_aware(
        datetime.combine(day, NOON), timezone.get_default_timezone()
    )


def _order_key(sale: _Sale) -> tuple[date, int, str]:
    # Same-day ties break by order ID, numerically for numeric IDs (plan §6):
    # primary keys follow this order, and the commission loader breaks ties by them.
    return sale.order_date, len(sale.order_id), sale.order_id


def _refuse_if_populated() -> None:
    if Distributor.objects.exists():
        raise ImportRefused(
            [
                "The database already holds distributors: import_network only "
                "loads a network into a database without one."
            ]
        )


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Insert rows of values by field ``attname``; COPY on PostgreSQL.

    Every row names the same fields; the others take their default, evaluated
    once per call. ``bulk_create`` would build model instances and compile each
    batch's SQL value by value: at a network's size that costs several times
    the database's own work.
    """
    if not rows:
        return
    given = rows[0].keys()
    if any(row.keys() != given for row in rows):
        raise ValueError("every row must name the same fields")
    now = timezone.now()
    fields = [
        field
        for field in model._meta.concrete_fields
        if field.attname in given or not field.primary_key
    ]
    getters = []
    for field in fields:
        # Dates, times, decimals and JSON need the backend's adaptation; numbers,
        # text and booleans go to the driver as they are.
        adapt = isinstance(
            field, models.DateField | models.DecimalField | models.JSONField
        )
        if field.attname in given:
            getters.append(
                _adapted(field, field.attname) if adapt else itemgetter(field.attname)
            )
            continue
        stamped = getattr(field, "auto_now", False) or getattr(
            field, "auto_now_add", False
        )
        if not stamped:
            value = field.get_default()
        elif isinstance(field, models.DateTimeField):
            value = now
        else:
            value = timezone.localdate(now)
        if adapt:
            value = field.get_db_prep_save(value, connection)
        getters.append(lambda _row, value=value: value)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams rows without a statement per row.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(tuple(get(row) for get in getters))
            return
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (from _meta)
            table, columns, ", ".join(["%s"] * len(fields))
        )
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(
                sql,
                [
                    tuple(get(row) for get in getters)
                    for row in rows[start : start + BATCH_SIZE]
                ],
            )


def _adapted(field: models.Field, name: str) -> Callable[[dict[str, Any]], Any]:
    if isinstance(field, models.JSONField):
        return lambda row: field.get_db_prep_save(row[name], connection)
    # Dates and amounts repeat across rows, and adapting one costs microseconds.
    done: dict[Any, Any] = {}

    def adapted(row: dict[str, Any]) -> Any:
        value = row[name]
        if value not in done:
            done[value] = field.get_db_prep_save(value, connection)
        return done[value]

    return adapted


def _write(
    members: list[_Member], labels: TreeIndex, sales: list[_Sale], today: date
) -> ImportSummary:
    # Written in distributor ID order: primary keys follow the IDs.
    order = sorted(range(len(members)), key=lambda i: members[i].distributor_id)
    password = make_password(None)  # unusable: they set one by password reset
    _insert(
        User,
        [
            {
                "username": str(members[i].distributor_id),
                "first_name": members[i].first_name,
                "last_name": members[i].last_name,
                "email": members[i].email,
                "password": password,
                "date_joined": _noon(members[i].join_date),
                "is_active": not (
                    members[i].terminated_on is not None
                    and members[i].terminated_on <= today
                ),
            }
            for i in order
        ],
    )
    user_pk = dict(User.objects.values_list("username", "pk"))
    # The table is empty, so the trees' links can name primary keys before insert.
    pk = [0] * len(members)
    for rank, i in enumerate(order):
        pk[i] = rank + 1
    pk_of = {member.distributor_id: pk[i] for i, member in enumerate(members)}
    active_until = _active_until(sales)
    rows = []
    for i in order:
        member = members[i]
        rows.append(
            {
                "id": pk[i],
                "distributor_id": member.distributor_id,
                "user_id": user_pk[str(member.distributor_id)],
                "is_root": member.is_top,
                "enroller_id": None if member.is_top else pk_of[member.enroller_id],
                "parent_id": None if member.is_top else pk_of[member.placement_id],
                "side": member.side,
                "join_date": member.join_date,
                "terminated_on": member.terminated_on,
                "lo": labels.lo[i],
                "hi": labels.hi[i],
                "depth": labels.depth[i],
                "left_top": pk[labels.left_top[i]],
                "right_top": pk[labels.right_top[i]],
                "active_until": active_until.get(member.distributor_id),
            }
        )
    _insert(Distributor, rows)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Distributor]):
            cursor.execute(statement)
    _insert(NetworkEvent, list(_network_events(members, order, pk)))
    refunds = _write_orders(sales, pk_of, user_pk, members)
    return ImportSummary(distributors=len(rows), orders=len(sales), refunds=refunds)


def _active_until(sales: list[_Sale]) -> dict[int, date | None]:
    """Each distributor's last active day from the imported volume (shop/activity)."""
    threshold = Decimal(settings.ACTIVE_PV_30_DAYS)
    by_day: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for sale in sales:
        days = by_day[sale.distributor_id]
        days[sale.order_date] += sale.pv
        if sale.refund_date is not None:
            days[sale.refund_date] -= sale.pv
    # One entry per day (the day's net PV) gives the same last day, faster.
    return {
        distributor_id: last_active_day(days.items(), threshold=threshold)
        for distributor_id, days in by_day.items()
    }


def _network_events(
    members: list[_Member], order: list[int], pk: list[int]
) -> Iterator[dict[str, Any]]:
    for i in order:
        member = members[i]
        yield {
            "kind": NetworkEvent.Kind.ENROLLED,
            "member_id": pk[i],
            "detail": {
                "source": "import",
                "enroller": member.enroller_id,
                "parent": member.placement_id,
                "side": member.side,
            },
        }
        if member.terminated_on is not None:
            yield {
                "kind": NetworkEvent.Kind.TERMINATED,
                "member_id": pk[i],
                "detail": {
                    "effective": member.terminated_on.isoformat(),
                    "reason": "terminated in the system imported from",
                },
            }


def _write_orders(
    sales: list[_Sale],
    pk_of: dict[int, int],
    user_pk: dict[str, int],
    members: list[_Member],
) -> int:
    email_of = {member.distributor_id: member.email for member in members}
    sales = sorted(sales, key=_order_key)
    _insert(
        Order,
        [
            {
                "number": sale.order_id,
                "kind": sale.kind,
                "source": OrderSource.IMPORT,
                "status": (
                    OrderStatus.REFUNDED if sale.refund_date else OrderStatus.DELIVERED
                ),
                "distributor_id": pk_of[sale.distributor_id],
                "buyer_id": (
                    user_pk[str(sale.distributor_id)]
                    if sale.kind == OrderKind.DISTRIBUTOR
                    else None
                ),
                "email": email_of[sale.distributor_id],
                "idempotency_key": f"import:{sale.order_id}",
                "subtotal": sale.amount,
                "shipping": ZERO,
                "tax": ZERO,
                "total": sale.amount,
                "pv": sale.pv,
                "cv": sale.cv,
                "retail_profit": sale.retail_profit,
                "refunded_amount": sale.amount if sale.refund_date else ZERO,
                "package_level": sale.package,
                "package_refunded_on": sale.refund_date if sale.package else None,
                "payment_provider": PROVIDER if sale.amount else "",
                "placed_at": _noon(sale.order_date),
                "placed_on": sale.order_date,
                "paid_at": _noon(sale.order_date),
                "paid_on": sale.order_date,
            }
            for sale in sales
        ],
    )
    # The order table was empty (orders need distributors): every row is ours.
    order_pk = dict(Order.objects.values_list("number", "pk"))
    _insert(
        Payment,
        [
            {
                "order_id": order_pk[sale.order_id],
                "provider": PROVIDER,
                "status": PaymentStatus.SUCCEEDED,
                "amount": sale.amount,
                "idempotency_key": f"import:{sale.order_id}",
            }
            for sale in sales
            if sale.amount
        ],
    )
    payment_pk = dict(Payment.objects.values_list("order_id", "pk"))
    refunded = [sale for sale in sales if sale.refund_date is not None]
    _insert(
        Refund,
        [
            {
                "payment_id": payment_pk[order_pk[sale.order_id]],
                "order_id": order_pk[sale.order_id],
                "amount": sale.amount,
                "pv": sale.pv,
                "cv": sale.cv,
                "status": RefundStatus.SUCCEEDED,
                "idempotency_key": f"import:{sale.order_id}:refund",
                "reason": "refunded in the system imported from",
                "refunded_at": _noon(sale.refund_date),
            }
            for sale in refunded
        ],
    )
    refund_pk = dict(Refund.objects.values_list("order_id", "pk"))
    volume = [
        {
            "distributor_id": pk_of[sale.distributor_id],
            "order_id": order_pk[sale.order_id],
            "refund_id": None,
            "kind": VolumeKind.ORDER,
            "on": sale.order_date,
            "cycle": cycle_of(sale.order_date),
            "pv": sale.pv,
            "cv": sale.cv,
        }
        for sale in sales
    ]
    volume += [
        {
            "distributor_id": pk_of[sale.distributor_id],
            "order_id": order_pk[sale.order_id],
            "refund_id": refund_pk[order_pk[sale.order_id]],
            "kind": VolumeKind.REFUND,
            "on": sale.refund_date,
            "cycle": cycle_of(sale.refund_date),
            "pv": -sale.pv,
            "cv": -sale.cv,
        }
        for sale in refunded
    ]
    _insert(VolumeEntry, volume)
    timeline = [
        {
            "order_id": order_pk[sale.order_id],
            "status": OrderStatus.PAID,
            "note": "imported",
            "at": _noon(sale.order_date),
        }
        for sale in sales
    ]
    timeline += [
        {
            "order_id": order_pk[sale.order_id],
            "status": OrderStatus.REFUNDED,
            "note": "imported",
            "at": _noon(sale.refund_date),
        }
        for sale in refunded
    ]
    _insert(OrderEvent, timeline)
    return len(refunded)


def import_network(
    *,
    distributors: str | os.PathLike,
    orders: str | os.PathLike | None = None,
) -> ImportSummary:
    """Import a network (and its order history) from CSV; all or nothing."""
    _refuse_if_populated()
    today = timezone.localdate()
    problems = _Problems()
    members = _read_members(distributors, problems, today)
    index, tops = _check_links(members, problems)
    _check_accounts(members, problems)
    # The trees can only be walked once every distributor row and link is sound.
    labels = None if problems.count else _check_trees(members, index, tops[0], problems)
    sales = (
        _read_sales(orders, members, index, problems, today)
        if orders is not None
        else []
    )
    problems.refuse()
    with transaction.atomic():
        tree.lock_tree()
        _refuse_if_populated()  # checked again under the lock: a race
        return _write(members, labels, sales, today)
