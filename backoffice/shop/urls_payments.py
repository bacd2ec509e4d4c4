from django.urls import path

from backoffice.shop.views import payments

app_name = "payments"

urlpatterns = [
    path("stripe/webhook/", payments.stripe_webhook, name="stripe-webhook"),
]
