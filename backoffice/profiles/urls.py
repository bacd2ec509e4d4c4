from django.urls import path

from backoffice.profiles.views import banking

app_name = "profile"

urlpatterns = [
    path("banking/", banking.banking, name="banking"),
    path("banking/edit/", banking.edit_banking, name="banking-edit"),
    path("banking/reveal/", banking.reveal_account, name="banking-reveal"),
    path("tax/", banking.tax, name="tax"),
    path("tax/edit/", banking.edit_tax, name="tax-edit"),
]
