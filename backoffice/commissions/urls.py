from django.urls import path

from backoffice.commissions.views import explain, overview, statement, tax

app_name = "commissions"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("what-if/", explain.what_if, name="what-if"),
    path("tax/", tax.tax_years, name="tax-years"),
    path("tax/<int:year>/", tax.tax_summary, name="tax"),
    path("tax/<int:year>/summary.pdf", tax.tax_summary_pdf, name="tax-pdf"),
    path("<int:number>/", statement.statement, name="statement"),
    path("<int:number>/statement.csv", statement.statement_csv, name="statement-csv"),
    path("<int:number>/statement.pdf", statement.statement_pdf, name="statement-pdf"),
    path("<int:number>/why/", explain.why, name="why"),
]
