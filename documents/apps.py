from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("文书与电子证照")

    def ready(self) -> None:
        from cases import satisfiers

        from . import checks  # noqa: F401 - registers the system checks
        from .services import materials_satisfied_by_licences

        satisfiers.register(materials_satisfied_by_licences)
