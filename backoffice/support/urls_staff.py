from django.urls import path

from backoffice.support import views_staff

app_name = "helpdesk"

urlpatterns = [
    path("", views_staff.inbox, name="inbox"),
    path("<str:code>/", views_staff.ticket, name="ticket"),
    path("<str:code>/reply/", views_staff.reply, name="reply"),
    path("<str:code>/note/", views_staff.note, name="note"),
    path("<str:code>/assign/", views_staff.assign, name="assign"),
    path("<str:code>/status/", views_staff.status, name="status"),
]
