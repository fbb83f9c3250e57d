from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HallConfig(AppConfig):
    name = "hall"
    verbose_name = _("服务大厅")

    def ready(self) -> None:
        from .reactions import register_all

        register_all()
