"""Team pages: enrolling a new distributor, the binary tree, the list on a phone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backoffice.accounts.tests.factories import UserFactory
from backoffice.network import tree
from backoffice.network.models import Distributor
from backoffice.network.tests.conftest import add_member
from tests.e2e.helpers import csp_errors, sign_in, submit

pytestmark = pytest.mark.e2e

ENROLL_PATH = "/team/enroll/"
LIST_PATH = "/team/"
TREE_PATH = "/team/tree/"
TOO_YOUNG = "Distributors must be at least 18 years old."
# Five generations below bob, all on the left: alice's tree first shows three
# levels (bob, 100010, 100011), so 100012 and below wait behind "Expand".
DEEP_IDS = [100010, 100011, 100012, 100013, 100014]
EDGE_ID = DEEP_IDS[1]
DEEPEST_ID = DEEP_IDS[-1]


@pytest.fixture
def team(db, alice, bob, charlie):
    """root -> alice (L), charlie (R); alice -> bob (L). bob is alice's enrollee."""
    root = Distributor.objects.create(
        distributor_id=100000,
        user=UserFactory(username="100000", first_name="Top", last_name="Founder"),
        is_root=True,
        join_date=date(2025, 1, 1),
    )
    tree.place_root(root)
    a = add_member(alice, enroller=root, parent=root, side="L")
    c = add_member(charlie, enroller=root, parent=root, side="R")
    b = add_member(bob, enroller=a, parent=a, side="L")
    return {"root": root, "alice": a, "bob": b, "charlie": c}


@pytest.fixture
def deep_team(team):
    """``team`` plus a chain of five members down bob's left leg."""
    parent = team["bob"]
    for number in DEEP_IDS:
        user = UserFactory(
            username=str(number), first_name="Deep", last_name=f"Member{number}"
        )
        parent = add_member(user, enroller=team["bob"], parent=parent, side="L")
    return team


def _member_name(number: int) -> str:
    return f"Deep Member{number}"


def _fill_new_member(page, *, born: date) -> None:
    page.get_by_label("First name", exact=True).fill("Dana")
    page.get_by_label("Last name", exact=True).fill("Diaz")
    page.get_by_label("Email", exact=True).fill("dana.diaz@example.com")
    page.get_by_label("Phone", exact=True).fill("626-338-8081")
    page.get_by_label("Date of birth", exact=True).fill(born.isoformat())
    page.get_by_label("Address", exact=True).fill("1 Orange Grove Ave")
    page.get_by_label("City", exact=True).fill("Pasadena")
    page.get_by_label("State", exact=True).select_option("CA")
    page.get_by_label("ZIP code", exact=True).fill("91105")


def test_enroll_a_new_distributor_on_the_outer_right_leg(
    page, live_server, team, password, console_messages, mailoutbox
):
    sign_in(page, "100001", password)
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(ENROLL_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enroll a new distributor"
    )
    # team.js hides the open-position fields until that placement is chosen.
    position_fields = page.locator("[data-position-fields]")
    expect(position_fields).to_be_hidden()
    page.get_by_label("A specific open position", exact=True).check()
    expect(position_fields).to_be_visible()

    _fill_new_member(page, born=date(1990, 4, 12))
    page.get_by_label("Bottom of my outer right leg", exact=True).check()
    expect(position_fields).to_be_hidden()
    submit(page, "Enroll")

    expect(page).to_have_url(f"{live_server.url}/team/100004/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dana Diaz 100004")
    expect(page.locator("ul.messages")).to_have_text(
        "Dana Diaz is enrolled with distributor ID 100004. We emailed them a link "
        "to set their password."
    )
    expect(page.locator("#member-parent")).to_have_text("Alice Archer (100001)")
    expect(page.locator("#member-enroller")).to_have_text("Alice Archer (100001)")
    assert csp_errors(console_messages) == []

    member = Distributor.objects.select_related("parent", "enroller").get(
        distributor_id=100004
    )
    assert member.parent.distributor_id == 100001
    assert member.side == "R"
    assert member.enroller.distributor_id == 100001
    assert member.user.email == "dana.diaz@example.com"
    assert member.phone == "(626) 338-8081"
    assert [email.to for email in mailoutbox] == [["dana.diaz@example.com"]]

    page.goto(LIST_PATH)
    row = page.locator("#team-results tbody tr", has_text="100004")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link", name="Dana Diaz", exact=True)).to_be_visible()
    expect(row.locator('td[data-label="Leg"]')).to_have_text("Right")
    expect(row.locator('td[data-label="Level"]')).to_have_text("1")
    assert csp_errors(console_messages) == []


def test_enrolling_someone_under_18_is_refused(
    page, live_server, team, password, console_messages, mailoutbox
):
    count = Distributor.objects.count()
    sign_in(page, "100001", password)
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(ENROLL_PATH)
    # Seventeen years (of 365 days) ago: a few days short of 17th birthday at most.
    born = timezone.localdate() - timedelta(days=17 * 365)
    _fill_new_member(page, born=born)
    page.get_by_label("Bottom of my outer right leg", exact=True).check()
    submit(page, "Enroll")

    expect(page).to_have_url(f"{live_server.url}{ENROLL_PATH}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enroll a new distributor"
    )
    # The field's help text says the same words; the error is its own element.
    expect(page.locator("#id_date_of_birth_error")).to_have_text(TOO_YOUNG)
    expect(page.locator("p.error")).to_have_count(1)
    # What was typed is kept.
    expect(page.get_by_label("First name", exact=True)).to_have_value("Dana")
    expect(page.get_by_label("Date of birth", exact=True)).to_have_value(
        born.isoformat()
    )
    assert Distributor.objects.count() == count
    assert not Distributor.objects.filter(user__email="dana.diaz@example.com").exists()
    assert mailoutbox == []
    assert csp_errors(console_messages) == []


def test_tree_expands_in_place_and_jumps_to_the_bottom_of_the_outer_leg(
    page, live_server, deep_team, password, console_messages
):
    sign_in(page, "100001", password)
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(TREE_PATH)
    tree_section = page.locator("section.tree")
    expect(tree_section.locator(f"#node-{EDGE_ID}")).to_be_visible()
    for number in DEEP_IDS[2:]:
        expect(page.locator(f"#node-{number}")).to_have_count(0)
    expect(tree_section).not_to_contain_text(str(DEEPEST_ID))
    # Only the edge of the first view can be expanded.
    expand = tree_section.locator("a.tree-expand")
    expect(expand).to_have_count(1)
    expect(expand).to_have_text(f"Expand below {_member_name(EDGE_ID)}")

    page.evaluate("window.__marker = 1")
    with page.expect_response(
        lambda response: (
            f"top={EDGE_ID}" in response.url
            and response.request.headers.get("hx-request") == "true"
        )
    ) as partial:
        expand.click()
    assert partial.value.status == 200

    for number in DEEP_IDS[2:]:
        expect(tree_section.locator(f"#node-{number}")).to_be_visible()
    expect(tree_section.locator(f"#node-{DEEPEST_ID} .node-id")).to_have_text(
        str(DEEPEST_ID)
    )
    # Swapped in place: the same document, the same URL, the link is gone.
    assert page.evaluate("window.__marker") == 1
    expect(page).to_have_url(f"{live_server.url}{TREE_PATH}")
    expect(expand).to_have_count(0)
    # The partial is only the children: no second page inside the page.
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.locator(f"#node-{EDGE_ID}")).to_have_count(1)
    assert csp_errors(console_messages) == []

    page.get_by_role("link", name="Bottom of outer left leg", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{TREE_PATH}?top={DEEPEST_ID}")
    top = page.locator("section.tree .tree-node.is-top")
    expect(top).to_have_count(1)
    expect(top).to_have_attribute("id", f"node-{DEEPEST_ID}")
    expect(top.locator(".node-name")).to_have_text(_member_name(DEEPEST_ID))
    # The bottom has nothing below it: two open positions.
    expect(page.locator("section.tree a.tree-open")).to_have_count(2)
    expect(page.get_by_role("link", name="Up one level", exact=True)).to_have_attribute(
        "href", f"{TREE_PATH}?top={DEEP_IDS[-2]}"
    )
    assert csp_errors(console_messages) == []


def test_member_outside_the_viewers_team_is_not_found(
    page, live_server, team, password
):
    sign_in(page, "100003", password)
    expect(page).to_have_url(f"{live_server.url}/")
    # bob is in alice's downline, not charlie's.
    response = page.goto("/team/100002/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Bob Baker")
    expect(page.locator("body")).not_to_contain_text("100002")
    # The same member for alice, whose team bob is on.
    page.context.clear_cookies()
    sign_in(page, "100001", password)
    response = page.goto("/team/100002/")
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Bob Baker 100002")


def test_team_list_fits_a_phone_screen(
    new_page, live_server, deep_team, password, console_messages
):
    page = new_page(viewport={"width": 375, "height": 667})
    sign_in(page, "100001", password)
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(LIST_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your team")
    expect(page.locator("#team-results tbody tr")).to_have_count(1 + len(DEEP_IDS))
    search = page.get_by_label("Search", exact=True)
    expect(search).to_be_visible()
    assert page.evaluate("document.documentElement.clientWidth") == 375
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375, f"the page scrolls sideways: {scroll_width}px wide"
    assert csp_errors(console_messages) == []
