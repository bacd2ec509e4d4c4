from django.urls import path

from backoffice.support import views

app_name = "support"

urlpatterns = [
    path("", views.help_center, name="help"),
    path("articles/<slug:slug>/", views.article, name="article"),
    path("tickets/", views.ticket_list, name="tickets"),
    path("tickets/new/", views.new_ticket, name="new-ticket"),
    path("tickets/<str:code>/", views.ticket, name="ticket"),
    path("tickets/<str:code>/reply/", views.reply, name="reply"),
    path("tickets/<str:code>/close/", views.close, name="close"),
    path("tickets/<str:code>/reopen/", views.reopen, name="reopen"),
    path("tickets/<str:code>/files/<str:token>/", views.attachment, name="attachment"),
]
