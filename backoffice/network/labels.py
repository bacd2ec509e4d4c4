"""Euler-tour labels for the placement tree: the read index behind subtree queries.

Every placed distributor has two labels, ``lo`` (where their subtree opens) and
``hi`` (where it closes), such that a child's pair nests strictly inside its
parent's pair and a left child's pair comes before a right child's. Then

    y is in x's downline  <=>  x.lo < y.lo < x.hi

which is one indexed range, at any depth (a 20,000-deep outer leg costs the same
as a 2-deep one). Labels are integers in [0, UNIVERSE). Inserting a member puts
two labels into the gap where their subtree belongs; when a gap is too small the
labels of a window around it are spread out again (list labelling, Bender et al.,
"Two simplified algorithms for maintaining order in a list", 2002): the window is
the smallest aligned power-of-two range whose density stays under a threshold
that shrinks with its size, which keeps the amortised relabelling logarithmic.

This module is pure: no database. ``actions.py`` feeds it what it reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

UNIVERSE_BITS = 62
UNIVERSE = 1 << UNIVERSE_BITS
# A window of 2**i labels may hold at most (2/T)**i of them; T in (1, 2).
DENSITY_BASE = 1.5


def window_capacity(bits: int) -> int:
    """How many labels an aligned window of 2**bits labels may hold."""
    return int((2.0 / DENSITY_BASE) ** bits)


def window_around(label: int, bits: int) -> tuple[int, int]:
    """The aligned window [start, end) of size 2**bits that holds ``label``."""
    size = 1 << bits
    start = (label // size) * size
    return start, start + size


def spread(start: int, end: int, count: int) -> list[int]:
    """``count`` labels evenly spaced strictly inside [start, end)."""
    step = (end - start) // (count + 1)
    if step < 1:
        raise ValueError("window too small for its labels")
    return [start + step * (index + 1) for index in range(count)]


@dataclass
class TreeIndex:
    """The derived read index of a whole tree, by node index (-1: not placed)."""

    lo: list[int]
    hi: list[int]
    depth: list[int]
    left_top: list[int]
    right_top: list[int]


def build_index(
    parents: Sequence[int], sides: Sequence[str], *, root: int
) -> TreeIndex:
    """The read index for a whole tree given as parent indexes.

    ``parents[i]`` is the index of i's parent (-1 for the root and for members
    not placed); ``sides[i]`` is "L" or "R". Labels are spread evenly over the
    universe. Iterative, so any depth works.
    """
    count = len(parents)
    left = [-1] * count
    right = [-1] * count
    for child, parent in enumerate(parents):
        if parent < 0:
            continue
        slots = left if sides[child] == "L" else right
        if slots[parent] != -1:
            raise ValueError(f"two {sides[child]} children under {parent}")
        slots[parent] = child
    order: list[tuple[int, int]] = []  # (node, 0 = open / 1 = close)
    depth = [-1] * count
    left_top = [-1] * count
    right_top = [-1] * count
    depth[root] = 0
    left_top[root] = right_top[root] = root
    stack = [(root, 1), (root, 0)]
    while stack:
        node, closing = stack.pop()
        order.append((node, closing))
        if closing:
            continue
        for child, is_left in ((right[node], False), (left[node], True)):
            if child == -1:
                continue
            depth[child] = depth[node] + 1
            left_top[child] = left_top[node] if is_left else child
            right_top[child] = child if is_left else right_top[node]
            stack.append((child, 1))
            stack.append((child, 0))
    lo = [-1] * count
    hi = [-1] * count
    for (node, closing), label in zip(
        order, spread(0, UNIVERSE, len(order)), strict=True
    ):
        if closing:
            hi[node] = label
        else:
            lo[node] = label
    return TreeIndex(lo=lo, hi=hi, depth=depth, left_top=left_top, right_top=right_top)
