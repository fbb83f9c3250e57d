"""The desk's courier pages, mounted under ``/desk/`` (``path("desk/", include(...))``)."""

from django.urls import path

from . import views

app_name = "delivery"
urlpatterns = [
    path(
        "cases/<str:number>/shipment/reorder/",
        views.shipment_reorder_view,
        name="shipment-reorder",
    ),
]
