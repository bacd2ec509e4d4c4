from django.urls import path

from backoffice.commissions.views import staff

app_name = "payroll"

urlpatterns = [
    path("", staff.cycles, name="cycles"),
    path("calculate/", staff.calculate, name="calculate"),
    path("<int:number>/", staff.review, name="review"),
    path("<int:number>/recalculate/", staff.recalculate, name="recalculate"),
    path("<int:number>/approve/", staff.approve, name="approve"),
]
