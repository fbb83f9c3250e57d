from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("数据共享")

    def ready(self) -> None:
        from cases import satisfiers

        from .services import materials_fill_from_exchange

        satisfiers.register_filler(materials_fill_from_exchange)
