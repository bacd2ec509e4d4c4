"""Ranks and volumes of team members on the team pages, and what never shows."""

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.accounts.tests.factories import UserFactory
from backoffice.commissions.models import Cycle, CycleStatus, Result
from backoffice.lib.cycles import cycle_end, cycle_start, pay_date
from backoffice.network import tree
from backoffice.network.models import Distributor
from backoffice.network.queries import MemberFigures, action_feed
from backoffice.network.tests.conftest import add_member
from backoffice.network.tests.test_pages import NOW, build_network, ids, rows
from backoffice.shop.models import Autoship, AutoshipStatus, ShippingMethod

pytestmark = pytest.mark.django_db

D = Decimal
LIST = "/team/"
EXPORT = "/team/export/"
TREE = "/team/tree/"
OPEN = 900  # 2026-03-02 (NOW) to 2026-03-08: this week's estimate
LAST = 899  # the latest closed cycle (calculated, not yet approved)
RANKS = ["Affiliate", "Apprentice", "Elite", "Bronze", "Silver", "Gold"]
RANKS += ["Platinum", "Diamond"]

MONEY = [
    "retail",
    "gen5",
    "mvp",
    "binary",
    "total",
    "balance_in",
    "paid",
    "balance_out",
    "breakage",
]
VOLUMES = [
    "pv30",
    "cycle_pv",
    "new_left",
    "new_right",
    "rebate",
    "left_cv",
    "right_cv",
    "matched_cv",
    "bank_left",
    "bank_right",
    "flushed",
]
# Bob's earnings in every result of his: none of them may show to his upline.
BOB_MONEY = {
    "retail": D("1357.91"),
    "gen5": D("2468.02"),
    "mvp": D("3579.13"),
    "binary": D("4680.24"),
    "total": D("8765.43"),
    "balance_in": D("5791.35"),
    "paid": D("6802.46"),
    "balance_out": D("7913.57"),
    "breakage": D("9024.68"),
}


def make_cycle(number: int, status: str) -> Cycle:
    calculated = datetime(2026, 3, 2, 9, 0, tzinfo=NOW.tzinfo)
    ends = cycle_end(number)
    return Cycle.objects.create(
        number=number,
        status=status,
        plan_version="2026.1",
        starts_on=cycle_start(number),
        ends_on=ends,
        pay_on=pay_date(number),
        counted_through=NOW.date() if status == CycleStatus.ESTIMATE else ends,
        calculated_at=calculated,
        approved_at=calculated if status == CycleStatus.APPROVED else None,
        result_hash="0" * 64,
    )


def make_result(cycle: Cycle, member: Distributor, **figures) -> Result:
    values = dict.fromkeys([*MONEY, *VOLUMES], D(0))
    values.update(
        rank="Affiliate",
        best_rank="Affiliate",
        is_active=True,
        is_binary_qualified=False,
        has_left_enrollee=False,
        has_right_enrollee=False,
        is_gen5_qualified=False,
        rate_bp=1000,
    )
    values.update(figures)
    return Result.objects.create(cycle=cycle, distributor=member, **values)


@pytest.fixture
def network(team):
    with time_machine.travel(NOW, tick=False):
        yield build_network(team)


@pytest.fixture
def results(network):
    """Cycle 898 approved, 899 calculated (the latest closed), 900 estimated.

    Paid-as in 899: bob Gold (Silver in 898), dave and erin Bronze, frank and
    gina Affiliate, jack (charlie's) Gold; hank (held) has no result.
    This week: bob and dave are close to the next rank, frank is not, erin has
    no estimate yet (her PV comes from 899).
    """
    n = network
    older = make_cycle(898, CycleStatus.APPROVED)
    last = make_cycle(LAST, CycleStatus.CALCULATED)
    week = make_cycle(OPEN, CycleStatus.ESTIMATE)
    make_result(older, n["bob"], rank="Silver", pv30=D("90.00"), **BOB_MONEY)
    make_result(older, n["dave"], rank="Silver", pv30=D("40.00"))
    closed = {
        "bob": ("Gold", "120.00"),
        "dave": ("Bronze", "60.00"),
        "erin": ("Bronze", "88.25"),
        "frank": ("Affiliate", "51.00"),
        "gina": ("Affiliate", "0.00"),
        "jack": ("Gold", "300.00"),
        "alice": ("Diamond", "500.00"),
    }
    for name, (rank, pv30) in closed.items():
        extra = BOB_MONEY if name == "bob" else {}
        make_result(last, n[name], rank=rank, pv30=D(pv30), **extra)
    estimate = {
        # name: (pv30, new_left, new_right, matched_cv, binary-qualified)
        "bob": ("75.50", "1234.00", "567.00", "3300.00", True),  # Gold at 4000
        "dave": ("55.00", "20.00", "0.00", "2000.00", True),  # Silver at 2500
        "frank": ("51.00", "0.00", "0.00", "1900.00", True),  # below 2000
        "gina": ("0.00", "0.00", "0.00", "450.00", False),  # not qualified
        "jack": ("300.00", "10.00", "10.00", "1200.00", True),  # Bronze at 1500
        "charlie": ("100.00", "0.00", "0.00", "1400.00", True),
        "alice": ("500.00", "0.00", "0.00", "11000.00", True),  # the viewer
    }
    for name, (pv30, left, right, matched, qualified) in estimate.items():
        extra = BOB_MONEY if name == "bob" else {}
        make_result(
            week,
            n[name],
            rank="Apprentice",
            pv30=D(pv30),
            new_left=D(left),
            new_right=D(right),
            matched_cv=D(matched),
            is_binary_qualified=qualified,
            **extra,
        )
    return {"older": older, "last": last, "week": week}


def figures_of(response) -> dict[int, tuple]:
    return {
        m.distributor_id: (m.figures.rank, m.figures.pv30)
        for m in response.context["page"].object_list
    }


# --- the list ---------------------------------------------------------------------


def test_rank_from_the_latest_closed_cycle_and_pv30_from_this_week(
    client, alice, results
):
    client.force_login(alice)
    response = client.get(LIST, {"sort": "id"})
    assert figures_of(response) == {
        100002: ("Gold", D("75.50")),  # 899's rank (not 898's), this week's PV
        200010: ("Bronze", D("55.00")),
        200011: ("Bronze", D("88.25")),  # no estimate yet: PV of 899
        200012: ("Affiliate", D("51.00")),
        200013: ("Affiliate", D("0.00")),
        200014: (None, None),  # held, never calculated
    }
    html = response.content.decode()
    assert (
        '<td data-label="Paid-as rank" class="member-rank">Gold</td>\n'
        '        <td data-label="PV in 30 days" class="member-pv30">75.50</td>'
    ) in html
    assert (
        '<td data-label="Paid-as rank" class="member-rank">—</td>\n'
        '        <td data-label="PV in 30 days" class="member-pv30">—</td>'
    ) in html


def test_without_an_estimate_pv30_is_the_latest_closed_cycles(client, alice, results):
    results["week"].delete()
    client.force_login(alice)
    response = client.get(LIST, {"sort": "id"})
    assert figures_of(response) == {
        100002: ("Gold", D("120.00")),
        200010: ("Bronze", D("60.00")),
        200011: ("Bronze", D("88.25")),
        200012: ("Affiliate", D("51.00")),
        200013: ("Affiliate", D("0.00")),
        200014: (None, None),
    }


def test_an_approved_cycle_counts_as_closed(client, alice, results):
    results["last"].delete()  # 898, approved, is now the latest closed
    client.force_login(alice)
    response = client.get(LIST, {"sort": "id"})
    figures = figures_of(response)
    assert figures[100002] == ("Silver", D("75.50"))
    assert figures[200011] == (None, None)  # nothing in 898, nothing this week
    assert ids(client.get(LIST, {"rank": "Silver", "sort": "id"})) == [
        100002,
        200010,
    ]


def test_before_any_closed_cycle_there_is_no_rank_nor_rank_filter(
    client, alice, results
):
    Cycle.objects.exclude(status=CycleStatus.ESTIMATE).delete()
    client.force_login(alice)
    response = client.get(LIST, {"sort": "id", "rank": "Gold"})
    assert "rank" not in response.context["form"].fields
    assert 'name="rank"' not in response.content.decode()
    # The rank asked for cannot match anyone yet: the filter is dropped.
    assert figures_of(response) == {
        100002: (None, D("75.50")),
        200010: (None, D("55.00")),
        200011: (None, None),
        200012: (None, D("51.00")),
        200013: (None, D("0.00")),
        200014: (None, None),
    }


def test_nothing_calculated_shows_dashes(client, alice, network):
    client.force_login(alice)
    response = client.get(LIST, {"sort": "id"})
    assert set(figures_of(response).values()) == {(None, None)}
    assert "rank" not in response.context["form"].fields


def test_rank_filter_offers_the_plans_ranks(client, alice, results):
    client.force_login(alice)
    form = client.get(LIST).context["form"]
    assert [value for value, _label in form.fields["rank"].choices] == ["", *RANKS]
    assert '<select name="rank"' in client.get(LIST).content.decode()


@pytest.mark.parametrize(
    ("rank", "expected"),
    [
        ("Gold", [100002]),  # not jack (charlie's), not alice (the viewer)
        ("Bronze", [200010, 200011]),
        ("Silver", []),  # bob's rank in 898, not in the latest cycle
        ("Affiliate", [200012, 200013]),  # hank has no result: never matched
        ("Diamond", []),
        ("Emperor", [100002, 200010, 200011, 200012, 200013, 200014]),  # ignored
        ("", [100002, 200010, 200011, 200012, 200013, 200014]),
    ],
)
def test_rank_filter(client, alice, results, rank, expected):
    client.force_login(alice)
    assert ids(client.get(LIST, {"rank": rank, "sort": "id"})) == expected


def test_rank_filter_with_the_other_filters_and_a_large_team(
    client, alice, results, monkeypatch
):
    client.force_login(alice)
    assert ids(client.get(LIST, {"rank": "Bronze", "leg": "R"})) == [200010]
    assert ids(client.get(LIST, {"rank": "Bronze", "q": "erin"})) == [200011]
    monkeypatch.setattr("backoffice.network.queries.LARGE_TEAM", 3)
    assert ids(client.get(LIST, {"rank": "Bronze", "sort": "joined"})) == [
        200010,
        200011,
    ]


def test_rank_filter_carries_to_the_export_and_the_message_page(client, alice, results):
    client.force_login(alice)
    html = client.get(LIST, {"rank": "Bronze"}).content.decode()
    assert 'href="/team/export/?rank=Bronze"' in html
    assert 'href="/team/message/?rank=Bronze"' in html
    message = client.get("/team/message/", {"rank": "Bronze"})
    assert [m.distributor_id for m in message.context["recipients"]] == [
        200011,
        200010,
    ]


def test_export_has_the_rank_and_pv30_columns(client, alice, results):
    client.force_login(alice)
    table = rows(client.get(EXPORT, {"sort": "id"}))
    assert table[0][6:9] == ["Status", "Paid-as rank", "PV in 30 days"]
    assert [row[:1] + row[7:9] for row in table[1:]] == [
        ["100002", "Gold", "75.50"],
        ["200010", "Bronze", "55.00"],
        ["200011", "Bronze", "88.25"],
        ["200012", "Affiliate", "51.00"],
        ["200013", "Affiliate", "0.00"],
        ["200014", "", ""],
    ]
    filtered = rows(client.get(EXPORT, {"rank": "Bronze", "sort": "id"}))
    assert [row[:1] + row[7:9] for row in filtered[1:]] == [
        ["200010", "Bronze", "55.00"],
        ["200011", "Bronze", "88.25"],
    ]


def test_export_reads_the_figures_a_chunk_at_a_time(
    client, alice, results, monkeypatch
):
    monkeypatch.setattr("backoffice.network.views.EXPORT_CHUNK", 2)
    client.force_login(alice)
    table = rows(client.get(EXPORT, {"sort": "id"}))
    assert [row[7] for row in table[1:]] == [
        "Gold",
        "Bronze",
        "Bronze",
        "Affiliate",
        "Affiliate",
        "",
    ]


def long_leg(top: Distributor, count: int, start: int) -> list[Distributor]:
    members = []
    for number in range(start, start + count):
        members.append(
            add_member(
                UserFactory(username=str(number)),
                enroller=top,
                parent=tree.outer_bottom(top, "L"),
                side="L",
            )
        )
    return members


def test_list_queries_with_figures_do_not_grow_with_the_team(client, alice, results):
    client.force_login(alice)
    client.get(LIST)  # warm the session
    alice_member = Distributor.objects.get(distributor_id=100001)

    def grow(count: int, first_id: int) -> None:
        for member in long_leg(alice_member, count, first_id):
            make_result(results["last"], member, rank="Elite")
            make_result(results["week"], member, pv30=D("10.00"))

    def page_queries(response_out: list) -> int:
        cache.clear()  # the action feed is computed each time, not reused
        with CaptureQueriesContext(connection) as queries:
            response_out.append(client.get(LIST, {"rank": "Elite"}))
        return len(queries)

    grow(2, 300001)
    responses: list = []
    small = page_queries(responses)
    assert len(ids(responses[-1])) == 2
    grow(20, 300101)
    large = page_queries(responses)
    response = responses[-1]
    assert len(ids(response)) == 22
    assert {m.figures for m in response.context["page"].object_list} == {
        MemberFigures(
            rank="Elite", pv30=D("10.00"), new_left=D("0.00"), new_right=D("0.00")
        )
    }
    # The queries of a team without commissions, the figures of the page, and
    # the members close to the next rank (found, then loaded).
    assert large == small <= 22


# --- the binary tree --------------------------------------------------------------


def node_html(html: str, distributor_id: int) -> str:
    match = re.search(rf'id="node-{distributor_id}">(.*?)\n</div>', html, re.S)
    assert match, distributor_id
    return match.group(1)


def test_tree_nodes_show_rank_and_this_weeks_volumes(client, alice, results):
    Result.objects.filter(distributor__distributor_id=200013).delete()  # gina
    client.force_login(alice)
    html = client.get(TREE).content.decode()
    bob = node_html(html, 100002)
    assert (
        '<span class="badge node-rank" title="Paid-as rank in the last closed week">'
        "Gold</span>" in bob
    )
    assert (
        '<span class="muted node-volumes">This week: L 1,234.00 · R 567.00 CV</span>'
        in bob
    )
    erin = node_html(html, 200011)  # closed, no estimate: the rank only
    assert ">Bronze</span>" in erin
    assert "node-volumes" not in erin
    gina = node_html(html, 200013)
    assert "node-rank" not in gina
    assert "node-volumes" not in gina
    me = node_html(html, 100001)
    assert ">Diamond</span>" in me
    # The slots loaded by htmx carry the same figures.
    partial = client.get(TREE, {"top": "100002"}, HTTP_HX_REQUEST="true")
    assert 'node-volumes">This week: L 0.00 · R 0.00 CV' in node_html(
        partial.content.decode(), 200012
    )


def test_tree_without_commissions_has_no_figures(client, alice, network):
    client.force_login(alice)
    html = client.get(TREE).content.decode()
    assert "node-rank" not in html
    assert "node-volumes" not in html


# --- one member -------------------------------------------------------------------


def test_member_history_is_the_last_12_closed_cycles(client, alice, results):
    bob = Distributor.objects.get(distributor_id=100002)
    for number in range(886, 898):  # 12 more closed cycles before 898
        cycle = make_cycle(number, CycleStatus.APPROVED)
        make_result(
            cycle,
            bob,
            rank="Elite",
            best_rank="Platinum",
            cycle_pv=D(number - 800),
            left_cv=D("100.50"),
            right_cv=D(number),
            is_active=number % 2 == 0,
            **BOB_MONEY,
        )
    Result.objects.filter(cycle=results["last"], distributor=bob).update(
        cycle_pv=D("110.00"),
        left_cv=D("2500.25"),
        right_cv=D("4000.00"),
        best_rank="Platinum",
    )
    client.force_login(alice)
    response = client.get("/team/100002/")
    assert response.status_code == 200
    history = response.context["history"]
    assert [
        (r.number, r.starts_on, r.ends_on, r.cycle_pv, r.left_cv, r.right_cv, r.rank)
        + (r.is_active,)
        for r in history[:3]
    ] == [
        (899, date(2026, 2, 23), date(2026, 3, 1), D("110.00"), D("2500.25"),
         D("4000.00"), "Gold", True),
        (898, date(2026, 2, 16), date(2026, 2, 22), D("0.00"), D("0.00"),
         D("0.00"), "Silver", True),
        (897, date(2026, 2, 9), date(2026, 2, 15), D("97.00"), D("100.50"),
         D("897.00"), "Elite", False),
    ]  # fmt: skip
    assert [r.number for r in history] == list(range(899, 887, -1))
    assert response.context["best_rank"] == "Platinum"
    html = response.content.decode()
    row = re.search(r'<tr id="history-899">(.*?)</tr>', html, re.S).group(1)
    assert re.sub(r"\s+", " ", row).strip() == (
        '<td data-label="Cycle">899</td> '
        '<td data-label="Dates">02/23/2026 – 03/01/2026</td> '
        '<td data-label="Cycle PV">110.00</td> '
        '<td data-label="Left CV">2,500.25</td> '
        '<td data-label="Right CV">4,000.00</td> '
        '<td data-label="Paid-as rank">Gold</td> '
        '<td data-label="Status"><span class="status status-on">Active</span> </td>'
    )
    assert 'id="history-900"' not in html  # the estimate is not history
    assert 'id="history-887"' not in html
    assert '<dd id="member-rank">Gold</dd>' in html
    assert '<dd id="member-best-rank">Platinum</dd>' in html
    assert '<dd id="member-pv30">75.50</dd>' in html
    assert '<dd id="member-week">Left 1,234.00 CV · Right 567.00 CV</dd>' in html


def test_member_without_results(client, alice, results):
    client.force_login(alice)
    html = client.get("/team/200014/").content.decode()  # hank, held
    assert "No closed week has been calculated for this member yet." in html
    assert '<dd id="member-rank">—</dd>' in html
    assert '<dd id="member-pv30">—</dd>' in html
    assert 'id="member-week"' not in html


# --- what never shows -------------------------------------------------------------


def test_no_money_of_another_member_appears_on_any_team_page(client, alice, results):
    client.force_login(alice)
    pages = {
        "list": client.get(LIST, {"sort": "id"}),
        "list rows": client.get(LIST, {"rank": "Gold"}, HTTP_HX_REQUEST="true"),
        "tree": client.get(TREE),
        "tree slots": client.get(TREE, {"top": "100002"}, HTTP_HX_REQUEST="true"),
        "member": client.get("/team/100002/"),
        "enrolled": client.get("/team/enrolled/"),
        "message": client.get("/team/message/"),
    }
    texts = {name: response.content.decode() for name, response in pages.items()}
    texts["csv"] = "\n".join(",".join(row) for row in rows(client.get(EXPORT)))
    assert "Bob Baker" in texts["list"]  # bob is on every page ...
    assert "Gold" in texts["member"]  # ... with his rank
    for amount in BOB_MONEY.values():
        for text in (f"{amount}", f"{amount:,}"):
            for name, content in texts.items():
                assert text not in content, (name, text)


def test_charlie_gets_404_and_sees_only_his_own_team(client, charlie, results):
    client.force_login(charlie)
    assert client.get("/team/100002/").status_code == 404
    assert client.get(TREE, {"top": "100002"}).status_code == 404
    response = client.get(LIST, {"sort": "id"})
    assert figures_of(response) == {200016: ("Gold", D("300.00"))}
    assert ids(client.get(LIST, {"rank": "Gold"})) == [200016]
    assert [row[0] for row in rows(client.get(EXPORT, {"rank": "Gold"}))[1:]] == [
        "200016"
    ]


def test_the_upline_stays_out_of_reach(client, bob, results):
    client.force_login(bob)
    assert client.get("/team/100001/").status_code == 404  # alice, his upline
    assert ids(client.get(LIST, {"rank": "Diamond"})) == []


# --- the action feed --------------------------------------------------------------


def feed_items(feed) -> list[tuple]:
    return [
        (a.member.distributor_id, a.reason, a.next_rank, a.matched_needed)
        for a in feed.attention
        if a.reason in ("close_to_rank", "autoship_failing")
    ]


def test_close_to_the_next_rank(client, alice, results):
    client.force_login(alice)
    response = client.get(LIST)
    # dave 2,000 of Silver's 2,500 (exactly 80 %), bob 3,300 of Gold's 4,000;
    # frank's 1,900 is below 80 % of Silver; gina is not binary-qualified; alice
    # is the viewer; charlie and jack are not on her team.
    assert feed_items(response.context["feed"]) == [
        (200010, "close_to_rank", "Silver", D("500.00")),
        (100002, "close_to_rank", "Gold", D("700.00")),
    ]
    html = response.content.decode()
    assert "close to Silver: 500.00 more matched CV this week" in html
    assert "close to Gold: 700.00 more matched CV this week" in html
    assert html.count("more matched CV this week") == 2


def test_close_to_the_next_rank_for_another_leader(client, charlie, root, results):
    client.force_login(charlie)
    assert feed_items(client.get(LIST).context["feed"]) == [
        (200016, "close_to_rank", "Bronze", D("300.00")),
    ]
    # The top sees everyone in reach, the fewest CV missing first; alice's
    # 11,000 is within 20 % of Diamond's 12,000.
    assert feed_items(action_feed(root)) == [
        (100003, "close_to_rank", "Bronze", D("100.00")),
        (200016, "close_to_rank", "Bronze", D("300.00")),
        (200010, "close_to_rank", "Silver", D("500.00")),
        (100002, "close_to_rank", "Gold", D("700.00")),
        (100001, "close_to_rank", "Diamond", D("1000.00")),
    ]


def test_close_to_the_next_rank_needs_an_estimate(client, alice, results):
    results["week"].delete()
    client.force_login(alice)
    assert feed_items(client.get(LIST).context["feed"]) == []


def test_failing_autoships_in_the_feed(client, alice, results):
    method = ShippingMethod.objects.create(
        code="ground", name_en="Ground", price=D("9.95")
    )
    statuses = {
        "frank": AutoshipStatus.FAILING,
        "dave": AutoshipStatus.ACTIVE,
        "gina": AutoshipStatus.FAILING,  # terminated
        "jack": AutoshipStatus.FAILING,  # charlie's
        "hank": AutoshipStatus.FAILING,  # alice's holding tank
    }
    for name, status in statuses.items():
        Autoship.objects.create(
            distributor=Distributor.objects.get(user__first_name=name.title()),
            status=status,
            day_of_month=5,
            next_run_on=date(2026, 3, 5),
            payment_provider="demo",
            shipping_method=method,
        )
    client.force_login(alice)
    response = client.get(LIST)
    assert feed_items(response.context["feed"]) == [
        (200012, "autoship_failing", "", None),
        (200014, "autoship_failing", "", None),
        (200010, "close_to_rank", "Silver", D("500.00")),
        (100002, "close_to_rank", "Gold", D("700.00")),
    ]
    assert response.content.decode().count("their autoship payment is failing") == 2
