"""A weekly commission statement as a PDF (fpdf2, the built-in Helvetica).

The core PDF fonts only carry Latin-1, so every string goes through
``latin1()`` first: typographic dashes and quotes become their plain forms,
accented letters outside Latin-1 lose the accent, anything else becomes "?".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backoffice.commissions.reads import Statement, source_text, usd

REPLACEMENTS = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": ",",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2022": "\xb7",
    "\u2026": "...",
    "\u2009": " ",
    "\u202f": " ",
    "\u2122": "TM",
    "\u20ac": "EUR",
}
FONT = "Helvetica"


def latin1(text: object) -> str:
    """``text`` with every character the core fonts cannot show replaced."""
    out = []
    for char in str(text):
        if ord(char) < 256:
            out.append(char)
        elif char in REPLACEMENTS:
            out.append(REPLACEMENTS[char])
        else:
            plain = "".join(
                part
                for part in unicodedata.normalize("NFKD", char)
                if ord(part) < 256 and not unicodedata.combining(part)
            )
            out.append(plain or "?")
    return "".join(out)


class _Document(FPDF):
    def line_of(self, text: object, *, size: float = 10, bold: bool = False) -> None:
        self.set_font(FONT, style="B" if bold else "", size=size)
        self.multi_cell(
            0, size * 0.5, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def table_of(
        self,
        rows: list[tuple[str, ...]],
        *,
        widths: tuple[int, ...],
        align: tuple[str, ...],
    ) -> None:
        self.set_font(FONT, size=9)
        with self.table(
            col_widths=widths,
            text_align=align,
            line_height=5,
            borders_layout="HORIZONTAL_LINES",
            first_row_as_headings=True,
        ) as table:
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(latin1(value))
        self.ln(4)


def statement_pdf(statement: Statement, *, company: Mapping[str, str]) -> bytes:
    """The statement's figures (lines, totals, balances) as PDF bytes."""
    result, cycle = statement.result, statement.cycle
    distributor = statement.distributor
    document = _Document(format="letter")
    document.set_title(
        latin1(_("Commission statement, cycle %(n)d") % {"n": cycle.number})
    )
    document.set_author(latin1(company["name"]))
    document.set_margins(18, 18, 18)
    document.set_auto_page_break(auto=True, margin=18)
    document.add_page()

    document.line_of(company["name"], size=14, bold=True)
    document.line_of(company["address"], size=9)
    document.ln(4)
    document.line_of(
        _("Commission statement, cycle %(n)d") % {"n": cycle.number},
        size=13,
        bold=True,
    )
    facts = [
        (_("Distributor"), f"{distributor.name} ({distributor.distributor_id})"),
        (
            _("Week"),
            f"{date_format(cycle.starts_on, 'DATE_FORMAT')} - "
            f"{date_format(cycle.ends_on, 'DATE_FORMAT')}",
        ),
        (_("Pay date"), date_format(cycle.pay_on, "DATE_FORMAT")),
        (_("Status"), statement.status_label),
    ]
    for label, value in facts:
        document.line_of(f"{label}: {value}")
    document.ln(3)

    document.line_of(_("Lines"), size=11, bold=True)
    if statement.lines:
        rows = [(_("Bonus"), _("Source"), _("Generation"), _("Amount"))]
        rows += [
            (
                line.bonus_label,
                source_text(line, statement),
                str(line.generation) if line.generation else "",
                usd(line.amount),
            )
            for line in statement.lines
        ]
        document.table_of(
            rows, widths=(45, 85, 22, 28), align=("LEFT", "LEFT", "RIGHT", "RIGHT")
        )
    else:
        document.line_of(_("No commission lines this week."))
        document.ln(3)

    document.line_of(_("Totals"), size=11, bold=True)
    rows = [(_("Bonus"), _("Amount"))]
    rows += [(label, usd(amount)) for _code, label, amount in statement.totals]
    rows += [
        (_("Total this week"), usd(result.total)),
        (_("Balance brought in"), usd(result.balance_in)),
        (
            _("Paid") if statement.is_approved else _("Payable (pending approval)"),
            usd(result.paid),
        ),
        (_("Balance carried"), usd(result.balance_out)),
    ]
    document.table_of(rows, widths=(130, 50), align=("LEFT", "RIGHT"))
    return bytes(document.output())
