"""The payer's page and the desk's counter payment (mounted at the root)."""

from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("pay/<str:reference>/", views.pay, name="pay"),
    path("desk/cases/<str:number>/payment/", views.counter_payment, name="counter-payment"),
    path(
        "desk/cases/<str:number>/payment/refund/",
        views.counter_refund,
        name="counter-refund",
    ),
]
