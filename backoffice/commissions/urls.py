from django.urls import path

from backoffice.commissions.views import explain, overview, statement

app_name = "commissions"

urlpatterns = [
    path("", overview.overview, name="overview"),
    path("what-if/", explain.what_if, name="what-if"),
    path("<int:number>/", statement.statement, name="statement"),
    path("<int:number>/statement.csv", statement.statement_csv, name="statement-csv"),
    path("<int:number>/statement.pdf", statement.statement_pdf, name="statement-pdf"),
    path("<int:number>/why/", explain.why, name="why"),
]
