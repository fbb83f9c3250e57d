"""Top-level URLs: portal pages, the API (v1) and its documentation, the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from windows.urls import public_urls

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("matters.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/email/", include("notices.urls")),
    path("", include("cases.urls")),
    path("desk/", include("windows.urls")),
    path("", include(public_urls)),
    path("supervision/", include("hall.supervision.urls")),
    path("", include("documents.urls")),
    path("api/v1/", include("hall.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
