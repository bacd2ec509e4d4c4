"""Changes to the placement tree's read index, inside the caller's transaction.

The parent link is the source of truth; ``lo``/``hi``/``depth`` (labels.py) are
derived and kept right here, by the same transaction that changes the tree.
Callers hold the tree lock (``lock_tree``), so tree changes happen one at a time.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q

from backoffice.network import labels
from backoffice.network.models import Distributor, Side, TreeLock

GENERATION_KEY = "network:generation"


def generation() -> int:
    """A number that changes whenever the tree does: part of the keys of cached reads.

    Kept in the cache itself; when it is missing it starts from the clock, so
    it never comes back to a value an earlier key was made with.
    """
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY, 0)
    return value


def changed() -> None:
    """Cached reads of the tree are stale once the current transaction commits."""
    transaction.on_commit(_next_generation)


def _next_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # evicted: a fresh start is a new value too
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)


def lock_tree() -> None:
    """Serialise tree writes: every change to placements locks this row first.

    Whoever locks the tree changes it, so cached reads are dropped on commit.
    """
    changed()
    if not list(TreeLock.objects.select_for_update().filter(pk=1)):
        try:
            with transaction.atomic():
                TreeLock.objects.create(pk=1)
        except IntegrityError:
            pass  # created by a concurrent first writer
        list(TreeLock.objects.select_for_update().filter(pk=1))


def gap_for(parent: Distributor, side: str) -> tuple[int, int, bool]:
    """Labels (a, b) around where a new child on ``side`` of ``parent`` goes.

    The third value says whether the gap must be shared with a future sibling
    (a left child placed while the right is empty keeps half for it).
    """
    children = {
        c.side: c for c in Distributor.objects.filter(parent=parent, lo__isnull=False)
    }
    if side == Side.LEFT:
        right = children.get(Side.RIGHT)
        if right is not None:
            return parent.lo, right.lo, False
        return parent.lo, parent.hi, True
    left = children.get(Side.LEFT)
    return (left.hi if left is not None else parent.lo), parent.hi, False


def _count(start: int, end: int) -> int:
    return (
        Distributor.objects.filter(lo__gte=start, lo__lt=end).count()
        + Distributor.objects.filter(hi__gte=start, hi__lt=end).count()
    )


def allocate(a: int, b: int, needed: int, *, share: bool = False) -> list[int]:
    """``needed`` fresh labels, in order, right after label ``a`` (before ``b``).

    Relabels a window of neighbours when the gap is too small.
    """
    end = a + (b - a) // 2 if share else b
    if end - a - 1 >= 2 * needed:
        if needed == 2:
            # Give the new member the widest interior: their subtree grows there.
            return [a + 1, end - 1]
        return labels.spread(a, end, needed)
    bits = max(2, (4 * needed).bit_length())
    while True:
        if bits > labels.UNIVERSE_BITS:
            raise RuntimeError("the label universe is full")
        start, stop = labels.window_around(a, bits)
        count = _count(start, stop)
        if count + needed <= labels.window_capacity(bits) and (
            (stop - start) // (count + needed + 1) >= 4
        ):
            return _relabel(start, stop, after=a, needed=needed)
        bits += 1


def _relabel(start: int, stop: int, *, after: int, needed: int) -> list[int]:
    rows = list(
        Distributor.objects.filter(
            Q(lo__gte=start, lo__lt=stop) | Q(hi__gte=start, hi__lt=stop)
        ).only("id", "lo", "hi")
    )
    tokens: list[tuple[int, int, str]] = []
    for row in rows:
        if start <= row.lo < stop:
            tokens.append((row.lo, row.pk, "lo"))
        if start <= row.hi < stop:
            tokens.append((row.hi, row.pk, "hi"))
    tokens.sort()
    position = next(i for i, token in enumerate(tokens) if token[0] == after) + 1
    fresh = labels.spread(start, stop, len(tokens) + needed)
    by_id = {row.pk: row for row in rows}
    for index, (_label, pk, column) in enumerate(tokens):
        new = fresh[index] if index < position else fresh[index + needed]
        setattr(by_id[pk], column, new)
    Distributor.objects.bulk_update(rows, ["lo", "hi"], batch_size=2000)
    return fresh[position : position + needed]


def place(member: Distributor, parent: Distributor, side: str) -> None:
    """Attach an unplaced ``member`` (no subtree) under ``parent`` on ``side``."""
    a, b, share = gap_for(parent, side)
    lo, hi = allocate(a, b, 2, share=share)
    member.parent = parent
    member.side = side
    member.lo, member.hi, member.depth = lo, hi, parent.depth + 1
    member.left_top = parent.left_top if side == Side.LEFT else member.pk
    member.right_top = parent.right_top if side == Side.RIGHT else member.pk
    member.place_by = None
    member.save(
        update_fields=[
            "parent",
            "side",
            "lo",
            "hi",
            "depth",
            "left_top",
            "right_top",
            "place_by",
        ]
    )


def place_root(member: Distributor) -> None:
    start, stop = 0, labels.UNIVERSE
    member.lo, member.hi = labels.spread(start, stop, 2)
    member.depth = 0
    member.left_top = member.right_top = member.pk
    member.save(update_fields=["lo", "hi", "depth", "left_top", "right_top"])


def move(member: Distributor, parent: Distributor, side: str) -> None:
    """Move ``member`` and their whole subtree under ``parent`` on ``side``."""
    subtree = Distributor.objects.downline_or_self(member)
    rows = list(subtree.only("id", "lo", "hi", "depth"))
    tokens = sorted(
        [(row.lo, row.pk, "lo") for row in rows]
        + [(row.hi, row.pk, "hi") for row in rows]
    )
    depth_shift = parent.depth + 1 - member.depth
    # Take the subtree out of the index first so relabelling ignores it.
    Distributor.objects.filter(lo__gte=member.lo, lo__lt=member.hi).update(
        lo=None, hi=None, depth=None
    )
    member.parent = parent
    member.side = side
    member.save(update_fields=["parent", "side"])
    a, b, share = gap_for(parent, side)
    fresh = allocate(a, b, len(tokens), share=share)
    by_id = {row.pk: row for row in rows}
    for (_label, pk, column), new in zip(tokens, fresh, strict=True):
        setattr(by_id[pk], column, new)
    for row in rows:
        row.depth += depth_shift
    Distributor.objects.bulk_update(rows, ["lo", "hi", "depth"], batch_size=2000)
    # The moved member's own left and right runs now continue the new parent's.
    old_left, old_right = member.left_top, member.right_top
    member.refresh_from_db(fields=["lo", "hi", "depth"])
    moved = Distributor.objects.downline_or_self(member)
    new_left = parent.left_top if side == Side.LEFT else member.pk
    new_right = parent.right_top if side == Side.RIGHT else member.pk
    moved.filter(left_top=old_left).update(left_top=new_left)
    moved.filter(right_top=old_right).update(right_top=new_right)
    member.refresh_from_db(fields=["left_top", "right_top"])


def outer_bottom(top: Distributor, side: str) -> Distributor:
    """The last member down the outer ``side`` leg from ``top`` (``top`` if empty).

    One indexed query at any depth: everyone on that leg shares ``top``'s run top.
    """
    if side == Side.LEFT:
        run = Distributor.objects.filter(left_top=top.left_top)
    else:
        run = Distributor.objects.filter(right_top=top.right_top)
    return run.filter(depth__gte=top.depth).order_by("-depth").first()


def _upline_runs(member: Distributor):
    """Filters for the runs of same-side steps on the way up from ``member``.

    The path up from a member is a run of left children, then a run of right
    children, and so on. Each run is one indexed range on (left_top|right_top,
    depth), and ends at its top, whose own run comes next: a member 20,000 deep
    on an outer leg has one or two runs above them.
    """
    if member.lo is None or member.is_root:
        return
    side, left_top, right_top, depth = (
        member.side,
        member.left_top,
        member.right_top,
        member.depth,
    )
    while side:
        column, top = (
            ("left_top", left_top) if side == Side.LEFT else ("right_top", right_top)
        )
        yield Q(**{column: top, "depth__lt": depth})
        side, left_top, right_top, depth = Distributor.objects.values_list(
            "side", "left_top", "right_top", "depth"
        ).get(pk=top)


def ancestor_ids(member: Distributor) -> list[int]:
    """Primary keys of the placement upline of ``member``, top first."""
    chain: list[int] = []
    for run in _upline_runs(member):
        chain.extend(
            Distributor.objects.filter(run)
            .order_by("-depth")
            .values_list("pk", flat=True)
        )
    chain.reverse()
    return chain


def ancestors_filter(member: Distributor) -> Q:
    """A filter selecting the placement upline of ``member``, without reading it.

    One primary-key lookup per run; the result can be counted, paginated or
    tested for membership by the database.
    """
    clauses = Q(pk__in=[])
    for run in _upline_runs(member):
        clauses |= run
    return clauses
