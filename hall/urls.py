"""Top-level URLs: portal pages, the API (v1) and its documentation, the admin."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from notices.urls import message_urls
from windows.urls import public_urls

from . import views

urlpatterns = [
    # First: an API request is matched here instead of after every portal pattern (~50 µs a
    # request). No portal pattern matches a path under api/v1/, so the order changes nothing.
    path("api/v1/", include("hall.api.urls")),
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("care-mode/", views.care_mode, name="care-mode"),
    # The language switch: Django's set_language (POST), kept in the language cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", views.favicon),
    path("", include("matters.urls")),
    path("halls/", include("halls.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/email/", include("notices.urls")),
    path("messages/", include(message_urls)),
    path("", include("cases.urls")),
    path("desk/", include("windows.urls")),
    path("desk/", include("delivery.urls")),
    path("", include(public_urls)),
    path("supervision/", include("hall.supervision.urls")),
    path("", include("documents.urls")),
    path("", include("helpers.urls")),
    path("", include("exchange.urls")),
    path("", include("payments.urls")),
    path("", include("locker.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path(
        "api/docs/",
        csp_update(settings.API_DOCS_CSP_UPDATE)(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]

# Errors answer in the caller's shape: JSON under /api/, a page in Chinese elsewhere.
handler400 = "hall.errors.bad_request"
handler403 = "hall.errors.permission_denied"
handler404 = "hall.errors.page_not_found"
handler500 = "hall.errors.server_error"
