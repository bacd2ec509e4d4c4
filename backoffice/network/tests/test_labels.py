import pytest

from backoffice.network.labels import (
    UNIVERSE,
    build_index,
    spread,
    window_around,
    window_capacity,
)


def test_build_index_nests_children_inside_parents():
    #      0
    #    1   2
    #   3 .   . 4
    parents = [-1, 0, 0, 1, 2]
    sides = ["", "L", "R", "L", "R"]
    index = build_index(parents, sides, root=0)
    lo, hi = index.lo, index.hi
    assert lo[0] < lo[1] < lo[3] < hi[3] < hi[1] < lo[2] < lo[4] < hi[4] < hi[2] < hi[0]
    assert index.depth == [0, 1, 1, 2, 2]
    assert index.left_top == [0, 0, 2, 0, 4]
    assert index.right_top == [0, 1, 0, 3, 0]
    assert min(lo) >= 0
    assert max(hi) < UNIVERSE


def test_build_index_handles_a_chain_deeper_than_python_recursion():
    depth = 30_000
    parents = [-1, *range(depth - 1)]
    index = build_index(parents, ["", *("L" * (depth - 1))], root=0)
    assert index.depth[-1] == depth - 1
    assert index.lo == sorted(index.lo)
    assert index.hi == sorted(index.hi, reverse=True)
    assert set(index.left_top) == {0}


def test_build_index_refuses_two_children_on_one_side():
    with pytest.raises(ValueError, match="two L children under 0"):
        build_index([-1, 0, 0], ["", "L", "L"], root=0)


def test_unplaced_members_get_no_labels():
    index = build_index([-1, 0, -1], ["", "L", ""], root=0)
    assert index.lo[2] == index.hi[2] == index.depth[2] == -1


def test_spread_and_windows():
    assert spread(0, 10, 4) == [2, 4, 6, 8]
    with pytest.raises(ValueError, match="too small"):
        spread(0, 3, 3)
    assert window_around(13, 3) == (8, 16)
    assert window_capacity(10) == int((4 / 3) ** 10)
