from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HallConfig(AppConfig):
    name = "hall"
    verbose_name = _("服务大厅")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .log_filters import install_access_log_filters
        from .reactions import register_all
        from .sessions import limit_staff_session

        register_all()
        install_access_log_filters()
        # Every sign-in (portal, admin, tests' force_login) goes through auth.login().
        user_logged_in.connect(limit_staff_session, dispatch_uid="hall.limit_staff_session")
