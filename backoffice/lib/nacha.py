"""NACHA ACH files: one batch of PPD credits (commission payouts) per file.

Fixed-width 94-character records (file header 1, batch header 5, entries 6,
batch control 8, file control 9), padded with lines of nines to a multiple of
ten records. Field positions follow the NACHA Operating Rules' record layouts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

RECORD = 94
CHECKING_CREDIT = "22"
SAVINGS_CREDIT = "32"


class NachaError(ValueError):
    pass


@dataclass(frozen=True)
class Originator:
    immediate_destination: str  # the receiving bank's routing number (9 digits)
    destination_name: str
    immediate_origin: str  # usually "1" + the company's EIN, 10 characters
    origin_name: str
    company_name: str
    company_id: str  # 10 characters
    odfi: str  # the originating bank's routing number, first 8 digits


@dataclass(frozen=True)
class Credit:
    routing_number: str  # 9 digits, checksum already verified
    account_number: str
    is_savings: bool
    amount_cents: int
    individual_id: str  # the distributor ID
    individual_name: str


def _text(value: str, width: int) -> str:
    """Upper-case ASCII, left-justified and cut to ``width``."""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    plain = "".join(c if 32 <= ord(c) < 127 else " " for c in plain).upper()
    return plain[:width].ljust(width)


def _number(value: int, width: int) -> str:
    text = str(value)
    if value < 0 or len(text) > width:
        raise NachaError(f"{value} does not fit in {width} digits")
    return text.zfill(width)


def _digits(value: str, width: int) -> str:
    if not value.isdigit() or len(value) != width:
        raise NachaError(f"{value!r} must be {width} digits")
    return value


def build_file(
    *,
    originator: Originator,
    credits: list[Credit],
    effective: date,
    created: datetime,
    description: str = "COMMISSION",
    file_id_modifier: str = "A",
    batch_number: int = 1,
) -> str:
    """The whole file as text, records separated by CRLF-free newlines."""
    if not credits:
        raise NachaError("a file needs at least one credit")
    _digits(originator.immediate_destination, 9)
    _digits(originator.odfi, 8)
    records = [
        "1"
        + "01"
        + " "
        + originator.immediate_destination
        + _text(originator.immediate_origin, 10)
        + created.strftime("%y%m%d")
        + created.strftime("%H%M")
        + _text(file_id_modifier, 1)
        + "094"
        + "10"
        + "1"
        + _text(originator.destination_name, 23)
        + _text(originator.origin_name, 23)
        + _text("", 8)
    ]
    batch = _number(batch_number, 7)
    records.append(
        "5"
        + "220"  # credits only
        + _text(originator.company_name, 16)
        + _text("", 20)
        + _text(originator.company_id, 10)
        + "PPD"
        + _text(description, 10)
        + effective.strftime("%y%m%d")
        + effective.strftime("%y%m%d")
        + "   "  # settlement date: filled in by the ACH operator
        + "1"
        + originator.odfi
        + batch
    )
    entry_hash = 0
    total = 0
    for sequence, credit in enumerate(credits, start=1):
        routing = _digits(credit.routing_number, 9)
        if credit.amount_cents <= 0:
            raise NachaError("every credit must be above zero")
        if not credit.account_number or len(credit.account_number) > 17:
            raise NachaError("an account number has 1 to 17 characters")
        entry_hash += int(routing[:8])
        total += credit.amount_cents
        records.append(
            "6"
            + (SAVINGS_CREDIT if credit.is_savings else CHECKING_CREDIT)
            + routing[:8]
            + routing[8]
            + _text(credit.account_number, 17)
            + _number(credit.amount_cents, 10)
            + _text(credit.individual_id, 15)
            + _text(credit.individual_name, 22)
            + "  "
            + "0"
            + originator.odfi
            + _number(sequence, 7)
        )
    hash_text = str(entry_hash)[-10:].zfill(10)
    count = len(credits)
    records.append(
        "8"
        + "220"
        + _number(count, 6)
        + hash_text
        + _number(0, 12)
        + _number(total, 12)
        + _text(originator.company_id, 10)
        + _text("", 19)
        + _text("", 6)
        + originator.odfi
        + batch
    )
    blocks = -(-(len(records) + 1) // 10)
    records.append(
        "9"
        + _number(1, 6)
        + _number(blocks, 6)
        + _number(count, 8)
        + hash_text
        + _number(0, 12)
        + _number(total, 12)
        + _text("", 39)
    )
    while len(records) % 10:
        records.append("9" * RECORD)
    for record in records:
        if len(record) != RECORD:
            raise NachaError(f"record of {len(record)} characters: {record[:1]}")
    return "\n".join(records) + "\n"
