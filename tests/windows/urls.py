"""The site's URLs with the clerk desk at ``/desk/``, whether or not ``hall.urls`` has it yet."""

from django.urls import include, path

from hall.urls import urlpatterns as hall_urlpatterns

_wired = any(getattr(p, "app_name", None) == "windows" for p in hall_urlpatterns)

urlpatterns = [
    *hall_urlpatterns,
    *([] if _wired else [path("desk/", include("windows.urls"))]),
]
