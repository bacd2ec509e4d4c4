from django.urls import path

from backoffice.library import views

app_name = "library"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:material_id>/", views.detail, name="detail"),
    path("<int:material_id>/download/", views.download, name="download"),
    path("<int:material_id>/view/", views.inline, name="inline"),
    path("<int:material_id>/thumbnail/", views.thumbnail, name="thumbnail"),
    path("<int:material_id>/favourite/", views.favourite, name="favourite"),
    path("<int:material_id>/personalise/", views.personalise, name="personalise"),
]
