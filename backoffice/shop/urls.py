from django.urls import path

from backoffice.shop.views import catalog

app_name = "shop"

urlpatterns = [
    path("", catalog.catalog, name="catalog"),
]
