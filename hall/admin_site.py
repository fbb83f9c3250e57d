"""The back office's own admin site: branded in Chinese, and for an approver the review queue
first, with its pending / yellow / red counts on the index (one query)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The models a person works in every day come first on the index, in this order.
FIRST = (("cases", "review"), ("cases", "case"))


class HallAdminSite(admin.AdminSite):
    site_title = _("政务服务管理后台")
    index_title = _("工作台")

    @property
    def site_header(self) -> str:
        return gettext("%(hall)s · 管理后台") % {"hall": settings.HALL_NAME}

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        apps = super().get_app_list(request, app_label)

        def model_rank(model: dict) -> int:
            key = (model["model"]._meta.app_label, model["model"]._meta.model_name)
            return FIRST.index(key) if key in FIRST else len(FIRST)

        for app in apps:
            app["models"].sort(key=model_rank)
        # Stable: the apps holding the first models lead, the rest keep their order.
        apps.sort(key=lambda app: min((model_rank(m) for m in app["models"]), default=len(FIRST)))
        return apps

    def index(self, request: HttpRequest, extra_context: dict | None = None):
        # Imported here: this module is loaded with the app registry, before the models.
        from cases.access import is_approver
        from cases.selectors import review_queue_counts

        user = request.user
        context = {**(extra_context or {})}
        if is_approver(user) and user.department_id:
            context["review_queue"] = {
                "department": user.department.name,
                **review_queue_counts(user.department_id, timezone.localdate()),
            }
        return super().index(request, context)


class HallAdminConfig(AdminConfig):
    """``django.contrib.admin`` with ``HallAdminSite`` as ``admin.site``."""

    default_site = "hall.admin_site.HallAdminSite"
