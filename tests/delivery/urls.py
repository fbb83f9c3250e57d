"""The project's URLs with the courier webhook at its contract path, for these tests alone
(until it is wired in ``hall/api/urls.py`` the project does not route it)."""

from django.urls import Resolver404, path, resolve

from delivery.api import CourierWebhookView
from hall.urls import urlpatterns as project_urlpatterns

WEBHOOK = "/api/v1/delivery/webhook/"

try:
    resolve(WEBHOOK, urlconf="hall.urls")
    urlpatterns = list(project_urlpatterns)
except Resolver404:
    urlpatterns = [
        path(WEBHOOK.lstrip("/"), CourierWebhookView.as_view(), name="delivery-webhook"),
        *project_urlpatterns,
    ]
