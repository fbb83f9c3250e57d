from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("me/data-access/", views.my_data_access, name="my-data-access"),
]
