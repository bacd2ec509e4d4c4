"""The cycle's results and lines as CSV (compensation plan §11), streamed."""

from __future__ import annotations

import csv
from typing import TextIO

from backoffice.commissions.models import Cycle, Line, Result

RESULT_HEADER = [
    "cycle",
    "distributor_id",
    "rank",
    "active",
    "pv30",
    "cycle_pv",
    "left_cv",
    "right_cv",
    "matched_cv",
    "bank_left",
    "bank_right",
    "retail",
    "gen5",
    "mvp",
    "binary",
    "total",
    "balance_in",
    "paid",
    "balance_out",
]
LINE_HEADER = [
    "cycle",
    "distributor_id",
    "bonus",
    "source_order_id",
    "source_distributor_id",
    "generation",
    "amount",
]
_FIGURES = RESULT_HEADER[4:]
_FIELD = {
    "pv30": "pv30",
    "cycle_pv": "cycle_pv",
    "left_cv": "left_cv",
    "right_cv": "right_cv",
    "matched_cv": "matched_cv",
    "bank_left": "bank_left",
    "bank_right": "bank_right",
    "retail": "retail",
    "gen5": "gen5",
    "mvp": "mvp",
    "binary": "binary",
    "total": "total",
    "balance_in": "balance_in",
    "paid": "paid",
    "balance_out": "balance_out",
}


def write_results_csv(cycle: Cycle, handle: TextIO) -> int:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(RESULT_HEADER)
    rows = (
        Result.objects.filter(cycle=cycle)
        .order_by("distributor__distributor_id")
        .values_list(
            "distributor__distributor_id",
            "rank",
            "is_active",
            *(_FIELD[name] for name in _FIGURES),
        )
        .iterator(chunk_size=20_000)
    )
    count = 0
    for distributor_id, rank, is_active, *figures in rows:
        writer.writerow(
            [
                cycle.number,
                distributor_id,
                rank,
                "yes" if is_active else "no",
                *(f"{value:.2f}" for value in figures),
            ]
        )
        count += 1
    return count


def write_lines_csv(cycle: Cycle, handle: TextIO) -> int:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(LINE_HEADER)
    rows = (
        Line.objects.filter(cycle=cycle)
        .order_by("distributor__distributor_id", "id")
        .values_list(
            "distributor__distributor_id",
            "bonus",
            "source_order__number",
            "source_distributor__distributor_id",
            "generation",
            "amount",
        )
        .iterator(chunk_size=20_000)
    )
    count = 0
    for distributor_id, bonus, order, source, generation, amount in rows:
        writer.writerow(
            [
                cycle.number,
                distributor_id,
                bonus,
                order or "",
                source or "",
                generation or "",
                f"{amount:.2f}",
            ]
        )
        count += 1
    return count
