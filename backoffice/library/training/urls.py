from django.urls import path

from backoffice.library.training import views

app_name = "training"

urlpatterns = [
    path("", views.index, name="index"),
    path("webinars/", views.webinars, name="webinars"),
    path("webinars/<int:webinar_id>/", views.webinar, name="webinar"),
    path("webinars/<int:webinar_id>/register/", views.register, name="register"),
    path("webinars/<int:webinar_id>/calendar.ics", views.webinar_ics, name="ics"),
    path("webinars/<int:webinar_id>/recording/", views.recording, name="recording"),
    path("team/", views.team, name="team"),
    path("team/<str:distributor_id>/", views.team_member, name="team-member"),
    path("<slug:course_slug>/", views.course, name="course"),
    path("<slug:course_slug>/certificate.pdf", views.certificate, name="certificate"),
    path("<slug:course_slug>/<slug:lesson_slug>/", views.lesson, name="lesson"),
    path(
        "<slug:course_slug>/<slug:lesson_slug>/complete/",
        views.complete,
        name="complete",
    ),
    path("<slug:course_slug>/<slug:lesson_slug>/quiz/", views.quiz, name="quiz"),
    path(
        "<slug:course_slug>/<slug:lesson_slug>/file/",
        views.lesson_file,
        name="lesson-file",
    ),
]
