"""Users, their roles (groups) and departments; the applicant identity of citizens."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .identity import validate_credit_code, validate_id_number, validate_mobile


class Department(models.Model):
    """A government department that decides matters (部门)."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    phone = models.CharField(_("咨询电话"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class IdentityKind(models.TextChoices):
    PERSON = "person", _("个人")
    COMPANY = "company", _("法人/企业")


class User(AbstractUser):
    """A user of the portal: a citizen or company, or a member of staff.

    Citizens and companies carry their identity (ID number or credit code) so that
    applications can be filled from the profile (一表登记). Staff belong to a department.
    """

    name = models.CharField(_("姓名/名称"), max_length=100, blank=True)
    identity_kind = models.CharField(
        _("身份类型"), max_length=10, choices=IdentityKind.choices, blank=True
    )
    id_number = models.CharField(_("身份证号码"), max_length=18, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("所属部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    hall = models.ForeignKey(
        "halls.Hall",
        verbose_name=_("所在网点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("窗口人员和代办员所在的网点；未填的窗口人员在市民服务中心"),
    )
    # Set by every change of password; API tokens issued before it no longer work.
    password_changed_at = models.DateTimeField(
        _("密码修改时间"), null=True, blank=True, editable=False
    )
    authorised_departments = models.ManyToManyField(
        Department,
        verbose_name=_("窗口授权部门"),
        blank=True,
        related_name="authorised_clerks",
        help_text=_("窗口人员可当场办结这些部门的即办件"),
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~models.Q(id_number=""),
                name="user_unique_id_number",
            ),
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="user_unique_credit_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    def clean(self) -> None:
        super().clean()
        errors = {}
        for field, validator in (
            ("id_number", validate_id_number),
            ("credit_code", validate_credit_code),
            ("phone", validate_mobile),
        ):
            value = getattr(self, field)
            if value:
                try:
                    setattr(self, field, validator(value))
                except ValidationError as exc:
                    errors[field] = exc.messages
        if self.identity_kind == IdentityKind.PERSON and not self.id_number:
            errors.setdefault("id_number", []).append(_("个人用户须填写身份证号码。"))
        if self.identity_kind == IdentityKind.COMPANY and not self.credit_code:
            errors.setdefault("credit_code", []).append(_("企业用户须填写统一社会信用代码。"))
        if errors:
            raise ValidationError(errors)

    def set_password(self, raw_password) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def display_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        """How the admin greets the person (欢迎，…): their name, not a login name."""
        return self.display_name

    def role_names(self) -> list[str]:
        """The user's role names, from groups (prefetch ``groups`` for lists)."""
        return sorted(group.name for group in self.groups.all())

    def has_role(self, role: str) -> bool:
        """Whether the user is in the role's group (read once per user object)."""
        if "_role_cache" not in self.__dict__:
            self._role_cache = {group.name for group in self.groups.all()}
        return role in self._role_cache

    @property
    def identity_number(self) -> str:
        return self.credit_code if self.identity_kind == IdentityKind.COMPANY else self.id_number


class IdempotencyKey(models.Model):
    """An API POST's ``Idempotency-Key`` and the answer it got, to replay on a repeat."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class PasswordResetCode(models.Model):
    """A code sent by SMS to reset a forgotten password: single-use, short-lived, a few tries.

    Only a keyed digest is kept; the code itself is in the SMS alone.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="password_reset_codes",
    )
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("密码重设验证码")
        verbose_name_plural = _("密码重设验证码")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"
