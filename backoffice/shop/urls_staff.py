from django.urls import path

from backoffice.shop.views import staff

app_name = "fulfilment"

urlpatterns = [
    path("", staff.queue, name="queue"),
]
