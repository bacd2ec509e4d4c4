"""The course completion certificate: one landscape PDF page drawn with fpdf2."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _
from fpdf import FPDF

from backoffice.commissions.pdf import latin1


def certificate_pdf(
    *, name: str, course: str, completed_on: date, compress: bool = True
) -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="Letter")
    pdf.set_compression(compress)
    pdf.set_title(latin1(_("Certificate of completion")))
    pdf.set_author(latin1(settings.COMPANY_NAME))
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    width = pdf.w - 40
    pdf.set_draw_color(122, 46, 29)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, pdf.w - 28, pdf.h - 28)

    pdf.set_xy(20, 34)
    pdf.set_font("Helvetica", "", 14)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(width, 10, latin1(settings.COMPANY_NAME), align="C")
    pdf.set_xy(20, 50)
    pdf.set_font("Helvetica", "B", 30)
    pdf.set_text_color(122, 46, 29)
    pdf.cell(width, 16, latin1(_("Certificate of completion")), align="C")
    pdf.set_xy(20, 78)
    pdf.set_font("Helvetica", "", 14)
    pdf.set_text_color(40, 40, 40)
    pdf.cell(width, 10, latin1(_("This certifies that")), align="C")
    pdf.set_xy(20, 92)
    pdf.set_font("Helvetica", "B", 26)
    pdf.cell(width, 14, latin1(name), align="C")
    pdf.set_xy(20, 114)
    pdf.set_font("Helvetica", "", 14)
    pdf.cell(width, 10, latin1(_("has completed the course")), align="C")
    pdf.set_xy(20, 128)
    pdf.set_font("Helvetica", "B", 20)
    pdf.multi_cell(width, 11, latin1(course), align="C")
    pdf.set_xy(20, 165)
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(
        width,
        8,
        latin1(_("Completed on %(date)s") % {"date": completed_on.isoformat()}),
        align="C",
    )
    return bytes(pdf.output())
