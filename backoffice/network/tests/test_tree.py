"""The read index (lo/hi/depth/runs) always agrees with the parent links."""

import random

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice.network import tree
from backoffice.network.models import Distributor
from backoffice.network.tests.conftest import add_member, new_user

pytestmark = pytest.mark.django_db


def check_index() -> None:
    """Compare every derived column with what the parent links say."""
    rows = {d.pk: d for d in Distributor.objects.placed()}
    labels = [d.lo for d in rows.values()] + [d.hi for d in rows.values()]
    assert len(labels) == len(set(labels)), "labels must be unique"

    def chain(node):
        path = []
        while node.parent_id is not None:
            node = rows[node.parent_id]
            path.append(node)
        return path

    for member in rows.values():
        ancestors = chain(member)
        assert member.depth == len(ancestors)
        by_labels = {a.pk for a in rows.values() if a.has_in_downline(member)}
        assert by_labels == {a.pk for a in ancestors}
        for side, column in (("L", "left_top"), ("R", "right_top")):
            top = member
            while top.parent_id is not None and top.side == side:
                top = rows[top.parent_id]
            assert getattr(member, column) == top.pk, (member, column)
    for member in rows.values():
        for side in ("L", "R"):
            expected = member
            while True:
                child = next(
                    (
                        c
                        for c in rows.values()
                        if c.parent_id == expected.pk and c.side == side
                    ),
                    None,
                )
                if child is None:
                    break
                expected = child
            assert tree.outer_bottom(member, side).pk == expected.pk


def open_spots():
    taken = set(Distributor.objects.placed().values_list("parent_id", "side"))
    return [
        (d, side)
        for d in Distributor.objects.placed()
        for side in ("L", "R")
        if (d.pk, side) not in taken
    ]


def test_a_deep_outer_leg_stays_consistent_through_relabelling(root):
    # Each left-only insertion halves the free gap, so this forces relabelling.
    before = None
    for number in range(1, 151):
        bottom = tree.outer_bottom(root, "L")
        with transaction.atomic():
            tree.lock_tree()
            add_member(
                new_user(200000 + number), enroller=root, parent=bottom, side="L"
            )
        if number == 1:
            before = Distributor.objects.get(distributor_id=200001).lo
    assert Distributor.objects.get(distributor_id=200001).lo != before  # relabelled
    assert tree.outer_bottom(root, "L").distributor_id == 200150
    assert tree.outer_bottom(root, "L").depth == 150
    check_index()


operations = st.lists(
    st.tuples(
        st.sampled_from(["spot", "outer", "move"]), st.randoms(use_true_random=False)
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations)
def test_random_changes_keep_the_index_right(root, ops):
    with transaction.atomic():
        number = 300000
        for kind, rng in ops:
            number += 1
            tree.lock_tree()
            placed = list(Distributor.objects.placed())
            if kind == "spot":
                parent, side = rng.choice(open_spots())
                add_member(new_user(number), enroller=root, parent=parent, side=side)
            elif kind == "outer":
                top = rng.choice(placed)
                side = rng.choice("LR")
                add_member(
                    new_user(number),
                    enroller=root,
                    parent=tree.outer_bottom(top, side),
                    side=side,
                )
            else:
                movable = [d for d in placed if not d.is_root]
                if not movable:
                    continue
                member = rng.choice(movable)
                spots = [
                    (p, s)
                    for p, s in open_spots()
                    if p.pk != member.pk and not member.has_in_downline(p)
                ]
                if spots:
                    parent, side = rng.choice(spots)
                    tree.move(member, parent, side)
        check_index()
        transaction.set_rollback(True)


def test_moving_back_and_forth_returns_the_same_shape(root):
    a = add_member(new_user(400001), enroller=root, parent=root, side="L")
    b = add_member(new_user(400002), enroller=root, parent=a, side="R")
    add_member(new_user(400003), enroller=root, parent=b, side="L")
    tree.move(b, root, "R")
    b.refresh_from_db()
    assert b.parent_id == root.pk
    assert b.depth == 1
    assert Distributor.objects.get(distributor_id=400003).depth == 2
    check_index()
    tree.move(b, a, "L")
    check_index()
    assert {d.distributor_id for d in Distributor.objects.downline_of(a)} == {
        400002,
        400003,
    }


def test_shuffled_insertions_match_a_fresh_build(root):
    rng = random.Random(5)
    for number in range(500001, 500061):
        parent, side = rng.choice(open_spots())
        add_member(new_user(number), enroller=root, parent=parent, side=side)
    check_index()


def test_ancestors_follow_runs_of_sides(root):
    rng = random.Random(9)
    for number in range(600001, 600041):
        parent, side = rng.choice(open_spots())
        add_member(new_user(number), enroller=root, parent=parent, side=side)
    for extra in range(1, 4):
        bottom = tree.outer_bottom(root, "L")
        add_member(new_user(number + extra), enroller=root, parent=bottom, side="L")
    for member in Distributor.objects.placed():
        expected = []
        node = member
        while node.parent_id is not None:
            node = Distributor.objects.get(pk=node.parent_id)
            expected.append(node.pk)
        assert tree.ancestor_ids(member) == expected[::-1]
        upline = Distributor.objects.filter(tree.ancestors_filter(member))
        assert sorted(upline.values_list("pk", flat=True)) == sorted(expected)
        by_labels = Distributor.objects.ancestors_of(member).order_by("depth")
        assert [a.pk for a in by_labels] == expected[::-1]
