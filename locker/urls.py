from django.urls import path

from . import views

app_name = "locker"
urlpatterns = [
    path("me/locker/", views.my_locker, name="my-locker"),
    path("me/locker/<int:pk>/remove/", views.remove, name="remove"),
]
