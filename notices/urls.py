"""The account's e-mail address pages, under /accounts/email/."""

from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("", views.email_address, name="email"),
    path("confirm/<str:token>/", views.email_confirm, name="email-confirm"),
    path("remove/", views.email_remove, name="email-remove"),
]

# Mounted at /messages/ by hall.urls.
message_urls = (
    [path("", views.message_centre, name="message-centre")],
    "messages",
)
