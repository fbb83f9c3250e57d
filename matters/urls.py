"""The citizen's catalog pages."""

from django.urls import path

from . import views

app_name = "matters"
urlpatterns = [
    path("matters/", views.matter_list, name="matter-list"),
    path("matters/<slug:code>/", views.matter_detail, name="matter-detail"),
    path("matters/<slug:code>/checklist/", views.matter_checklist, name="matter-checklist"),
    path("matters/<slug:code>/v/<int:version>/", views.matter_version, name="matter-version"),
    path("bundles/", views.bundle_list, name="bundle-list"),
    path("bundles/<slug:code>/", views.bundle_detail, name="bundle-detail"),
]
