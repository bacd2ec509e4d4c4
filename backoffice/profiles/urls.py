from django.urls import path

from backoffice.profiles.views import banking, profile

app_name = "profile"

urlpatterns = [
    path("", profile.home, name="home"),
    path("photo/", profile.upload_photo, name="photo-upload"),
    path("photo/remove/", profile.remove_photo, name="photo-remove"),
    path("photo/<int:distributor_id>/", profile.photo, name="photo"),
    path("email/", profile.change_email, name="email"),
    path("email/confirm/<str:token>/", profile.confirm_email, name="email-confirm"),
    path("data/", profile.download_data, name="data"),
    path("banking/", banking.banking, name="banking"),
    path("banking/edit/", banking.edit_banking, name="banking-edit"),
    path("banking/reveal/", banking.reveal_account, name="banking-reveal"),
    path("tax/", banking.tax, name="tax"),
    path("tax/edit/", banking.edit_tax, name="tax-edit"),
]
