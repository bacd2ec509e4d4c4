"""The binary tree view and the enrollment tree, over HTTP."""

import re

import pytest
import time_machine

from backoffice.accounts.tests.factories import UserFactory
from backoffice.network import tree
from backoffice.network.models import Distributor
from backoffice.network.tests.conftest import add_member
from backoffice.network.tests.test_pages import NOW, build_network

pytestmark = pytest.mark.django_db

TREE = "/team/tree/"
ENROLLED = "/team/enrolled/"


@pytest.fixture
def network(team):
    with time_machine.travel(NOW, tick=False):
        yield build_network(team)


def node_ids(html: str) -> list[int]:
    return [int(number) for number in re.findall(r'id="node-(\d+)"', html)]


def open_positions(html: str) -> list[str]:
    return re.findall(r'href="/team/enroll/\?parent=(\d+)&amp;side=([LR])"', html)


def chain(top: Distributor, side: str, count: int, start: int) -> list[Distributor]:
    members = []
    for number in range(start, start + count):
        parent = tree.outer_bottom(top, side)
        members.append(
            add_member(
                UserFactory(username=str(number)),
                enroller=top,
                parent=parent,
                side=side,
            )
        )
    return members


# --- the binary tree ----------------------------------------------------------------


def test_tree_from_the_viewer(client, alice, network):
    client.force_login(alice)
    response = client.get(TREE)
    assert response.status_code == 200
    html = response.content.decode()
    assert node_ids(html) == [100001, 100002, 200011, 200012, 200010, 200013]
    assert open_positions(html) == [
        ("200011", "L"),
        ("200011", "R"),
        ("200012", "L"),
        ("200012", "R"),
        ("200013", "L"),
        ("200013", "R"),
        ("200010", "R"),
    ]
    assert 'class="tree-node is-inactive" id="node-200013"' in html
    assert "Charlie" not in html
    assert "Hank" not in html
    assert '<a class="button button-secondary" href="/team/tree/?top=200011">' in html
    assert '<a class="button button-secondary" href="/team/tree/?top=200010">' in html
    assert "Up one level" not in html


def test_tree_shows_three_levels_then_expands(client, alice, network):
    deep = chain(network["erin"], "L", 3, 300001)  # levels 3, 4, 5 under alice
    client.force_login(alice)
    html = client.get(TREE).content.decode()
    assert deep[0].distributor_id in node_ids(html)
    assert deep[1].distributor_id not in node_ids(html)
    expand = 'href="/team/tree/?top=300001" hx-get="/team/tree/?top=300001"'
    assert expand in html
    # Without JavaScript the link is a whole page from there.
    page = client.get(TREE, {"top": "300001"}).content.decode()
    assert node_ids(page) == [300001, 300002, 300003]
    assert '<a class="button button-secondary" href="/team/tree/?top=200011">' in page
    # With htmx, only the levels below the node.
    partial = client.get(TREE, {"top": "300001"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert body.lstrip().startswith('<ul class="tree-level">')
    assert node_ids(body) == [300002, 300003]
    assert "<html" not in body


def test_outer_leg_buttons_jump_to_the_bottom(client, alice, network):
    bottom = chain(network["alice"], "L", 5, 300001)[-1]
    client.force_login(alice)
    html = client.get(TREE).content.decode()
    assert (
        f'href="/team/tree/?top={bottom.distributor_id}">Bottom of outer left' in html
    )
    page = client.get(TREE, {"top": bottom.distributor_id}).content.decode()
    assert node_ids(page)[0] == bottom.distributor_id
    assert "Bottom of outer left leg" not in page  # already there
    assert f'href="/team/tree/?top={bottom.parent.distributor_id}">Up one level' in page


def test_tree_of_an_outsider_is_404(client, alice, charlie, network):
    client.force_login(alice)
    for top in ("100003", "200016", "100000", "200015", "999999", "x"):
        assert client.get(TREE, {"top": top}).status_code == 404, top
        assert (
            client.get(TREE, {"top": top}, HTTP_HX_REQUEST="true").status_code == 404
        ), top
    client.force_login(charlie)
    assert client.get(TREE, {"top": "100002"}).status_code == 404
    assert (
        client.get(TREE, {"top": "100002"}, HTTP_HX_REQUEST="true").status_code == 404
    )


def test_tree_search_jumps_to_the_member(client, alice, network):
    client.force_login(alice)
    response = client.get(TREE, {"find": "gina"})
    assert response.status_code == 302
    assert response["Location"] == "/team/tree/?top=200013"
    response = client.get(TREE, {"find": "200012"})
    assert response["Location"] == "/team/tree/?top=200012"


def test_tree_search_lists_several_matches_and_stays_in_the_downline(
    client, alice, network
):
    client.force_login(alice)
    response = client.get(TREE, {"find": "a"})  # everyone's name has an "a"
    assert [m.distributor_id for m in response.context["matches"]] == [
        100001,
        100002,
        200010,
        200011,
        200012,
        200013,
    ]
    for outsider in ("jack", "200016", "charlie", "hank"):
        response = client.get(TREE, {"find": outsider})
        assert response.status_code == 200
        assert response.context["matches"] == []
        assert "No one in your downline matches" in response.content.decode()


def test_tree_for_a_viewer_still_in_the_holding_tank(client, network):
    client.force_login(network["hank"].user)
    response = client.get(TREE)
    assert response.status_code == 200
    assert "holding tank" in response.content.decode()


# --- the enrollment tree ----------------------------------------------------------


def enrollee_ids(response) -> list[int]:
    return [m.distributor_id for m in response.context["page"].object_list]


def test_enrolled_lists_personal_enrollees_with_their_counts(client, alice, network):
    client.force_login(alice)
    response = client.get(ENROLLED)
    assert response.status_code == 200
    members = response.context["page"].object_list
    assert [(m.distributor_id, m.enrollee_count) for m in members] == [
        (200014, 0),  # hank, held
        (200012, 0),
        (200010, 1),  # dave -> gina
        (100002, 1),  # bob -> erin (ivy, in bob's holding tank, is not alice's)
    ]
    html = response.content.decode()
    assert 'hx-get="/team/enrolled/?of=100002"' in html
    assert 'hx-get="/team/enrolled/?of=200012"' not in html


def test_enrolled_expands_a_generation(client, alice, network):
    client.force_login(alice)
    page = client.get(ENROLLED, {"of": "100002"})
    assert enrollee_ids(page) == [200011]
    assert "Enrolled by Bob Baker (100002)" in page.content.decode()
    partial = client.get(ENROLLED, {"of": "200010"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert body.lstrip().startswith('<ul class="enrollees">')
    assert enrollee_ids(partial) == [200013]


def test_bob_sees_his_own_holding_tank(client, bob, network):
    client.force_login(bob)
    assert enrollee_ids(client.get(ENROLLED)) == [200015, 200011]


def test_enrolled_of_an_outsider_is_404(client, alice, charlie, network):
    client.force_login(alice)
    for of in ("100003", "200016", "100000", "200015"):
        assert client.get(ENROLLED, {"of": of}).status_code == 404, of
        assert (
            client.get(ENROLLED, {"of": of}, HTTP_HX_REQUEST="true").status_code == 404
        )
    client.force_login(charlie)
    assert enrollee_ids(client.get(ENROLLED)) == [200016]
    assert client.get(ENROLLED, {"of": "100002"}).status_code == 404
    assert (
        client.get(ENROLLED, {"of": "100001"}, HTTP_HX_REQUEST="true").status_code
        == 404
    )
