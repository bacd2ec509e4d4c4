"""The NACHA ACH file: fixed-width records, totals, hash, blocking."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.lib import nacha

ORIGINATOR = nacha.Originator(
    immediate_destination="011000015",
    destination_name="Demo Bank",
    immediate_origin="1123456789",
    origin_name="Gano Excel USA",
    company_name="Gano Excel USA",
    company_id="1123456789",
    odfi="01100001",
)
CREATED = datetime(2026, 3, 17, 14, 5, tzinfo=ZoneInfo("America/Los_Angeles"))
EFFECTIVE = date(2026, 3, 20)


def credit(**fields) -> nacha.Credit:
    values = {
        "routing_number": "021001208",
        "account_number": "12345678",
        "is_savings": False,
        "amount_cents": 5000,
        "individual_id": "100001",
        "individual_name": "Alice Archer",
    }
    values.update(fields)
    return nacha.Credit(**values)


def build(credits: list[nacha.Credit], **kwargs) -> list[str]:
    text = nacha.build_file(
        originator=ORIGINATOR,
        credits=credits,
        effective=EFFECTIVE,
        created=CREATED,
        batch_number=900,
        **kwargs,
    )
    assert text.endswith("\n")
    return text.splitlines()


TWO = [
    credit(),
    credit(
        routing_number="121000374",
        account_number="9876543210123",
        is_savings=True,
        amount_cents=123456,
        individual_id="100003",
        individual_name="Zoë Ångström-Nuñez",
    ),
]


def test_every_record_has_94_characters_in_blocks_of_ten():
    records = build(TWO)
    assert [len(r) for r in records] == [94] * 10
    # header, batch header, 2 entries, batch control, file control, 4 filler
    assert [r[0] for r in records] == ["1", "5", "6", "6", "8", "9", "9", "9", "9", "9"]
    assert records[6:] == ["9" * 94] * 4


def test_record_type_codes_come_in_order_for_any_number_of_entries():
    for count in (1, 4, 5, 14, 25):
        records = build([credit(amount_cents=100 + n) for n in range(count)])
        assert len(records) % 10 == 0
        kinds = "".join(r[0] for r in records)
        assert kinds.rstrip("9") == "15" + "6" * count + "8"
        assert kinds[len("15") + count + 1] == "9"
        # Block count in the file control: the whole file, in blocks of ten.
        file_control = records[count + 3]
        assert int(file_control[7:13]) == len(records) // 10


def test_the_file_header():
    header = build(TWO)[0]
    assert header == (
        "101"
        + " 011000015"
        + "1123456789"
        + "260317"
        + "1405"
        + "A"
        + "094"
        + "10"
        + "1"
        + "DEMO BANK".ljust(23)
        + "GANO EXCEL USA".ljust(23)
        + " " * 8
    )


def test_the_batch_header():
    header = build(TWO)[1]
    assert header == (
        "5220"
        + "GANO EXCEL USA".ljust(16)
        + " " * 20
        + "1123456789"
        + "PPD"
        + "COMMISSION"
        + "260320"
        + "260320"
        + "   "
        + "1"
        + "01100001"
        + "0000900"
    )


def test_entries_checking_and_savings_amounts_and_names():
    first, second = build(TWO)[2:4]
    assert first == (
        "622"
        + "02100120"
        + "8"
        + "12345678".ljust(17)
        + "0000005000"
        + "100001".ljust(15)
        + "ALICE ARCHER".ljust(22)
        + "  "
        + "0"
        + "01100001"
        + "0000001"
    )
    assert second[1:3] == nacha.SAVINGS_CREDIT == "32"
    assert first[1:3] == nacha.CHECKING_CREDIT == "22"
    assert second[3:12] == "121000374"
    assert second[12:29] == "9876543210123    "
    assert second[29:39] == "0000123456"
    # Upper-case ASCII, accents dropped, cut to 22 characters.
    assert second[54:76] == "ZOE ANGSTROM-NUNEZ    "
    assert second[79:94] == "011000010000002"


def test_batch_and_file_control_totals_and_entry_hash():
    records = build(TWO)
    batch_control, file_control = records[4], records[5]
    entry_hash = 2100120 + 12100037
    assert batch_control == (
        "8220"
        + "000002"
        + str(entry_hash).zfill(10)
        + "0" * 12
        + "000000128456"
        + "1123456789"
        + " " * 19
        + " " * 6
        + "01100001"
        + "0000900"
    )
    assert file_control == (
        "9"
        + "000001"
        + "000001"
        + "00000002"
        + str(entry_hash).zfill(10)
        + "0" * 12
        + "000000128456"
        + " " * 39
    )


def test_the_entry_hash_keeps_its_last_ten_digits():
    # 2,000 entries of 99999999 add up to 199,999,998,000: eleven digits.
    records = build([credit(routing_number="999999995")] * 2000)
    batch_control = next(r for r in records if r.startswith("8"))
    assert batch_control[10:20] == "9999998000"
    file_control = next(r for r in records if r.startswith("9"))
    assert file_control[21:31] == "9999998000"
    assert int(file_control[13:21]) == 2000


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=9_999_999_999),
            st.text(alphabet="0123456789", min_size=9, max_size=9),
            st.booleans(),
            st.text(max_size=40),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_any_credits_give_a_well_formed_file(rows):
    credits = [
        credit(
            amount_cents=amount,
            routing_number=routing,
            is_savings=savings,
            individual_name=name,
        )
        for amount, routing, savings, name in rows
    ]
    records = build(credits)
    assert all(len(r) == 94 for r in records)
    assert all(r.isascii() and r == r.upper() for r in records)
    assert len(records) % 10 == 0
    entries = [r for r in records if r[0] == "6"]
    assert [int(r[29:39]) for r in entries] == [amount for amount, *_ in rows]
    assert [r[1:3] for r in entries] == [
        "32" if savings else "22" for _, _, savings, _ in rows
    ]
    total = sum(amount for amount, *_ in rows)
    entry_hash = sum(int(routing[:8]) for _, routing, _, _ in rows)
    control = records[len(rows) + 2]
    assert int(control[32:44]) == total
    assert control[10:20] == str(entry_hash)[-10:].zfill(10)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"routing_number": "12345678"}, "'12345678' must be 9 digits"),
        ({"routing_number": "12345678X"}, "must be 9 digits"),
        ({"amount_cents": 0}, "every credit must be above zero"),
        ({"amount_cents": -5}, "every credit must be above zero"),
        ({"amount_cents": 10**10}, "10000000000 does not fit in 10 digits"),
        ({"account_number": ""}, "an account number has 1 to 17 characters"),
        ({"account_number": "1" * 18}, "an account number has 1 to 17 characters"),
    ],
)
def test_bad_credits_are_refused(fields, message):
    with pytest.raises(nacha.NachaError, match=message):
        build([credit(**fields)])


def test_a_file_needs_a_credit():
    with pytest.raises(nacha.NachaError, match="at least one credit"):
        build([])
