"""Supervision dashboard URLs, under ``/supervision/``."""

from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("report.pdf", views.report, name="report"),
    path("export/<str:table>.<str:fmt>", views.export, name="dashboard-export"),
]
