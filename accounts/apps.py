from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户与部门")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from .backends import login_failure_record

        # Django tells of a failed sign-in only by this signal (as django-axes hears it too).
        user_login_failed.connect(login_failure_record, dispatch_uid="accounts.login_failure")
