"""Sign-in credentials: API tokens, password change, and the reset of a forgotten password by a
code sent in an SMS to the account's registered mobile.

Every change of password revokes every API token of the user; Django's session check (the
password hash in the session) signs out the user's other browsers.
"""

import datetime
import secrets

from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from knox.models import AuthToken

from .exceptions import PasswordError
from .identity import validate_credit_code, validate_id_number
from .models import PasswordResetCode, User
from .services import password_problems

RESET_CODE_DIGITS = 6


def token_issue(*, user: User) -> str:
    """A new API token for ``user``, valid for ``API_TOKEN_DAYS``; only its digest is kept."""
    _instance, token = AuthToken.objects.create(user=user)
    return token


def token_revoke(*, token: AuthToken) -> None:
    """Revoke one API token (sign-out of that client)."""
    token.delete()


def tokens_revoke_all(*, user: User) -> int:
    """Revoke every API token of ``user``; the number revoked."""
    deleted, _by_model = AuthToken.objects.filter(user=user).delete()
    return deleted


def _set_password(user: User, new_password: str) -> None:
    problems = password_problems(new_password, user)
    if problems:
        raise PasswordError(problems[0], code="weak_password", extra={"new_password": problems})
    user.set_password(new_password)
    user.save(update_fields=["password", "password_changed_at"])
    tokens_revoke_all(user=user)


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> None:
    """The signed-in user changes their own password, knowing the old one.

    Refuses a wrong old password (``wrong_password``) and a password Django's validators
    refuse (``weak_password``); then revokes every API token of the user.
    """
    user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    if not user.check_password(old_password or ""):
        raise PasswordError(
            _("原密码不正确。"),
            code="wrong_password",
            extra={"old_password": [_("原密码不正确。")]},
        )
    if old_password == new_password:
        message = _("新密码不能与原密码相同。")
        raise PasswordError(message, code="weak_password", extra={"new_password": [message]})
    _set_password(user, new_password)


def account_for_reset(identifier: str) -> User | None:
    """The account a forgotten-password request names (its ID number, credit code or user
    name), when it may be reset online: an active citizen or company account with a mobile.

    Staff accounts are reset by an administrator, never by SMS.
    """
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    for validator in (validate_id_number, validate_credit_code):
        try:
            identifier = validator(identifier)
        except ValidationError:
            continue
        break
    accounts = User.objects.filter(is_active=True, is_staff=False, is_superuser=False).exclude(
        phone=""
    )
    for lookup in ("username__iexact", "id_number", "credit_code"):
        user = accounts.filter(**{lookup: identifier}).first()
        if user is not None:
            return user
    return None


def reset_sent_message() -> str:
    """What a reset request is answered, whether or not the account exists."""
    return _("如果该账号存在并登记了手机号码，验证码已通过短信发送，%(minutes)d分钟内有效。") % {
        "minutes": settings.PASSWORD_RESET_CODE_MINUTES
    }


def _code_digest(user: User, code: str) -> str:
    return salted_hmac("accounts.password_reset", f"{user.pk}:{code}").hexdigest()


@transaction.atomic
def password_reset_request(*, identifier: str, at: datetime.datetime | None = None) -> None:
    """Send a reset code by SMS to the registered mobile of the account ``identifier`` names.

    Answers nothing: the caller says the same whether or not such an account exists. Sends
    nothing for an unknown account, nor past ``PASSWORD_RESET_PER_ACCOUNT_HOUR`` codes in an
    hour; a new code makes the earlier ones void.
    """
    now = at or timezone.now()
    user = account_for_reset(identifier)
    if user is None:
        return
    # One request at a time per account, so that the hourly count holds under a burst.
    user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    recent = PasswordResetCode.objects.filter(
        user=user, created_at__gt=now - datetime.timedelta(hours=1)
    ).count()
    if recent >= settings.PASSWORD_RESET_PER_ACCOUNT_HOUR:
        return
    PasswordResetCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    code = f"{secrets.randbelow(10**RESET_CODE_DIGITS):0{RESET_CODE_DIGITS}d}"
    minutes = settings.PASSWORD_RESET_CODE_MINUTES
    row = PasswordResetCode.objects.create(
        user=user,
        digest=_code_digest(user, code),
        created_at=now,
        expires_at=now + datetime.timedelta(minutes=minutes),
    )
    # The notices app sits above accounts: imported late, as every floor above is.
    from notices.models import Channel
    from notices.services import notice_create

    notice_create(
        key=f"password-reset:{row.pk}",
        channel=Channel.SMS,
        template="password_reset_code",
        context={"code": code, "minutes": minutes, "hall": settings.HALL_NAME},
        recipient=user,
    )


def _invalid_code() -> PasswordError:
    return PasswordError(_("验证码错误或已失效，请重新获取。"), code="invalid_code")


def password_reset_confirm(
    *, identifier: str, code: str, new_password: str, at: datetime.datetime | None = None
) -> User:
    """Set a new password with the code sent by ``password_reset_request``.

    The code is good once, until it expires, for ``PASSWORD_RESET_CODE_ATTEMPTS`` tries; an
    unknown account, a wrong, used or expired code all get the same ``invalid_code``. A weak
    new password (``weak_password``) does not use up the code. On success every API token of
    the user is revoked and the sign-in lockout of the username lifted.
    """
    now = at or timezone.now()
    with transaction.atomic():
        user = account_for_reset(identifier)
        row = None
        if user is not None:
            row = (
                PasswordResetCode.objects.select_for_update(of=("self",))
                .filter(
                    user=user,
                    used_at__isnull=True,
                    expires_at__gt=now,
                    attempts__lt=settings.PASSWORD_RESET_CODE_ATTEMPTS,
                )
                .order_by("-created_at")
                .first()
            )
        if row is None:
            raise _invalid_code()
        matches = constant_time_compare(row.digest, _code_digest(user, (code or "").strip()))
        if matches:
            _set_password(user, new_password)
            row.used_at = now
            row.save(update_fields=["used_at"])
        else:
            # Counted in its own commit: the refusal below must not roll the count back.
            row.attempts += 1
            row.save(update_fields=["attempts"])
    if not matches:
        raise _invalid_code()
    axes_reset(username=user.username)
    return user


def credentials_purge_expired(*, at: datetime.datetime | None = None) -> int:
    """Delete expired API tokens and reset codes past any use (a day after they expired, so
    that the hourly count of codes per account still sees them); the number deleted."""
    now = at or timezone.now()
    tokens, _by_model = AuthToken.objects.filter(expiry__lt=now).delete()
    codes, _by_model = PasswordResetCode.objects.filter(
        expires_at__lt=now - datetime.timedelta(days=1)
    ).delete()
    return tokens + codes
