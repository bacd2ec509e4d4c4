from django.urls import path

from backoffice.shop.views import orders

app_name = "orders"

urlpatterns = [
    path("", orders.order_list, name="list"),
    path("<str:number>/", orders.order_detail, name="detail"),
    path("<str:number>/cancel/", orders.order_cancel, name="cancel"),
    path("<str:number>/return/", orders.return_request, name="return"),
    path(
        "<str:number>/returns/<int:pk>/cancel/",
        orders.return_cancel,
        name="return-cancel",
    ),
]
