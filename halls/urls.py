from django.urls import path

from . import views

app_name = "halls"
urlpatterns = [
    path("", views.hall_index, name="hall-list"),
    path("<slug:code>/", views.hall_detail, name="hall-detail"),
]
