"""The site's URLs plus the supervision routes, until hall/urls.py includes them."""

from django.urls import include, path

from hall.supervision.api import SupervisionSummaryView
from hall.urls import urlpatterns as hall_urlpatterns

urlpatterns = [
    path("supervision/", include("hall.supervision.urls")),
    path(
        "api/v1/supervision/summary/",
        SupervisionSummaryView.as_view(),
        name="supervision-summary",
    ),
    *hall_urlpatterns,
]
