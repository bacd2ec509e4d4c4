"""A distributor's commission payments by year, for their taxes (plan §10).

What was paid in a year is the sum of the distributor's payouts in batches
marked paid whose payment date falls in that year; the 1099-NEC threshold of
that year comes from the plan. Reads start from the signed-in distributor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.http import Http404
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backoffice.commissions import actions
from backoffice.commissions.models import BatchStatus, Payout
from backoffice.commissions.pdf import latin1
from backoffice.commissions.reads import usd
from backoffice.lib.encryption import EncryptionError
from backoffice.network.models import Distributor
from backoffice.profiles.models import TaxProfile

ZERO = Decimal("0.00")
FONT = "Helvetica"


def _paid_rows(viewer: Distributor) -> list[tuple[date, Decimal]]:
    """(payment date, amount) of every payout made to the viewer."""
    return list(
        Payout.objects.filter(distributor=viewer, batch__status=BatchStatus.PAID)
        .order_by("batch__effective_on", "pk")
        .values_list("batch__effective_on", "amount")
    )


def threshold_for(year: int) -> Decimal | None:
    cents = actions.current_plan().versions[-1].nec_threshold(year)
    return None if cents is None else Decimal(cents) / 100


@dataclass(frozen=True)
class Year:
    year: int
    total: Decimal
    payments: int


def years_for(viewer: Distributor) -> list[Year]:
    """Every year with a payment to the viewer, and the current year; newest first."""
    totals: dict[int, Decimal] = {actions.today().year: ZERO}
    counts: dict[int, int] = {}
    for day, amount in _paid_rows(viewer):
        totals[day.year] = totals.get(day.year, ZERO) + amount
        counts[day.year] = counts.get(day.year, 0) + 1
    return [
        Year(year=year, total=totals[year], payments=counts.get(year, 0))
        for year in sorted(totals, reverse=True)
    ]


@dataclass(frozen=True)
class Month:
    first_day: date
    total: Decimal
    payments: int


@dataclass(frozen=True)
class TaxSummary:
    distributor: Distributor
    year: int
    total: Decimal
    payments: int
    months: list[Month]
    threshold: Decimal | None
    has_tax_id: bool
    masked_tax_id: str  # "" when none is on file or it cannot be read

    @property
    def crosses_threshold(self) -> bool:
        return self.threshold is not None and self.total >= self.threshold

    @property
    def tax_id_limits_payouts(self) -> bool:
        # A payout that would bring the year to the threshold waits for a tax ID.
        return self.threshold is not None and not self.has_tax_id


def get_tax_year_for_viewer(viewer: Distributor, year: int) -> TaxSummary:
    """The viewer's payments in ``year``; 404 for a year they were not paid in
    (the current year excepted, so the threshold can be followed as it comes)."""
    if year not in {y.year for y in years_for(viewer)}:
        raise Http404
    rows = [(day, amount) for day, amount in _paid_rows(viewer) if day.year == year]
    months = [
        Month(
            first_day=date(year, month, 1),
            total=sum((a for d, a in rows if d.month == month), ZERO),
            payments=sum(1 for d, _a in rows if d.month == month),
        )
        for month in range(1, 13)
    ]
    profile = TaxProfile.objects.filter(distributor=viewer).first()
    masked = ""
    if profile is not None:
        try:
            masked = profile.masked_tin
        except EncryptionError:
            # On file but unreadable with the configured keys: say it is on file.
            masked = ""
    return TaxSummary(
        distributor=viewer,
        year=year,
        total=sum((a for _d, a in rows), ZERO),
        payments=len(rows),
        months=months,
        threshold=threshold_for(year),
        has_tax_id=profile is not None,
        masked_tax_id=masked,
    )


# --- the PDF -----------------------------------------------------------------------


def _line(
    document: FPDF, text: object, *, size: float = 10, bold: bool = False
) -> None:
    document.set_font(FONT, style="B" if bold else "", size=size)
    document.multi_cell(
        0, size * 0.5, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )


def threshold_text(summary: TaxSummary) -> str:
    if summary.threshold is None:
        return _("The plan sets no 1099-NEC threshold for %(year)d.") % {
            "year": summary.year
        }
    if summary.crosses_threshold:
        return _(
            "Your payments in %(year)d reach the 1099-NEC threshold of "
            "%(threshold)s: the company reports them to the IRS on Form 1099-NEC."
        ) % {"year": summary.year, "threshold": usd(summary.threshold)}
    return _(
        "Your payments in %(year)d are below the 1099-NEC threshold of %(threshold)s."
    ) % {"year": summary.year, "threshold": usd(summary.threshold)}


def tax_id_text(summary: TaxSummary) -> str:
    if summary.masked_tax_id:
        return _("Tax ID on file: %(masked)s") % {"masked": summary.masked_tax_id}
    if summary.has_tax_id:
        return _("Tax ID on file.")
    return _("No tax ID on file.")


def tax_id_needed_text(summary: TaxSummary) -> str:
    return _(
        "Without a tax ID on file, a payout that would bring your payments in "
        "%(year)d to %(threshold)s or more waits until you add one in your profile."
    ) % {"year": summary.year, "threshold": usd(summary.threshold or ZERO)}


def tax_summary_pdf(summary: TaxSummary, *, company: Mapping[str, str]) -> bytes:
    """The same figures as the tax summary page, as PDF bytes."""
    title = _("Commission payments in %(year)d") % {"year": summary.year}
    document = FPDF(format="letter")
    document.set_title(latin1(title))
    document.set_author(latin1(company["name"]))
    document.set_margins(18, 18, 18)
    document.set_auto_page_break(auto=True, margin=18)
    document.add_page()

    _line(document, company["name"], size=14, bold=True)
    _line(document, company["address"], size=9)
    document.ln(4)
    _line(document, title, size=13, bold=True)
    member = summary.distributor
    _line(
        document,
        _("Distributor: %(name)s (%(id)d)")
        % {"name": member.name, "id": member.distributor_id},
    )
    _line(document, _("Total paid: %(total)s") % {"total": usd(summary.total)})
    _line(document, threshold_text(summary))
    _line(document, tax_id_text(summary))
    if summary.tax_id_limits_payouts:
        _line(document, tax_id_needed_text(summary), bold=True)
    document.ln(3)

    _line(document, _("By month"), size=11, bold=True)
    document.set_font(FONT, size=9)
    with document.table(
        col_widths=(90, 40, 50),
        text_align=("LEFT", "RIGHT", "RIGHT"),
        line_height=5,
        borders_layout="HORIZONTAL_LINES",
        first_row_as_headings=True,
    ) as table:
        rows = [(_("Month"), _("Payments"), _("Paid"))]
        rows += [
            (
                date_format(month.first_day, "YEAR_MONTH_FORMAT"),
                str(month.payments),
                usd(month.total),
            )
            for month in summary.months
        ]
        rows.append((_("Total"), str(summary.payments), usd(summary.total)))
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(latin1(value))
    document.ln(4)
    _line(
        document,
        _(
            "Payments are counted in the year of their payment date. This summary "
            "is not a tax form; keep it with your records."
        ),
        size=8,
    )
    return bytes(document.output())
