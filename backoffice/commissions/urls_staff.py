from django.urls import path

from backoffice.commissions.views import payouts, staff

app_name = "payroll"

urlpatterns = [
    path("", staff.cycles, name="cycles"),
    path("calculate/", staff.calculate, name="calculate"),
    path("<int:number>/", staff.review, name="review"),
    path("<int:number>/recalculate/", staff.recalculate, name="recalculate"),
    path("<int:number>/approve/", staff.approve, name="approve"),
    path("<int:number>/payouts/", payouts.batch, name="batch"),
    path("<int:number>/payouts/create/", payouts.create_batch, name="create-batch"),
    path("<int:number>/payouts/ach.txt", payouts.nacha_file, name="nacha"),
    path("<int:number>/payouts/payouts.csv", payouts.batch_csv, name="batch-csv"),
    path("<int:number>/payouts/paid/", payouts.mark_paid, name="mark-paid"),
    path("holds/", payouts.holds, name="holds"),
    path("holds/<int:pk>/release/", payouts.release, name="release-hold"),
]
