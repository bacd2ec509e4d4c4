from django.urls import path

from backoffice.shop.views import inventory

app_name = "inventory"

urlpatterns = [
    path("", inventory.inventory, name="list"),
    path("history/", inventory.history, name="history"),
    path("add/", inventory.add_stock, name="add"),
    path("customers/", inventory.customers, name="customers"),
    path(
        "customers/<int:customer_id>/",
        inventory.customer_detail,
        name="customer",
    ),
    # Last: a product's SKU never shadows the pages above.
    path("<str:sku>/", inventory.item_detail, name="item"),
]
