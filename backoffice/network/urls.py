from django.urls import path

from backoffice.network import views

app_name = "team"

urlpatterns = [
    path("", views.team_list, name="list"),
    path("export/", views.export, name="export"),
    path("tree/", views.tree_view, name="tree"),
    path("enrolled/", views.enrolled, name="enrolled"),
    path("enroll/", views.enroll, name="enroll"),
    path("message/", views.team_message, name="message"),
    path("<int:distributor_id>/", views.member_detail, name="member"),
]
