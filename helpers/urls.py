from django.urls import path

from . import views

app_name = "helpers"
urlpatterns = [
    path("helper/", views.workbench, name="workbench"),
    path("helper/home-visits/<int:pk>/take/", views.take, name="take"),
    path("home-visits/", views.home_visits, name="home-visits"),
    path("home-visits/<int:pk>/assign/", views.assign, name="assign"),
]
