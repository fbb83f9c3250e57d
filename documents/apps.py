from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("文书与电子证照")

    def ready(self) -> None:
        from cases import satisfiers

        from .services import materials_satisfied_by_licences

        satisfiers.register(materials_satisfied_by_licences)
