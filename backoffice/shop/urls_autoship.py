from django.urls import path

from backoffice.shop.views import autoship

app_name = "autoship"

urlpatterns = [
    path("", autoship.home, name="home"),
    path("start/", autoship.start, name="start"),
    path("edit/", autoship.edit, name="edit"),
    path("skip/", autoship.skip, name="skip"),
    path("pause/", autoship.pause, name="pause"),
    path("resume/", autoship.resume, name="resume"),
    path("cancel/", autoship.cancel, name="cancel"),
    path("card/", autoship.save_card, name="card"),
]
