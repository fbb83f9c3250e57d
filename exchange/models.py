"""The log of lookups in the government data exchange (数据共享), one row per item asked.

Every lookup is kept (PIPL accountability): which item, for which case, by which department
or hall, when, why, what came back. The person looked up sees their own rows
(``/me/data-access/``); approvers of the case see the snapshot of what was found.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, IdentityKind
from cases.models import Case, CaseMaterial
from halls.models import Hall
from matters.models import DataItem


class LookupOutcome(models.TextChoices):
    FOUND = "found", _("查到")
    NOT_FOUND = "not_found", _("未查到")
    # The exchange did not answer (down, timed out, refused): the material is to be brought.
    UNAVAILABLE = "unavailable", _("平台暂不可用")


class DataLookup(models.Model):
    # Empty while the case is being created (the lookup runs and is logged before the
    # case's transaction) and for good if that creation failed: the fact stays logged.
    case = models.ForeignKey(
        Case,
        verbose_name=_("办件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_lookups",
    )
    material = models.ForeignKey(
        CaseMaterial,
        verbose_name=_("材料"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="data_lookups",
    )
    data_item = models.ForeignKey(
        DataItem, verbose_name=_("共享数据项"), on_delete=models.PROTECT, related_name="+"
    )
    # The identity looked up, stored as given (shown masked wherever the viewer is not its owner).
    identity_kind = models.CharField(_("主体类型"), max_length=10, choices=IdentityKind.choices)
    identity = models.CharField(_("证件号码"), max_length=18)
    department = models.ForeignKey(
        Department,
        verbose_name=_("查询部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hall = models.ForeignKey(
        Hall,
        verbose_name=_("查询网点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("查询时间"))
    purpose = models.CharField(_("查询事由"), max_length=300)
    source = models.CharField(_("数据来源"), max_length=20)
    outcome = models.CharField(_("查询结果"), max_length=12, choices=LookupOutcome.choices)
    # What the exchange returned for a found item: {"fields": [{"label", "value"}], …}.
    snapshot = models.JSONField(_("数据快照"), default=dict, blank=True)

    class Meta:
        verbose_name = _("共享数据查询记录")
        verbose_name_plural = _("共享数据查询记录")
        ordering = ["-at", "-id"]
        indexes = [
            # The person's own list (newest first) and the case's.
            models.Index(fields=["identity", "-at", "-id"], name="datalookup_identity_at"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.data_item_id} {self.outcome}"
