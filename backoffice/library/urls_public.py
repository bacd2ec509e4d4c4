from django.urls import path

from backoffice.library import views

app_name = "library-public"

urlpatterns = [
    path("<str:token>/", views.share, name="share"),
    path("<str:token>/thumbnail/", views.share_thumbnail, name="share-thumbnail"),
]
