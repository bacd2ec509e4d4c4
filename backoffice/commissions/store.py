"""Write a cycle's results in bulk: integers into a staging table, then one INSERT.

PostgreSQL receives the staging rows by binary COPY built straight from the
arrays; SQLite by ``executemany``. Either way the conversion from cents to
decimals happens once, in SQL, and no Python object is made per figure.
"""

from __future__ import annotations

import numpy as np
from django.db import connection

from backoffice.commissions import engine
from backoffice.commissions.models import Line, Result

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


def _q(name: str) -> str:
    """A quoted column name ("binary" is reserved on PostgreSQL)."""
    return connection.ops.quote_name(name)


def _money(column: str) -> str:
    column = _q(column)
    if connection.vendor == "postgresql":
        return f"CAST({column} AS NUMERIC) / 100"
    return f"{column} / 100.0"


def _boolean(column: str) -> str:
    return f"({_q(column)} <> 0)"


def _copy_binary(table: str, names: list[str], columns: list[np.ndarray]) -> None:
    """COPY int64 columns into ``table`` in PostgreSQL's binary format."""
    dtype = [("count", ">i2")]
    for i in range(len(columns)):
        dtype += [(f"l{i}", ">i4"), (f"v{i}", ">i8")]
    rows = np.zeros(len(columns[0]), dtype=dtype)
    rows["count"] = len(columns)
    for i, values in enumerate(columns):
        rows[f"l{i}"] = 8
        rows[f"v{i}"] = values
    header = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
    trailer = (-1).to_bytes(2, "big", signed=True)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        quoted = ", ".join(_q(name) for name in names)
        with raw.copy(f"COPY {table} ({quoted}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(header)
            step = 200_000
            for begin in range(0, len(rows), step):
                copy.write(rows[begin : begin + step].tobytes())
            copy.write(trailer)


def _stage(table: str, names: list[str], columns: list[np.ndarray]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        temporary = "TEMPORARY " if connection.vendor == "postgresql" else "TEMP "
        cursor.execute(
            f"CREATE {temporary}TABLE {table} ("
            + ", ".join(f"{_q(name)} BIGINT NOT NULL" for name in names)
            + ")"
        )
        if not len(columns[0]):
            return
        if connection.vendor == "postgresql":
            _copy_binary(table, names, columns)
        else:
            rows = np.column_stack(columns).tolist()
            marks = ", ".join(["%s"] * len(names))
            sql = f"INSERT INTO {table} VALUES ({marks})"  # noqa: S608 (our names)
            cursor.executemany(sql, rows)


def write_results(
    *, cycle_id: int, pk: np.ndarray, result: engine.CycleResult, rank_names
) -> None:
    """Insert every member's row and every line of ``result`` for ``cycle_id``."""
    rate_until = result.rate_until
    names = ["distributor_id", "rank", "best_rank", "rate_until"] + [
        column for column, _, _ in RESULT_COLUMNS
    ]
    columns = [pk, result.rank, result.best_rank, rate_until] + [
        np.asarray(getattr(result, array)).astype(np.int64)
        for _, array, _ in RESULT_COLUMNS
    ]
    _stage("commission_stage_result", names, columns)
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
            select.append(_q(column))
    target = ["cycle_id", "distributor_id", "rank", "best_rank", "rate_until"] + [
        column for column, _, _ in RESULT_COLUMNS
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            # Table and column names are this module's own; values are parameters.
            f"INSERT INTO {Result._meta.db_table} ({', '.join(_q(t) for t in target)}) "  # noqa: S608
            f"SELECT {', '.join(select)} FROM commission_stage_result",
            [cycle_id, *rank_names, *rank_names],
        )
        cursor.execute("DROP TABLE commission_stage_result")

    lines = result.lines
    source_pk = np.where(lines.source >= 0, pk[np.maximum(lines.source, 0)], -1)
    _stage(
        "commission_stage_line",
        ["seq", "payee", "bonus", "source_order", "source", "generation", "amount"],
        [
            np.arange(len(lines), dtype=np.int64),
            pk[lines.payee] if len(lines) else lines.payee,
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
    if connection.vendor == "postgresql":
        return (
            f"CASE WHEN {column} < 0 THEN NULL ELSE "
            f"DATE '1970-01-01' + CAST({column} - {epoch} AS INTEGER) END"
        )
    return (
        f"CASE WHEN {column} < 0 THEN NULL ELSE "
        f"date('1970-01-01', '+' || ({column} - {epoch}) || ' days') END"
    )
