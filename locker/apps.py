from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LockerConfig(AppConfig):
    name = "locker"
    verbose_name = _("材料库")

    def ready(self) -> None:
        from cases import satisfiers

        from .services import locker_fill, locker_recheck, locker_unfill

        # At filing, after the e-licences: what the applicant's locker keeps is not asked
        # again; at submission and acceptance, what was withdrawn or expired since is.
        satisfiers.register_filler(locker_fill)
        satisfiers.register_rechecker(locker_recheck)
        # A draft's applicant changed: the former applicant's locker gives nothing to it.
        satisfiers.register_identity_change(locker_unfill)
