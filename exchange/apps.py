from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("数据共享")

    def ready(self) -> None:
        from cases import satisfiers

        from .services import (
            PREPARER,
            data_materials_recheck,
            lookups_prepare,
            materials_fill_from_exchange,
            materials_forget_previous_applicant,
        )

        satisfiers.register_preparer(PREPARER, lookups_prepare)
        satisfiers.register_filler(materials_fill_from_exchange)
        satisfiers.register_identity_change(materials_forget_previous_applicant)
        satisfiers.register_rechecker(data_materials_recheck)
