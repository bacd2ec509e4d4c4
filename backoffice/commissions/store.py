"""Write a cycle's results in bulk, with no Python object made per figure.

PostgreSQL receives the rows by binary COPY straight into the results and
lines tables, each value encoded from the arrays in its column's own type
(cents become ``numeric`` with two decimals, as the SQL ``x / 100`` would).
SQLite receives integers into a staging table by ``executemany``; one
``INSERT … SELECT`` converts cents to decimals, with a bigger page cache for
the duration of the write.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import numpy as np
from django.db import connection

from backoffice.commissions import engine
from backoffice.commissions.models import Line, PayoutBatch, Result

# Result columns filled from engine arrays: (column, array name, is money).
RESULT_COLUMNS = [
    ("is_active", "active", False),
    ("is_binary_qualified", "binary_qualified", False),
    ("has_left_enrollee", "left_enrollee", False),
    ("has_right_enrollee", "right_enrollee", False),
    ("is_gen5_qualified", "gen5_qualified", False),
    ("package", "package", False),
    ("pv30", "pv30", True),
    ("cycle_pv", "cycle_pv", True),
    ("new_left", "new_left", True),
    ("new_right", "new_right", True),
    ("rebate", "rebate", True),
    ("left_cv", "left", True),
    ("right_cv", "right", True),
    ("matched_cv", "matched", True),
    ("bank_left", "bank_left", True),
    ("bank_right", "bank_right", True),
    ("flushed", "flushed", True),
    ("breakage", "breakage", True),
    ("rate_bp", "rate_bp", False),
    ("rate_package", "rate_source", False),
    ("retail", "retail", True),
    ("gen5", "gen5", True),
    ("mvp", "mvp", True),
    ("binary", "binary", True),
    ("total", "total", True),
    ("balance_in", "balance_in", True),
    ("paid", "paid", True),
    ("balance_out", "balance_out", True),
    ("mvp_decision", "mvp_decision", False),
]


@contextmanager
def _sqlite_cache():
    """On SQLite, a 256 MB page cache for the duration of a bulk write.

    Millions of index entries land all over their trees: with SQLite's default
    2 MB of cache each one reads its pages again.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (cache_size,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {_SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")


def delete_results(cycle_ids: list[int]) -> None:
    """Remove the rows of earlier calculations, without loading them."""
    if PayoutBatch.objects.filter(cycle_id__in=cycle_ids).exists():
        # Paid results are the ledger's evidence; the database no longer
        # checks this (see Payout.result).
        raise ValueError("A cycle with a payout batch keeps its results.")
    with _sqlite_cache():
        Line.objects.filter(cycle__in=cycle_ids)._raw_delete(Line.objects.db)
        Result.objects.filter(cycle__in=cycle_ids)._raw_delete(Result.objects.db)


def write_results(
    *, cycle_id: int, pk: np.ndarray, result: engine.CycleResult, rank_names
) -> None:
    """Insert every member's row and every line of ``result`` for ``cycle_id``.

    Members' rows go in by primary key, lines in the engine's order: the
    indexes then walk their trees in order instead of jumping about a
    million times.
    """
    lines = result.lines
    source_pk = np.where(lines.source >= 0, pk[np.maximum(lines.source, 0)], -1)
    payee_pk = pk[lines.payee] if len(lines) else lines.payee
    if connection.vendor == "postgresql":
        _copy_results(cycle_id, pk, result, list(rank_names))
        _copy_lines(cycle_id, lines, payee_pk, source_pk)
        return
    with _sqlite_cache():
        _insert_results(cycle_id, pk, result, list(rank_names))
        _insert_lines(cycle_id, lines, payee_pk, source_pk)


# --- PostgreSQL: binary COPY into the tables themselves -------------------------

# Rows per COPY chunk: a few megabytes of buffers, made again and again.
_CHUNK = 16_384
_PG_EPOCH = date(2000, 1, 1).toordinal()  # binary dates count days from here
# A numeric as base-10000 digits: five before the point, one (two decimals) after;
# the server strips the leading zero digits, so the value stored is the same
# whatever the number of digits sent.
_DIGITS = 6
_NUMERIC_NEGATIVE = 0x4000
_INTEGER_TYPES = {"smallint": ">i2", "integer": ">i4", "bigint": ">i8"}


class _Binary:
    """One chunk of rows in PostgreSQL's binary COPY format, column by column.

    Each column is a matrix of bytes, one row per table row: the 4-byte length
    and the value. Columns whose size varies (text, NULLs) say how many of their
    bytes each row uses; the rest is padding, squeezed out at the end.
    """

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.blocks: list[np.ndarray] = []
        self.used: list[np.ndarray | None] = []
        self.fields = 0

    def _add(self, block: np.ndarray, used: np.ndarray | None, fields: int) -> None:
        self.blocks.append(block)
        self.used.append(used)
        self.fields += fields

    def integers(self, values: np.ndarray, code: str, null=None) -> None:
        """Integers (``>i2``, ``>i4``, ``>i8``) or booleans (``?``)."""
        values = np.asarray(values)
        if code == "?":
            values = values != 0
        elif len(values):
            limits = np.iinfo(np.dtype(code))
            checked = values if null is None else values[~null]
            if len(checked) and (
                checked.min() < limits.min or checked.max() > limits.max
            ):
                raise OverflowError(f"a value does not fit in {code}")
        size = np.dtype(code).itemsize
        block = np.empty((self.rows, 4 + size), dtype=np.uint8)
        block[:, :4] = _be32(size)
        block[:, 4:] = values.astype(code).view(np.uint8).reshape(self.rows, size)
        used = None
        if null is not None and null.any():
            block[null, :4] = _be32(-1)
            used = np.where(null, 4, 4 + size)
        self._add(block, used, 1)

    def days(self, ordinals: np.ndarray) -> None:
        """Day ordinals as dates, negative ones as NULL."""
        self.integers(ordinals - _PG_EPOCH, ">i4", null=ordinals < 0)

    def money(self, cents: np.ndarray) -> None:
        """Columns of cents (rows × columns) as numerics with two decimals."""
        cents = np.asarray(cents, dtype=np.int64).reshape(self.rows, -1)
        magnitude = np.abs(cents)
        words = np.empty(cents.shape + (6 + _DIGITS,), dtype=np.int16)
        words[..., 0] = 0  # the field's length, 4 bytes: 8 + 2 per digit
        words[..., 1] = 8 + 2 * _DIGITS
        words[..., 2] = _DIGITS
        words[..., 3] = _DIGITS - 2  # weight of the first digit
        words[..., 4] = np.where(cents < 0, _NUMERIC_NEGATIVE, 0)
        words[..., 5] = 2  # display scale: two decimals
        whole, part = np.divmod(magnitude, 100)
        words[..., 5 + _DIGITS] = part * 100
        for digit in range(4 + _DIGITS, 5, -1):
            whole, words[..., digit] = np.divmod(whole, 10_000)
        if (whole != 0).any():
            raise OverflowError("an amount does not fit in a numeric")
        block = words.astype(">i2").view(np.uint8).reshape(self.rows, -1)
        self._add(block, None, cents.shape[1])

    def text(self, index: np.ndarray, choices: list[str]) -> None:
        """``choices[index]`` of each row."""
        if len(index) and (index.min() < 0 or index.max() >= len(choices)):
            raise ValueError("a code has no text")
        encoded = [choice.encode() for choice in choices]
        width = 4 + max(len(value) for value in encoded)
        table = np.zeros((len(encoded), width), dtype=np.uint8)
        sizes = np.zeros(len(encoded), dtype=np.int64)
        for i, value in enumerate(encoded):
            table[i, :4] = _be32(len(value))
            table[i, 4 : 4 + len(value)] = np.frombuffer(value, dtype=np.uint8)
            sizes[i] = 4 + len(value)
        self._add(table[index], sizes[index], 1)

    def tobytes(self) -> bytes:
        count = np.empty((self.rows, 2), dtype=np.uint8)
        count[:] = np.frombuffer(self.fields.to_bytes(2, "big"), dtype=np.uint8)
        matrix = np.hstack([count, *self.blocks])
        if all(used is None for used in self.used):
            return matrix.tobytes()
        keep = np.hstack(
            [np.ones((self.rows, 2), dtype=bool)]
            + [
                np.ones(block.shape, dtype=bool)
                if used is None
                else np.arange(block.shape[1]) < used[:, None]
                for block, used in zip(self.blocks, self.used, strict=True)
            ]
        )
        return matrix[keep].tobytes()


def _by_key(pk: np.ndarray) -> np.ndarray:
    return np.argsort(pk, kind="stable")


def _be32(value: int) -> np.ndarray:
    return np.frombuffer(value.to_bytes(4, "big", signed=True), dtype=np.uint8)


def _copy(table: str, columns: list[str], count: int, chunk) -> None:
    """COPY ``count`` rows into ``table``; ``chunk(begin, end)`` encodes a slice."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"
        ) as copy,
    ):
        copy.write(b"PGCOPY\n\xff\r\n\x00" + bytes(8))
        for begin in range(0, count, _CHUNK):
            rows = chunk(begin, min(begin + _CHUNK, count))
            if rows.fields != len(columns):
                raise ValueError("the encoded rows do not match the columns")
            copy.write(rows.tobytes())
        copy.write(b"\xff\xff")


def _integer_code(model, column: str) -> str:
    kind = model._meta.get_field(column).db_type(connection)
    return "?" if kind == "boolean" else _INTEGER_TYPES[kind]


def _copy_results(
    cycle_id: int, pk: np.ndarray, result: engine.CycleResult, rank_names: list[str]
) -> None:
    flags = [(c, a) for c, a, money in RESULT_COLUMNS if not money]
    money = [(c, a) for c, a, is_money in RESULT_COLUMNS if is_money]
    codes = [_integer_code(Result, column) for column, _ in flags]
    flag_values = [np.asarray(getattr(result, array)) for _, array in flags]
    cents = [np.asarray(getattr(result, array), dtype=np.int64) for _, array in money]
    rank, best_rank = np.asarray(result.rank), np.asarray(result.best_rank)
    rate_until = np.asarray(result.rate_until, dtype=np.int64)
    order = _by_key(pk)

    def chunk(begin: int, end: int) -> _Binary:
        rows = _Binary(end - begin)
        part = order[begin:end]
        rows.integers(np.full(end - begin, cycle_id), ">i8")
        rows.integers(pk[part], ">i8")
        for values, code in zip(flag_values, codes, strict=True):
            rows.integers(values[part], code)
        rows.money(np.column_stack([values[part] for values in cents]))
        rows.days(rate_until[part])
        rows.text(rank[part], rank_names)
        rows.text(best_rank[part], rank_names)
        return rows

    columns = ["cycle_id", "distributor_id"]
    columns += [column for column, _ in flags] + [column for column, _ in money]
    columns += ["rate_until", "rank", "best_rank"]
    _copy(Result._meta.db_table, columns, len(pk), chunk)


def _copy_lines(
    cycle_id: int, lines: engine.Lines, payee_pk: np.ndarray, source_pk: np.ndarray
) -> None:
    generation = _integer_code(Line, "generation")

    def chunk(begin: int, end: int) -> _Binary:
        rows = _Binary(end - begin)
        part = slice(begin, end)
        rows.integers(np.full(end - begin, cycle_id), ">i8")
        rows.integers(payee_pk[part], ">i8")
        rows.integers(lines.generation[part], generation)
        rows.money(lines.amount[part])
        rows.text(lines.bonus[part], list(engine.BONUS_CODES))
        order = lines.order[part]
        rows.integers(order, ">i8", null=order == -1)
        source = source_pk[part]
        rows.integers(source, ">i8", null=source == -1)
        return rows

    columns = ["cycle_id", "distributor_id", "generation", "amount", "bonus"]
    columns += ["source_order_id", "source_distributor_id"]
    _copy(Line._meta.db_table, columns, len(lines), chunk)


# --- SQLite: a staging table, then one INSERT … SELECT ----------------------------

_SQLITE_CACHE_KIB = -262_144  # negative: a size in KiB, not in pages


def _stage(table: str, names: list[str], columns: list[np.ndarray]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        # A "seq" column is the rowid: reading in its order needs no sort.
        cursor.execute(
            f"CREATE TEMP TABLE {table} ("
            + ", ".join(
                f"{name} INTEGER PRIMARY KEY"
                if name == "seq"
                else f"{name} BIGINT NOT NULL"
                for name in names
            )
            + ")"
        )
        marks = ", ".join(["%s"] * len(names))
        sql = f"INSERT INTO {table} VALUES ({marks})"  # noqa: S608 (our names)
        for begin in range(0, len(columns[0]), _CHUNK):
            part = slice(begin, begin + _CHUNK)
            cursor.executemany(
                sql, np.column_stack([c[part] for c in columns]).tolist()
            )


def _money(column: str) -> str:
    return f"{column} / 100.0"


def _boolean(column: str) -> str:
    return f"({column} <> 0)"


def _insert_results(
    cycle_id: int, pk: np.ndarray, result: engine.CycleResult, rank_names: list[str]
) -> None:
    names = ["distributor_id", "rank", "best_rank", "rate_until"] + [
        column for column, _, _ in RESULT_COLUMNS
    ]
    order = _by_key(pk)
    columns = [pk, result.rank, result.best_rank, result.rate_until] + [
        getattr(result, array) for _, array, _ in RESULT_COLUMNS
    ]
    _stage(
        "commission_stage_result",
        names,
        [np.asarray(column).astype(np.int64)[order] for column in columns],
    )
    rank_case = (
        "CASE {col} "
        + " ".join(f"WHEN {i} THEN %s" for i in range(len(rank_names)))
        + " END"
    )
    select = [
        "%s",
        "distributor_id",
        rank_case.format(col="rank"),
        rank_case.format(col="best_rank"),
        _date("rate_until"),
    ]
    for column, _, is_money in RESULT_COLUMNS:
        if is_money:
            select.append(_money(column))
        elif column.startswith(("is_", "has_")):
            select.append(_boolean(column))
        else:
            select.append(column)
    target = ["cycle_id", "distributor_id", "rank", "best_rank", "rate_until"] + [
        column for column, _, _ in RESULT_COLUMNS
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            # Table and column names are this module's own; values are parameters.
            f"INSERT INTO {Result._meta.db_table} ({', '.join(target)}) "  # noqa: S608
            f"SELECT {', '.join(select)} FROM commission_stage_result",
            [cycle_id, *rank_names, *rank_names],
        )
        cursor.execute("DROP TABLE commission_stage_result")


def _insert_lines(
    cycle_id: int, lines: engine.Lines, payee_pk: np.ndarray, source_pk: np.ndarray
) -> None:
    _stage(
        "commission_stage_line",
        ["seq", "payee", "bonus", "source_order", "source", "generation", "amount"],
        [
            np.arange(len(lines), dtype=np.int64),
            payee_pk,
            lines.bonus,
            lines.order,
            source_pk,
            lines.generation,
            lines.amount,
        ],
    )
    bonus_case = (
        "CASE bonus "
        + " ".join(f"WHEN {i} THEN %s" for i in range(len(engine.BONUS_CODES)))
        + " END"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Line._meta.db_table} (cycle_id, distributor_id, bonus,"  # noqa: S608
            " source_order_id, source_distributor_id, generation, amount) "
            f"SELECT %s, payee, {bonus_case}, NULLIF(source_order, -1),"
            f" NULLIF(source, -1), generation, {_money('amount')}"
            " FROM commission_stage_line ORDER BY seq",
            [cycle_id, *engine.BONUS_CODES],
        )
        cursor.execute("DROP TABLE commission_stage_line")


def _date(column: str) -> str:
    """A day ordinal (or -1) as a date."""
    epoch = 719163  # date(1970, 1, 1).toordinal()
    return (
        f"CASE WHEN {column} < 0 THEN NULL ELSE "
        f"date('1970-01-01', '+' || ({column} - {epoch}) || ' days') END"
    )
