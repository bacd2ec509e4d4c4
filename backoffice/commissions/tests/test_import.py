from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from backoffice.accounts.models import User
from backoffice.accounts.tests.factories import UserFactory
from backoffice.commissions.imports import (
    DISTRIBUTOR_COLUMNS,
    ORDER_COLUMNS,
    ImportRefused,
    import_network,
)
from backoffice.network import tree
from backoffice.network.models import Distributor, NetworkEvent
from backoffice.shop.models import (
    Order,
    OrderEvent,
    Payment,
    Refund,
    VolumeEntry,
)

DISTRIBUTOR_HEADER = ",".join(DISTRIBUTOR_COLUMNS)
ORDER_HEADER = ",".join(ORDER_COLUMNS)

# The worked example's binary tree (plan §12), rows deliberately out of order:
# A has B (L) and C (R); B has D (L), E (R); C has F (L), G (R); F has H (R).
NETWORK = [
    "100008,100003,100006,R,Hal,Hughes,hal@example.com,2025-04-01,2025-09-30",
    "100004,100002,100002,L,Dee,Diaz,dee@example.com,2025-03-03,",
    "100001,,,,Ann,Archer,ann@example.com,2025-01-06,",
    "100006,100003,100003,L,Fay,Flores,fay@example.com,2025-03-10,",
    "100002,100001,100001,L,Bea,Baker,bea@example.com,2025-02-03,",
    "100007,100003,100003,R,Gus,Garcia,gus@example.com,2025-03-10,",
    "100005,100001,100002,R,Eve,Evans,eve@example.com,2025-03-03,",
    "100003,100001,100001,R,Cal,Cruz,cal@Example.COM,2025-02-03,",
]
ORDERS = [
    "1003,100004,2026-03-09,distributor,150.00,100,90,ESP-1,0,2026-03-20",
    "1001,100001,2026-03-02,distributor,399.00,250,250,ESP-3,0,",
    "1002,100002,2026-03-05,customer,59.95,30,25.50,,12.50,",
    "1004,100003,2026-03-10,customer,40,20,20,,8,2026-03-10",
    "A-7,100005,2026-02-01,distributor,0,0,0,,,",
]
PLACEMENT = {  # child: (parent, side)
    100002: (100001, "L"),
    100003: (100001, "R"),
    100004: (100002, "L"),
    100005: (100002, "R"),
    100006: (100003, "L"),
    100007: (100003, "R"),
    100008: (100006, "R"),
}

# A small valid network for the refusals: 100001 top, 100002 (L), 100003 (R).
SMALL = [
    "100001,,,,Ann,Archer,ann@example.com,2025-01-06,",
    "100002,100001,100001,L,Bea,Baker,bea@example.com,2025-02-03,",
    "100003,100001,100001,R,Cal,Cruz,cal@example.com,2025-02-03,",
]
SMALL_ORDER = "5001,100002,2026-03-02,distributor,100.00,50,50,ESP-1,0,"


def write(tmp_path: Path, name: str, header: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def run(tmp_path: Path, members: list[str], orders: list[str] | None = None):
    return import_network(
        distributors=write(tmp_path, "distributors.csv", DISTRIBUTOR_HEADER, members),
        orders=(
            None
            if orders is None
            else write(tmp_path, "orders.csv", ORDER_HEADER, orders)
        ),
    )


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Distributor,
            NetworkEvent,
            Order,
            OrderEvent,
            Payment,
            Refund,
            VolumeEntry,
        )
    }


def noon(day: date) -> datetime:
    return timezone.make_aware(
        datetime.combine(day, time(12)), timezone.get_default_timezone()
    )


def member(distributor_id: int) -> Distributor:
    return Distributor.objects.select_related("user", "enroller", "parent").get(
        distributor_id=distributor_id
    )


def descendants(distributor_id: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for child, (parent, _side) in PLACEMENT.items():
        children.setdefault(parent, []).append(child)
    found, stack = set(), [distributor_id]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


def test_imports_the_network_with_its_accounts(db, tmp_path):
    summary = run(tmp_path, NETWORK, ORDERS)

    assert (summary.distributors, summary.orders, summary.refunds) == (8, 5, 2)
    top = member(100001)
    assert top.is_root
    assert (top.enroller, top.parent, top.side, top.depth) == (None, None, "", 0)
    hal = member(100008)
    assert hal.enroller.distributor_id == 100003
    assert (hal.parent.distributor_id, hal.side) == (100006, "R")
    assert (hal.join_date, hal.terminated_on) == (date(2025, 4, 1), date(2025, 9, 30))
    assert hal.place_by is None
    assert (hal.user.username, hal.user.first_name, hal.user.last_name) == (
        "100008",
        "Hal",
        "Hughes",
    )
    assert hal.user.email == "hal@example.com"
    assert hal.user.is_active is False  # terminated
    assert hal.user.date_joined == noon(date(2025, 4, 1))
    assert not hal.user.has_usable_password()
    cal = member(100003)
    assert cal.user.email == "cal@example.com"  # the domain is lower-cased
    assert cal.user.is_active is True
    assert (cal.terminated_on, cal.enroller.distributor_id) == (None, 100001)
    eve = member(100005)
    assert (eve.enroller.distributor_id, eve.parent.distributor_id) == (100001, 100002)
    assert sorted(
        Distributor.objects.values_list("distributor_id", "pk").order_by("pk")
    ) == [(100000 + n, n) for n in range(1, 9)]
    assert NetworkEvent.objects.filter(kind="enrolled").count() == 8
    terminated = NetworkEvent.objects.get(kind="terminated")
    assert terminated.member_id == hal.pk
    assert terminated.detail["effective"] == "2025-09-30"
    enrolled = NetworkEvent.objects.get(kind="enrolled", member=eve)
    assert enrolled.detail == {
        "source": "import",
        "enroller": 100001,
        "parent": 100002,
        "side": "R",
    }


def test_tree_labels_answer_the_subtree_queries(db, tmp_path):
    run(tmp_path, NETWORK)

    for distributor_id in range(100001, 100009):
        node = member(distributor_id)
        below = Distributor.objects.downline_of(node)
        assert set(below.values_list("distributor_id", flat=True)) == descendants(
            distributor_id
        )
        upline = [
            Distributor.objects.get(pk=pk).distributor_id
            for pk in tree.ancestor_ids(node)
        ]
        chain, at = [], distributor_id
        while at in PLACEMENT:
            at = PLACEMENT[at][0]
            chain.insert(0, at)
        assert upline == chain
        assert node.depth == len(chain)
        assert set(
            Distributor.objects.ancestors_of(node).values_list(
                "distributor_id", flat=True
            )
        ) == set(chain)
    top, cal, fay = member(100001), member(100003), member(100006)
    assert tree.outer_bottom(top, "L").distributor_id == 100004
    assert tree.outer_bottom(top, "R").distributor_id == 100007
    assert tree.outer_bottom(cal, "L").distributor_id == 100006
    assert tree.outer_bottom(fay, "R").distributor_id == 100008
    assert tree.outer_bottom(fay, "L").distributor_id == 100006
    bea, dee = member(100002), member(100004)
    assert bea.lo < dee.lo < dee.hi < member(100005).lo < bea.hi < cal.lo


def test_imported_tree_takes_new_placements(db, tmp_path):
    run(tmp_path, NETWORK)
    gus = member(100007)
    newcomer = Distributor.objects.create(
        distributor_id=100009,
        user=UserFactory(username="100009"),
        enroller=gus,
        join_date=date(2026, 1, 5),
    )

    tree.place(newcomer, gus, "L")

    assert set(
        Distributor.objects.downline_of(member(100003)).values_list(
            "distributor_id", flat=True
        )
    ) == {100006, 100007, 100008, 100009}
    assert tree.outer_bottom(member(100003), "R").distributor_id == 100007
    assert Distributor.objects.downline_of(member(100001)).count() == 8


def test_imports_orders_with_their_volume_and_refunds(db, tmp_path):
    run(tmp_path, NETWORK, ORDERS)
    pk = dict(Distributor.objects.values_list("distributor_id", "pk"))

    pack = Order.objects.get(number="1001")
    assert (pack.kind, pack.source, pack.status) == (
        "distributor",
        "import",
        "delivered",
    )
    assert pack.distributor_id == pk[100001]
    assert pack.buyer.username == "100001"
    assert (pack.customer, pack.email) == (None, "ann@example.com")
    assert pack.idempotency_key == "import:1001"
    assert (pack.subtotal, pack.shipping, pack.tax, pack.total) == (
        Decimal("399.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("399.00"),
    )
    assert (pack.pv, pack.cv, pack.retail_profit) == (
        Decimal("250.00"),
        Decimal("250.00"),
        Decimal("0.00"),
    )
    assert (pack.package_level, pack.package_refunded_on) == (3, None)
    assert (pack.refunded_amount, pack.payment_provider) == (Decimal("0.00"), "import")
    assert (pack.placed_at, pack.paid_at) == (noon(date(2026, 3, 2)),) * 2
    assert (pack.placed_on, pack.paid_on) == (date(2026, 3, 2),) * 2

    retail = Order.objects.get(number="1002")
    assert (retail.kind, retail.status, retail.customer, retail.buyer) == (
        "customer",
        "delivered",
        None,
        None,
    )
    assert (retail.email, retail.retail_profit, retail.cv) == (
        "bea@example.com",
        Decimal("12.50"),
        Decimal("25.50"),
    )

    given_back = Order.objects.get(number="1003")
    assert given_back.status == "refunded"
    assert given_back.refunded_amount == Decimal("150.00")
    assert (given_back.package_level, given_back.package_refunded_on) == (
        1,
        date(2026, 3, 20),
    )
    retail_back = Order.objects.get(number="1004")
    assert (retail_back.status, retail_back.refunded_amount) == (
        "refunded",
        Decimal("40.00"),
    )
    assert retail_back.package_refunded_on is None
    free = Order.objects.get(number="A-7")
    assert (free.total, free.retail_profit, free.payment_provider) == (
        Decimal("0.00"),
        Decimal("0.00"),
        "",
    )

    assert sorted(
        VolumeEntry.objects.values_list(
            "order__number", "kind", "distributor_id", "on", "cycle", "pv", "cv"
        )
    ) == [
        ("1001", "order", pk[100001], date(2026, 3, 2), 900, Decimal("250.00"),
         Decimal("250.00")),
        ("1002", "order", pk[100002], date(2026, 3, 5), 900, Decimal("30.00"),
         Decimal("25.50")),
        ("1003", "order", pk[100004], date(2026, 3, 9), 901, Decimal("100.00"),
         Decimal("90.00")),
        ("1003", "refund", pk[100004], date(2026, 3, 20), 902, Decimal("-100.00"),
         Decimal("-90.00")),
        ("1004", "order", pk[100003], date(2026, 3, 10), 901, Decimal("20.00"),
         Decimal("20.00")),
        ("1004", "refund", pk[100003], date(2026, 3, 10), 901, Decimal("-20.00"),
         Decimal("-20.00")),
        ("A-7", "order", pk[100005], date(2026, 2, 1), 895, Decimal("0.00"),
         Decimal("0.00")),
    ]  # fmt: skip
    refund = Refund.objects.get(order=given_back)
    assert (refund.amount, refund.pv, refund.cv, refund.status) == (
        Decimal("150.00"),
        Decimal("100.00"),
        Decimal("90.00"),
        "succeeded",
    )
    assert refund.refunded_at == noon(date(2026, 3, 20))
    assert refund.payment.order_id == given_back.pk
    assert VolumeEntry.objects.get(kind="refund", order=given_back).refund == refund
    assert sorted(
        Payment.objects.values_list("order__number", "amount", "status", "provider")
    ) == [
        ("1001", Decimal("399.00"), "succeeded", "import"),
        ("1002", Decimal("59.95"), "succeeded", "import"),
        ("1003", Decimal("150.00"), "succeeded", "import"),
        ("1004", Decimal("40.00"), "succeeded", "import"),
    ]
    assert sorted(OrderEvent.objects.values_list("order__number", "status")) == [
        ("1001", "paid"),
        ("1002", "paid"),
        ("1003", "paid"),
        ("1003", "refunded"),
        ("1004", "paid"),
        ("1004", "refunded"),
        ("A-7", "paid"),
    ]
    # Primary keys follow the order date, then the order ID.
    assert list(Order.objects.order_by("pk").values_list("number", flat=True)) == [
        "A-7",
        "1001",
        "1002",
        "1003",
        "1004",
    ]


def test_active_until_follows_the_imported_volume(db, tmp_path):
    run(tmp_path, NETWORK, ORDERS)

    active = dict(Distributor.objects.values_list("distributor_id", "active_until"))
    assert active == {
        100001: date(2026, 3, 31),  # 250 PV on 2026-03-02, for 30 days
        100002: None,  # 30 PV: under 50
        100003: None,  # refunded the same day
        100004: date(2026, 3, 19),  # 100 PV until the refund on 2026-03-20
        100005: None,
        100006: None,
        100007: None,
        100008: None,
    }


def test_rows_in_any_order_give_the_same_network(db, tmp_path):
    run(tmp_path, list(reversed(NETWORK)))
    forward = {
        d.distributor_id: (
            d.enroller.distributor_id if d.enroller else None,
            d.parent.distributor_id if d.parent else None,
            d.side,
            d.depth,
        )
        for d in Distributor.objects.select_related("enroller", "parent")
    }

    assert forward == {
        100001: (None, None, "", 0),
        100002: (100001, 100001, "L", 1),
        100003: (100001, 100001, "R", 1),
        100004: (100002, 100002, "L", 2),
        100005: (100001, 100002, "R", 2),
        100006: (100003, 100003, "L", 2),
        100007: (100003, 100003, "R", 2),
        100008: (100003, 100006, "R", 3),
    }


def test_a_20000_deep_chain_imports(db, tmp_path):
    size = 20_000
    rows = ["1,,,,Top,Chain,m1@example.com,2020-01-06,"] + [
        f"{n},{n - 1},{n - 1},L,M{n},Chain,m{n}@example.com,2020-01-06,"
        for n in range(2, size + 1)
    ]
    rows.reverse()  # every parent after its child

    summary = run(tmp_path, rows)

    assert summary.distributors == size
    top, bottom, middle = member(1), member(size), member(size // 2)
    assert bottom.depth == size - 1
    assert Distributor.objects.downline_of(top).count() == size - 1
    assert Distributor.objects.downline_of(middle).count() == size - size // 2
    assert tree.outer_bottom(top, "L").pk == bottom.pk
    assert len(tree.ancestor_ids(bottom)) == size - 1
    assert bottom.left_top == top.pk
    assert bottom.right_top == bottom.pk


def refused(tmp_path, members, orders=None) -> list[str]:
    before = counts()
    with pytest.raises(ImportRefused) as error:
        run(tmp_path, members, orders)
    assert counts() == before
    return error.value.messages


CAL = {
    "distributor_id": "100003",
    "enroller_id": "100001",
    "placement_id": "100001",
    "placement_side": "R",
    "first_name": "Cal",
    "last_name": "Cruz",
    "email": "cal@example.com",
    "join_date": "2025-02-03",
    "terminated_on": "",
}
BEA = {**CAL, "distributor_id": "100002", "placement_side": "L", "first_name": "Bea"}
BEA |= {"last_name": "Baker", "email": "bea@example.com"}


def cal(**changes: str) -> list[str]:
    """SMALL with Cal's row (line 4) changed."""
    return replace(SMALL, 4, ",".join({**CAL, **changes}.values()))


def bea(**changes: str) -> list[str]:
    """SMALL with Bea's row (line 3) changed."""
    return replace(SMALL, 3, ",".join({**BEA, **changes}.values()))


def replace(rows: list[str], line: int, text: str) -> list[str]:
    """``rows`` with the row on file line ``line`` (header = line 1) replaced."""
    changed = list(rows)
    changed[line - 2] = text
    return changed


TOP_ONLY = (
    "empty (only the top of the network leaves enroller_id, placement_id and "
    "placement_side empty)"
)


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        pytest.param(
            cal(distributor_id="10000C"),
            "distributors line 4, distributor_id: '10000C' is not a distributor ID "
            "(digits only)",
            id="id-not-digits",
        ),
        pytest.param(
            cal(distributor_id="0"),
            "distributors line 4, distributor_id: 0 is not a distributor ID "
            "(1 to 18 digits, not 0)",
            id="id-zero",
        ),
        pytest.param(
            cal(distributor_id="100002"),
            "distributors line 4, distributor_id: 100002 is also on line 3",
            id="duplicate-id",
        ),
        pytest.param(
            cal(enroller_id="100009"),
            "distributors line 4, enroller_id: no distributor 100009 in the file",
            id="unknown-enroller",
        ),
        pytest.param(
            cal(placement_id="100009"),
            "distributors line 4, placement_id: no distributor 100009 in the file",
            id="unknown-placement",
        ),
        pytest.param(
            cal(enroller_id="x1"),
            "distributors line 4, enroller_id: 'x1' is not a distributor ID "
            "(digits only)",
            id="enroller-not-digits",
        ),
        pytest.param(
            cal(enroller_id=""),
            f"distributors line 4, enroller_id: {TOP_ONLY}",
            id="empty-enroller",
        ),
        pytest.param(
            cal(placement_id=""),
            f"distributors line 4, placement_id: {TOP_ONLY}",
            id="empty-placement",
        ),
        pytest.param(
            cal(enroller_id="", placement_id="", placement_side=""),
            "distributors line 4, enroller_id: empty, but line 2 is already the top "
            "of the network (only one row leaves enroller_id, placement_id and "
            "placement_side empty)",
            id="two-tops",
        ),
        pytest.param(
            bea(placement_side="R"),
            "distributors line 4, placement_side: R of 100001 is already taken by "
            "line 3",
            id="side-taken-twice",
        ),
        pytest.param(
            cal(placement_side="r"),
            "distributors line 4, placement_side: 'r' is not a side (L or R)",
            id="side-not-l-or-r",
        ),
        pytest.param(
            cal(join_date="2025-02-30"),
            "distributors line 4, join_date: '2025-02-30' is not a date (YYYY-MM-DD)",
            id="impossible-date",
        ),
        pytest.param(
            cal(join_date="02/03/2025"),
            "distributors line 4, join_date: '02/03/2025' is not a date (YYYY-MM-DD)",
            id="date-format",
        ),
        pytest.param(
            cal(join_date="2999-01-01"),
            "distributors line 4, join_date: 2999-01-01 is in the future",
            id="joins-in-the-future",
        ),
        pytest.param(
            cal(terminated_on="2025-02-02"),
            "distributors line 4, terminated_on: 2025-02-02 is before join_date "
            "2025-02-03",
            id="terminated-before-joining",
        ),
        pytest.param(
            cal(email="BEA@example.com"),
            "distributors line 4, email: BEA@example.com is also on line 3",
            id="duplicate-email",
        ),
        pytest.param(
            cal(email="cal.example.com"),
            "distributors line 4, email: 'cal.example.com' is not an email address",
            id="malformed-email",
        ),
        pytest.param(
            cal(first_name=""),
            "distributors line 4, first_name: required",
            id="no-first-name",
        ),
        pytest.param(
            [
                "100001,100002,100002,L,Ann,Archer,ann@example.com,2025-01-06,",
                *SMALL[1:],
            ],
            "distributors: no top of the network (one row must leave enroller_id, "
            "placement_id and placement_side empty)",
            id="no-top",
        ),
        pytest.param(
            [
                SMALL[0],
                "100002,100001,100003,L,Bea,Baker,bea@example.com,2025-02-03,",
                "100003,100001,100002,L,Cal,Cruz,cal@example.com,2025-02-03,",
            ],
            "distributors line 3, placement_id: the placement parents form a cycle "
            "(lines 3, 4)",
            id="placement-cycle",
        ),
        pytest.param(
            [
                SMALL[0],
                "100002,100003,100001,L,Bea,Baker,bea@example.com,2025-02-03,",
                "100003,100002,100001,R,Cal,Cruz,cal@example.com,2025-02-03,",
            ],
            "distributors line 3, enroller_id: the enrollers form a cycle (lines 3, 4)",
            id="enroller-cycle",
        ),
        pytest.param(
            bea(placement_id="100002"),
            "distributors line 3, placement_id: 100002 is their own placement parent",
            id="own-placement-parent",
        ),
        pytest.param(
            [
                *SMALL,
                "100004,100002,100003,L,Dee,Diaz,dee@example.com,2025-03-03,",
            ],
            "distributors line 5, placement_id: 100003 is neither the enroller "
            "100002 nor in the enroller's placement downline",
            id="placed-outside-enroller-downline",
        ),
        pytest.param(
            bea(join_date="2025-01-05"),
            "distributors line 3, join_date: 2025-01-05 is before the join date "
            "2025-01-06 of enroller 100001 (line 2)",
            id="joined-before-enroller",
        ),
        pytest.param(
            [
                *SMALL,
                "100004,100001,100003,L,Dee,Diaz,dee@example.com,2025-02-01,",
            ],
            "distributors line 5, join_date: 2025-02-01 is before the join date "
            "2025-02-03 of placement parent 100003 (line 4)",
            id="joined-before-placement-parent",
        ),
    ],
)
def test_refuses_a_bad_distributor_row(db, tmp_path, members, expected):
    assert refused(tmp_path, members) == [expected]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        pytest.param(
            "5002,100009,2026-03-02,distributor,100.00,50,50,,0,",
            "distributor_id: no distributor 100009 in the distributors file",
            id="unknown-distributor",
        ),
        pytest.param(
            "5002,1000x2,2026-03-02,distributor,100.00,50,50,,0,",
            "distributor_id: '1000x2' is not a distributor ID (digits only)",
            id="distributor-not-digits",
        ),
        pytest.param(
            "5002,100002,2025-02-02,distributor,100.00,50,50,,0,",
            "order_date: 2025-02-02 is before distributor 100002 joined (2025-02-03)",
            id="before-joining",
        ),
        pytest.param(
            "5002,100002,2026-13-02,distributor,100.00,50,50,,0,",
            "order_date: '2026-13-02' is not a date (YYYY-MM-DD)",
            id="malformed-date",
        ),
        pytest.param(
            "5002,100002,2999-03-02,distributor,100.00,50,50,,0,",
            "order_date: 2999-03-02 is in the future",
            id="future-date",
        ),
        pytest.param(
            "5002,100002,2026-03-02,distributor,-1.00,50,50,,0,",
            "amount: -1.00 is negative",
            id="negative-amount",
        ),
        pytest.param(
            "5002,100002,2026-03-02,distributor,100.00,-50,50,,0,",
            "pv: -50 is negative",
            id="negative-pv",
        ),
        pytest.param(
            "5002,100002,2026-03-02,distributor,100.00,50,-0.01,,0,",
            "cv: -0.01 is negative",
            id="negative-cv",
        ),
        pytest.param(
            "5002,100002,2026-03-02,customer,100.00,50,50,,-2,",
            "retail_profit: -2 is negative",
            id="negative-retail-profit",
        ),
        pytest.param(
            "5002,100002,2026-03-02,distributor,1e2,50,50,,0,",
            "amount: '1e2' is not a number (digits, '.' for decimals)",
            id="malformed-amount",
        ),
        pytest.param(
            "5002,100002,2026-03-02,distributor,,50,50,,0,",
            "amount: required",
            id="missing-amount",
        ),
        pytest.param(
            "5002,100002,2026-03-02,distributor,100.005,50,50,,0,",
            "amount: 100.005 has more than two decimal places",
            id="fraction-of-a-cent",
        ),
        pytest.param(
            "5002,100002,2026-03-02,distributor,100,12345678901,50,,0,",
            "pv: 12345678901 is too large",
            id="volume-too-large",
        ),
        pytest.param(
            "5002,100002,2026-03-02,distributor,1" + "0" * 40 + ",50,50,,0,",
            "amount: 1" + "0" * 40 + " is too large",
            id="amount-beyond-any-precision",
        ),
        pytest.param(
            "5002,100002,2026-03-02,retail,100.00,50,50,,0,",
            "kind: 'retail' is not an order kind (distributor or customer)",
            id="unknown-kind",
        ),
        pytest.param(
            "5002,100002,2026-03-02,distributor,100.00,50,50,ESP-4,0,",
            "package: 'ESP-4' is not a package (empty, ESP-1, ESP-2 or ESP-3)",
            id="unknown-package",
        ),
        pytest.param(
            "5002,100002,2026-03-02,customer,100.00,50,50,ESP-1,10,",
            "package: a customer order cannot carry a package",
            id="package-on-customer-order",
        ),
        pytest.param(
            "5002,100002,2026-03-02,distributor,100.00,50,50,,10.00,",
            "retail_profit: 10.00 on a distributor order (only customer orders earn "
            "retail profit: use 0)",
            id="retail-profit-on-distributor-order",
        ),
        pytest.param(
            "5002,100002,2026-03-02,distributor,100.00,50,50,,0,2026-03-01",
            "refund_date: 2026-03-01 is before order_date 2026-03-02",
            id="refund-before-order",
        ),
        pytest.param(
            "5002,100002,2026-03-02,distributor,0,50,50,,0,2026-03-03",
            "refund_date: an order of amount 0 has no payment to refund",
            id="refund-of-nothing-paid",
        ),
        pytest.param(
            "12345678901234567,100002,2026-03-02,distributor,100.00,50,50,,0,",
            "order_id: '12345678901234567' is longer than 16 characters",
            id="order-id-too-long",
        ),
        pytest.param(
            "gx-1,100002,2026-03-02,distributor,100.00,50,50,,0,",
            "order_id: 'gx-1': use only capital letters, digits, '-' and '_'",
            id="order-id-lower-case",
        ),
        pytest.param(
            ",100002,2026-03-02,distributor,100.00,50,50,,0,",
            "order_id: required",
            id="order-id-missing",
        ),
    ],
)
def test_refuses_a_bad_order_row(db, tmp_path, order, expected):
    assert refused(tmp_path, SMALL, [SMALL_ORDER, order]) == [
        f"orders line 3, {expected}"
    ]


def test_refuses_a_duplicate_order_id(db, tmp_path):
    assert refused(tmp_path, SMALL, [SMALL_ORDER, SMALL_ORDER]) == [
        "orders line 3, order_id: 5001 is also on line 2"
    ]


def test_reports_every_problem_across_both_files(db, tmp_path):
    members = bea(email="bea@example")
    orders = [SMALL_ORDER, "5002,100003,2026-03-02,customer,10,5,5,,1,2026-01-01"]

    assert refused(tmp_path, members, orders) == [
        "distributors line 3, email: 'bea@example' is not an email address",
        "orders line 3, refund_date: 2026-01-01 is before order_date 2026-03-02",
    ]


def test_reports_tree_problems_with_order_problems(db, tmp_path):
    members = bea(join_date="2025-01-05")
    orders = [SMALL_ORDER.replace("100002", "100007")]

    assert refused(tmp_path, members, orders) == [
        "distributors line 3, join_date: 2025-01-05 is before the join date "
        "2025-01-06 of enroller 100001 (line 2)",
        "orders line 2, distributor_id: no distributor 100007 in the distributors file",
    ]


def test_caps_the_messages_and_counts_the_rest(db, tmp_path):
    rows = [SMALL[0]] + [
        f"{n},{n - 1},{n - 1},L,M,N,m{n}@example.com,someday,"
        for n in range(100002, 100027)
    ]

    with pytest.raises(ImportRefused) as error:
        run(tmp_path, rows)

    assert error.value.count == 25
    assert len(error.value.messages) == 20
    assert error.value.messages[0] == (
        "distributors line 3, join_date: 'someday' is not a date (YYYY-MM-DD)"
    )
    assert str(error.value).endswith("\n… and 5 more problems")
    assert counts()["Distributor"] == 0


def test_refuses_a_wrong_header(db, tmp_path):
    path = tmp_path / "distributors.csv"
    path.write_text(
        "distributor_id,enroller,placement_id,placement_side,first_name,last_name,"
        "email,join_date,terminated_on,notes\n" + SMALL[0] + ",x\n",
        encoding="utf-8",
    )

    with pytest.raises(ImportRefused) as error:
        import_network(distributors=path)

    assert error.value.messages == [
        "distributors line 1: missing column: enroller_id",
        "distributors line 1: unknown columns: enroller, notes",
    ]


def test_refuses_a_row_with_the_wrong_number_of_values(db, tmp_path):
    assert refused(tmp_path, [*SMALL, "100004,100002,100002,L,Dee"]) == [
        "distributors line 5: expected 9 values, found 5"
    ]


def test_refuses_text_that_is_not_utf8(db, tmp_path):
    path = tmp_path / "distributors.csv"
    path.write_bytes(
        (DISTRIBUTOR_HEADER + "\n" + SMALL[0] + "\n").encode()
        + "100002,100001,100001,L,Bé,B,b@example.com,2025-02-03,\n".encode("latin-1")
    )

    with pytest.raises(ImportRefused) as error:
        import_network(distributors=path)

    assert error.value.messages == ["distributors: the file is not UTF-8 text"]


def test_reads_a_byte_order_mark_and_blank_lines(db, tmp_path):
    path = tmp_path / "distributors.csv"
    path.write_text(
        "\ufeff" + DISTRIBUTOR_HEADER + "\r\n" + "\r\n".join(SMALL) + "\r\n\r\n",
        encoding="utf-8",
    )

    summary = import_network(distributors=path)

    assert summary.distributors == 3


def test_refuses_an_empty_file_and_a_file_of_no_rows(db, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")

    with pytest.raises(ImportRefused) as error:
        import_network(distributors=empty)
    assert error.value.messages == ["distributors: the file is empty (no header row)"]
    assert refused(tmp_path, []) == [
        "distributors: no distributors (only a header row)"
    ]


def test_refuses_accounts_that_already_exist(db, tmp_path):
    UserFactory(username="100002", email="someone@example.com")
    UserFactory(username="staff1", email="Cal@Example.com")

    assert refused(tmp_path, SMALL) == [
        "distributors line 3, distributor_id: an account named 100002 already exists",
        "distributors line 4, email: cal@example.com already belongs to an account",
    ]


def test_refuses_a_database_that_already_has_a_network(db, tmp_path):
    run(tmp_path, SMALL, [SMALL_ORDER])
    before = counts()

    with pytest.raises(ImportRefused) as error:
        run(tmp_path, NETWORK)

    assert error.value.messages == [
        "The database already holds distributors: import_network only loads a "
        "network into a database without one."
    ]
    assert counts() == before


def test_command_prints_what_it_imported(db, tmp_path):
    out, err = StringIO(), StringIO()

    call_command(
        "import_network",
        "--distributors",
        str(write(tmp_path, "d.csv", DISTRIBUTOR_HEADER, NETWORK)),
        "--orders",
        str(write(tmp_path, "o.csv", ORDER_HEADER, ORDERS)),
        stdout=out,
        stderr=err,
    )

    assert out.getvalue() == "Imported 8 distributors and 5 orders (2 refunded).\n"
    assert err.getvalue() == ""
    assert counts()["Order"] == 5


def test_command_fails_naming_each_problem(db, tmp_path):
    out, err = StringIO(), StringIO()
    members = cal(placement_side="X")

    with pytest.raises(
        CommandError, match=r"^Nothing imported: 2 problems found\.$"
    ) as error:
        call_command(
            "import_network",
            "--distributors",
            str(write(tmp_path, "d.csv", DISTRIBUTOR_HEADER, members)),
            "--orders",
            str(
                write(
                    tmp_path, "o.csv", ORDER_HEADER, [SMALL_ORDER.replace("5001", "x")]
                )
            ),
            stdout=out,
            stderr=err,
        )

    assert error.value.returncode == 1
    assert err.getvalue() == (
        "distributors line 4, placement_side: 'X' is not a side (L or R)\n"
        "orders line 2, order_id: 'x': use only capital letters, digits, '-' and '_'\n"
    )
    assert out.getvalue() == ""
    assert counts() == dict.fromkeys(counts(), 0)


def test_command_reports_a_missing_file(db, tmp_path):
    err = StringIO()

    with pytest.raises(CommandError, match="1 problem found"):
        call_command(
            "import_network", "--distributors", str(tmp_path / "nope.csv"), stderr=err
        )

    assert err.getvalue() == (
        f"distributors: cannot read {tmp_path / 'nope.csv'}: "
        "No such file or directory\n"
    )


def test_command_requires_the_distributors_file(db):
    with pytest.raises(CommandError, match="--distributors"):
        call_command("import_network")
