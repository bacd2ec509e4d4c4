from django.urls import path

from backoffice.shop.views import orders

app_name = "orders"

urlpatterns = [
    path("", orders.order_list, name="list"),
    path("<str:number>/", orders.order_detail, name="detail"),
]
